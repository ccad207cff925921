// The scenario library screen. Thumbnails are computed one per frame after the window shows (a
// phantom's first image takes a second on the CPU; later opens read them from the cache), so the
// list is there at once and fills in.
#include "app/window/library_window.h"

#include <cstdio>
#include <memory>
#include <vector>

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_vulkan.h>

#include "app/window/app_window.h"
#include "app/window/image_panel.h"
#include "app/window/presenter.h"
#include "core/error.h"
#include "core/image_io.h"
#include "core/log.h"
#include "render/grey_texture.h"
#include "render/image_blit.h"

namespace irsim::app {

namespace {

constexpr int kWidth = 1280, kHeight = 800;  // the simulator's fixed layout
constexpr int kThumbPixels = 160;
constexpr float kThumbSide = 112.0f;

struct Row {
    LibraryEntry entry;
    std::unique_ptr<render::GreyTexture> texture;
    ImagePanel panel;
    bool tried = false;       // a thumbnail was attempted
    std::string thumbError;   // why there is none
};

const ImVec4 kPassGreen(0.35f, 0.8f, 0.4f, 1.0f), kFailRed(0.9f, 0.4f, 0.35f, 1.0f), kGrey(0.6f, 0.6f, 0.6f, 1.0f);

}  // namespace

LibraryChoice runLibraryWindow(const LibraryWindowOptions& opts) {
    std::vector<Row> rows;
    for (LibraryEntry& e : loadLibrary(opts.library)) rows.push_back(Row{std::move(e), nullptr, {}, false, ""});

    AppWindow app(kWidth, kHeight, "irsim - scenario library");
    GLFWwindow* window = app.window();
    render::Context& ctx = app.context();
    Presenter& presenter = app.presenter();
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(window, &fbw, &fbh);

    std::string chosen;
    bool author = false;
    {
        render::ImageBlitter blitter(ctx, presenter.renderPass());
        for (int frameNo = 1; !glfwWindowShouldClose(window) && chosen.empty() && !author; ++frameNo) {
            glfwPollEvents();
            // One thumbnail per frame, in the order shown.
            for (Row& r : rows) {
                if (r.tried || !r.entry.error.empty()) continue;
                r.tried = true;
                try {
                    const GreyImage thumb = libraryThumbnail(r.entry, kThumbPixels);
                    r.texture = std::make_unique<render::GreyTexture>(ctx, kThumbPixels);
                    r.texture->upload(thumb);
                    r.panel.blitter = &blitter;
                    r.panel.set = blitter.setFor(r.texture->image());
                } catch (const DataError& e) {
                    r.thumbError = e.what();
                    log::warning("library: no starting image for " + r.entry.id + ": " + e.what());
                }
                break;
            }
            ImGui_ImplVulkan_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            ImGui::NewFrame();
            ImGui::SetNextWindowPos(ImVec2(0, 0));
            ImGui::SetNextWindowSize(ImVec2(static_cast<float>(kWidth), static_cast<float>(kHeight)));
            ImGui::Begin("Scenario library", nullptr,
                         ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse);
            if (opts.library.trainee.empty())
                ImGui::TextColored(kGrey, "No trainee given (irsim library --trainee ID): sessions are not stored and no record is shown.");
            else
                ImGui::Text("Trainee: %s", opts.library.trainee.c_str());
            ImGui::SameLine(kWidth - 170.0f);
            if (ImGui::Button("Author a scenario")) author = true;
            ImGui::Separator();
            ImGui::BeginChild("scenarios");
            for (size_t i = 0; i < rows.size(); ++i) {
                Row& r = rows[i];
                const LibraryEntry& e = r.entry;
                ImGui::PushID(static_cast<int>(i));
                const ImVec2 at = ImGui::GetCursorScreenPos();
                ImGui::Dummy(ImVec2(kThumbSide, kThumbSide));
                if (r.texture) {
                    r.panel.min = at;
                    r.panel.max = ImVec2(at.x + kThumbSide, at.y + kThumbSide);
                    ImGui::GetWindowDrawList()->AddCallback(drawImagePanel, &r.panel);
                    ImGui::GetWindowDrawList()->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
                } else {
                    ImGui::GetWindowDrawList()->AddRect(at, ImVec2(at.x + kThumbSide, at.y + kThumbSide),
                                                        IM_COL32(90, 90, 90, 255));
                }
                ImGui::SameLine();
                ImGui::BeginGroup();
                ImGui::TextUnformatted(e.title.c_str());
                if (!e.error.empty()) {
                    ImGui::PushTextWrapPos(kWidth - 40.0f);
                    ImGui::TextColored(kFailRed, "Does not load: %s", e.error.c_str());
                    ImGui::PopTextWrapPos();
                } else {
                    ImGui::TextColored(kGrey, "%s  |  %s  |  %s%s", e.procedure.c_str(),
                                       e.difficulty.empty() ? "difficulty not stated" : e.difficulty.c_str(),
                                       e.id.c_str(), e.shipped ? "" : "  |  instructor's");
                    if (opts.library.trainee.empty()) {
                        ImGui::TextColored(kGrey, " ");
                    } else if (e.sessions == 0) {
                        ImGui::TextColored(kGrey, "Not attempted yet");
                    } else {
                        ImGui::TextColored(e.passed > 0 ? kPassGreen : kFailRed, "Best score %.1f  |  %d session%s, %d passed",
                                           *e.bestScore, e.sessions, e.sessions == 1 ? "" : "s", e.passed);
                    }
                    if (!r.thumbError.empty()) ImGui::TextColored(kFailRed, "No starting image: %s", r.thumbError.c_str());
                    if (ImGui::Button("Start")) chosen = e.path;
                    if (ImGui::IsItemHovered() && !e.description.empty()) {
                        ImGui::BeginTooltip();
                        ImGui::PushTextWrapPos(600.0f);
                        ImGui::TextUnformatted(e.description.c_str());
                        ImGui::PopTextWrapPos();
                        ImGui::EndTooltip();
                    }
                }
                ImGui::EndGroup();
                ImGui::Separator();
                ImGui::PopID();
            }
            ImGui::EndChild();
            ImGui::End();
            ImGui::Render();
            const bool shoot = opts.quitAfterFrames > 0 && frameNo >= opts.quitAfterFrames;
            std::vector<VkCommandBuffer*> cmds;
            for (Row& r : rows) cmds.push_back(&r.panel.cmd);
            presenter.imguiFrame(fbw, fbh, cmds, shoot ? opts.screenshotPath : "");
            if (shoot) {
                break;
            }
        }
        ctx.waitIdle();
        for (Row& r : rows) r.texture.reset();  // before the context goes
        if (ctx.validationEnabled()) std::printf("Vulkan validation errors: %d\n", ctx.validationErrorCount());
    }
    if (!chosen.empty()) std::printf("library: starting %s\n", chosen.c_str());
    return {chosen, author};
}

}  // namespace irsim::app
