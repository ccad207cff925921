// The windowed simulator: GLFW window, Vulkan (render::Context + Presenter), Dear ImGui panels.
// The UI only turns input into sim::Actions (recorded, then submitted) and reads the session's
// state; the session advances on its fixed clock to the accumulated wall time.
#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_vulkan.h>

#include "app/window/ct_overlay_view.h"
#include "app/debrief_source.h"
#include "app/window/debrief_view.h"
#include "app/window/app_window.h"
#include "app/window/image_panel.h"
#include "app/window/presenter.h"
#include "app/window/procedure_panel.h"
#include "app/window/scenario_load.h"
#include "app/window/view3d_panel.h"
#include "app/windowed.h"
#include "core/error.h"
#include "core/image_io.h"
#include "core/log.h"
#include "core/paths.h"
#include "core/startup_clock.h"
#include "core/text.h"
#include "patient/labels.h"
#include "patient/materials.h"
#include "render/ct_slice.h"
#include "render/fluoro_monitor.h"
#include "render/grey_texture.h"
#include "render/image_blit.h"
#include "render/view3d.h"
#include "sim/frames.h"
#include "sim/report.h"
#include "sim/run_headless.h"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"  // the VkXxxInfo x{sType} idiom

namespace irsim::app {

namespace {

constexpr int kWindowWidth = 1280, kWindowHeight = 800;
constexpr double kRotateDegPerS = 20.0;  // arrow keys: a motorised C-arm's typical speed
constexpr double kTablePerS = 40.0;      // mm/s for the table keys
constexpr double kScriptedFrameS = 1.0 / 30.0;  // --quit-after-frames: fixed time per frame
// The simulation keeps the wall clock's time (the pedal held 2 s is 2 s of fluoroscopy) through
// frames of up to this long: lavapipe on a loaded 2-core machine draws a fluoroscopy frame in
// ~0.23 s (measured under Xvfb), where the former 0.1 s limit ran the session at half speed. A
// longer pause (a debugger, a dragged window) is not caught up in one jump.
constexpr double kLongestFrameS = 0.5;
constexpr int kView3dSize = 384;                // the CT panel's 3D view, pixels a side
constexpr int kCtSlicePixels = 512;             // the CT panel's slice, pixels a side
// The CT panel's field round a CT-guided device's tip: a 3-5 cm zone with its margin fills a third.
constexpr double kGuidedCtFieldOfViewMm = 160.0;
constexpr double kView3dDeviceRefreshS = 0.5;   // moving devices redraw the 3D view this often

// Places the image (width / height = aspect) as large as the current window's remaining area lets
// it be, and queues its draw.
void imageInWindow(ImagePanel& panel, float aspect = 1.0f) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const float w = std::max(8.0f, std::min(avail.x, avail.y * aspect)), h = w / aspect;
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const ImVec2 at{pos.x + 0.5f * (avail.x - w), pos.y};
    panel.min = at;
    panel.max = {at.x + w, at.y + h};
    ImDrawList* dl = ImGui::GetWindowDrawList();
    dl->AddCallback(drawImagePanel, &panel);
    dl->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
    ImGui::Dummy({avail.x, h});
}

// SIGTERM or Ctrl+C in the terminal closes the window as its close button does: the session
// ends and the report is written (a script driving the window ends it this way).
// SIGUSR1 saves the next frame to --screenshot's path (a script looking at the window while it
// runs, e.g. the window input test).
volatile std::sig_atomic_t gCloseRequested = 0, gScreenshotRequested = 0;
extern "C" void requestClose(int) { gCloseRequested = 1; }
extern "C" void requestScreenshot(int) { gScreenshotRequested = 1; }
// SIGUSR2 with IRSIM_VK_FAULT set: the next GPU submission fails as named (render/context.h).
extern "C" void armGpuFault(int) { render::armFault(); }

// What happened, in words a user can act on (the window can no longer draw it).
std::string deviceFailureWords(const render::VulkanError& e) {
    if (e.result() == VK_ERROR_DEVICE_LOST)
        return std::string("the graphics device was lost (") + e.what() +
               "): the driver reset the GPU or it stopped responding";
    return std::string("the graphics device ran out of memory (") + e.what() + ")";
}

std::string defaultRecordPath(const sim::Scenario& scenario) {
    const auto dir = userDataDir() / "sessions";
    std::filesystem::create_directories(dir);
    // Numbered, not dated: nothing in a session's record depends on the wall clock.
    for (int n = 1;; ++n) {
        const auto p = dir / (scenario.id + "-" + std::to_string(n) + ".jsonl");
        if (!std::filesystem::exists(p)) return p.string();
    }
}

class SimulatorWindow {
public:
    SimulatorWindow(const WindowRunOptions& o, GLFWwindow* w, sim::Session& s)
        : opts_(o), window_(w), session_(s), procedurePanel_(s) {}

