#include "app/window/app_window.h"

#include <algorithm>
#include <string>

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_vulkan.h>

#include "app/window/presenter.h"
#include "core/error.h"
#include "core/log.h"
#include "render/context.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // the VkXxxInfo x{sType} idiom

namespace irsim::app {

namespace {
void imguiCheck(VkResult r) {
    if (r != VK_SUCCESS) log::error(std::string("ImGui Vulkan backend: ") + render::resultName(r));
}
}  // namespace

namespace {
int gWindowSystemUsers = 0;  // windows open on the main thread only, as GLFW requires
std::string gGlfwError;

void recordGlfwError(int code, const char* description) {
    gGlfwError = std::string(description ? description : "no description") + " (GLFW error " + std::to_string(code) + ")";
}
}  // namespace

WindowSystem::WindowSystem() {
    if (gWindowSystemUsers == 0) {
        gGlfwError.clear();
        glfwSetErrorCallback(recordGlfwError);
        if (!glfwInit())
            throw DataError("", 0, "DISPLAY",
                            "cannot open the window system: " + (gGlfwError.empty() ? std::string("GLFW init failed") : gGlfwError));
    }
    ++gWindowSystemUsers;
}
WindowSystem::~WindowSystem() {
    if (--gWindowSystemUsers == 0) glfwTerminate();
}

void AppWindow::WindowDeleter::operator()(GLFWwindow* w) const { glfwDestroyWindow(w); }

// ImGui with the Vulkan backend given our objects and our result callback.
struct AppWindow::ImGuiBackends {
    render::Context& ctx;
    VkDescriptorPool pool = VK_NULL_HANDLE;

    ImGuiBackends(GLFWwindow* window, render::Context& c, Presenter& presenter) : ctx(c) {
        IMGUI_CHECKVERSION();
        ImGui::CreateContext();
        ImGui::GetIO().IniFilename = nullptr;
        ImGui::StyleColorsDark();
        ImGui_ImplGlfw_InitForVulkan(window, true);
        VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 16};
        VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
        pi.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
        pi.maxSets = 16;
        pi.poolSizeCount = 1;
        pi.pPoolSizes = &size;
        render::check(vkCreateDescriptorPool(ctx.device(), &pi, nullptr, &pool), "vkCreateDescriptorPool");
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
    }
    ~ImGuiBackends() {
        ctx.waitIdle();
        ImGui_ImplVulkan_Shutdown();
        ImGui_ImplGlfw_Shutdown();
        ImGui::DestroyContext();
        vkDestroyDescriptorPool(ctx.device(), pool, nullptr);
    }
};

AppWindow::AppWindow(int width, int height, const std::string& title) {
    glfwWindowHint(GLFW_CLIENT_API, GLFW_NO_API);
    glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);  // a fixed layout of panels
    window_.reset(glfwCreateWindow(width, height, title.c_str(), nullptr, nullptr));
    if (!window_) throw DataError("", 0, "DISPLAY", "cannot create the window");

    render::ContextOptions co;
    uint32_t extCount = 0;
    const char** ext = glfwGetRequiredInstanceExtensions(&extCount);
    if (!ext) throw DataError("", 0, "vulkan", "GLFW finds no Vulkan support for windows");
    for (uint32_t i = 0; i < extCount; ++i) co.instanceExtensions.emplace_back(ext[i]);
    GLFWwindow* w = window_.get();
    co.makeSurface = [w](VkInstance inst) {
        VkSurfaceKHR s = VK_NULL_HANDLE;
        render::check(glfwCreateWindowSurface(inst, w, nullptr, &s), "glfwCreateWindowSurface");
        return s;
    };
    context_ = std::make_unique<render::Context>(co);
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(w, &fbw, &fbh);
    presenter_ = std::make_unique<Presenter>(*context_, static_cast<uint32_t>(fbw), static_cast<uint32_t>(fbh));
    imgui_ = std::make_unique<ImGuiBackends>(w, *context_, *presenter_);
}

AppWindow::~AppWindow() {
    // ImGui before the swapchain it draws into, the swapchain before the device.
    imgui_.reset();
    presenter_.reset();
    context_.reset();
}

}  // namespace irsim::app
