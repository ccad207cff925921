#pragma once
// The window's side of Vulkan: swapchain, one render pass (the ImGui pass, which our own image
// pipeline shares), framebuffers, per-frame command buffers and synchronisation, and read-back of
// the presented image for screenshots. Objects come from and go back to render::Context.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "render/context.h"

namespace irsim::app {

class Presenter {
public:
    Presenter(render::Context& ctx, uint32_t width, uint32_t height);
    ~Presenter();

    VkRenderPass renderPass() const { return renderPass_; }
    uint32_t imageCount() const { return static_cast<uint32_t>(images_.size()); }
    VkExtent2D extent() const { return extent_; }

    // One frame: waits for the slot's previous use, acquires an image, records `compute` (outside
    // the render pass) and `draw` (inside it), submits and presents. With `screenshot`, the
    // presented pixels come back as RGBA8 (top row first). Returns false when the swapchain had to
    // be rebuilt (the frame is skipped).
    bool frame(uint32_t width, uint32_t height, const std::function<void(VkCommandBuffer)>& compute,
               const std::function<void(VkCommandBuffer)>& draw, std::vector<uint8_t>* screenshot);

    // A frame of ImGui's draw data alone (panels of ours among it get the frame's command buffer);
    // with `screenshotPath`, the frame is saved there as PNG and its name printed.
    void imguiFrame(int width, int height, const std::vector<VkCommandBuffer*>& panelCmds, const std::string& screenshotPath);

private:
    void createSwapchain(uint32_t width, uint32_t height);
    void destroySwapchain();

    render::Context& ctx_;
    VkSwapchainKHR swapchain_ = VK_NULL_HANDLE;
    VkFormat format_ = VK_FORMAT_B8G8R8A8_UNORM;
    VkExtent2D extent_{0, 0};
    VkRenderPass renderPass_ = VK_NULL_HANDLE;
    std::vector<VkImage> images_;
    std::vector<VkImageView> views_;
    std::vector<VkFramebuffer> framebuffers_;
    VkCommandBuffer cmd_[render::kFramesInFlight]{};
    VkFence fence_[render::kFramesInFlight]{};
    VkSemaphore acquired_[render::kFramesInFlight]{};
    VkSemaphore rendered_[render::kFramesInFlight]{};
    uint32_t slot_ = 0;
};

}  // namespace irsim::app
