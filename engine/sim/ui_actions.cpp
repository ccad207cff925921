#include "sim/ui_actions.h"

#include <algorithm>


namespace irsim::sim::ui {

namespace {

Action make(double time_s, const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
    return Action{time_s, kind, std::move(args), "", 0};
}

}  // namespace

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

}  // namespace irsim::sim::ui
