// The vertebroplasty controls in the window: the trocar on the tray, the pedicle and angles to aim
// with, the hand (push, twist, mallet, withdraw, re-angle), the stylet and the cement syringe,
// and the readout a resident watches (depth, tissue at the tip, hub force, cement, alarms).
#include "procedures/vertebroplasty/vertebroplasty.h"

#include "core/text.h"

namespace irsim::procedures::vertebroplasty::controls {

namespace {

Action make(double time_s, const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
    return Action{time_s, kind, std::move(args), "", 0};
}


const Vertebroplasty& procedureOf(const Session& session) {
    return session.procedureAs<Vertebroplasty>();
}

}  // namespace

Action needleSelect(double time_s, const std::string& device) { return make(time_s, "needle.select", {{"device", device}}); }

Action needlePlace(double time_s, const std::string& level, Side side, double medialDeg, double caudalDeg) {
    const std::string entry = level + (side == Side::Left ? ".pedicle_left.entry" : ".pedicle_right.entry");
    return make(time_s, "needle.place", {{"entry", entry}, {"medial_deg", medialDeg}, {"caudal_deg", caudalDeg}});
}

Action needleAdvance(double time_s, bool twist, double mm, double speedMmS) {
    return make(time_s, "needle.advance", {{"mm", mm}, {"speed_mm_s", speedMmS}, {"twist", twist}});
}

Action needleTap(double time_s, double energyJ) { return make(time_s, "needle.tap", {{"energy_j", energyJ}}); }
Action needleWithdraw(double time_s, double mm) { return make(time_s, "needle.withdraw", {{"mm", mm}}); }
Action needleRemove(double time_s) { return make(time_s, "needle.remove"); }

Action needleReangle(double time_s, double dMedialDeg, double dCranialDeg) {
    return make(time_s, "needle.reangle", {{"medial_deg", dMedialDeg}, {"cranial_deg", dCranialDeg}});
}

Action styletOut(double time_s) { return make(time_s, "needle.stylet_out"); }
Action styletIn(double time_s) { return make(time_s, "needle.stylet_in"); }
Action cementMix(double time_s) { return make(time_s, "cement.mix"); }

Action cementInject(double time_s, double ml, double rateMlS) {
    return make(time_s, "cement.inject", {{"ml", ml}, {"rate_ml_s", rateMlS}});
}

NeedleReadout needleReadout(const Vertebroplasty& vp, const Session& session) {
    const State& s = vp.state();
    NeedleReadout r;
    r.placed = s.placed;
    r.device = s.deviceName;
    r.depthMm = s.needle.insertedMm;
    r.tipTissue = physics::toString(s.needle.tipTissue);
    r.axialHubForceN = s.needle.axialHubForceN;
    r.styletIn = s.styletIn;
    r.cementMixed = s.cement.mixedAtS >= 0.0;
    r.cementInjectedMl = therapy::injectedMl(s.cement);
    r.cementFillPercent = therapy::bodyFillPercent(vp.anatomy().cement, s.cement);
    const auto& events = session.state().events;
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->category == assessment::EventCategory::Complication && it->kind != "contrast.reflux") {
            r.lastAlarm = it->kind + (it->details.empty() ? "" : ": " + it->details);
            break;
        }
    }
    return r;
}

