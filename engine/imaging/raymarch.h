#pragma once
// The one ray march every CPU image uses (drr.h states it step by step), written once as templates
// so the water-equivalent DRR and the material DRR sample the same points with the same weights.
#include <algorithm>
#include <cmath>
#include <cstddef>

#include <glm/glm.hpp>

#include "patient/volume.h"

namespace irsim::imaging {

// Trilinear stencil at continuous voxel coordinates q (clamped to [0, dims-1] first): 8 voxel
// indices and weights, so several voxel arrays can be read with one stencil.
struct TrilinearStencil {
    size_t index[8];
    double weight[8];

    TrilinearStencil(const patient::VolumeGeometry& g, glm::dvec3 q) {
        int i0[3], i1[3];
        double f[3];
        for (int a = 0; a < 3; ++a) {
            const int n = g.dims[a];
            const double c = std::clamp(q[a], 0.0, static_cast<double>(n - 1));
            int lo = static_cast<int>(std::floor(c));
            lo = std::min(lo, std::max(n - 2, 0));
            i0[a] = lo;
            i1[a] = std::min(lo + 1, n - 1);
            f[a] = c - lo;
        }
        int m = 0;
        for (int dk = 0; dk < 2; ++dk)
            for (int dj = 0; dj < 2; ++dj)
                for (int di = 0; di < 2; ++di) {
                    index[m] = g.index(di ? i1[0] : i0[0], dj ? i1[1] : i0[1], dk ? i1[2] : i0[2]);
                    weight[m] = (di ? f[0] : 1.0 - f[0]) * (dj ? f[1] : 1.0 - f[1]) *
                                (dk ? f[2] : 1.0 - f[2]);
                    ++m;
                }
    }

    template <class Array, class Map>
    double apply(const Array& voxels, Map map) const {
        double s = 0.0;
        for (int m = 0; m < 8; ++m) s += weight[m] * map(voxels[index[m]]);
        return s;
    }
};

bool clipRayToVolume(const patient::VolumeGeometry& g, const glm::dvec3& from, const glm::dvec3& to,
                     double& tEnter, double& tExit);

// Calls visit(q, lengthMm) for each segment of the march from `from` to `to`: q is the segment's
// midpoint in continuous voxel coordinates (not yet clamped), lengthMm its length.
template <class Visit>
void marchRay(const patient::VolumeGeometry& g, const glm::dvec3& from, const glm::dvec3& to,
              double stepMm, Visit&& visit) {
    double t0 = 0.0, t1 = 0.0;
    if (!clipRayToVolume(g, from, to, t0, t1)) return;
    const double len = glm::length(to - from);
    const glm::dvec3 q0 = g.patientToVoxel(from);
    const glm::dvec3 dq = (g.patientToVoxel(to) - q0) / len;  // voxel units per mm along the ray
    const long n = static_cast<long>(std::ceil((t1 - t0) / stepMm));
    for (long k = 0; k < n; ++k) {
        const double a = t0 + k * stepMm;
        const double b = std::min(t0 + (k + 1) * stepMm, t1);
        const double mid = 0.5 * (a + b);
        visit(q0 + dq * mid, b - a);
    }
}

}  // namespace irsim::imaging