    // Live input becomes an action at the current simulation time: recorded, then submitted.
    void act(const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
        if (replaying_ || session_.ended()) return;
        sim::Action a{session_.time_s(), kind, std::move(args), "", 0};
        try {
            session_.submit(a);
            if (recorder_) recorder_->record(a);
        } catch (const DataError& e) {
            message_ = e.what();
        }
    }

    // Every key the window reads is polled from GLFW once a frame. ImGui 1.86's IsKeyDown takes
    // the backend's key index, not an ImGuiKey (IsKeyDown(ImGuiKey_Space) asked about GLFW key 12,
    // which no keyboard has: Space, the arrows and Enter never worked); GLFW's sticky keys keep a
    // press that is released before the next frame (a quick F1 from a real keyboard or xdotool)
    // until this poll sees it.
    void pollKeys() {
        static const int kNamed[] = {GLFW_KEY_F1,    GLFW_KEY_SPACE,        GLFW_KEY_LEFT,         GLFW_KEY_RIGHT,
                                     GLFW_KEY_UP,    GLFW_KEY_DOWN,         GLFW_KEY_ENTER,        GLFW_KEY_KP_ENTER,
                                     GLFW_KEY_LEFT_CONTROL, GLFW_KEY_RIGHT_CONTROL};
        for (int k : kNamed) keys_[k] = glfwGetKey(window_, k) == GLFW_PRESS;
        for (int k = GLFW_KEY_A; k <= GLFW_KEY_Z; ++k) keys_[k] = glfwGetKey(window_, k) == GLFW_PRESS;
    }
    bool held(int key) const { return keys_[key]; }
    bool ctrl() const { return held(GLFW_KEY_LEFT_CONTROL) || held(GLFW_KEY_RIGHT_CONTROL); }

    void keyboard(double dt) {
        pollKeys();
        const bool f1 = held(GLFW_KEY_F1);
        if (f1 && !f1Down_) help_ = !help_;
        f1Down_ = f1;
        typing_ = ImGui::GetIO().WantTextInput;  // typing into a field is not a hand on a device
        if (typing_) return;
        const bool pedal = held(GLFW_KEY_SPACE) || pedalButton_;
        if (pedal != pedalDown_) {
            act(pedal ? "fluoro.on" : "fluoro.off");
            pedalDown_ = pedal;
        }
        const double dlao = (held(GLFW_KEY_RIGHT) - held(GLFW_KEY_LEFT)) * kRotateDegPerS * dt;
        // Ctrl+Up/Down belong to the procedure's hand when its panel binds them, not to the C-arm.
        const double dcran = ctrl() && procedurePanel_.bindsCtrlArrows()
                                 ? 0.0
                                 : (held(GLFW_KEY_UP) - held(GLFW_KEY_DOWN)) * kRotateDegPerS * dt;
        if (dlao != 0.0 || dcran != 0.0) act("carm.rotate", {{"dlao_deg", dlao}, {"dcran_deg", dcran}});
        const double lat = (held(GLFW_KEY_D) - held(GLFW_KEY_A)) * kTablePerS * dt;
        const double lon = (held(GLFW_KEY_W) - held(GLFW_KEY_S)) * kTablePerS * dt;
        if (lat != 0.0 || lon != 0.0) act("table.move", {{"lateral_mm", lat}, {"longitudinal_mm", lon}});
        const bool enter = held(GLFW_KEY_ENTER) || held(GLFW_KEY_KP_ENTER);
        if (enter && !enterDown_) act("image.store");
        enterDown_ = enter;
    }

    // A key as a procedure's panel names it: a letter, or Ctrl with an arrow.
    bool keyDown(const std::string& name) const {
        if (typing_) return false;
        if (name == "Ctrl+Up") return ctrl() && held(GLFW_KEY_UP);
        if (name == "Ctrl+Down") return ctrl() && held(GLFW_KEY_DOWN);
        if (name.size() == 1 && name[0] >= 'A' && name[0] <= 'Z') return held(GLFW_KEY_A + (name[0] - 'A'));
        return false;
    }

