#include "app/window/procedure_panel.h"

#include <imgui.h>

#include <algorithm>

#include "sim/ui_actions.h"

namespace irsim::app {

namespace {
const ImVec4 kAlarmRed{1.0f, 0.3f, 0.3f, 1.0f};
}  // namespace

ProcedurePanel::ProcedurePanel(const sim::Session& session)
    : panel_(session.procedureSpec().panel), inputs_(sim::initialInputs(panel_)),
      branches_(sim::ui::arterialBranches(session.patient())) {
    for (size_t i = 0; i < branches_.size(); ++i)
        if (branches_[i] == "common_hepatic") branch_ = static_cast<int>(i);  // the usual first run
    // With a catheter in the patient, contrast goes through it: its tip is the first choice.
    if (!branches_.empty() && session.procedure().catheterTip(session)) {
        branches_.insert(branches_.begin(), "catheter_tip");
        branch_ = 0;
    }
}

std::vector<std::string> ProcedurePanel::helpLines() const {
    std::vector<std::string> lines = panel_.help;
    for (const sim::PanelControl& c : panel_.controls)
        if (!c.key.empty() && !c.help.empty()) lines.push_back(c.help);
    return lines;
}

bool ProcedurePanel::bindsCtrlArrows() const {
    return std::any_of(panel_.controls.begin(), panel_.controls.end(),
                       [](const sim::PanelControl& c) { return c.key.rfind("Ctrl+", 0) == 0; });
}

std::vector<sim::Action> ProcedurePanel::draw(const sim::Session& session, const KeyDown& keyDown) {
    std::vector<sim::Action> out;
    if (!panel_.controls.empty()) procedure(session, keyDown, out);
    imaging(session, out);
    return out;
}

void ProcedurePanel::procedure(const sim::Session& session, const KeyDown& keyDown, std::vector<sim::Action>& out) {
    const double t = session.time_s();
    const bool open = ImGui::CollapsingHeader(panel_.title.c_str(), ImGuiTreeNodeFlags_DefaultOpen);
    ImGui::PushItemWidth(150.0f);
    for (const sim::PanelControl& c : panel_.controls) {
        if (c.shown && !c.shown(session)) {
            keyWasDown_[c.id] = false;
            continue;
        }
        // A key acts even with the header folded: the hand stays on the device.
        const bool down = !c.key.empty() && keyDown(c.key);
        const bool edge = down && !keyWasDown_[c.id];
        keyWasDown_[c.id] = down;
        const bool handFree = t >= handFreeAt_[c.id];
        bool pressed = c.holdRepeats ? down && handFree : edge;
        if (open) {
            if (c.sameLine) ImGui::SameLine();
            const std::string label = c.liveLabel ? c.liveLabel(session) : c.label;
            const std::string id = label + "##" + c.id;
            switch (c.kind) {
                case sim::ControlKind::Choice: {
                    int& v = inputs_.choices[c.id];
                    if (c.liveChoice) v = std::clamp(c.liveChoice(session), 0, static_cast<int>(c.options.size()) - 1);
                    bool changed = false;
                    if (c.radio) {
                        for (size_t i = 0; i < c.options.size(); ++i) {
                            if (i > 0) ImGui::SameLine();
                            changed |= ImGui::RadioButton((c.options[i] + "##" + c.id).c_str(), &v, static_cast<int>(i));
                        }
                    } else if (ImGui::BeginCombo(id.c_str(), c.options[static_cast<size_t>(v)].c_str())) {
                        for (size_t i = 0; i < c.options.size(); ++i)
                            if (ImGui::Selectable(c.options[i].c_str(), static_cast<int>(i) == v)) {
                                changed = v != static_cast<int>(i);
                                v = static_cast<int>(i);
                            }
                        ImGui::EndCombo();
                    }
                    pressed |= changed;
                    break;
                }
                case sim::ControlKind::Number: {
                    double& v = inputs_.numbers[c.id];
                    if (ImGui::InputDouble(id.c_str(), &v, c.step, 5.0 * c.step, c.format.c_str()))
                        v = std::clamp(v, c.lo, c.hi);
                    break;
                }
                case sim::ControlKind::Button:
                    pressed |= c.small ? ImGui::SmallButton(id.c_str()) : ImGui::Button(id.c_str());
                    break;
            }
        }
        if (pressed && c.press) {
            for (sim::Action& a : c.press(inputs_, session)) out.push_back(std::move(a));
            if (c.handBusyS > 0.0) handFreeAt_[c.id] = t + c.handBusyS;
        }
    }
    ImGui::PopItemWidth();
    if (!open || !panel_.readout) return;
    for (const sim::ReadoutLine& line : panel_.readout(session)) {
        if (line.alarm) {
            ImGui::PushStyleColor(ImGuiCol_Text, kAlarmRed);
            ImGui::TextWrapped("%s", line.text.c_str());
            ImGui::PopStyleColor();
        } else {
            ImGui::TextWrapped("%s", line.text.c_str());  // the panel is narrow: a plan's line runs long
        }
    }
}

void ProcedurePanel::imaging(const sim::Session& session, std::vector<sim::Action>& out) {
    namespace ui = sim::ui;
    const double t = session.time_s();
    const ImGuiTreeNodeFlags open = panel_.imagingControlsOpen ? ImGuiTreeNodeFlags_DefaultOpen : 0;
    if (!ImGui::CollapsingHeader("Contrast, DSA, CT", open)) return;
    ImGui::PushItemWidth(150.0f);
    if (branches_.empty()) {
        ImGui::TextDisabled("No arterial tree in this patient");
    } else {
        const char* current = branches_[static_cast<size_t>(branch_)].c_str();
        if (ImGui::BeginCombo("At branch", current)) {
            for (size_t i = 0; i < branches_.size(); ++i)
                if (ImGui::Selectable(branches_[i].c_str(), static_cast<int>(i) == branch_)) branch_ = static_cast<int>(i);
            ImGui::EndCombo();
        }
        ImGui::SliderFloat("Contrast ml", &contrastMl_, 0.5f, 30.0f, "%.1f");
        ImGui::SliderFloat("Rate ml/s", &contrastRateMlS_, 0.5f, 10.0f, "%.1f");
        if (ImGui::Button("Inject contrast"))
            out.push_back(ui::contrastInject(t, contrastMl_, contrastRateMlS_, branches_[static_cast<size_t>(branch_)]));
        ImGui::SameLine();
    }
    if (ImGui::Button("DSA 6 s")) out.push_back(ui::dsaRun(t));
    ImGui::SameLine();
    const bool roadmapOn = session.state().modes.roadmapOn;
    if (ImGui::Button(roadmapOn ? "Roadmap off" : "Roadmap on")) out.push_back(ui::roadmap(t, !roadmapOn));
    ImGui::SliderFloat("CT +/- mm", &ctHalfRangeMm_, 5.0f, 200.0f, "%.0f");
    ImGui::PopItemWidth();
    const double isoZ = session.state().carm.isocentre.z;
    if (ImGui::Button("CT scan")) out.push_back(ui::ctScan(t, isoZ, ctHalfRangeMm_));
    ImGui::SameLine();
    if (ImGui::Button("CT fluoro at isocentre")) out.push_back(ui::ctFluoro(t, isoZ));
}

}  // namespace irsim::app
