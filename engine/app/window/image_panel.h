#pragma once
// An image of ours in an ImGui panel: Debian's ImGui 1.86 Vulkan backend binds only its font
// texture, so a panel's image is drawn by our own pipeline (render::ImageBlitter) from an
// ImDrawList callback, clipped to the panel (docs/rendering.md).
#include <algorithm>
#include <string>

#include <imgui.h>

#include "render/image_blit.h"

namespace irsim::app {

// What the draw callback needs: the blitter, the image's set, the frame's command buffer (set each
// frame before rendering) and the rectangle on screen.
struct ImagePanel {
    const render::ImageBlitter* blitter = nullptr;
    VkDescriptorSet set = VK_NULL_HANDLE;
    VkCommandBuffer cmd = VK_NULL_HANDLE;
    ImVec2 min, max;
    std::string showing;  // what the image is when its panel should say so ("DSA"); "" otherwise
};

// The callback to pass to ImDrawList::AddCallback with an ImagePanel* as its data.
inline void drawImagePanel(const ImDrawList*, const ImDrawCmd* pcmd) {
    const auto* p = static_cast<const ImagePanel*>(pcmd->UserCallbackData);
    if (p->cmd == VK_NULL_HANDLE) return;
    const ImVec4 c = pcmd->ClipRect;
    VkRect2D scissor;
    scissor.offset = {std::max(0, static_cast<int>(c.x)), std::max(0, static_cast<int>(c.y))};
    scissor.extent = {static_cast<uint32_t>(std::max(0.0f, c.z - static_cast<float>(scissor.offset.x))),
                      static_cast<uint32_t>(std::max(0.0f, c.w - static_cast<float>(scissor.offset.y)))};
    p->blitter->draw(p->cmd, p->set, p->min.x, p->min.y, p->max.x - p->min.x, p->max.y - p->min.y, scissor);
}

}  // namespace irsim::app
