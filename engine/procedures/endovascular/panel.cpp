// The endovascular controls in the window: the device stack (which device is in, how far, its tip's
// branch), the hand on one hub (push, pull, twist, by buttons and keys at hand speed), the wire in
// and out of the catheter, and an alarm line for wall-force events.
#include <algorithm>

#include "core/text.h"
#include "core/units.h"
#include "procedures/endovascular/endovascular.h"

namespace irsim::procedures::endovascular::controls {

Action devicePush(double time_s, const std::string& device, double mm, double speedMmS) {
    const nlohmann::json args = {{"device", device}, {"mm", std::abs(mm)}, {"speed_mm_s", speedMmS}};
    return Action{time_s, mm >= 0.0 ? "device.push" : "device.pull", args, "", 0};
}

Action deviceTorque(double time_s, const std::string& device, double deg, double rateDegS) {
    const nlohmann::json args = {{"device", device}, {"deg", deg}, {"rate_deg_s", rateDegS}};
    return Action{time_s, "device.torque", args, "", 0};
}

sim::PanelSpec panel() {
    using Actions = std::vector<Action>;
    using sim::ControlKind, sim::PanelControl, sim::PanelInputs;
    sim::PanelSpec p;
    p.title = "Endovascular";
    p.imagingControlsOpen = true;  // contrast, DSA and roadmap are half the procedure

    const auto hand = [](std::string id, std::string label, std::string key, double mm, double deg, bool same) {
        PanelControl c;
        c.kind = ControlKind::Button, c.id = std::move(id), c.label = std::move(label), c.key = std::move(key);
        c.sameLine = same, c.holdRepeats = true;
        c.handBusyS = mm != 0.0 ? std::abs(mm) / kHandSpeedMmS : std::abs(deg) / kTurnRateDegS;
        c.press = [mm, deg](const PanelInputs&, const Session& s) {
            const std::string d = Endovascular::of(s).deviceInHand();
            if (d.empty()) return Actions{};
            return Actions{mm != 0.0 ? devicePush(s.time_s(), d, mm) : deviceTorque(s.time_s(), d, deg)};
        };
        c.help = c.key + " (hold): " + c.label + " the device in hand";
        return c;
    };
    p.controls.push_back(hand("push", "Push 10 mm", "Ctrl+Up", kPushStepMm, 0.0, false));
    p.controls.push_back(hand("pull", "Pull 10 mm", "Ctrl+Down", -kPushStepMm, 0.0, true));
    // The window gives a panel Ctrl+Up/Down and free letters (the arrows alone turn the C-arm).
    p.controls.push_back(hand("twist_left", "Twist +30", "Q", 0.0, kTurnStepDeg, false));
    p.controls.push_back(hand("twist_right", "Twist -30", "E", 0.0, -kTurnStepDeg, true));

    PanelControl next;
    next.kind = ControlKind::Button, next.id = "next_hub", next.label = "Next hub", next.key = "H";
    next.help = "H: put the hand on the next device's hub";
    next.press = [](const PanelInputs&, const Session& s) {
        const auto& st = Endovascular::of(s).state();
        if (st.stack.empty()) return Actions{};
        const nlohmann::json hub = {{"device", st.stack[static_cast<size_t>(st.active + 1) % st.stack.size()]}};
        return Actions{Action{s.time_s(), "device.select", hub, "", 0}};
    };
    p.controls.push_back(next);
    PanelControl lead;
    lead.kind = ControlKind::Button, lead.id = "wire_lead", lead.label = "Wire out 20 mm", lead.sameLine = true;
    lead.press = [](const PanelInputs&, const Session& s) {
        return Actions{Action{s.time_s(), "wire.lead", {{"mm", 20.0}}, "", 0}};
    };
    p.controls.push_back(lead);
    PanelControl retract;
    retract.kind = ControlKind::Button, retract.id = "wire_retract", retract.label = "Wire in", retract.sameLine = true;
    retract.press = [](const PanelInputs&, const Session& s) {
        return Actions{Action{s.time_s(), "wire.retract", nlohmann::json::object(), "", 0}};
    };
    p.controls.push_back(retract);

    p.drag = [](double rightPx, double downPx, const Session& s) {
        const std::string d = Endovascular::of(s).deviceInHand();
        Actions out;
        if (d.empty()) return out;
        const double mm = std::clamp(-downPx * kDragMmPerPx, -1000.0, 1000.0);
        const double deg = std::clamp(rightPx * kDragDegPerPx, -1080.0, 1080.0);
        if (std::abs(mm) >= 0.5) out.push_back(devicePush(s.time_s(), d, mm));
        if (std::abs(deg) >= 1.0) out.push_back(deviceTorque(s.time_s(), d, deg));
        return out;
    };
    p.readout = [](const Session& session) {
        const Endovascular& e = Endovascular::of(session);
        const State& st = e.state();
        std::vector<sim::ReadoutLine> lines;
        for (size_t k = 0; k < st.stack.size(); ++k) {
            const int node = e.tipNode(static_cast<int>(k));
            lines.push_back({formatted("%s %s: %.0f mm in, tip in %s", static_cast<int>(k) == st.active ? ">" : " ",
                                       e.rodModel().devices[k].title.c_str(), st.rod.insertedMm[k],
                                       e.branchPlaceAtNode(node).c_str()),
                             false});
        }
        if (!st.stack.empty()) {
            const Hand& h = st.hands[static_cast<size_t>(st.active)];
            lines.push_back({formatted("Hand: %.0f mm/s, %.0f deg/s", h.leftMm != 0.0 ? h.speedMmS : 0.0,
                                       h.leftRad != 0.0 ? h.rateRadS / kDegToRad : 0.0),
                             false});
        }
        lines.push_back({formatted("Highest tip force %.2f N", st.maxTipForceN), false});
        const auto& events = session.state().events;
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (it->kind.rfind("vessel.", 0) == 0 || it->kind == "device.wrong_branch") {
                lines.push_back({it->kind + ": " + it->details, true});
                break;
            }
        return lines;
    };
    p.help = {"Endovascular: push, pull and twist the hub in hand (H changes hub) to steer the tip into the",
              "  route's branches; inject contrast at the catheter tip for DSA runs and a roadmap",
              "Drag on the monitor: up pushes, down pulls (half a mm a pixel), sideways twists (a degree a pixel)"};
    return p;
}

}  // namespace irsim::procedures::endovascular::controls
