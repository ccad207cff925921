#pragma once
// The 3D view's vessel lumens and devices (render/view3d.h, View3dTube): capsules moved into the
// camera's frame and binned to the shader's 16x16 tiles, and the CPU mirror of their
// intersection and shading in shaders/view3d.comp (float arithmetic in the shader's order).
#include <cstdint>
#include <vector>

#include <glm/glm.hpp>

#include "view3d_shared.h"

namespace irsim::render {

struct OrbitCamera;
struct View3dTube;

// What the shader reads: the capsules (lumens first, then devices) and, per tile, [start, end) in
// `bins` of the indices of those whose screen box touches it (tiles + 1 offsets, then the lists).
struct View3dTubeBins {
    std::vector<gpu::View3dTube> tubes;
    std::vector<uint32_t> bins;
    int lumens = 0;
};
View3dTubeBins binView3dTubes(const OrbitCamera& camera, int size, const std::vector<View3dTube>& tubes);

// The ray r (unit, camera frame) entering capsule T: t in mm from the eye, or 1e30 when it misses.
float view3dCapsuleHit(const gpu::View3dTube& T, const glm::vec3& r);
// The headlight shading of T where the ray meets it at t.
float view3dTubeShade(const gpu::View3dTube& T, const glm::vec3& r, float t);

}  // namespace irsim::render
