#include "app/window/presenter.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include <imgui.h>
#include <imgui_impl_vulkan.h>

#include "core/image_io.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // the VkXxxInfo x{sType} idiom

namespace irsim::app {

using render::check;

Presenter::Presenter(render::Context& ctx, uint32_t width, uint32_t height) : ctx_(ctx) {
    VkDevice d = ctx.device();
    // Pick the surface format before the render pass: UNORM so ImGui's colours are not re-encoded.
    uint32_t n = 0;
    vkGetPhysicalDeviceSurfaceFormatsKHR(ctx.physicalDevice(), ctx.surface(), &n, nullptr);
    std::vector<VkSurfaceFormatKHR> formats(n);
    vkGetPhysicalDeviceSurfaceFormatsKHR(ctx.physicalDevice(), ctx.surface(), &n, formats.data());
    if (formats.empty()) throw render::VulkanError("the window surface offers no format", VK_ERROR_FORMAT_NOT_SUPPORTED);
    format_ = formats[0].format;
    for (const auto& f : formats)
        if (f.format == VK_FORMAT_B8G8R8A8_UNORM || f.format == VK_FORMAT_R8G8B8A8_UNORM) {
            format_ = f.format;
            break;
        }
    VkAttachmentDescription colour{};
    colour.format = format_;
    colour.samples = VK_SAMPLE_COUNT_1_BIT;
    colour.loadOp = VK_ATTACHMENT_LOAD_OP_CLEAR;
    colour.storeOp = VK_ATTACHMENT_STORE_OP_STORE;
    colour.stencilLoadOp = VK_ATTACHMENT_LOAD_OP_DONT_CARE;
    colour.stencilStoreOp = VK_ATTACHMENT_STORE_OP_DONT_CARE;
    colour.initialLayout = VK_IMAGE_LAYOUT_UNDEFINED;
    colour.finalLayout = VK_IMAGE_LAYOUT_PRESENT_SRC_KHR;
    VkAttachmentReference ref{0, VK_IMAGE_LAYOUT_COLOR_ATTACHMENT_OPTIMAL};
    VkSubpassDescription sub{};
    sub.pipelineBindPoint = VK_PIPELINE_BIND_POINT_GRAPHICS;
    sub.colorAttachmentCount = 1;
    sub.pColorAttachments = &ref;
    VkSubpassDependency dep{};
    dep.srcSubpass = VK_SUBPASS_EXTERNAL;
    dep.dstSubpass = 0;
    dep.srcStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    dep.dstStageMask = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    dep.dstAccessMask = VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT;
    VkRenderPassCreateInfo rp{VK_STRUCTURE_TYPE_RENDER_PASS_CREATE_INFO};
    rp.attachmentCount = 1;
    rp.pAttachments = &colour;
    rp.subpassCount = 1;
    rp.pSubpasses = &sub;
    rp.dependencyCount = 1;
    rp.pDependencies = &dep;
    check(vkCreateRenderPass(d, &rp, nullptr, &renderPass_), "vkCreateRenderPass");

    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = ctx.commandPool();
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = render::kFramesInFlight;
    check(vkAllocateCommandBuffers(d, &ai, cmd_), "vkAllocateCommandBuffers");
    for (uint32_t i = 0; i < render::kFramesInFlight; ++i) {
        VkFenceCreateInfo fi{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
        fi.flags = VK_FENCE_CREATE_SIGNALED_BIT;
        check(vkCreateFence(d, &fi, nullptr, &fence_[i]), "vkCreateFence");
        VkSemaphoreCreateInfo si{VK_STRUCTURE_TYPE_SEMAPHORE_CREATE_INFO};
        check(vkCreateSemaphore(d, &si, nullptr, &acquired_[i]), "vkCreateSemaphore");
        check(vkCreateSemaphore(d, &si, nullptr, &rendered_[i]), "vkCreateSemaphore");
    }
    createSwapchain(width, height);
}

Presenter::~Presenter() {
    VkDevice d = ctx_.device();
    vkDeviceWaitIdle(d);
    destroySwapchain();
    for (uint32_t i = 0; i < render::kFramesInFlight; ++i) {
        vkDestroyFence(d, fence_[i], nullptr);
        vkDestroySemaphore(d, acquired_[i], nullptr);
        vkDestroySemaphore(d, rendered_[i], nullptr);
    }
    vkFreeCommandBuffers(d, ctx_.commandPool(), render::kFramesInFlight, cmd_);
    vkDestroyRenderPass(d, renderPass_, nullptr);
}

void Presenter::createSwapchain(uint32_t width, uint32_t height) {
    VkDevice d = ctx_.device();
    VkSurfaceCapabilitiesKHR caps;
    check(vkGetPhysicalDeviceSurfaceCapabilitiesKHR(ctx_.physicalDevice(), ctx_.surface(), &caps),
          "vkGetPhysicalDeviceSurfaceCapabilitiesKHR");
    extent_ = caps.currentExtent;
    if (extent_.width == UINT32_MAX) {
        extent_.width = std::clamp(width, caps.minImageExtent.width, caps.maxImageExtent.width);
        extent_.height = std::clamp(height, caps.minImageExtent.height, caps.maxImageExtent.height);
    }
    uint32_t count = std::max(caps.minImageCount + 1, 2u);
    if (caps.maxImageCount) count = std::min(count, caps.maxImageCount);
    VkSwapchainCreateInfoKHR ci{VK_STRUCTURE_TYPE_SWAPCHAIN_CREATE_INFO_KHR};
    ci.surface = ctx_.surface();
    ci.minImageCount = count;
    ci.imageFormat = format_;
    ci.imageColorSpace = VK_COLOR_SPACE_SRGB_NONLINEAR_KHR;
    ci.imageExtent = extent_;
    ci.imageArrayLayers = 1;
    // TRANSFER_SRC: screenshots read the presented image back.
    ci.imageUsage = VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT;
    ci.imageSharingMode = VK_SHARING_MODE_EXCLUSIVE;
    ci.preTransform = caps.currentTransform;
    ci.compositeAlpha = VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR;
    ci.presentMode = VK_PRESENT_MODE_FIFO_KHR;  // always available; paces the loop to the display
    ci.clipped = VK_TRUE;
    check(vkCreateSwapchainKHR(d, &ci, nullptr, &swapchain_), "vkCreateSwapchainKHR");
    uint32_t n = 0;
    vkGetSwapchainImagesKHR(d, swapchain_, &n, nullptr);
    images_.resize(n);
    vkGetSwapchainImagesKHR(d, swapchain_, &n, images_.data());
    for (VkImage im : images_) {
        VkImageViewCreateInfo vi{VK_STRUCTURE_TYPE_IMAGE_VIEW_CREATE_INFO};
        vi.image = im;
        vi.viewType = VK_IMAGE_VIEW_TYPE_2D;
        vi.format = format_;
        vi.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        VkImageView view;
        check(vkCreateImageView(d, &vi, nullptr, &view), "vkCreateImageView (swapchain)");
        views_.push_back(view);
        VkFramebufferCreateInfo fi{VK_STRUCTURE_TYPE_FRAMEBUFFER_CREATE_INFO};
        fi.renderPass = renderPass_;
        fi.attachmentCount = 1;
        fi.pAttachments = &view;
        fi.width = extent_.width;
        fi.height = extent_.height;
        fi.layers = 1;
        VkFramebuffer fb;
        check(vkCreateFramebuffer(d, &fi, nullptr, &fb), "vkCreateFramebuffer");
        framebuffers_.push_back(fb);
    }
}

void Presenter::destroySwapchain() {
    VkDevice d = ctx_.device();
    for (auto fb : framebuffers_) vkDestroyFramebuffer(d, fb, nullptr);
    for (auto v : views_) vkDestroyImageView(d, v, nullptr);
    framebuffers_.clear();
    views_.clear();
    images_.clear();
    if (swapchain_) vkDestroySwapchainKHR(d, swapchain_, nullptr);
    swapchain_ = VK_NULL_HANDLE;
}

bool Presenter::frame(uint32_t width, uint32_t height, const std::function<void(VkCommandBuffer)>& compute,
                      const std::function<void(VkCommandBuffer)>& draw, std::vector<uint8_t>* screenshot) {
    VkDevice d = ctx_.device();
    check(vkWaitForFences(d, 1, &fence_[slot_], VK_TRUE, UINT64_MAX), "vkWaitForFences");
    ctx_.beginFrameSlot(slot_);
    uint32_t index = 0;
    VkResult r = vkAcquireNextImageKHR(d, swapchain_, UINT64_MAX, acquired_[slot_], VK_NULL_HANDLE, &index);
    if (r == VK_ERROR_OUT_OF_DATE_KHR) {
        vkDeviceWaitIdle(d);
        destroySwapchain();
        createSwapchain(width, height);
        return false;
    }
    if (r != VK_SUBOPTIMAL_KHR) check(r, "vkAcquireNextImageKHR");
    check(vkResetFences(d, 1, &fence_[slot_]), "vkResetFences");
    VkCommandBuffer cmd = cmd_[slot_];
    check(vkResetCommandBuffer(cmd, 0), "vkResetCommandBuffer");
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
    check(vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
    compute(cmd);
    VkClearValue clear{};
    clear.color = {{0.06f, 0.06f, 0.07f, 1.0f}};
    VkRenderPassBeginInfo rb{VK_STRUCTURE_TYPE_RENDER_PASS_BEGIN_INFO};
    rb.renderPass = renderPass_;
    rb.framebuffer = framebuffers_[index];
    rb.renderArea = {{0, 0}, extent_};
    rb.clearValueCount = 1;
    rb.pClearValues = &clear;
    vkCmdBeginRenderPass(cmd, &rb, VK_SUBPASS_CONTENTS_INLINE);
    draw(cmd);
    vkCmdEndRenderPass(cmd);
    render::Buffer readback;
    if (screenshot) {
        readback = ctx_.createBuffer(static_cast<VkDeviceSize>(extent_.width) * extent_.height * 4,
                                     VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
        render::transitionImage(cmd, images_[index], VK_IMAGE_LAYOUT_PRESENT_SRC_KHR,
                                VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT,
                                VK_ACCESS_COLOR_ATTACHMENT_WRITE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                                VK_ACCESS_TRANSFER_READ_BIT);
        VkBufferImageCopy region{};
        region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        region.imageExtent = {extent_.width, extent_.height, 1};
        vkCmdCopyImageToBuffer(cmd, images_[index], VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, readback.buffer, 1, &region);
        render::transitionImage(cmd, images_[index], VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL,
                                VK_IMAGE_LAYOUT_PRESENT_SRC_KHR, VK_PIPELINE_STAGE_TRANSFER_BIT,
                                VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, 0);
    }
    check(vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
    const VkPipelineStageFlags wait = VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
    VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
    si.waitSemaphoreCount = 1;
    si.pWaitSemaphores = &acquired_[slot_];
    si.pWaitDstStageMask = &wait;
    si.commandBufferCount = 1;
    si.pCommandBuffers = &cmd;
    si.signalSemaphoreCount = 1;
    si.pSignalSemaphores = &rendered_[slot_];
    check(ctx_.queueSubmit(si, fence_[slot_]), "vkQueueSubmit");
    VkPresentInfoKHR pi{VK_STRUCTURE_TYPE_PRESENT_INFO_KHR};
    pi.waitSemaphoreCount = 1;
    pi.pWaitSemaphores = &rendered_[slot_];
    pi.swapchainCount = 1;
    pi.pSwapchains = &swapchain_;
    pi.pImageIndices = &index;
    r = vkQueuePresentKHR(ctx_.queue(), &pi);
    if (screenshot) {
        check(vkWaitForFences(d, 1, &fence_[slot_], VK_TRUE, UINT64_MAX), "vkWaitForFences");
        const auto* src = static_cast<const uint8_t*>(readback.mapped);
        const size_t count = static_cast<size_t>(extent_.width) * extent_.height;
        screenshot->resize(count * 4);
        const bool bgra = format_ == VK_FORMAT_B8G8R8A8_UNORM || format_ == VK_FORMAT_B8G8R8A8_SRGB;
        for (size_t i = 0; i < count; ++i) {
            (*screenshot)[4 * i + 0] = src[4 * i + (bgra ? 2 : 0)];
            (*screenshot)[4 * i + 1] = src[4 * i + 1];
            (*screenshot)[4 * i + 2] = src[4 * i + (bgra ? 0 : 2)];
            (*screenshot)[4 * i + 3] = 255;
        }
        ctx_.release(readback);
    }
    slot_ = (slot_ + 1) % render::kFramesInFlight;
    if (r == VK_ERROR_OUT_OF_DATE_KHR || r == VK_SUBOPTIMAL_KHR) {
        vkDeviceWaitIdle(d);
        destroySwapchain();
        createSwapchain(width, height);
        return true;
    }
    check(r, "vkQueuePresentKHR");
    return true;
}


void Presenter::imguiFrame(int width, int height, const std::vector<VkCommandBuffer*>& panelCmds,
                           const std::string& screenshotPath) {
    std::vector<uint8_t> pixels;
    frame(
        static_cast<uint32_t>(width), static_cast<uint32_t>(height), [](VkCommandBuffer) {},
        [&](VkCommandBuffer cmd) {
            for (VkCommandBuffer* c : panelCmds) *c = cmd;
            ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), cmd);
        },
        screenshotPath.empty() ? nullptr : &pixels);
    if (screenshotPath.empty()) return;
    writePngRgba(screenshotPath, static_cast<int>(extent_.width), static_cast<int>(extent_.height), pixels);
    std::printf("screenshot: %s (%ux%u)\n", screenshotPath.c_str(), extent_.width, extent_.height);
}

}  // namespace irsim::app
