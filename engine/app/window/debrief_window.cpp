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
#include "app/window/presenter.h"
#include "core/error.h"
#include "core/image_io.h"
#include "core/log.h"
#include "render/image_blit.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // the VkXxxInfo x{sType} idiom

namespace irsim::app {

namespace {

constexpr int kWidth = 1280, kHeight = 800;  // the simulator's fixed layout

void imguiCheck(VkResult r) {
    if (r != VK_SUCCESS) log::error(std::string("ImGui Vulkan backend: ") + render::resultName(r));
}

struct Glfw {
    Glfw() {
        if (!glfwInit()) throw DataError("", 0, "DISPLAY", "cannot open the window system (GLFW init failed)");
    }
    ~Glfw() { glfwTerminate(); }
};

}  // namespace

int runDebriefWindow(const LoadedDebrief& data, std::shared_ptr<const patient::Patient> patient, int quitAfterFrames,
                     const std::string& screenshotPath) {
    Glfw glfw;
    glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
    glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    GLFWwindow* window =
        glfwCreateWindow(kWidth, kHeight, ("irsim debrief - " + data.debrief.title).c_str(), nullptr, nullptr);
    if (!window) throw DataError("", 0, "DISPLAY", "cannot create the window");
    struct WindowGuard {
        GLFWwindow* w;
        ~WindowGuard() { glfwDestroyWindow(w); }
    } windowGuard{window};

    render::ContextOptions co;
    uint32_t extCount = 0;
    const char** ext = glfwGetRequiredInstanceExtensions(&extCount);
    if (!ext) throw DataError("", 0, "vulkan", "GLFW finds no Vulkan support for windows");
    for (uint32_t i = 0; i < extCount; ++i) co.instanceExtensions.emplace_back(ext[i]);
    co.makeSurface = [window](VkInstance inst) {
        VkSurfaceKHR s = VK_NULL_HANDLE;
        render::check(glfwCreateWindowSurface(inst, window, nullptr, &s), "glfwCreateWindowSurface");
        return s;
    };
    render::Context ctx(co);
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(window, &fbw, &fbh);
    Presenter presenter(ctx, static_cast<uint32_t>(fbw), static_cast<uint32_t>(fbh));

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGui::GetIO().IniFilename = nullptr;
    ImGui::StyleColorsDark();
    ImGui_ImplGlfw_InitForVulkan(window, true);
    VkDescriptorPool pool = VK_NULL_HANDLE;
    {
        VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 8};
        VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
        pi.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
        pi.maxSets = 8;
        pi.poolSizeCount = 1;
        pi.pPoolSizes = &size;
        render::check(vkCreateDescriptorPool(ctx.device(), &pi, nullptr, &pool), "vkCreateDescriptorPool");
    }
    ImGui_ImplVulkan_InitInfo info{};
    info.Instance = ctx.instance();
    info.PhysicalDevice = ctx.physicalDevice();
    info.Device = ctx.device();
    info.QueueFamily = ctx.queueFamily();
    info.Queue = ctx.queue();
    info.DescriptorPool = pool;
    info.MinImageCount = 2;
    info.ImageCount = std::max(2u, presenter.imageCount());
    info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
    info.CheckVkResultFn = imguiCheck;
    ImGui_ImplVulkan_Init(&info, presenter.renderPass());
    ctx.submitAndWait([](VkCommandBuffer cmd) { ImGui_ImplVulkan_CreateFontsTexture(cmd); });
    ImGui_ImplVulkan_DestroyFontUploadObjects();

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
    ImGui_ImplVulkan_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    vkDestroyDescriptorPool(ctx.device(), pool, nullptr);
    return status;
}

}  // namespace irsim::app
