#include "sim/ui_actions.h"

#include <algorithm>

#include "sim/vertebroplasty.h"

namespace irsim::sim::ui {

namespace {

Action make(double time_s, const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
    return Action{time_s, kind, std::move(args), "", 0};
}

}  // namespace

Action needleSelect(double time_s, const std::string& device) {
    return make(time_s, "needle.select", {{"device", device}});
}

Action needlePlace(double time_s, const std::string& level, Side side, double medialDeg, double caudalDeg) {
    const std::string entry = level + (side == Side::Left ? ".pedicle_left.entry" : ".pedicle_right.entry");
    return make(time_s, "needle.place", {{"entry", entry}, {"medial_deg", medialDeg}, {"caudal_deg", caudalDeg}});
}

Action needleAdvance(double time_s, bool twist, double mm, double speedMmS) {
    return make(time_s, "needle.advance", {{"mm", mm}, {"speed_mm_s", speedMmS}, {"twist", twist}});
}

Action needleTap(double time_s, double energyJ) { return make(time_s, "needle.tap", {{"energy_j", energyJ}}); }

Action needleWithdraw(double time_s, double mm) {
    return make(time_s, "needle.withdraw", {{"mm", mm}});
}

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

Action contrastInject(double time_s, double ml, double rateMlS, const std::string& branch) {
    return make(time_s, "contrast.inject", {{"ml", ml}, {"rate_ml_s", rateMlS}, {"at", branch}});
}

Action dsaRun(double time_s, double fps, double durationS) {
    return make(time_s, "dsa.run", {{"fps", fps}, {"duration_s", durationS}});
}

Action roadmap(double time_s, bool on) { return make(time_s, on ? "roadmap.on" : "roadmap.off"); }

Action ctScan(double time_s, double isocentreZMm, double halfRangeMm, const std::string& window) {
    return make(time_s, "ct.scan",
                {{"from_mm", isocentreZMm - halfRangeMm}, {"to_mm", isocentreZMm + halfRangeMm}, {"kind", "helical"},
                 {"window", window}});
}

Action ctFluoro(double time_s, double zMm, int slices) {
    return make(time_s, "ct.fluoro", {{"z_mm", zMm}, {"slices", slices}});
}

std::vector<std::string> arterialBranches(const patient::Patient& patient) {
    std::vector<std::string> names;
    const patient::VesselTree* tree = patient.vesselTree("arterial");
    if (!tree) return names;
    for (const patient::VesselNode& n : tree->nodes)
        if (!n.branch.empty() && std::find(names.begin(), names.end(), n.branch) == names.end())
            names.push_back(n.branch);
    return names;
}

std::optional<NeedleReadout> needleReadout(const Session& session) {
    const auto* vp = dynamic_cast<const vertebroplasty::Vertebroplasty*>(session.procedure());
    if (!vp) return std::nullopt;
    const vertebroplasty::State& s = vp->state();
    NeedleReadout r;
    r.placed = s.placed;
    r.device = s.deviceName;
    r.depthMm = s.needle.insertedMm;
    r.tipTissue = physics::toString(s.needle.tipTissue);
    r.axialHubForceN = s.needle.axialHubForceN;
    r.styletIn = s.styletIn;
    r.cementMixed = s.cement.mixedAtS >= 0.0;
    r.cementInjectedMl = therapy::injectedMl(s.cement);
    r.cementFillPercent = therapy::bodyFillPercent(vp->anatomy().cement, s.cement);
    const auto& events = session.state().events;
    for (auto it = events.rbegin(); it != events.rend(); ++it) {
        if (it->kind.rfind("breach.", 0) == 0 || it->kind == "cement.leak") {
            r.lastAlarm = it->kind + (it->details.empty() ? "" : ": " + it->details);
            break;
        }
    }
    return r;
}

}  // namespace irsim::sim::ui