    // A drag that starts on the monitor is the procedure's hand (PanelSpec::drag), given on release.
    void dragOnMonitor(const ImagePanel& monitor) {
        const sim::PanelSpec& panel = session_.procedureSpec().panel;
        if (!panel.drag || session_.ended()) return;
        const ImGuiIO& io = ImGui::GetIO();
        if (ImGui::IsMouseClicked(0) && ImGui::IsMouseHoveringRect(monitor.min, monitor.max)) {
            dragging_ = true;
            dragFrom_ = io.MousePos;
        }
        if (!dragging_) return;
        const ImVec2 d{io.MousePos.x - dragFrom_.x, io.MousePos.y - dragFrom_.y};
        ImGui::GetWindowDrawList()->AddLine(dragFrom_, io.MousePos, IM_COL32(255, 200, 0, 200), 2.0f);
        if (!ImGui::IsMouseReleased(0)) return;
        dragging_ = false;
        if (std::abs(d.x) + std::abs(d.y) < 3.0f) return;  // a click, not a drag
        for (const sim::Action& a : panel.drag(d.x, d.y, session_)) act(a.kind, a.args);
    }

    void panels(ImagePanel& monitor, ImagePanel& ct, ImagePanel& ct3d, ImagePanel& result) {
        const sim::SimState& s = session_.state();
        const float W = static_cast<float>(kWindowWidth), H = static_cast<float>(kWindowHeight);
        const ImGuiWindowFlags fixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize |
                                       ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;
        const float statusH = 34.0f, controlW = 300.0f;
        const float viewW = W - controlW, viewH = H - statusH;
        // Fluoroscopy monitor: the live image, or the last image held.
        ImGui::SetNextWindowPos({0, 0});
        ImGui::SetNextWindowSize({viewW * 0.6f, viewH});
        ImGui::Begin("Fluoroscopy", nullptr, fixed);
        const char* mode = !monitor.showing.empty() ? monitor.showing.c_str() : s.fluoroOn ? "FLUORO" : "LIH";
        ImGui::Text("%s  LAO %+.1f  CRAN %+.1f  FOV %.0f mm  %.1f p/s", mode,
                    s.carm.laoDeg, s.carm.cranDeg, s.carm.detectorWidthMm, s.pulseRatePps);
        imageInWindow(monitor);
        dragOnMonitor(monitor);
        ImGui::End();
        // CT panel: the axial slice through the isocentre.
        ImGui::SetNextWindowPos({viewW * 0.6f, 0});
        ImGui::SetNextWindowSize({viewW * 0.4f, viewH});
        ImGui::Begin("CT", nullptr, fixed);
        if (ImGui::RadioButton("Axial", !view3d_ && !showResult_)) view3d_ = showResult_ = false;
        ImGui::SameLine();
        if (ImGui::RadioButton("3D", view3d_)) view3d_ = true, showResult_ = false;
        ImGui::SameLine();
        if (!resultTitle_.empty()) {
            if (ImGui::RadioButton(resultTitle_.c_str(), showResult_)) showResult_ = true, view3d_ = false;
            ImGui::SameLine();
        }
        if (showResult_) {
            ImGui::NewLine();
            imageInWindow(result, resultAspect_);
            ImGui::Text("%s at %.0f s", resultTitle_.c_str(), resultAtS_);
        } else if (view3d_) {
            ImGui::TextUnformatted("drag: orbit, wheel: zoom");
            imageInWindow(ct3d);
            orbitWithMouse(camera3d_, ct3d.min, ct3d.max);
            // The arteries and the endovascular devices are in the ray-cast image; needles and
            // contrast stay lines over it.
            imaging::FrameContents overlay = session_.radiopaqueContents();
            if (!session_.procedure().deviceOutlines(session_).empty())
                std::erase_if(overlay.paths, [](const imaging::RadiopaquePath& p) { return p.material != imaging::Material::Iodine; });
            drawView3dOverlay(ImGui::GetWindowDrawList(), camera3d_, kView3dSize, ct3d.min, ct3d.max, overlay, s.carm);
        } else {
            const CtView v = ctView();
            if (v.guided)
                ImGui::Text("Tip z %.0f mm, FOV %.0f, W%.0f L%.0f", v.plane.centreLps.z,
                            v.plane.widthMm, v.window.widthHu, v.window.levelHu);
            else
                ImGui::Text("Axial through isocentre, z %.0f mm, W%.0f L%.0f", v.plane.centreLps.z, v.window.widthHu,
                            v.window.levelHu);
            imageInWindow(ct);
            ctOverlay_.update(session_, v.plane);
            ctOverlay_.draw(ImGui::GetWindowDrawList(), ct.min, ct.max, v.window);
        }
        ImGui::TextWrapped("%s", session_.scenario().description.c_str());
        ImGui::End();
        controls(fixed, viewW, controlW, viewH);
        // Status bar.
        ImGui::SetNextWindowPos({0, viewH});
        ImGui::SetNextWindowSize({W, statusH});
        ImGui::Begin("Status", nullptr, fixed | ImGuiWindowFlags_NoTitleBar);
        // The dose figures every session has, then the running quantities the procedure declares.
        std::string status = formatted("Time %6.1f s | Fluoro %5.1f s | Air kerma %.2f mGy | KAP %.3f Gy.cm2", s.time_s(),
                                       s.dose.fluoroTimeS, 1000.0 * s.dose.report.referenceAirKermaGy,
                                       s.dose.report.kermaAreaProductGyCm2);
        const std::vector<double> values = session_.quantities();
        for (size_t i = 0; i < values.size(); ++i) {
            const sim::QuantitySpec& q = session_.quantitySpecs()[i];
            status += formatted(" | %s %.3g %s", q.label.c_str(), values[i], q.unit.c_str());  // 0.04 GBq, 12.5 ml
        }
        const std::string note = session_.ended() ? "ended: " + s.endReason : message_;
        if (!note.empty()) status += " | " + note;
        ImGui::TextUnformatted(status.c_str());
        ImGui::End();
        if (help_) helpOverlay();
    }

