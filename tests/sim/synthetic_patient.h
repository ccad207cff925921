#pragma once
// A small analytic patient for simulation tests: a water cylinder (HU 0) along the z axis in air,
// with a cube labelled vertebrae_L1 at a known place.
#include <memory>

#include "patient/patient.h"

namespace irsim::test {

inline constexpr double kCylinderRadiusMm = 100.0;

inline std::shared_ptr<patient::Patient> cylinderPatient() {
    auto p = std::make_shared<patient::Patient>();
    p->source = "synthetic water cylinder";
    patient::VolumeGeometry g;
    g.dims = {121, 121, 41};
    g.spacing = {2.0, 2.0, 2.0};
    g.origin = {-120.0, -120.0, -40.0};
    p->ct.allocate(g, -1000);
    p->labels.allocate(g, 0);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const glm::dvec3 x = g.voxelToPatient({i, j, k});
                if (x.x * x.x + x.y * x.y <= kCylinderRadiusMm * kCylinderRadiusMm) p->ct.at(i, j, k) = 0;
                if (std::abs(x.x - 10.0) <= 10.0 && std::abs(x.y - 20.0) <= 10.0 && std::abs(x.z) <= 10.0)
                    p->labels.at(i, j, k) = 31;
            }
    p->labelNames[31] = "vertebrae_L1";
    return p;
}

}  // namespace irsim::test
