#pragma once
// A 3D image filled on the CPU slab by slab, so the staging buffer stays small (a 512x512x300 CT
// is 1.2 GiB as four floats a voxel); left in SHADER_READ_ONLY_OPTIMAL for compute shaders. The
// one upload path of the GPU DRR and the fluoroscope's compositions.
#include <functional>

#include <glm/vec3.hpp>

#include "render/context.h"

namespace irsim::render {

// fill(firstSlice, slices, dst): write `slices` z-slices of floats (`floatsPerVoxel` a voxel) into
// dst.
using SlabFill = std::function<void(int firstSlice, int slices, float* dst)>;

Image uploadVolume(Context& ctx, VkFormat format, int floatsPerVoxel, const glm::ivec3& dims, const SlabFill& fill);

// The image alone (its contents undefined until fillVolume), and the fill of one made so: a
// caller that binds the image now and fills it later.
Image createVolume(Context& ctx, VkFormat format, const glm::ivec3& dims);
void fillVolume(Context& ctx, const Image& image, int floatsPerVoxel, const glm::ivec3& dims, const SlabFill& fill);

}  // namespace irsim::render
