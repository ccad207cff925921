#include "imaging/drr.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "imaging/parallel.h"
#include "imaging/raymarch.h"

namespace irsim::imaging {

namespace {

// Water-equivalent density of one voxel (drr.h step 4).
inline double waterDensity(int16_t hu) { return 1.0 + std::max<double>(hu, -1000.0) / 1000.0; }

}  // namespace

bool clipRayToVolume(const patient::VolumeGeometry& g, const glm::dvec3& from, const glm::dvec3& to,
                     double& tEnter, double& tExit) {
    const double len = glm::length(to - from);
    if (!(len > 0.0) || g.dims.x <= 0 || g.dims.y <= 0 || g.dims.z <= 0) return false;
    const glm::dvec3 q0 = g.patientToVoxel(from);
    const glm::dvec3 dq = (g.patientToVoxel(to) - q0) / len;
    double lo = 0.0, hi = len;
    for (int a = 0; a < 3; ++a) {
        const double boxLo = -0.5, boxHi = g.dims[a] - 0.5;
        if (std::abs(dq[a]) < 1e-12) {
            if (q0[a] < boxLo || q0[a] > boxHi) return false;
            continue;
        }
        double ta = (boxLo - q0[a]) / dq[a];
        double tb = (boxHi - q0[a]) / dq[a];
        if (ta > tb) std::swap(ta, tb);
        lo = std::max(lo, ta);
        hi = std::min(hi, tb);
    }
    if (!(hi > lo)) return false;
    tEnter = lo;
    tExit = hi;
    return true;
}

glm::dvec3 detectorPixelCentre(const CArmFrame& frame, const CArmPose& pose, const DetectorGrid& grid,
                               double col, double row) {
    return frame.detectorCentre +
           frame.imageRight * (((col + 0.5) / grid.cols - 0.5) * pose.detectorWidthMm) +
           frame.imageUp * ((0.5 - (row + 0.5) / grid.rows) * pose.detectorHeightMm);
}

double waterEquivalentPathMm(const patient::CtVolume& ct, const glm::dvec3& from, const glm::dvec3& to,
                             double stepMm) {
    double sum = 0.0;
    marchRay(ct.geometry, from, to, stepMm, [&](const glm::dvec3& q, double lengthMm) {
        const TrilinearStencil s(ct.geometry, q);
        sum += lengthMm * s.apply(ct.voxels, waterDensity);
    });
    return sum;
}

GreyImage waterEquivalentPathImage(const patient::CtVolume& ct, const CArmPose& pose,
                                   const DetectorGrid& grid, double stepMm) {
    GreyImage image;
    image.width = grid.cols;
    image.height = grid.rows;
    image.pixels.assign(static_cast<size_t>(grid.cols) * grid.rows, 0.0f);
    const CArmFrame frame = frameOf(pose);
    forEachRow(grid.rows, [&](int r) {
        for (int c = 0; c < grid.cols; ++c) {
            const glm::dvec3 pixel = detectorPixelCentre(frame, pose, grid, c, r);
            image.at(c, r) = static_cast<float>(waterEquivalentPathMm(ct, frame.source, pixel, stepMm));
        }
    });
    return image;
}

}  // namespace irsim::imaging