    void controls(ImGuiWindowFlags fixed, float x, float w, float h) {
        const sim::SimState& s = session_.state();
        ImGui::SetNextWindowPos({x, 0});
        ImGui::SetNextWindowSize({w, h});
        ImGui::Begin("C-arm", nullptr, fixed);
        if (replaying_) ImGui::TextColored({1, 0.8f, 0.3f, 1}, "Replaying %s", opts_.replayLog.c_str());
        float lao = static_cast<float>(s.carm.laoDeg), cran = static_cast<float>(s.carm.cranDeg);
        if (ImGui::SliderFloat("LAO(+)/RAO(-)", &lao, -120.0f, 120.0f, "%.1f deg"))
            act("carm.set", {{"lao_deg", lao}, {"cran_deg", s.carm.cranDeg}});
        if (ImGui::SliderFloat("CRAN(+)/CAUD(-)", &cran, -45.0f, 45.0f, "%.1f deg"))
            act("carm.set", {{"lao_deg", s.carm.laoDeg}, {"cran_deg", cran}});
        ImGui::Separator();
        ImGui::Text("Table (isocentre in patient)");
        if (ImGui::Button("Head")) act("table.move", {{"longitudinal_mm", 10.0}});
        ImGui::SameLine();
        if (ImGui::Button("Feet")) act("table.move", {{"longitudinal_mm", -10.0}});
        ImGui::SameLine();
        if (ImGui::Button("Left")) act("table.move", {{"lateral_mm", 10.0}});
        ImGui::SameLine();
        if (ImGui::Button("Right")) act("table.move", {{"lateral_mm", -10.0}});
        if (ImGui::Button("Up")) act("table.move", {{"height_mm", 10.0}});
        ImGui::SameLine();
        if (ImGui::Button("Down")) act("table.move", {{"height_mm", -10.0}});
        ImGui::Separator();
        static const int kFov[] = {480, 420, 300, 220, 160};
        ImGui::Text("Field of view");
        for (int f : kFov) {
            ImGui::SameLine();
            if (ImGui::RadioButton(std::to_string(f).c_str(), static_cast<int>(s.carm.detectorWidthMm) == f))
                act("carm.field_of_view", {{"mm", f}});
        }
        float cx = static_cast<float>(s.carm.collimationX), cy = static_cast<float>(s.carm.collimationY);
        if (ImGui::SliderFloat("Shutters L-R", &cx, 0.1f, 1.0f, "%.2f")) act("carm.collimate", {{"x", cx}, {"y", cy}});
        if (ImGui::SliderFloat("Shutters T-B", &cy, 0.1f, 1.0f, "%.2f")) act("carm.collimate", {{"x", cx}, {"y", cy}});
        ImGui::Text("Pulse rate");
        for (double pps : {7.5, 15.0, 30.0}) {
            ImGui::SameLine();
            char label[16];
            std::snprintf(label, sizeof label, "%g", pps);
            if (ImGui::RadioButton(label, s.pulseRatePps == pps)) act("fluoro.rate", {{"pps", pps}});
        }
        ImGui::Separator();
        ImGui::Button("FLUORO (hold, or Space)", {-1, 40});
        pedalButton_ = ImGui::IsItemActive();
        if (ImGui::Button("Cine 4 s at 7.5 f/s", {-1, 0})) act("cine.run", {{"fps", 7.5}, {"duration_s", 4.0}});
        if (ImGui::Button("Store image (Enter)", {-1, 0})) act("image.store");
        ImGui::Text("Images taken: %zu", s.images.size());
        ImGui::Separator();
        if (ImGui::Button("End procedure", {-1, 0})) act("procedure.end");
        ImGui::TextDisabled("F1: help");
        ImGui::Separator();
        const KeyDown keyDown = [this](const std::string& k) { return this->keyDown(k); };
        for (const sim::Action& a : procedurePanel_.draw(session_, keyDown)) act(a.kind, a.args);
        ImGui::End();
    }

