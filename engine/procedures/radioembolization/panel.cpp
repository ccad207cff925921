// The radioembolization controls in the window: the endovascular hands first (the catheter has to
// get there) with the microcatheter exchange, then the planner (method, target dose), the vial, and the infusion at a rate, with a
// readout of the plan, what left the set, the flow left in the tip's vessel and any alarm.
#include <algorithm>

#include "core/text.h"
#include "procedures/radioembolization/radioembolization.h"

namespace irsim::procedures::radioembolization::controls {

namespace {
// A function's static, not a namespace-scope one: the panel is built while procedures register,
// from another file's static initialiser, before this file's statics may exist.
const std::vector<std::string>& methods() {
    static const std::vector<std::string> m = {"mird", "bsa", "partition"};
    return m;
}
// As fast as an exchange is done by hand over a fixed wire (the expert logs pull at 50 mm/s).
constexpr double kExchangeSpeedMmS = 50.0;

// What the delivery takes next from the tray: a microcatheter when none is in the sheath, then a
// microwire for it; "" when both are in (or the tray has none).
std::string nextCoaxialDevice(const Session& s) {
    const endovascular::Endovascular& e = endovascular::Endovascular::of(s);
    for (const physics::EndovascularKind want : {physics::EndovascularKind::Microcatheter, physics::EndovascularKind::Microwire}) {
        bool inSheath = false;
        std::string onTray;
        for (const auto& [id, d] : e.model().tray) {
            if (d.kind != want) continue;
            if (e.stackIndex(id) >= 0) inSheath = true;
            if (onTray.empty()) onTray = id;
        }
        if (!inSheath && !onTray.empty()) return onTray;
    }
    return "";
}
}  // namespace

sim::PanelSpec panel() {
    using Actions = std::vector<Action>;
    using sim::ControlKind, sim::PanelControl, sim::PanelInputs;
    sim::PanelSpec p = endovascular::controls::panel();
    p.title = "Radioembolization";

    // The coaxial exchange a delivery needs, which the hub buttons cannot do: the hub in hand
    // pulled back into the sheath at once, taken out, and the microcatheter then the microwire put
    // in (the expert logs' device.pull / remove / insert). Always drawn, so the buttons below keep
    // their places; a press that does not apply is refused by the action with its reason.
    PanelControl back = sim::buttonControl("pull_into_sheath", "Pull into sheath", [](const PanelInputs&, const Session& s, double t) {
        const endovascular::Endovascular& e = endovascular::Endovascular::of(s);
        const int k = e.stackIndex(e.deviceInHand());
        const double mm = k < 0 ? 0.0 : e.state().rod.insertedMm[static_cast<size_t>(k)];
        return endovascular::controls::devicePush(t, e.deviceInHand(), -std::clamp(mm, 0.5, 1000.0), kExchangeSpeedMmS);
    });
    p.controls.push_back(back);
    p.controls.push_back(sim::buttonControl("remove", "Remove from sheath", [](const PanelInputs&, const Session& s, double t) {
        return Action{t, "device.remove", {{"device", endovascular::Endovascular::of(s).deviceInHand()}}, "", 0};
    }));
    p.controls.back().sameLine = true;
    PanelControl insert = sim::buttonControl("insert_next", "Insert", [](const PanelInputs&, const Session& s, double t) {
        return Action{t, "device.insert", {{"device", nextCoaxialDevice(s)}}, "", 0};
    });
    insert.liveLabel = [](const Session& s) {
        const std::string id = nextCoaxialDevice(s);
        return id.empty() ? std::string("Insert (nothing left to insert)")
                          : "Insert " + endovascular::Endovascular::of(s).model().tray.at(id).title;
    };
    p.controls.push_back(insert);

    PanelControl method;
    method.kind = ControlKind::Choice, method.id = "method", method.label = "Planning method", method.options = methods();
    method.initialChoice = 2, method.radio = true;
    p.controls.push_back(method);
    PanelControl target;
    // Partition: the normal-liver dose (resin limit 40 Gy, EANM 2022); mird: the perfused territory's.
    target.kind = ControlKind::Number, target.id = "target_gy", target.label = "Target dose (Gy)";
    target.initial = 40.0, target.lo = 10.0, target.hi = 400.0, target.step = 10.0, target.format = "%.0f";
    p.controls.push_back(target);
    p.controls.push_back(sim::buttonControl("plan", "Plan activity", [](const PanelInputs& in, const Session&, double t) {
        nlohmann::json args = {{"method", methods()[static_cast<size_t>(in.choice("method"))]}};
        if (args["method"] != "bsa") args["target_gy"] = in.number("target_gy");
        return Action{t, "plan.activity", args, "", 0};
    }));
    p.controls.push_back(sim::buttonControl("draw", "Draw the planned activity", [](const PanelInputs&, const Session&, double t) {
        return Action{t, "spheres.prepare", nlohmann::json::object(), "", 0};
    }));
    PanelControl ml;
    ml.kind = ControlKind::Number, ml.id = "infuse_ml", ml.label = "Infuse (ml)";
    ml.initial = 5.0, ml.lo = 0.5, ml.hi = 60.0, ml.step = 0.5;
    p.controls.push_back(ml);
    PanelControl rate;
    rate.kind = ControlKind::Number, rate.id = "rate_ml_min", rate.label = "Rate (ml/min)";
    rate.initial = 5.0, rate.lo = 0.5, rate.hi = 120.0, rate.step = 0.5;
    p.controls.push_back(rate);
    PanelControl infuse = sim::buttonControl("infuse", "Infuse spheres", [](const PanelInputs& in, const Session&, double t) {
        return Action{t, "spheres.infuse", {{"ml", in.number("infuse_ml")}, {"rate_ml_s", in.number("rate_ml_min") / 60.0}}, "", 0};
    });
    infuse.key = "I", infuse.help = "I: infuse spheres (the ml and rate set in the panel)";
    p.controls.push_back(infuse);
    PanelControl flush = sim::buttonControl("flush", "Flush 5 ml", [](const PanelInputs& in, const Session&, double t) {
        return Action{t, "spheres.flush", {{"ml", 5.0}, {"rate_ml_s", in.number("rate_ml_min") / 60.0}}, "", 0};
    });
    flush.sameLine = true;
    p.controls.push_back(flush);

    const auto navigation = p.readout;
    p.readout = [navigation](const Session& session) {
        std::vector<sim::ReadoutLine> lines = navigation(session);
        const Radioembolization& r = Radioembolization::of(session);
        const DeliveryState& st = r.deliveryState();
        if (st.plan)
            lines.push_back({formatted("Plan: %.2f GBq to %s (tumour %.0f Gy, lung %.1f Gy)", st.plan->plan.activityGBq,
                                       st.plan->territory.c_str(), st.plan->plan.tumourDoseGy, st.plan->plan.lungDoseGy),
                             st.plan->plan.forbidden()});
        else
            lines.push_back({formatted("No plan yet; vial %.2f GBq now", r.delivery().availableGBq), false});
        if (st.spheres.drawnGBq > 0.0) {
            const int seg = r.tipSegment();
            lines.push_back({formatted("Delivered %.2f of %.2f GBq drawn; flow at the tip %.0f %%", r.deliveredGBq(),
                                       st.spheres.drawnGBq, 100.0 * therapy::flowFraction(r.delivery().spheres, st.spheres, seg)),
                             false});
        }
        const auto& events = session.state().events;
        for (auto it = events.rbegin(); it != events.rend(); ++it)
            if (it->kind == "spheres.reflux" || it->kind == "spheres.non_target" || it->kind == "spheres.stasis" ||
                it->kind == "plan.contraindicated" || it->kind == "action.refused") {
                lines.push_back({it->kind + ": " + it->details, it->kind != "spheres.stasis"});
                break;
            }
        return lines;
    };
    p.help.push_back("Radioembolization: plan the activity, draw it, infuse through the microcatheter (I) at a rate the");
    p.help.push_back("  vessel's flow carries, check with contrast, flush");
    return p;
}

}  // namespace irsim::procedures::radioembolization::controls
