#include "render/grey_texture.h"

#include <algorithm>
#include <cmath>

namespace irsim::render {

GreyTexture::GreyTexture(Context& ctx, uint32_t side) : ctx_(ctx), side_(side) {
    texture_ = ctx_.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {side, side, 1},
                                VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    staging_ = ctx_.createBuffer(VkDeviceSize(side) * side * 4, VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
    ctx_.submitAndWait([&](VkCommandBuffer cmd) {
        transitionImage(cmd, texture_.image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                        VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                        VK_ACCESS_SHADER_READ_BIT);
    });
}

GreyTexture::~GreyTexture() {
    ctx_.release(texture_);
    ctx_.release(staging_);
}

// Fills the staging buffer (side x side RGBA) with pixelAt(x, y, rgba) after the device is idle,
// then copies it into the texture.
template <class PixelAt>
void GreyTexture::fill(PixelAt pixelAt) {
    const int n = static_cast<int>(side_);
    ctx_.waitIdle();
    auto* dst = static_cast<uint8_t*>(staging_.mapped);
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) pixelAt(x, y, dst + (static_cast<size_t>(y) * n + x) * 4);
    copyStagingToTexture();
}

void GreyTexture::upload(const GreyImage& im) {
    hasImage_ = !im.pixels.empty();
    if (!hasImage_) return;
    const int n = static_cast<int>(side_);
    fill([&](int x, int y, uint8_t* p) {
        const float v = im.at(x * im.width / n, y * im.height / n);
        p[0] = p[1] = p[2] = static_cast<uint8_t>(std::lround(std::clamp(v, 0.0f, 1.0f) * 255.0f));
        p[3] = 255;
    });
}

void GreyTexture::uploadRgba(int width, int height, const std::vector<uint8_t>& rgba) {
    hasImage_ = width > 0 && height > 0 && rgba.size() == static_cast<size_t>(width) * height * 4;
    if (!hasImage_) return;
    const int n = static_cast<int>(side_);
    fill([&](int x, int y, uint8_t* p) {
        const uint8_t* s = &rgba[(static_cast<size_t>(y * height / n) * width + x * width / n) * 4];
        std::copy(s, s + 4, p);
    });
}

void GreyTexture::copyStagingToTexture() {
    ctx_.submitAndWait([&](VkCommandBuffer cmd) {
        transitionImage(cmd, texture_.image, VK_IMAGE_LAYOUT_GENERAL, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                        VK_PIPELINE_STAGE_ALL_COMMANDS_BIT, VK_ACCESS_SHADER_READ_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_TRANSFER_WRITE_BIT);
        VkBufferImageCopy region{};
        region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        region.imageExtent = {side_, side_, 1};
        vkCmdCopyBufferToImage(cmd, staging_.buffer, texture_.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
        transitionImage(cmd, texture_.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, VK_IMAGE_LAYOUT_GENERAL,
                        VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                        VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
    });
}

}  // namespace irsim::render
