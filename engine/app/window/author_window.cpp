// The authoring mode's window. The model (app/authoring.h) holds the draft, its undo and the
// slices; this draws them and turns widgets and clicks into its edits. The live check runs on a
// worker thread (on a real CT it builds the patient and the procedure, a second or more) and is
// started again whenever the text it checked is no longer the draft's.
#include "app/window/author_window.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <future>
#include <memory>
#include <optional>

#define GLFW_INCLUDE_VULKAN
#include <GLFW/glfw3.h>
#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_vulkan.h>

#include "app/window/app_window.h"
#include "app/window/image_panel.h"
#include "app/window/presenter.h"
#include "app/debrief_source.h"
#include "app/windowed.h"
#include "core/error.h"
#include "core/image_io.h"
#include "core/text.h"
#include "render/grey_texture.h"
#include "render/image_blit.h"
#include "sim/scenario.h"

namespace irsim::app {

namespace {

namespace fs = std::filesystem;

constexpr int kWidth = 1280, kHeight = 800;
constexpr int kSlicePixels = 256;
constexpr float kSliceSide = 384.0f;
constexpr float kFieldsX = 800.0f;
// Where each slice is drawn: axial top left, sagittal top right, coronal bottom left; the checker's
// messages bottom right.
const ImVec2 kSliceAt[3] = {{8, 8}, {8, 404}, {404, 8}};

const ImVec4 kRed(0.95f, 0.45f, 0.4f, 1.0f), kYellow(0.95f, 0.8f, 0.35f, 1.0f), kGreen(0.4f, 0.85f, 0.45f, 1.0f),
    kGrey(0.6f, 0.6f, 0.6f, 1.0f);

// SIGTERM or Ctrl+C closes the editor as its close button does (a script driving it ends it so);
// installed once the window runs, as the simulator's are (a handler set earlier was found back at
// the default under lavapipe and Xvfb).
volatile std::sig_atomic_t gQuit = 0;
extern "C" void requestQuit(int) { gQuit = 1; }

struct Slice {
    std::unique_ptr<render::GreyTexture> texture;
    ImagePanel panel;
};

// Text field of the draft: one undo step per field however many keys are typed.
bool textField(const char* label, std::string& value, size_t capacity = 256) {
    std::vector<char> buf(capacity, '\0');
    std::strncpy(buf.data(), value.c_str(), capacity - 1);
    if (!ImGui::InputText(label, buf.data(), capacity)) return false;
    value = buf.data();
    return true;
}

struct Editor {
    explicit Editor(AuthoringModel& m) : model(m) {}
    AuthoringModel& model;
    std::optional<AuthoringPatient> patient;
    std::string patientError, status;
    std::string shownFor;  // the cursor and target the slice textures show
    char ctPath[512] = "", labelsPath[512] = "";
    double lesionMm = 20.0;
    std::vector<KnownPatient> known = knownPatients();
    glm::ivec3 ctDims{0};  // of the CT shown
    int phantomSeed = 1;
    std::future<sim::ScenarioCheck> running;
    std::string checkingText, checkedText;
    sim::ScenarioCheck checked;
    std::vector<sim::MetricSpec> declared;  // the metrics the draft's procedure reports
    std::string declaredFor;

    void openPatient() {
        // The same CT again (a lesion placed or removed): the cursor stays where the author is.
        const std::optional<glm::dvec3> keep = patient ? std::optional<glm::dvec3>(patient->cursor) : std::nullopt;
        patient.reset();
        patientError.clear();
        shownFor.clear();
        if (model.draft().ct.empty() && model.draft().phantomSeed < 0) return;
        try {
            patient = AuthoringPatient::load(model.draft(), model.file());
            if (keep && patient->patient().ct.geometry.dims == ctDims) patient->cursor = *keep;
            ctDims = patient->patient().ct.geometry.dims;
            // The log says when the slices can be clicked (the window scripts wait for it).
            std::printf("author: opened %s\n", model.draft().phantomSeed >= 0 ? "the phantom" : model.draft().ct.c_str());
        } catch (const DataError& e) {
            patientError = e.what();
            std::printf("author: %s\n", patientError.c_str());
        }
        std::fflush(stdout);
    }

