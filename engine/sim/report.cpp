#include "sim/report.h"

#include <filesystem>
#include <fstream>

#include "assessment/debrief.h"
#include "core/error.h"

namespace irsim::sim {

nlohmann::json buildReport(const Session& session, const std::vector<std::string>& images) {
    using nlohmann::json;
    const Scenario& sc = session.scenario();
    const assessment::Assessment a = session.assess();
    json r = json::object();
    r["schema"] = "irsim.report/2";
    r["scenario"] = sc.id;
    r["title"] = sc.title;
    r["procedure"] = sc.procedure;
    // What the session was scored with, and which version of the scenario file it ran on, so a
    // debrief needs the scenario file only to replay the session.
    r["rubric"] = assessment::rubricToJson(sc.rubric);
    r["scenario_fnv1a64"] = sc.contentHash;
    // A CT by its path from the scenario's folder, as the scenario names it: the same report on
    // every machine.
    std::string patient = session.patient().source;
    if (!sc.patient.phantom) {
        const auto rel = std::filesystem::path(patient).lexically_relative(
            std::filesystem::path(sc.file).parent_path().lexically_normal());
        if (!rel.empty()) patient = rel.generic_string();
    }
    r["patient"] = patient;
    r["duration_s"] = session.time_s();
    r["end_reason"] = session.state().endReason;
    json events = json::array();
    for (const auto& e : session.state().events)
        events.push_back({{"time_s", e.time_s}, {"kind", e.kind}, {"details", e.details},
                          {"category", assessment::toString(e.category)}});
    r["events"] = events;
    json metrics = json::object();
    for (const auto& [name, v] : session.metrics()) metrics[name] = {{"value", v.value}, {"unit", v.unit}};
    r["metrics"] = metrics;
    json marks = json::array();
    for (const auto& s : a.perMetric)
        marks.push_back({{"metric", s.name}, {"marks", s.marks}, {"weight", s.weight}, {"missing", s.missing}});
    r["marks"] = marks;
    r["score"] = a.score;
    r["passed"] = a.passed;
    r["reasons"] = a.reasons;
    json imgs = json::array();
    const auto& taken = session.state().images;
    for (size_t i = 0; i < taken.size(); ++i) {
        const ImageTaken& t = taken[i];
        json j = {{"time_s", t.time_s}, {"kind", toString(t.kind)}, {"label", t.label},
                  {"lao_deg", t.pose.laoDeg}, {"cran_deg", t.pose.cranDeg}};
        if (t.maskIndex >= 0) j["mask_image"] = t.maskIndex;
        if (t.roadmapIndex >= 0) j["roadmap_image"] = t.roadmapIndex;
        if (t.recallIndex >= 0) j["recalled_image"] = t.recallIndex;
        if (t.kind == ImageKind::Ct) {
            j["ct_from_mm"] = t.ctFromMm;
            j["ct_to_mm"] = t.ctToMm;
            j["ct_slice_z_mm"] = t.ctSliceZMm;
            j["ct_window"] = t.ctWindow;
        }
        if (i < images.size()) j["file"] = images[i];
        imgs.push_back(j);
    }
    r["images"] = imgs;
    // The running quantities the procedure declared, so a debrief plots them without knowing it.
    const std::vector<QuantitySpec>& quantities = session.quantitySpecs();
    json declared = json::array();
    for (const QuantitySpec& q : quantities) declared.push_back({{"key", q.key}, {"label", q.label}, {"unit", q.unit}});
    r["quantities"] = declared;
    json timeline = json::array();
    for (const TimelineSample& t : session.state().timeline) {
        json sample = {{"time_s", t.time_s},
                       {"reference_air_kerma_mGy", t.referenceAirKermaMGy},
                       {"kerma_area_product_Gycm2", t.kermaAreaProductGyCm2},
                       {"fluoro_time_s", t.fluoroTimeS}};
        for (size_t i = 0; i < quantities.size() && i < t.quantities.size(); ++i) sample[quantities[i].key] = t.quantities[i];
        timeline.push_back(sample);
    }
    r["timeline"] = timeline;
    // Each device where the session left it, as the procedure declares it.
    json devices = json::array();
    for (const DeviceState& d : session.procedure().devices(session))
        devices.push_back({{"device", d.device},
                           {"in_patient", d.inPatient},
                           {"tip_lps_mm", {d.tipLps.x, d.tipLps.y, d.tipLps.z}},
                           {"depth_from_skin_mm", d.depthFromSkinMm},
                           {"tissue_at_tip", d.tissueAtTip}});
    r["devices"] = devices;
    // The session's actions, as its log holds them: the debrief of a report replays them.
    json actions = json::array();
    for (const Action& a : session.actions()) actions.push_back(json::parse(toJsonLine(a)));
    r["actions"] = actions;
    r["state_hash"] = StateHash::hexOf(session.stateHash());
    return r;
}

void writeReport(const std::string& path, const nlohmann::json& report) {
    std::ofstream out(path, std::ios::binary);
    if (!out) throw DataError(path, 0, "", "cannot write the report");
    out << report.dump(2) << "\n";
    if (!out) throw DataError(path, 0, "", "short write of the report");
}

}  // namespace irsim::sim
