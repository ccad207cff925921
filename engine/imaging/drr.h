#pragma once
// Digitally reconstructed radiographs on the CPU: the reference every GPU image is tested against.
//
// Detector pixel (c, r), c = 0..cols-1 left to right, r = 0..rows-1 top to bottom, has its centre at
//   detectorCentre + imageRight * ((c + 0.5) / cols - 0.5) * detectorWidthMm
//                  + imageUp    * (0.5 - (r + 0.5) / rows) * detectorHeightMm
// and its ray runs from the focal spot to that centre (carm.h gives the frame).
//
// The ray march, exactly (a GPU port must follow it step for step; docs/imaging.md):
//  1. Ray from `from` (the focal spot) to `to` (the pixel centre): unit direction u, distance t in
//     mm from `from`, t in [0, |to - from|].
//  2. Continuous voxel index coordinates q = geometry.patientToVoxel(p); voxel centres sit at
//     integer q. The volume's box is q in [-0.5, dims - 0.5] on every axis (the outer faces of the
//     edge voxels). The ray is clipped to that box (slab method) and to [0, |to - from|], giving
//     [tEnter, tExit]; an empty interval gives 0. An axis along which the ray does not move
//     (|dq/dt| < 1e-12) keeps the ray if its q lies in [-0.5, dims - 0.5] on that axis.
//  3. n = ceil((tExit - tEnter) / stepMm) segments; segment k spans
//     [tEnter + k * stepMm, min(tEnter + (k + 1) * stepMm, tExit)], so the last one may be
//     shorter. Each segment contributes (its length) x (the sample at its midpoint).
//  4. Sample: each voxel's HU is first turned into water-equivalent density
//     rho = 1 + max(HU, -1000) / 1000, then rho is interpolated trilinearly at q clamped to
//     [0, dims - 1] on every axis (clamp to edge: the outer half voxel takes the edge value; this
//     is what a texture with CLAMP_TO_EDGE and coordinate (q + 0.5) / dims returns).
//  5. The pixel's value is the sum over segments, mm of water. Arithmetic in double on the CPU.
#include <glm/glm.hpp>

#include "core/image_io.h"
#include "imaging/carm.h"
#include "patient/volume.h"

namespace irsim::imaging {

struct DetectorGrid {
    int cols = 512;
    int rows = 512;
};

// Water-equivalent path length per pixel, mm: the sum over the ray of (1 + HU/1000) * length with
// HU clamped at -1000 (no material model, no devices, no noise), so that it compares pixel by
// pixel with other DRR tools (plastimatch's value is this times 0.0022). Trilinear samples every
// stepMm along the ray inside the volume's box (the march above). Rows run on std::thread workers;
// each pixel is computed alone, so the image does not depend on the number of threads.
GreyImage waterEquivalentPathImage(const patient::CtVolume& ct, const CArmPose& pose,
                                   const DetectorGrid& grid, double stepMm = 1.0);

// The same sum along one ray from `from` to `to` (LPS mm).
double waterEquivalentPathMm(const patient::CtVolume& ct, const glm::dvec3& from,
                             const glm::dvec3& to, double stepMm = 1.0);

// LPS mm centre of detector pixel (c, r) for a pose (the formula above).
glm::dvec3 detectorPixelCentre(const CArmFrame& frame, const CArmPose& pose, const DetectorGrid& grid,
                               double col, double row);

// The part of the segment [from, to] inside the volume's box (step 2 above), as distances in mm
// from `from`. Returns false when the ray misses the box.
bool clipRayToVolume(const patient::VolumeGeometry& g, const glm::dvec3& from, const glm::dvec3& to,
                     double& tEnter, double& tExit);

}  // namespace irsim::imaging
