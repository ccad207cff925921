// The ablation controls in the window: the applicator, the approach to the tumour (angles from the
// patient's right), the hand on the applicator, the generator's power and time, start and stop, and
// the readout a resident watches (depth, generator, zone, coverage, temperatures, alarms).
#include <algorithm>
#include <cmath>

#include "procedures/ablation/ablation.h"

#include "core/text.h"
#include "core/units.h"

namespace irsim::procedures::ablation::controls {

namespace {

Action make(double time_s, const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
    return Action{time_s, kind, std::move(args), "", 0};
}

nlohmann::json xyz(const glm::dvec3& p) { return nlohmann::json::array({p.x, p.y, p.z}); }

nlohmann::json withApplicator(nlohmann::json args, int applicator) {
    if (applicator != 1) args["applicator"] = applicator;
    return args;
}

const Ablation& procedureOf(const Session& session) { return session.procedureAs<Ablation>(); }

std::vector<std::string> deviceChoices() {
    std::vector<std::string> ids;
    for (const therapy::AblationDevice& d : therapy::ablationDevices()) ids.push_back(d.id);
    return ids;
}

}  // namespace

Action applicatorPlace(double time_s, const glm::dvec3& entry, const glm::dvec3& target, int applicator) {
    return make(time_s, "applicator.place", withApplicator({{"entry", xyz(entry)}, {"target", xyz(target)}}, applicator));
}
Action applicatorAdvance(double time_s, double mm, double speedMmS, int applicator) {
    return make(time_s, "applicator.advance", withApplicator({{"mm", mm}, {"speed_mm_s", speedMmS}}, applicator));
}
Action applicatorWithdraw(double time_s, double mm, double speedMmS, int applicator) {
    return make(time_s, "applicator.withdraw", withApplicator({{"mm", mm}, {"speed_mm_s", speedMmS}}, applicator));
}
Action generatorStart(double time_s, double powerW, double minutes) {
    return make(time_s, "generator.start", {{"power_w", powerW}, {"minutes", minutes}});
}
Action generatorStop(double time_s) { return make(time_s, "generator.stop"); }

glm::dvec3 entryFromAngles(const glm::dvec3& target, double azimuthDeg, double cranialDeg, double distanceMm) {
    const double az = azimuthDeg * kDegToRad, cr = cranialDeg * kDegToRad;
    // From the patient's right (-x) toward the front (-y), tilted so the tip heads cranially (+z):
    // the entry lies below the target.
    const glm::dvec3 out(-std::cos(az) * std::cos(cr), -std::sin(az) * std::cos(cr), -std::sin(cr));
    return target + out * distanceMm;
}

sim::PanelSpec panel() {
    using sim::ControlKind;
    using sim::PanelControl;
    using sim::PanelInputs;
    using Actions = std::vector<Action>;
    sim::PanelSpec p;
    p.title = "Thermal ablation";
    p.imagingControlsOpen = true;  // CT acquisitions guide the placement

    const auto button = [](std::string id, std::string label, auto press) {
        return sim::buttonControl(std::move(id), std::move(label), press);
    };
    const auto number = [](std::string id, std::string label, double initial, double lo, double hi, double step) {
        PanelControl n;
        n.kind = ControlKind::Number, n.id = std::move(id), n.label = std::move(label);
        n.initial = initial, n.lo = lo, n.hi = hi, n.step = step;
        return n;
    };

    PanelControl device;
    device.kind = ControlKind::Choice, device.id = "device", device.label = "Applicator", device.options = deviceChoices();
    device.press = [](const PanelInputs& in, const Session& s) {
        return Actions{make(s.time_s(), "applicator.select", {{"device", deviceChoices()[static_cast<size_t>(in.choice("device"))]}})};
    };
    device.liveChoice = [ids = device.options](const Session& s) {  // the list once, not every frame
        return static_cast<int>(std::find(ids.begin(), ids.end(), procedureOf(s).device().id) - ids.begin());
    };
    p.controls.push_back(device);
    PanelControl which = number("applicator", "Applicator number (several at once)", 1.0, 1.0, static_cast<double>(kMaxApplicators), 1.0);
    which.help = "Which applicator the place, advance and withdraw buttons move; every one in the patient runs";
    p.controls.push_back(which);
    p.controls.push_back(number("azimuth", "From the right, deg to the front", 0.0, -60.0, 90.0, 5.0));
    p.controls.push_back(number("cranial", "Tip cranial, deg", 20.0, -45.0, 60.0, 5.0));
    p.controls.push_back(button("place", "Place, aimed at the tumour", [](const PanelInputs& in, const Session& s, double t) {
        const glm::dvec3 target = procedureOf(s).anatomy().tumourCentre;
        return applicatorPlace(t, entryFromAngles(target, in.number("azimuth"), in.number("cranial")), target,
                               static_cast<int>(in.number("applicator")));
    }));
    PanelControl advance = button("advance", "Advance 5 mm", [](const PanelInputs& in, const Session&, double t) {
        return applicatorAdvance(t, kAdvanceStepMm, kHandSpeedMmS, static_cast<int>(in.number("applicator")));
    });
    advance.key = "Ctrl+Up", advance.holdRepeats = true, advance.handBusyS = kAdvanceStepMm / kHandSpeedMmS;
    advance.help = "Ctrl+Up (hold): advance the applicator 5 mm";
    p.controls.push_back(advance);
    PanelControl back = button("withdraw", "Withdraw 5 mm", [](const PanelInputs& in, const Session&, double t) {
        return applicatorWithdraw(t, kAdvanceStepMm, kHandSpeedMmS, static_cast<int>(in.number("applicator")));
    });
    back.key = "Ctrl+Down", back.holdRepeats = true, back.handBusyS = kAdvanceStepMm / kHandSpeedMmS, back.sameLine = true;
    back.help = "Ctrl+Down (hold): withdraw 5 mm";
    p.controls.push_back(back);
    p.controls.push_back(number("power", "Power, W", 60.0, 5.0, 200.0, 5.0));
    p.controls.push_back(number("minutes", "Minutes", 10.0, 0.5, 30.0, 0.5));
    PanelControl start = button("start", "Start (G)", [](const PanelInputs& in, const Session&, double t) {
        return generatorStart(t, in.number("power"), in.number("minutes"));
    });
    start.key = "G", start.help = "G: start the generator with the panel's power and minutes";
    p.controls.push_back(start);
    PanelControl stop = button("stop", "Stop", [](const PanelInputs&, const Session&, double t) { return generatorStop(t); });
    stop.sameLine = true;
    p.controls.push_back(stop);

    p.readout = [](const Session& session) {
        const Ablation& a = procedureOf(session);
        const State& s = a.state();
        std::vector<sim::ReadoutLine> lines;
        lines.push_back({a.device().name, false});
        for (size_t i = 0; i < s.applicators.size(); ++i) {
            const State::Track& t = s.applicators[i];
            const std::string who = s.applicators.size() > 1 ? formatted("%zu: ", i + 1) : "";
            lines.push_back({who + (t.placed ? formatted("Depth %.0f mm, tip %.0f mm from the tumour centre", t.depthMm,
                                                         glm::length(t.tip() - a.anatomy().tumourCentre))
                                             : std::string("Not placed")),
                             false});
        }
        const double tissueMin = s.heat->timeS / 60.0;
        lines.push_back({s.generatorOn ? formatted("Generator ON %.0f W, %.1f of %.1f min (x%.0f)", s.powerW,
                                                   (s.heat->timeS - s.runStartS) / 60.0, (s.runEndS - s.runStartS) / 60.0,
                                                   a.definition().timeAcceleration)
                                       : formatted("Generator off (tissue time %.1f min)", tissueMin),
                         false});
        lines.push_back({formatted("Zone %.1f ml, %.1f kJ; hottest tissue %.0f degC", s.zoneMl, s.energyKj,
                                   static_cast<double>(s.heat->hottestTissueC)),
                         false});
        if (s.applicators[s.active].placed)
            lines.push_back({formatted("At the tip %.1f degC", a.temperatureAt(a.tipLps(s.active))), false});
        for (const State::Thermocouple& t : s.thermocouples)
            lines.push_back({formatted("Thermocouple %s: %.1f degC (max %.1f)", t.at.c_str(), t.nowC, t.maxC), t.alarmed});
        if (s.pneumothorax) lines.push_back({"Pleura crossed: check for a pneumothorax", true});
        for (const std::string& d : s.damaged) lines.push_back({"Collateral damage: " + d, true});
        return lines;
    };
    p.help = {"Thermal ablation: aim the applicator at the tumour, advance it under CT (ct.scan or CT fluoroscopy),",
              "  check the tip in the tumour, run the generator; the zone shows on CT as a hypodense region"};
    return p;
}

}  // namespace irsim::procedures::ablation::controls
