#pragma once
// Draws a sampled RGBA image into a rectangle of a render pass (the window's monitor and CT
// panels): a graphics pipeline of our own, used from an ImGui draw callback, so the ImGui backend
// stays as shipped (its Vulkan backend binds only its font texture).
#include "render/context.h"

namespace irsim::render {

class ImageBlitter {
public:
    ImageBlitter(Context& ctx, VkRenderPass renderPass);
    ~ImageBlitter();
    ImageBlitter(const ImageBlitter&) = delete;
    ImageBlitter& operator=(const ImageBlitter&) = delete;

    // A descriptor set that samples `image` (in VK_IMAGE_LAYOUT_GENERAL) bilinearly.
    VkDescriptorSet setFor(const Image& image);
    // Draws the image stretched over the rectangle (framebuffer pixels), clipped to `scissor`.
    void draw(VkCommandBuffer cmd, VkDescriptorSet set, float x, float y, float w, float h,
              const VkRect2D& scissor) const;

private:
    Context& ctx_;
    VkDescriptorSetLayout setLayout_ = VK_NULL_HANDLE;
    VkPipelineLayout layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
    VkDescriptorPool pool_ = VK_NULL_HANDLE;
    VkSampler sampler_ = VK_NULL_HANDLE;
};

}  // namespace irsim::render