sim::PanelSpec panel() {
    using sim::ControlKind;
    using sim::PanelControl;
    using sim::PanelInputs;
    using Actions = std::vector<Action>;
    sim::PanelSpec p;
    p.title = "Vertebroplasty";
    p.imagingControlsOpen = false;

    const auto button = [](std::string id, std::string label, auto press) {
        return sim::buttonControl(std::move(id), std::move(label), press);
    };

    PanelControl trocar;
    trocar.kind = ControlKind::Choice, trocar.id = "trocar", trocar.label = "Trocar", trocar.options = trocarNames();
    trocar.initialChoice = 1;
    trocar.press = [](const PanelInputs& in, const Session& s) {
        return Actions{needleSelect(s.time_s(), trocarNames()[static_cast<size_t>(in.choice("trocar"))])};
    };
    p.controls.push_back(trocar);

    PanelControl side;
    side.kind = ControlKind::Choice, side.id = "side", side.label = "Pedicle", side.radio = true;
    side.options = {"Right pedicle", "Left"};
    side.initialChoice = 1;
    p.controls.push_back(side);

    for (auto [id, label, initial] : {std::tuple{"medial", "Medial deg", 10.0}, std::tuple{"caudal", "Caudal deg", 0.0}}) {
        PanelControl n;
        n.kind = ControlKind::Number, n.id = id, n.label = label, n.initial = initial;
        n.lo = -60.0, n.hi = 60.0, n.step = 1.0;
        p.controls.push_back(n);
    }

    p.controls.push_back(button("place", "Place on skin", [](const PanelInputs& in, const Session& s, double t) {
        return needlePlace(t, s.scenario().target, in.choice("side") == 1 ? Side::Left : Side::Right,
                           in.number("medial"), in.number("caudal"));
    }));

    // One hand movement at a time: a held key pushes again once the last push has had its time.
    PanelControl advance = button("advance", "Advance 2 mm", [](const PanelInputs&, const Session&, double t) {
        return needleAdvance(t, false);
    });
    advance.key = "Ctrl+Up", advance.holdRepeats = true, advance.handBusyS = kAdvanceStepMm / kHandSpeedMmS;
    advance.help = "Ctrl+Up (hold): advance the trocar 2 mm a push at hand speed";
    p.controls.push_back(advance);
    PanelControl twist = button("twist", "Twist 2 mm", [](const PanelInputs&, const Session&, double t) {
        return needleAdvance(t, true);
    });
    twist.sameLine = true, twist.handBusyS = kAdvanceStepMm / kHandSpeedMmS;
    p.controls.push_back(twist);
    PanelControl tap = button("tap", "Tap (T)", [](const PanelInputs&, const Session&, double t) { return needleTap(t); });
    tap.sameLine = true, tap.key = "T", tap.help = "T: a mallet tap (0.5 J)";
    p.controls.push_back(tap);
    PanelControl back = button("withdraw", "Withdraw 2 mm", [](const PanelInputs&, const Session&, double t) {
        return needleWithdraw(t);
    });
    back.key = "Ctrl+Down", back.holdRepeats = true, back.handBusyS = kWithdrawStepMm / 10.0;  // needle.withdraw's 10 mm/s
    back.help = "Ctrl+Down (hold): withdraw 2 mm";
    p.controls.push_back(back);
    PanelControl remove = button("remove", "Remove", [](const PanelInputs&, const Session&, double t) {
        return needleRemove(t);
    });
    remove.sameLine = true;
    p.controls.push_back(remove);

    const struct {
        const char* id;
        const char* label;
        double medial, cranial;
    } reangles[] = {{"medial_plus", "med+", 1, 0}, {"medial_minus", "med-", -1, 0}, {"cranial_plus", "cr+", 0, 1},
                    {"cranial_minus", "cr-", 0, -1}};
    bool first = true;
    for (const auto& r : reangles) {
        PanelControl c = button(r.id, r.label, [r](const PanelInputs&, const Session&, double t) {
            return needleReangle(t, r.medial * kReangleStepDeg, r.cranial * kReangleStepDeg);
        });
        c.small = true, c.sameLine = !first;
        if (first) c.label = "Re-angle 1 deg: med+";
        first = false;
        p.controls.push_back(c);
    }

    PanelControl stylet = button("stylet", "Stylet out", [](const PanelInputs&, const Session& s, double t) {
        return procedureOf(s).state().styletIn ? styletOut(t) : styletIn(t);
    });
    stylet.liveLabel = [](const Session& s) { return procedureOf(s).state().styletIn ? "Stylet out" : "Stylet in"; };
    p.controls.push_back(stylet);
    PanelControl mix = button("mix", "Mix cement", [](const PanelInputs&, const Session&, double t) { return cementMix(t); });
    mix.sameLine = true;
    p.controls.push_back(mix);
    PanelControl inject = button("inject", "Inject 0.5 (I)", [](const PanelInputs&, const Session&, double t) {
        return cementInject(t);
    });
    inject.sameLine = true, inject.key = "I", inject.help = "I: inject 0.5 ml of cement";
    p.controls.push_back(inject);

    p.readout = [](const Session& session) {
        const NeedleReadout r = needleReadout(procedureOf(session), session);
        std::vector<sim::ReadoutLine> lines = {
            {r.device + ", stylet " + (r.styletIn ? "in" : "out"), false},
            {formatted("Depth %.1f mm, tip: %s", r.depthMm, r.placed ? r.tipTissue.c_str() : "-"), false},
            {formatted("Hub force %.1f N", r.axialHubForceN), false},
            {formatted("Cement %s, %.2f ml, fill %.1f %%", r.cementMixed ? "mixed" : "not mixed", r.cementInjectedMl,
                       r.cementFillPercent),
             false},
        };
        if (!r.lastAlarm.empty()) lines.push_back({r.lastAlarm, true});
        return lines;
    };
    p.help = {"Vertebroplasty: place the trocar on the skin, advance it through the pedicle under AP and lateral",
              "  fluoroscopy, take the stylet out, mix the cement and inject it in strokes, watching for leaks"};
    return p;
}

}  // namespace irsim::procedures::vertebroplasty::controls
