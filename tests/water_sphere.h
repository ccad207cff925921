#pragma once
// A water sphere alone in air on a cube of 1 mm voxels centred on the origin, voxels inside when
// their centre is within radiusMm: with radiusMm = n + 0.5 the voxel at n mm along a grid axis is
// water and the one at n + 1 mm air, and the trilinear ramp between them integrates to a surface
// at n + 0.5 mm, so the central chord is 2 radiusMm of water.
#include <glm/glm.hpp>

#include "patient/volume.h"

namespace irsim::test {

inline patient::CtVolume waterSphereCt(int voxelsPerSide, double radiusMm) {
    patient::CtVolume ct;
    patient::VolumeGeometry g;
    g.dims = glm::ivec3(voxelsPerSide);
    g.spacing = glm::dvec3(1.0);
    g.origin = glm::dvec3(-0.5 * (voxelsPerSide - 1));
    ct.allocate(g, -1000);
    for (int k = 0; k < voxelsPerSide; ++k)
        for (int j = 0; j < voxelsPerSide; ++j)
            for (int i = 0; i < voxelsPerSide; ++i)
                if (glm::length(g.voxelToPatient({i, j, k})) <= radiusMm) ct.at(i, j, k) = 0;
    return ct;
}

}  // namespace irsim::test
