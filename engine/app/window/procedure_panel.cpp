#include "app/window/procedure_panel.h"

#include <imgui.h>

#include "sim/ui_actions.h"

namespace irsim::app {

namespace {

// The trocar presets by their action names (sim::vertebroplasty::deviceNamed).
const char* const kDevices[] = {"trocar_11g_bevel", "trocar_11g_diamond", "trocar_13g_bevel", "trocar_13g_diamond"};
const ImVec4 kAlarmRed{1.0f, 0.3f, 0.3f, 1.0f};

// A key press, not the key held: true on the frame it goes down.
bool pressed(bool now, bool& was) {
    const bool edge = now && !was;
    was = now;
    return edge;
}

}  // namespace

ProcedurePanel::ProcedurePanel(const sim::Session& session)
    : branches_(sim::ui::arterialBranches(session.patient())) {
    for (size_t i = 0; i < branches_.size(); ++i)
        if (branches_[i] == "common_hepatic") branch_ = static_cast<int>(i);  // the usual first run
}

std::vector<sim::Action> ProcedurePanel::draw(const sim::Session& session, const ProcedureKeys& keys) {
    std::vector<sim::Action> out;
    if (session.scenario().procedure == "vertebroplasty") vertebroplasty(session, keys, out);
    imaging(session, out);
    return out;
}

void ProcedurePanel::vertebroplasty(const sim::Session& session, const ProcedureKeys& keys,
                                    std::vector<sim::Action>& out) {
    namespace ui = sim::ui;
    const double t = session.time_s();
    if (!ImGui::CollapsingHeader("Vertebroplasty", ImGuiTreeNodeFlags_DefaultOpen)) {
        tapDown_ = keys.tap, injectDown_ = keys.inject;
        return;
    }
    ImGui::PushItemWidth(150.0f);
    if (ImGui::Combo("Trocar", &device_, kDevices, IM_ARRAYSIZE(kDevices))) out.push_back(ui::needleSelect(t, kDevices[device_]));
    ImGui::RadioButton("Right pedicle", &side_, 0);
    ImGui::SameLine();
    ImGui::RadioButton("Left", &side_, 1);
    ImGui::InputFloat("Medial deg", &medialDeg_, 1.0f, 5.0f, "%.1f");
    ImGui::InputFloat("Caudal deg", &caudalDeg_, 1.0f, 5.0f, "%.1f");
    ImGui::PopItemWidth();
    if (ImGui::Button("Place on skin", {-1, 0}))
        out.push_back(ui::needlePlace(t, session.scenario().target, side_ == 1 ? ui::Side::Left : ui::Side::Right,
                                      medialDeg_, caudalDeg_));
    // One hand movement at a time: a held key pushes again once the last push has had its time.
    const bool handFree = t >= nextHandS_;
    const double pushS = ui::kAdvanceStepMm / ui::kHandSpeedMmS;
    if (ImGui::Button("Advance 2 mm") || (keys.advance && handFree)) {
        out.push_back(ui::needleAdvance(t, false));
        nextHandS_ = t + pushS;
    }
    ImGui::SameLine();
    if (ImGui::Button("Twist 2 mm")) {
        out.push_back(ui::needleAdvance(t, true));
        nextHandS_ = t + pushS;
    }
    ImGui::SameLine();
    if (ImGui::Button("Tap (T)") || pressed(keys.tap, tapDown_)) out.push_back(ui::needleTap(t));
    if (ImGui::Button("Withdraw 2 mm") || (keys.withdraw && handFree)) {
        out.push_back(ui::needleWithdraw(t));
        nextHandS_ = t + ui::kWithdrawStepMm / 10.0;  // needle.withdraw's default 10 mm/s
    }
    ImGui::SameLine();
    if (ImGui::Button("Remove")) out.push_back(ui::needleRemove(t));
    ImGui::TextUnformatted("Re-angle 1 deg");
    ImGui::SameLine();
    if (ImGui::SmallButton("med+")) out.push_back(ui::needleReangle(t, ui::kReangleStepDeg, 0.0));
    ImGui::SameLine();
    if (ImGui::SmallButton("med-")) out.push_back(ui::needleReangle(t, -ui::kReangleStepDeg, 0.0));
    ImGui::SameLine();
    if (ImGui::SmallButton("cr+")) out.push_back(ui::needleReangle(t, 0.0, ui::kReangleStepDeg));
    ImGui::SameLine();
    if (ImGui::SmallButton("cr-")) out.push_back(ui::needleReangle(t, 0.0, -ui::kReangleStepDeg));

    const auto r = ui::needleReadout(session);
    if (ImGui::Button(r && !r->styletIn ? "Stylet in" : "Stylet out"))
        out.push_back(r && !r->styletIn ? ui::styletIn(t) : ui::styletOut(t));
    ImGui::SameLine();
    if (ImGui::Button("Mix cement")) out.push_back(ui::cementMix(t));
    ImGui::SameLine();
    if (ImGui::Button("Inject 0.5 (I)") || pressed(keys.inject, injectDown_)) out.push_back(ui::cementInject(t));
    if (!r) return;
    ImGui::Text("%s, stylet %s", r->device.c_str(), r->styletIn ? "in" : "out");
    ImGui::Text("Depth %.1f mm, tip: %s", r->depthMm, r->placed ? r->tipTissue.c_str() : "-");
    ImGui::Text("Hub force %.1f N", r->axialHubForceN);
    ImGui::Text("Cement %s, %.2f ml, fill %.1f %%", r->cementMixed ? "mixed" : "not mixed", r->cementInjectedMl,
                r->cementFillPercent);
    if (!r->lastAlarm.empty()) {
        ImGui::PushStyleColor(ImGuiCol_Text, kAlarmRed);
        ImGui::TextWrapped("%s", r->lastAlarm.c_str());
        ImGui::PopStyleColor();
    }
}

void ProcedurePanel::imaging(const sim::Session& session, std::vector<sim::Action>& out) {
    namespace ui = sim::ui;
    const double t = session.time_s();
    const ImGuiTreeNodeFlags open =
        session.scenario().procedure == "vertebroplasty" ? 0 : ImGuiTreeNodeFlags_DefaultOpen;
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
