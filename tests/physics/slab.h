#pragma once
// Test scenes: a homogeneous slab of one labelled tissue behind air, along +y.
#include <string>

#include "patient/patient.h"

namespace irsim::physics::test {

struct Slab {
    patient::CtVolume ct;
    patient::LabelMap labels;
    patient::LabelTable names;
};

// Air for y < airMm, then the structure `name` (label 1, HU `hu`) to the end; 1 mm voxels,
// x and z in [-10, 10] mm (or wider for curved paths), y in [0, lengthMm].
inline Slab makeSlab(const std::string& name, int16_t hu, double airMm = 10.0, double lengthMm = 140.0,
                     double halfWidthMm = 10.0) {
    Slab s;
    patient::VolumeGeometry g;
    g.spacing = glm::dvec3(1.0);
    g.origin = glm::dvec3(-halfWidthMm, 0.0, -halfWidthMm);
    g.dims = glm::ivec3(int(2 * halfWidthMm) + 1, int(lengthMm) + 1, int(2 * halfWidthMm) + 1);
    s.ct.allocate(g, -1000);
    s.labels.allocate(g, 0);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i)
                if (j >= airMm) {
                    s.ct.at(i, j, k) = hu;
                    s.labels.at(i, j, k) = 1;
                }
    s.names = {{1, name}};
    return s;
}

}  // namespace irsim::physics::test