    void pollCheck() {
        using namespace std::chrono_literals;
        if (running.valid() && running.wait_for(0ms) == std::future_status::ready) {
            checked = running.get();
            checkedText = checkingText;
        }
        const std::string text = model.text();
        if (!running.valid() && text != checkedText) {
            checkingText = text;
            const std::string file = model.file();
            running = std::async(std::launch::async, [text, file] { return sim::checkScenarioText(text, file); });
        }
    }

    void updateDeclared() {
        const std::string text = model.text();
        if (text == declaredFor) return;
        declaredFor = text;
        try {
            const sim::Scenario s = sim::parseScenario(text, model.file());
            declared = sim::imagingMetrics();
            for (const sim::MetricSpec& m : s.definition->metrics()) declared.push_back(m);
        } catch (const DataError&) {  // keep the last list; the checker says why
        }
    }
};

void patientFields(Editor& ed) {
    const ScenarioDraft& d = ed.model.draft();
    ImGui::TextColored(kGrey, "Patient");
    if (!ed.known.empty() && ImGui::BeginCombo("Shipped CTs", "a CT the shipped scenarios use")) {
        for (const KnownPatient& k : ed.known)
            if (ImGui::Selectable((fs::path(k.ct).filename().string() + " (" + k.usedBy + ")").c_str())) {
                std::snprintf(ed.ctPath, sizeof ed.ctPath, "%s", k.ct.c_str());
                std::snprintf(ed.labelsPath, sizeof ed.labelsPath, "%s", k.labels.c_str());
            }
        ImGui::EndCombo();
    }
    ImGui::InputText("CT", ed.ctPath, sizeof ed.ctPath);
    ImGui::InputText("Labels", ed.labelsPath, sizeof ed.labelsPath);
    if (ImGui::Button("Open CT")) {
        ScenarioDraft next = d;
        next.ct = pathFromScenario(ed.ctPath, ed.model.file());
        next.labels = ed.labelsPath[0] ? pathFromScenario(ed.labelsPath, ed.model.file()) : "";
        next.phantomSeed = -1;
        ed.model.edit(next, "");
        ed.openPatient();
    }
    ImGui::SameLine();
    ImGui::SetNextItemWidth(80);
    ImGui::InputInt("##seed", &ed.phantomSeed);
    ImGui::SameLine();
    if (ImGui::Button("Use the phantom")) {
        ScenarioDraft next = d;
        next.ct.clear();
        next.labels.clear();
        next.phantomSeed = std::max(0, ed.phantomSeed);
        ed.model.edit(next, "");
        ed.openPatient();
    }
    if (d.phantomSeed >= 0) ImGui::TextColored(kGrey, "Phantom, seed %lld", static_cast<long long>(d.phantomSeed));
    else if (!d.ct.empty()) ImGui::TextColored(kGrey, "CT %s%s%s", d.ct.c_str(), d.labels.empty() ? "" : ", labels ", d.labels.c_str());
    if (ed.patient && d.phantomSeed < 0) {
        ImGui::SetNextItemWidth(120);
        ImGui::InputDouble("mm", &ed.lesionMm, 5.0, 10.0, "%.0f");
        ImGui::SameLine();
        if (ImGui::Button("Place a lesion at the cursor")) {
            const std::string organ = ed.patient->structureAt(ed.patient->cursor);
            ed.status = organ == "liver_tumour" ? "a lesion is there already"
                                                : ed.model.placeLesion(ed.patient->cursor, ed.lesionMm, organ);
            if (ed.status.empty()) ed.status = "lesion placed in " + organ;
            std::printf("author: %s\n", ed.status.c_str());
            std::fflush(stdout);
        }
        for (size_t i = 0; i < d.lesions.size(); ++i) {
            const sim::ScenarioLesion& l = d.lesions[i];
            ImGui::PushID(static_cast<int>(i));
            ImGui::TextColored(kGrey, "Lesion %zu: %g mm in %s at (%g, %g, %g)", i + 1, l.diameterMm, l.organ.c_str(),
                               l.centreLps.x, l.centreLps.y, l.centreLps.z);
            ImGui::SameLine();
            if (ImGui::SmallButton("Remove")) ed.model.removeLesion(i);
            ImGui::PopID();
        }
    }
    if (!ed.patientError.empty()) {
        ImGui::PushTextWrapPos(kWidth - 10.0f);
        ImGui::TextColored(kRed, "%s", ed.patientError.c_str());
        ImGui::PopTextWrapPos();
    }
}

void scenarioFields(Editor& ed) {
    ScenarioDraft next = ed.model.draft();
    if (ImGui::BeginCombo("Procedure", next.procedure.c_str())) {
        for (const std::string& p : sim::procedureNames())
            if (ImGui::Selectable(p.c_str(), p == next.procedure) && p != next.procedure) {
                ScenarioDraft fresh = newDraft(p);
                fresh.ct = next.ct, fresh.labels = next.labels, fresh.phantomSeed = next.phantomSeed;
                fresh.phantomVoxelMm = next.phantomVoxelMm;
                ed.model.edit(fresh, "");
            }
        ImGui::EndCombo();
    }
    next = ed.model.draft();
    if (ImGui::BeginCombo("Target", next.target.c_str())) {
        for (const std::string& t : targetChoices(next.procedure))
            if (ImGui::Selectable(t.c_str(), t == next.target)) ed.status = ed.model.pickTarget(t);
        ImGui::EndCombo();
    }
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(kGrey, "Click a structure on a slice to make it the target (its outline is white); the wheel "
                              "moves through the slices.");
    ImGui::PopTextWrapPos();
    next = ed.model.draft();
    if (textField("Title", next.title)) ed.model.edit(next, "title");
    if (textField("Description", next.description, 2048)) ed.model.edit(next, "description");
    if (ImGui::BeginCombo("Difficulty", next.difficulty.empty() ? "(not stated)" : next.difficulty.c_str())) {
        for (const char* level : sim::kDifficulties)
            if (ImGui::Selectable(level, next.difficulty == level)) {
                next.difficulty = level;
                ed.model.edit(next, "");
            }
        ImGui::EndCombo();
    }
    next = ed.model.draft();
    if (ImGui::InputDouble("Pass score", &next.passScore, 5.0, 10.0, "%.1f")) ed.model.edit(next, "pass");
}

void rubricFields(Editor& ed) {
    ed.updateDeclared();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(kGrey, "Rubric: tick the metrics to score; each scores full marks at one value, none at the other");
    ImGui::PopTextWrapPos();
    if (!ImGui::BeginTable("metrics", 4, ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg, ImVec2(0, 0))) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("metric", ImGuiTableColumnFlags_WidthStretch);
    for (const char* c : {"weight", "full at", "zero at"}) ImGui::TableSetupColumn(c, ImGuiTableColumnFlags_WidthFixed, 62.0f);
    ImGui::TableHeadersRow();
    // The scored ones first, in the rubric's order, then the rest as the procedure declares them.
    std::vector<sim::MetricSpec> rows;
    for (const assessment::RubricMetric& r : ed.model.draft().metrics) rows.push_back({r.name, r.unit, r.label});
    for (const sim::MetricSpec& m : ed.declared)
        if (std::none_of(rows.begin(), rows.end(), [&](const sim::MetricSpec& r) { return r.name == m.name; })) rows.push_back(m);
    for (const sim::MetricSpec& m : rows) {
        ScenarioDraft next = ed.model.draft();
        auto it = std::find_if(next.metrics.begin(), next.metrics.end(), [&](const auto& r) { return r.name == m.name; });
        ImGui::PushID(m.name.c_str());
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        bool scored = it != next.metrics.end();
        if (ImGui::Checkbox(m.name.c_str(), &scored)) {
            if (scored) next.metrics.push_back({m.name, m.unit, m.label, 0.0, 1.0, 1.0});
            else next.metrics.erase(it);
            ed.model.edit(next, "");
        } else if (scored) {
            if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s (%s)", m.label.c_str(), m.unit.c_str());
            const size_t i = static_cast<size_t>(it - next.metrics.begin());
            double* fields[3] = {&next.metrics[i].weight, &next.metrics[i].fullMarksAt, &next.metrics[i].zeroAt};
            for (int f = 0; f < 3; ++f) {
                ImGui::TableNextColumn();
                ImGui::SetNextItemWidth(-1);
                ImGui::PushID(f);
                if (ImGui::InputDouble("##v", fields[f], 0.0, 0.0, "%g")) ed.model.edit(next, m.name + std::to_string(f));
                ImGui::PopID();
            }
        }
        ImGui::PopID();
    }
    ImGui::EndTable();
}

void checkerMessages(Editor& ed) {
    ImGui::SetNextWindowPos(ImVec2(404, 404));
    ImGui::SetNextWindowSize(ImVec2(384, 384));
    ImGui::Begin("Checker", nullptr, ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse);
    const bool current = ed.checkedText == ed.model.text();
    if (!current) ImGui::TextColored(kGrey, "checking...");
    if (ed.checkedText.empty()) {
        ImGui::End();
        return;
    }
    ImGui::PushTextWrapPos(0.0f);
    for (const DataError& e : ed.checked.errors) ImGui::TextColored(kRed, "%s", e.what());
    for (const DataError& w : ed.checked.warnings)
        ImGui::TextColored(kYellow, "%s", formatDataError(w.file(), w.line(), w.field(), "warning: " + sim::messageOf(w)).c_str());
    if (ed.checked.errors.empty() && ed.checked.warnings.empty()) ImGui::TextColored(kGreen, "Checks clean: it runs as it stands.");
    ImGui::PopTextWrapPos();
    ImGui::End();
}

// One slice: a click picks the structure under the mouse as the target and moves the cursor
// there; the wheel steps the cursor through the stack.
void slicePanel(Editor& ed, Slice& s, SliceView view) {
    const ImVec2 at = kSliceAt[static_cast<int>(view)];
    ImGui::SetNextWindowPos(at);
    ImGui::SetNextWindowSize(ImVec2(kSliceSide + 4, kSliceSide + 4));
    ImGui::Begin(kSliceViewNames[static_cast<int>(view)], nullptr,
                 ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoScrollWithMouse);
    const ImVec2 min = ImGui::GetCursorScreenPos();
    const ImVec2 max(min.x + kSliceSide, min.y + kSliceSide);
    ImGui::InvisibleButton("slice", ImVec2(kSliceSide, kSliceSide));
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (!ed.patient) {
        draw->AddRect(min, max, IM_COL32(90, 90, 90, 255));
        ImGui::SetCursorScreenPos(ImVec2(min.x + 10, min.y + 10));
        ImGui::TextColored(kGrey, "%s: open a CT or the phantom", kSliceViewNames[static_cast<int>(view)]);
        ImGui::End();
        return;
    }
    s.panel.min = min, s.panel.max = max;
    draw->AddCallback(drawImagePanel, &s.panel);
    draw->AddCallback(ImDrawCallback_ResetRenderState, nullptr);
    const float scale = kSliceSide / kSlicePixels;
    const imaging::SlicePlane plane = ed.patient->plane(view, kSlicePixels);
    // The cursor's crosshair.
    const glm::dvec3 rel = ed.patient->cursor - plane.centreLps;
    const float cx = min.x + static_cast<float>((glm::dot(rel, plane.right) / plane.widthMm + 0.5) * kSliceSide);
    const float cy = min.y + static_cast<float>((glm::dot(rel, plane.down) / plane.heightMm + 0.5) * kSliceSide);
    draw->AddLine(ImVec2(cx, min.y), ImVec2(cx, max.y), IM_COL32(80, 200, 255, 110));
    draw->AddLine(ImVec2(min.x, cy), ImVec2(max.x, cy), IM_COL32(80, 200, 255, 110));
    draw->AddText(ImVec2(min.x + 6, min.y + 4), IM_COL32(255, 255, 255, 255), kSliceViewNames[static_cast<int>(view)]);
    // The lesions this slice cuts, as the circles it cuts them in.
    for (const sim::ScenarioLesion& l : ed.model.draft().lesions) {
        const glm::dvec3 lr = l.centreLps - plane.centreLps;
        const double off = glm::dot(lr, plane.normal()), r = 0.5 * l.diameterMm;
        if (std::abs(off) >= r) continue;
        const float lx = min.x + static_cast<float>((glm::dot(lr, plane.right) / plane.widthMm + 0.5) * kSliceSide);
        const float ly = min.y + static_cast<float>((glm::dot(lr, plane.down) / plane.heightMm + 0.5) * kSliceSide);
        draw->AddCircle(ImVec2(lx, ly), static_cast<float>(std::sqrt(r * r - off * off) / plane.widthMm * kSliceSide),
                        IM_COL32(255, 200, 60, 255), 32, 1.5f);
    }
    if (ImGui::IsItemHovered()) {
        const ImVec2 m = ImGui::GetMousePos();
        const glm::dvec3 p = ed.patient->pointAt(view, kSlicePixels, (m.x - min.x) / scale, (m.y - min.y) / scale);
        const std::string name = ed.patient->structureAt(p);
        if (!name.empty()) ImGui::SetTooltip("%s", name.c_str());
        if (ImGui::IsMouseClicked(ImGuiMouseButton_Left)) {
            ed.patient->cursor = p;
            ed.status = name.empty() ? "no structure there" : ed.model.pickTarget(name);
            if (ed.status.empty()) ed.status = "target: " + name;
            std::printf("author: clicked %s: %s\n", kSliceViewNames[static_cast<int>(view)], ed.status.c_str());
            std::fflush(stdout);
        }
        const float wheel = ImGui::GetIO().MouseWheel;
        if (wheel != 0.0f) ed.patient->cursor += plane.normal() * (3.0 * wheel);
    }
    ImGui::End();
}

void uploadSlices(Editor& ed, Slice (&slices)[3], render::Context& ctx, render::ImageBlitter& blitter) {
    if (!ed.patient) return;
    const glm::dvec3 c = ed.patient->cursor;
    const std::string key = formatNumber(c.x) + " " + formatNumber(c.y) + " " + formatNumber(c.z) + " " + ed.model.draft().target;
    if (key == ed.shownFor) return;
    ed.shownFor = key;
    for (int v = 0; v < 3; ++v) {
        Slice& s = slices[v];
        if (!s.texture) {
            s.texture = std::make_unique<render::GreyTexture>(ctx, kSlicePixels);
            s.panel.blitter = &blitter;
        }
        s.texture->upload(ed.patient->slice(static_cast<SliceView>(v), kSlicePixels, ed.model.draft().target));
        s.panel.set = blitter.setFor(s.texture->image());
    }
}

// What the slices are built from: the CT, labels or phantom, and the lesions painted into them.
std::string patientKey(const ScenarioDraft& d) {
    std::string k = d.ct + "|" + d.labels + "|" + std::to_string(d.phantomSeed);
    for (const sim::ScenarioLesion& l : d.lesions)
        k += "|" + formatNumber(l.centreLps.x) + "," + formatNumber(l.centreLps.y) + "," + formatNumber(l.centreLps.z) + "," +
             formatNumber(l.diameterMm) + l.organ;
    return k;
}

// Returns true when Play was pressed (the file is saved and checks without errors).
bool editorFrame(Editor& ed, GLFWwindow* window) {
    bool play = false;
    ImGuiIO& io = ImGui::GetIO();
    if (io.KeyCtrl && !io.WantTextInput) {
        if (ImGui::IsKeyPressed(GLFW_KEY_Z)) io.KeyShift ? ed.model.redo() : ed.model.undo();
        if (ImGui::IsKeyPressed(GLFW_KEY_Y)) ed.model.redo();
        if (ImGui::IsKeyPressed(GLFW_KEY_S)) ed.model.save();
    }
    ImGui::SetNextWindowPos(ImVec2(kFieldsX, 0));
    ImGui::SetNextWindowSize(ImVec2(kWidth - kFieldsX, kHeight));
    ImGui::Begin("Author a scenario", nullptr, ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoCollapse);
    ImGui::PushItemWidth(300);
    ImGui::TextColored(kGrey, "%s%s", ed.model.file().c_str(), ed.model.unsaved() ? " (not saved)" : "");
    ImGui::BeginDisabled(!ed.model.canUndo());
    if (ImGui::Button("Undo")) ed.model.undo();
    ImGui::EndDisabled();
    ImGui::SameLine();
    ImGui::BeginDisabled(!ed.model.canRedo());
    if (ImGui::Button("Redo")) ed.model.redo();
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Save")) {
        ed.model.save();
        ed.status = "saved " + ed.model.file();
        std::printf("author: saved %s\n", ed.model.file().c_str());
        std::fflush(stdout);
    }
    ImGui::SameLine();
    if (ImGui::Button("Play")) {
        const sim::ScenarioCheck c = ed.model.check();
        if (c.errors.empty()) {
            ed.model.save();
            play = true;
        } else {
            ed.status = "fix the checker's errors first";
            std::printf("author: not played: %zu errors\n", c.errors.size());
            std::fflush(stdout);
        }
    }
    if (!ed.status.empty()) ImGui::TextColored(kYellow, "%s", ed.status.c_str());
    ImGui::Separator();
    patientFields(ed);
    ImGui::Separator();
    const std::string before = patientKey(ed.model.draft());
    scenarioFields(ed);
    ImGui::Separator();
    rubricFields(ed);
    ImGui::PopItemWidth();
    ImGui::End();
    // An undo may have changed the patient.
    const ScenarioDraft& d = ed.model.draft();
    if (before != patientKey(d)) ed.openPatient();
    (void)window;
    return play;
}

}  // namespace

