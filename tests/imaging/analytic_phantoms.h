#pragma once
// Analytic test objects voxelised with partial-volume fractions, and their exact line integrals.
// Each voxel's HU is the volume-weighted mix of the object and the background, found by
// supersampling voxels near the surface, so the voxel grid carries the object's true mass.
#include <algorithm>
#include <cmath>
#include <functional>

#include <glm/glm.hpp>

#include "patient/volume.h"

namespace irsim::testing {

inline patient::VolumeGeometry cubeGeometry(int n, double spacingMm, glm::dvec3 centre = glm::dvec3(0.0)) {
    patient::VolumeGeometry g;
    g.dims = {n, n, n};
    g.spacing = glm::dvec3(spacingMm);
    g.origin = centre - glm::dvec3(0.5 * (n - 1) * spacingMm);
    return g;
}

// inside(p) for LPS points; signedDistance used only to decide which voxels need supersampling.
inline patient::CtVolume voxelise(const patient::VolumeGeometry& g,
                                  const std::function<double(const glm::dvec3&)>& signedDistanceMm,
                                  double objectHu, double backgroundHu, int super = 6) {
    patient::CtVolume ct;
    ct.allocate(g, static_cast<int16_t>(backgroundHu));
    const double halfDiag = 0.5 * glm::length(g.spacing);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const glm::dvec3 c = g.voxelToPatient({i, j, k});
                const double d = signedDistanceMm(c);
                double frac;
                if (d < -halfDiag) frac = 1.0;
                else if (d > halfDiag) frac = 0.0;
                else {
                    int in = 0;
                    for (int c3 = 0; c3 < super; ++c3)
                        for (int b = 0; b < super; ++b)
                            for (int a = 0; a < super; ++a) {
                                const glm::dvec3 off{(a + 0.5) / super - 0.5, (b + 0.5) / super - 0.5,
                                                     (c3 + 0.5) / super - 0.5};
                                if (signedDistanceMm(g.voxelToPatient(glm::dvec3(i, j, k) + off)) < 0.0) ++in;
                            }
                    frac = static_cast<double>(in) / (super * super * super);
                }
                ct.at(i, j, k) = static_cast<int16_t>(std::lround(backgroundHu + frac * (objectHu - backgroundHu)));
            }
    return ct;
}

// Length of the segment [a, b] inside a sphere.
inline double chordInSphere(const glm::dvec3& a, const glm::dvec3& b, const glm::dvec3& centre, double r) {
    const glm::dvec3 u = glm::normalize(b - a);
    const double len = glm::length(b - a);
    const double tc = glm::dot(centre - a, u);
    const double d2 = glm::dot(centre - a, centre - a) - tc * tc;
    if (d2 >= r * r) return 0.0;
    const double h = std::sqrt(r * r - d2);
    return std::max(0.0, std::min(len, tc + h) - std::max(0.0, tc - h));
}

// Length of [a, b] inside an infinite cylinder of radius r around the line through `centre` along
// unit `axis`.
inline double chordInCylinder(const glm::dvec3& a, const glm::dvec3& b, const glm::dvec3& centre,
                              const glm::dvec3& axis, double r) {
    const glm::dvec3 u = glm::normalize(b - a);
    const double len = glm::length(b - a);
    const glm::dvec3 w = a - centre;
    const glm::dvec3 up = u - axis * glm::dot(u, axis);
    const glm::dvec3 wp = w - axis * glm::dot(w, axis);
    const double A = glm::dot(up, up), B = 2.0 * glm::dot(up, wp), C = glm::dot(wp, wp) - r * r;
    if (A < 1e-15) return C < 0.0 ? len : 0.0;
    const double disc = B * B - 4.0 * A * C;
    if (disc <= 0.0) return 0.0;
    const double t0 = (-B - std::sqrt(disc)) / (2.0 * A), t1 = (-B + std::sqrt(disc)) / (2.0 * A);
    return std::max(0.0, std::min(len, t1) - std::max(0.0, t0));
}

}  // namespace irsim::testing
