#include "render/volume_upload.h"

#include <algorithm>

namespace irsim::render {

Image uploadVolume(Context& ctx, VkFormat format, int floatsPerVoxel, const glm::ivec3& dims, const SlabFill& fill) {
    Image image = createVolume(ctx, format, dims);
    fillVolume(ctx, image, floatsPerVoxel, dims, fill);
    return image;
}

Image createVolume(Context& ctx, VkFormat format, const glm::ivec3& dims) {
    return ctx.createImage(VK_IMAGE_TYPE_3D, format,
                           {static_cast<uint32_t>(dims.x), static_cast<uint32_t>(dims.y), static_cast<uint32_t>(dims.z)},
                           VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
}

void fillVolume(Context& ctx, const Image& image, int floatsPerVoxel, const glm::ivec3& dims, const SlabFill& fill) {
    const size_t sliceBytes = static_cast<size_t>(dims.x) * dims.y * sizeof(float) * floatsPerVoxel;
    const int slab = std::max(1, static_cast<int>((32u << 20) / sliceBytes));
    Buffer staging = ctx.createBuffer(static_cast<VkDeviceSize>(slab) * sliceBytes, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
    for (int k0 = 0; k0 < dims.z; k0 += slab) {
        const int nk = std::min(slab, dims.z - k0);
        fill(k0, nk, static_cast<float*>(staging.mapped));
        ctx.submitAndWait([&](VkCommandBuffer cmd) {
            transitionImage(cmd, image.image,
                            k0 == 0 ? VK_IMAGE_LAYOUT_UNDEFINED : VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL,
                            VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0,
                            VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
            VkBufferImageCopy region{};
            region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
            region.imageOffset = {0, 0, k0};
            region.imageExtent = {static_cast<uint32_t>(dims.x), static_cast<uint32_t>(dims.y), static_cast<uint32_t>(nk)};
            vkCmdCopyBufferToImage(cmd, staging.buffer, image.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
            transitionImage(cmd, image.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                            VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                            VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                            VK_ACCESS_SHADER_READ_BIT);
        });
    }
    ctx.release(staging);
}

}  // namespace irsim::render