    void helpOverlay() {
        ImGui::SetNextWindowPos({200, 150});
        ImGui::SetNextWindowSize({560, 0});
        ImGui::Begin("Help (F1 to close)", &help_, ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings);
        ImGui::BulletText("Space (hold): fluoroscopy pedal - X-rays only while held");
        ImGui::BulletText("Left/Right arrows: rotate the C-arm RAO/LAO (%.0f deg/s)", kRotateDegPerS);
        ImGui::BulletText("Up/Down arrows: angulate CRAN/CAUD");
        ImGui::BulletText("W/S: table toward head/feet; A/D: toward patient's right/left");
        ImGui::BulletText("Enter: store the image on the monitor");
        ImGui::BulletText("Mouse: sliders and buttons in the C-arm panel (angles, table, field of");
        ImGui::BulletText("  view, shutters, pulse rate, cine, store image, end procedure)");
        for (const std::string& line : procedurePanel_.helpLines()) ImGui::BulletText("%s", line.c_str());
        ImGui::BulletText("Contrast, DSA, roadmap, CT scan and CT fluoro: panel below the C-arm");
        ImGui::BulletText("F1: this help");
        ImGui::TextWrapped("The monitor shows the live image while the pedal is down and the last "
                           "image held after. Every second of fluoroscopy adds dose (status bar).");
        ImGui::End();
    }

    const WindowRunOptions& opts_;
    GLFWwindow* window_;
    sim::Session& session_;
    ProcedurePanel procedurePanel_;
    bool dragging_ = false;
    ImVec2 dragFrom_{0, 0};
    bool typing_ = false;
    std::unique_ptr<sim::ActionRecorder> recorder_;
    bool replaying_ = false;
    bool keys_[GLFW_KEY_LAST + 1] = {};
    bool help_ = false, f1Down_ = false, enterDown_ = false;
    bool pedalDown_ = false, pedalButton_ = false;
    bool view3d_ = false;  // the CT panel shows the 3D view instead of the axial slice
    // The CT panel's slice: through the device tip a CT-guided procedure follows, in a field that
    // shows the tissue round it, in the last acquisition's window; else through the isocentre.
    struct CtView {
        imaging::SlicePlane plane;
        imaging::WindowLevel window;
        bool guided = false;
    };
    CtView ctView() const {
        CtView v;
        const std::optional<glm::dvec3> tip = session_.procedure().ctFollowPoint(session_);
        v.guided = tip.has_value();
        v.plane = imaging::axialPlane(tip ? *tip : session_.state().carm.isocentre,
                                      tip ? kGuidedCtFieldOfViewMm : sim::kCtFieldOfViewMm, kCtSlicePixels);
        for (auto it = session_.state().images.rbegin(); it != session_.state().images.rend(); ++it)
            if (it->kind == sim::ImageKind::Ct) {
                v.window = sim::ctWindowNamed(it->ctWindow);
                break;
            }
        return v;
    }
    CtOverlayView ctOverlay_;
    // The procedure's picture of its result (a dose map over the CT): offered in the CT panel once
    // the procedure gives one, made again while shown when its running quantities change.
    bool showResult_ = false, resultProbed_ = false;
    std::string resultTitle_;
    float resultAspect_ = 1.0f;
    double resultAtS_ = -1.0;
    std::vector<double> resultQuantities_;

    // Outside the frame's recording: the upload waits for the device.
    void refreshResult(render::GreyTexture& texture) {
        const std::vector<double> q = session_.quantities();
        const double t = session_.time_s();
        // At most once a simulated second while it changes: a dose map is a pass over the volume.
        if (resultProbed_ && (!showResult_ || q == resultQuantities_ || t - resultAtS_ < 1.0)) return;
        resultProbed_ = true;
        resultQuantities_ = q, resultAtS_ = t;
        const std::vector<sim::ResultPicture> pictures = session_.procedure().resultPictures(session_);
        if (pictures.empty()) return;
        const sim::ResultPicture& p = pictures.front();
        texture.uploadRgba(p.width, p.height, p.rgba);
        resultAspect_ = static_cast<float>(p.width) / static_cast<float>(p.height);
        resultTitle_ = resultPictureTitle(p.name);
    }
    render::OrbitCamera camera3d_;
    std::string message_;
};

}  // namespace

