// A window with only the debrief (`irsim debrief`, `irsim replay --debrief-screenshot`): the same
// GLFW + Vulkan + ImGui set-up as the simulator window, without the fluoroscopy monitor.
#include <algorithm>
#include <cstdio>

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_vulkan.h>

#include "app/window/debrief_view.h"
#include "app/window/app_window.h"
#include "app/window/presenter.h"
#include "core/error.h"
#include "core/image_io.h"
#include "core/log.h"
#include "render/image_blit.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // the VkXxxInfo x{sType} idiom

namespace irsim::app {

namespace {

constexpr int kWidth = 1280, kHeight = 800;  // the simulator's fixed layout

}  // namespace

int runDebriefWindow(const LoadedDebrief& data, std::shared_ptr<const patient::Patient> patient, int quitAfterFrames,
                     const std::string& screenshotPath) {
    AppWindow app(kWidth, kHeight, "irsim debrief - " + data.debrief.title);
    GLFWwindow* window = app.window();
    render::Context& ctx = app.context();
    Presenter& presenter = app.presenter();
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(window, &fbw, &fbh);

    int status = 0;
    {
        render::ImageBlitter blitter(ctx, presenter.renderPass());
        DebriefView view(ctx, blitter, data, std::move(patient), quitAfterFrames > 0);
        for (int frameNo = 1; !glfwWindowShouldClose(window) && !view.closeRequested(); ++frameNo) {
            glfwPollEvents();
            ImGui_ImplVulkan_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            ImGui::NewFrame();
            view.draw(static_cast<float>(kWidth), static_cast<float>(kHeight));
            ImGui::Render();
            const bool shoot = quitAfterFrames > 0 && frameNo >= quitAfterFrames;
            std::vector<uint8_t> pixels;
            presenter.frame(
                static_cast<uint32_t>(fbw), static_cast<uint32_t>(fbh), [](VkCommandBuffer) {},
                [&](VkCommandBuffer cmd) {
                    view.setCommandBuffer(cmd);
                    ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), cmd);
                },
                shoot && !screenshotPath.empty() ? &pixels : nullptr);
            if (shoot) {
                if (!screenshotPath.empty()) {
                    const VkExtent2D e = presenter.extent();
                    writePngRgba(screenshotPath, static_cast<int>(e.width), static_cast<int>(e.height), pixels);
                    std::printf("screenshot: %s (%ux%u)\n", screenshotPath.c_str(), e.width, e.height);
                }
                break;
            }
        }
        ctx.waitIdle();
        if (ctx.validationEnabled()) {
            std::printf("Vulkan validation errors: %d\n", ctx.validationErrorCount());
            if (ctx.validationErrorCount() > 0) status = 3;
        }
    }
    return status;
}

}  // namespace irsim::app
