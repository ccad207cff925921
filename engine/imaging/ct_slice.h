#pragma once
// CT guidance on the CPU: planar slices resampled from the CT (trilinear in HU), window/level,
// and devices drawn into them. The reference for the GPU slice (render/ct_slice.h).
//
// A slice is a grid of cols x rows pixels on a plane in the patient frame (LPS, mm): pixel (c, r)
// (c left to right, r top to bottom, row 0 at the top) has its centre at
//   centreLps + right * ((c + 0.5) / cols - 0.5) * widthMm + down * ((r + 0.5) / rows - 0.5) * heightMm.
// Views as radiologists read them:
//   axial     seen from the feet: right = +x (patient's left on the image's right), down = +y
//             (anterior at the top);
//   coronal   seen from the front: right = +x, down = -z (head at the top);
//   sagittal  seen from the patient's left: right = +y (anterior on the left), down = -z.
// The viewing direction (into the screen) is normal() = cross(right, down): +z, +y, -x.
#include <vector>

#include <glm/glm.hpp>

#include "core/image_io.h"
#include "patient/volume.h"

namespace irsim::imaging {

struct WindowLevel {
    double widthHu = 400.0;
    double levelHu = 40.0;
    static WindowLevel softTissue() { return {400.0, 40.0}; }
    static WindowLevel liver() { return {150.0, 60.0}; }
    static WindowLevel bone() { return {1800.0, 400.0}; }
    static WindowLevel lung() { return {1500.0, -600.0}; }
};

struct SlicePlane {
    glm::dvec3 centreLps{0.0};
    glm::dvec3 right{1.0, 0.0, 0.0};  // unit
    glm::dvec3 down{0.0, 1.0, 0.0};   // unit, perpendicular to right
    double widthMm = 400.0, heightMm = 400.0;
    int cols = 512, rows = 512;

    glm::dvec3 normal() const { return glm::cross(right, down); }
    glm::dvec3 pixelCentre(double c, double r) const {
        return centreLps + right * (((c + 0.5) / cols - 0.5) * widthMm) + down * (((r + 0.5) / rows - 0.5) * heightMm);
    }
    // The same plane moved `mm` along normal() (scrolling through the stack).
    SlicePlane scrolled(double mm) const;
};

SlicePlane axialPlane(const glm::dvec3& centre, double fieldOfViewMm, int size);
SlicePlane coronalPlane(const glm::dvec3& centre, double fieldOfViewMm, int size);
SlicePlane sagittalPlane(const glm::dvec3& centre, double fieldOfViewMm, int size);
// Any plane through `centre` with viewing direction `normal`: down is the in-plane direction
// nearest to the feet (-z), or to posterior (+y) for planes within ~25 degrees of axial.
SlicePlane obliquePlane(const glm::dvec3& centre, const glm::dvec3& normal, double fieldOfViewMm, int size);
// The plane that contains the needle (hub -> tip) and is nearest to axial (CT-guided needles are
// planned in the gantry plane), turned `aroundDeg` about the needle's axis, centred on the tip;
// down is the in-plane direction nearest to posterior (+y), or to the feet when that is the axis.
SlicePlane needlePlane(const glm::dvec3& hub, const glm::dvec3& tip, double fieldOfViewMm, int size,
                       double aroundDeg = 0.0);

// HU at every pixel: trilinear between voxel centres (clamped to the edge voxels within the
// volume's box, q in [-0.5, dims - 0.5] as in drr.h); -1000 (air) outside the box. Rows in parallel.
GreyImage resampleSlice(const patient::CtVolume& ct, const SlicePlane& plane);

// grey = clamp((HU - (level - width / 2)) / width, 0, 1).
GreyImage applyWindow(const GreyImage& hu, const WindowLevel& window);

// Draws the part of a device polyline (LPS mm) within slabMm of the plane, projected onto it, as a
// line radiusMm wide in the plane: every pixel whose centre lies within radiusMm of the projected
// segments gets `value`. Returns the number of pixels it changed.
int drawPolyline(GreyImage& image, const SlicePlane& plane, const std::vector<glm::dvec3>& pointsLps,
                 double radiusMm, float value, double slabMm = 5.0);

}  // namespace irsim::imaging