int runWindowed(const WindowRunOptions& opts) {
    startup::mark("main");
    sim::Scenario scenario = sim::loadScenario(opts.scenarioPath);
    const bool replay = !opts.replayLog.empty();
    std::vector<sim::Action> replayLog = replay ? sim::readActionLog(opts.replayLog) : std::vector<sim::Action>{};
    const double lastActionS = replayLog.empty() ? 0.0 : replayLog.back().time_s;
    ScenarioLoad load(scenario, std::move(replayLog));

    AppWindow app(kWindowWidth, kWindowHeight, "irsim - " + scenario.title);
    startup::mark("window and device");
    GLFWwindow* window = app.window();
    glfwSetInputMode(window, GLFW_STICKY_KEYS, GLFW_TRUE);  // SimulatorWindow::pollKeys
    render::Context& ctx = app.context();
    Presenter& presenter = app.presenter();
    int fbw = 0, fbh = 0;
    glfwGetFramebufferSize(window, &fbw, &fbh);

    int status = 0;
    {
        render::GpuDrr drr(ctx);
        const std::shared_ptr<const patient::Patient> patient = load.patient();
        drr.setVolume(patient->ct);
        startup::mark("drr volume");
        // The physics fluoroscope of imaging/fluoroscope.h on the GPU (render/fluoro_monitor.h);
        // when the C-arm stops, the full view is marched 96 rows a pulse behind the preview.
        render::FluoroMonitorDef monitorDef;
        monitorDef.progressiveRows = 96;
        render::FluoroMonitor monitor(ctx, patient->ct, &patient->labels, monitorDef, patient::materialsOf(*patient));
        startup::mark("fluoro monitor");
        render::CtSliceView slice(ctx, drr, kCtSlicePixels);
        render::ImageBlitter blitter(ctx, presenter.renderPass());
        ImagePanel monitorPanel{&blitter, blitter.setFor(monitor.display())};
        // DSA frames (the mask, then live minus mask) and a roadmap's last-image-hold are shown as
        // the CPU reference renders them (sim/frames.h, 512^2, some 60 ms a frame on this machine).
        // A live pulse takes the monitor back; under the roadmap the GPU composes it with the
        // layers the CPU renderer kept (the run's mask and peak frame), as sim::roadmapDisplay does.
        sim::ImageRenderer cpuFrames;
        render::GreyTexture cpuFrame(ctx, sim::kReportImagePixels);
        const VkDescriptorSet gpuMonitorSet = monitorPanel.set, cpuMonitorSet = blitter.setFor(cpuFrame.image());
        ImagePanel ctPanel{&blitter, blitter.setFor(slice.image())};
        // 1 mm steps: a redraw while orbiting stays near 0.1-0.3 s on lavapipe (depth within a step).
        render::View3d view3d(ctx, drr, patient->labels,
                              patient->labelNames.empty() ? patient::irsimLabels() : patient->labelNames,
                              kView3dSize, 1.0);
        ImagePanel ct3dPanel{&blitter, blitter.setFor(view3d.image())};
        render::GreyTexture resultTexture(ctx, 768);
        ImagePanel resultPanel{&blitter, blitter.setFor(resultTexture.image())};
        startup::mark("renderers");
        sim::Session& session = load.session();
        size_t imagesSeen = session.state().images.size();
        int gpuRoadmap = -1;  // the DSA frame whose layers the GPU monitor holds
        const patient::VesselTree* arteries = patient->vesselTree("arterial");
        const std::vector<render::View3dTube> lumens3d = arteries ? render::view3dLumens(*arteries) : std::vector<render::View3dTube>{};
        std::vector<render::View3dTube> tubes3d;
        double next3dDevicesS = 0.0;

        // Here, not earlier: a SIGUSR1 handler installed before the window and the Vulkan device
        // were made was found back at the default (which ends the program) once frames ran
        // (lavapipe, Xvfb); so they are installed again after the first frame. A script waits for
        // the session log, written below, to signal: the handlers are in place before it.
        auto installHandlers = [&] {
            std::signal(SIGTERM, requestClose);
            std::signal(SIGINT, requestClose);
            if (!opts.screenshotPath.empty()) std::signal(SIGUSR1, requestScreenshot);
            if (render::faultHookEnabled()) std::signal(SIGUSR2, armGpuFault);
        };
        installHandlers();
        SimulatorWindow ui(opts, window, session);
        ui.replaying_ = replay;
        ui.view3d_ = opts.startIn3dView;
        ui.camera3d_ = initialView3dCamera(patient->ct.geometry);
        if (!replay) {
            const std::string path = opts.recordLog.empty() ? defaultRecordPath(scenario) : opts.recordLog;
            ui.recorder_ = std::make_unique<sim::ActionRecorder>(path);
            // The header line: `irsim replay` finds the scenario from it.
            ui.recorder_->record({0.0, "session.start", {{"scenario", session.scenario().id}}, "", 0});
            log::info("recording this session's actions to " + path);
        }

        std::unique_ptr<DebriefView> debrief;  // opens when the procedure ends
        int64_t shownImages = -1;
        imaging::CArmPose lastPose = session.state().carm;
        double lastMoveS = -1.0;
        bool reportWritten = false;
        auto writeReport = [&] {
            if (reportWritten || opts.reportPath.empty()) return;
            sim::writeReport(opts.reportPath, sim::buildReport(session));
            reportWritten = true;
        };
        auto last = std::chrono::steady_clock::now();
        double simTarget = 0.0;
        // A lost device or exhausted GPU memory ends the window, never the session's record: every
        // action is already in the log (ActionRecorder syncs each line), the session ends now and
        // its report is written, and the message says where they are and how to go on.
        std::string gpuFailure;
        try {
        for (int frameNo = 1; !glfwWindowShouldClose(window); ++frameNo) {
            glfwPollEvents();
            if (gCloseRequested) break;
            const auto now = std::chrono::steady_clock::now();
            // Wall time drives the simulation clock only through advanceTo (fixed steps inside);
            // scripted runs use a fixed time per frame so their screenshots do not depend on speed.
            double dt = opts.quitAfterFrames > 0 ? kScriptedFrameS
                                                 : std::min(kLongestFrameS, std::chrono::duration<double>(now - last).count());
            last = now;
            ImGui_ImplVulkan_NewFrame();
            ImGui_ImplGlfw_NewFrame();
            ImGui::NewFrame();
            ui.keyboard(dt);
            if (!session.ended()) {
                simTarget += dt;
                session.advanceTo(simTarget);
                if (replay && session.time_s() > lastActionS + 1.0) session.end("end of the action log");
            }
            if (session.ended()) writeReport();
            if (session.ended() && !debrief)
                debrief = openDebriefAtEnd(opts, session, replay ? opts.replayLog : ui.recorder_->path(), ctx, blitter);
            const sim::SimState& s = session.state();
            if (!imaging::sameGeometry(s.carm, lastPose)) {
                lastPose = s.carm;
                lastMoveS = s.time_s();
            }
            const bool moving = lastMoveS >= 0.0 && s.time_s() - lastMoveS < 0.25;
            // A new image on the monitor for every pulse (fluoro or cine); with the pedal up the
            // last image stays (last-image-hold).
            const int64_t pulses = s.dose.fluoroPulses + s.dose.cineFrames;
            const bool newPulse = pulses != shownImages && pulses > 0;
            for (; imagesSeen < s.images.size(); ++imagesSeen) {
                const sim::ImageTaken& taken = s.images[imagesSeen];
                if (taken.kind != sim::ImageKind::DsaMask && taken.kind != sim::ImageKind::Dsa &&
                    !(taken.kind == sim::ImageKind::FluoroHold && taken.roadmapIndex >= 0))
                    continue;
                cpuFrame.upload(cpuFrames.render(session, imagesSeen));
                monitorPanel.set = cpuMonitorSet;
                monitorPanel.showing = taken.kind == sim::ImageKind::DsaMask ? "DSA MASK"
                                       : taken.kind == sim::ImageKind::Dsa   ? "DSA"
                                                                             : "ROADMAP LIH";
            }
            const int roadmapWanted = s.modes.roadmapOn ? s.modes.roadmapIndex : -1;
            if (roadmapWanted != gpuRoadmap) {
                sim::RoadmapLayers layers;
                if (roadmapWanted >= 0 && cpuFrames.roadmapLayers(session, static_cast<size_t>(roadmapWanted), layers))
                    monitor.setRoadmap(layers);
                else
                    monitor.clearRoadmap();
                gpuRoadmap = roadmapWanted;
            }
            if (newPulse) monitorPanel.set = gpuMonitorSet, monitorPanel.showing = monitor.roadmapOn() ? "ROADMAP" : "";
            if (debrief) {
                debrief->draw(static_cast<float>(kWindowWidth), static_cast<float>(kWindowHeight));
                if (debrief->closeRequested()) glfwSetWindowShouldClose(window, GLFW_TRUE);
            } else {
                ui.refreshResult(resultTexture);
                ui.panels(monitorPanel, ctPanel, ct3dPanel, resultPanel);
            }
            ImGui::Render();
            const bool quit = opts.quitAfterFrames > 0 && frameNo >= opts.quitAfterFrames;
            const bool shoot = quit || gScreenshotRequested;
            gScreenshotRequested = 0;
            std::vector<uint8_t> pixels;
            presenter.frame(
                static_cast<uint32_t>(fbw), static_cast<uint32_t>(fbh),
                [&](VkCommandBuffer cmd) {
                    monitorPanel.cmd = ctPanel.cmd = ct3dPanel.cmd = resultPanel.cmd = cmd;
                    if (newPulse) {
                        const bool cine = s.cineUntilTick >= 0;
                        render::FluoroPulse p{s.carm, session.radiopaqueContents(), session.fluoroMode(cine),
                                              sim::imageNoiseSeed(session, static_cast<size_t>(pulses)),
                                              moving && s.fluoroOn};
                        monitor.recordPulse(cmd, p);
                        shownImages = pulses;
                    } else {
                        monitor.refine(cmd);  // the full view of a still pose, band by band
                    }
                    if (ui.view3d_) {
                        // The lumens, then the devices inside them, drawn by the ray caster; moving
                        // devices redraw it every kView3dDeviceRefreshS of the session (a whole
                        // view is ~0.25 s of CPU on lavapipe), an orbit at once.
                        if (s.time_s() >= next3dDevicesS || tubes3d.empty()) {
                            tubes3d = lumens3d;
                            for (const render::View3dTube& t : render::view3dDevices(session.procedure().deviceOutlines(session)))
                                tubes3d.push_back(t);
                            next3dDevicesS = s.time_s() + kView3dDeviceRefreshS;
                        }
                        view3d.record(cmd, ui.camera3d_, tubes3d);
                    }
                    else {
                        const auto v = ui.ctView();
                        slice.record(cmd, {v.plane.centreLps, v.plane.widthMm, v.window.levelHu, v.window.widthHu});
                    }
                },
                [&](VkCommandBuffer cmd) {
                    if (debrief) debrief->setCommandBuffer(cmd);
                    ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), cmd);
                },
                shoot && !opts.screenshotPath.empty() ? &pixels : nullptr);
            if (shoot && !opts.screenshotPath.empty()) {
                // Written whole, then renamed: a script waiting for the file never reads half of it.
                const VkExtent2D e = presenter.extent();
                const std::string partial = opts.screenshotPath + ".partial";
                writePngRgba(partial, static_cast<int>(e.width), static_cast<int>(e.height), pixels);
                std::filesystem::rename(partial, opts.screenshotPath);
                std::printf("screenshot: %s (%ux%u)\n", opts.screenshotPath.c_str(), e.width, e.height);
                std::fflush(stdout);
            }
            if (frameNo == 1) startup::mark("first frame");
            if (quit) break;
            // What the first frame could do without (a pulse would have made it already).
            if (frameNo == 1) monitor.uploadVolumes(), installHandlers();
        }
        } catch (const render::VulkanError& e) {
            if (!render::isDeviceFailure(e.result())) throw;
            gpuFailure = deviceFailureWords(e);
        }
        ctx.waitIdle();
        if (!gpuFailure.empty()) {
            const double at = session.time_s();
            if (!session.ended()) session.end(gpuFailure);
            writeReport();
            std::string saved = ui.recorder_ ? "the session log " + ui.recorder_->path() + " holds every action" : "";
            if (!opts.reportPath.empty()) saved += (saved.empty() ? "" : "; ") + std::string("the report is ") + opts.reportPath;
            std::fprintf(stderr, "irsim: error: %s at %.1f s into the session; the window cannot go on.%s%s%s\n",
                         gpuFailure.c_str(), at, saved.empty() ? "" : " Saved: ", saved.c_str(),
                         ui.recorder_ ? (". Replay it with: irsim replay " + ui.recorder_->path()).c_str() : "");
            return 4;
        }
        if (!session.ended()) session.end("the window was closed");
        writeReport();
        if (!opts.reportPath.empty()) std::printf("report: %s\n", opts.reportPath.c_str());
        if (ctx.validationEnabled()) {
            std::printf("Vulkan validation errors: %d\n", ctx.validationErrorCount());
            if (ctx.validationErrorCount() > 0) status = 3;
        }
    }
    return status;
}

}  // namespace irsim::app
