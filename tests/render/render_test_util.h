#pragma once
// Shared by the render tests: validation on for the test's lifetime, shader cache in the build.
#include <cmath>
#include <cstdlib>
#include <string>

#include "patient/volume.h"

namespace irsim::render::testing {

// Air with a water sphere (r 40 mm), a cortical-bone-like slab (+1000 HU, 20 mm thick) and a
// fat cube (-100 HU), on an anisotropic grid whose axes are not the LPS axes, so every term of the
// march (spacing, direction, box clipping) is exercised.
inline patient::CtVolume analyticPhantom() {
    patient::CtVolume ct;
    patient::VolumeGeometry g;
    g.dims = {72, 64, 56};
    g.spacing = {2.0, 2.5, 3.0};
    // Rotated 90 degrees about z: i runs toward the patient's back, j toward the patient's right.
    g.direction = glm::dmat3(glm::dvec3(0, 1, 0), glm::dvec3(-1, 0, 0), glm::dvec3(0, 0, 1));
    const glm::dvec3 half = glm::dvec3(g.dims - 1) * g.spacing * 0.5;
    g.origin = -(g.direction * half);
    ct.allocate(g, -1000);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const glm::dvec3 p = g.voxelToPatient({i, j, k});
                int16_t hu = -1000;
                if (glm::length(p - glm::dvec3(10, 0, 5)) < 40.0) hu = 0;
                if (std::abs(p.z - 50.0) < 10.0 && std::abs(p.x) < 60.0) hu = 1000;
                if (std::abs(p.x + 45) < 12 && std::abs(p.y + 30) < 12 && std::abs(p.z + 40) < 12) hu = -100;
                ct.at(i, j, k) = hu;
            }
    return ct;
}

struct ValidationOn {
    ValidationOn() { setenv("IRSIM_VALIDATION", "1", 1); }
};

}  // namespace irsim::render::testing