bool authoringQuitRequested() { return gQuit != 0; }

int runAuthoring(const AuthorSessionOptions& opts) {
    AuthoringModel model(opts.draft, opts.file);
    const WindowSystem windowSystem;  // open from the editor through Play and back
    for (;;) {
        bool play = false;
        {
            AppWindow app(kWidth, kHeight, "irsim - author a scenario");
            GLFWwindow* window = app.window();
            render::Context& ctx = app.context();
            Presenter& presenter = app.presenter();
            int fbw = 0, fbh = 0;
            glfwGetFramebufferSize(window, &fbw, &fbh);
            Editor ed(model);
            // The fields show the draft's data as paths from here.
            const fs::path dir = fs::path(model.file()).parent_path();
            if (!model.draft().ct.empty())
                std::snprintf(ed.ctPath, sizeof ed.ctPath, "%s", (dir / model.draft().ct).lexically_normal().c_str());
            if (!model.draft().labels.empty())
                std::snprintf(ed.labelsPath, sizeof ed.labelsPath, "%s", (dir / model.draft().labels).lexically_normal().c_str());
            ed.openPatient();
            Slice slices[3];
            {
                render::ImageBlitter blitter(ctx, presenter.renderPass());
                std::signal(SIGTERM, requestQuit);
                std::signal(SIGINT, requestQuit);
                for (int frameNo = 1; !glfwWindowShouldClose(window) && !play && !gQuit; ++frameNo) {
                    glfwPollEvents();
                    ed.pollCheck();
                    uploadSlices(ed, slices, ctx, blitter);
                    ImGui_ImplVulkan_NewFrame();
                    ImGui_ImplGlfw_NewFrame();
                    ImGui::NewFrame();
                    for (int v = 0; v < 3; ++v) slicePanel(ed, slices[v], static_cast<SliceView>(v));
                    checkerMessages(ed);
                    play = editorFrame(ed, window);
                    ImGui::Render();
                    const bool shoot = opts.quitAfterFrames > 0 && frameNo >= opts.quitAfterFrames &&
                                       (!ed.running.valid() || frameNo >= opts.quitAfterFrames * 50);
                    presenter.imguiFrame(fbw, fbh, {&slices[0].panel.cmd, &slices[1].panel.cmd, &slices[2].panel.cmd},
                                         shoot ? opts.screenshotPath : "");
                    if (shoot) {
                        break;
                    }
                }
                if (ed.running.valid()) ed.running.wait();
                ctx.waitIdle();
                for (Slice& s : slices) s.texture.reset();  // before the context goes
            }
        }
        if (!play) return 0;
        std::printf("author: playing %s\n", model.file().c_str());
        std::fflush(stdout);
        WindowRunOptions run;
        run.scenarioPath = model.file();
        run.trainee = opts.trainee;
        run.recordsUrl = opts.recordsUrl;
        run.startedAt = nowUtc();
        const int status = runWindowed(run);
        if (status != 0 || opts.once) return status;
    }
}

}  // namespace irsim::app
