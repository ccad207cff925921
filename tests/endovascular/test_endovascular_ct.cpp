// Navigation on the labelled real CT (TotalSegmentator example, 90 mm of abdominal aorta) with the
// hepatic tree grown in its liver: the catheters start in the aorta at the scan's lower edge (the
// femoral access below it taken as done), the angled wire and the Cobra select the celiac trunk, and
// the microcatheter over the microwire the common, proper and right hepatic arteries and a segmental
// branch, with the shipped expert's hands (scenarios/radioembolization-ct.expert.jsonl).
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "endovascular_checks.h"  // endo, deepestInWall, hasEvent
#include "sim/run_headless.h"
#include "sim/scenario.h"

using namespace irsim;
using namespace irsim::test;

namespace {

const std::string kScenario = std::string(IRSIM_SOURCE_DIR) + "/scenarios/radioembolization-ct.toml";

const sim::Scenario& scenario() {
    static const sim::Scenario s = sim::loadScenario(kScenario);
    return s;
}

std::shared_ptr<const patient::Patient> ctPatient() {
    static const std::shared_ptr<const patient::Patient> p = sim::loadScenarioPatient(scenario());
    return p;
}


// The branch of device k's tip (stack order: Cobra, microcatheter, wire).
std::string tipBranch(const sim::Session& s, const std::string& device) {
    const int k = endo(s).stackIndex(device);
    REQUIRE(k >= 0);
    return endo(s).branchAtNode(endo(s).tipNode(k));
}

sim::Action act(double t, const std::string& kind, nlohmann::json args) { return {t, kind, std::move(args), "test", 0}; }

}  // namespace

TEST_CASE("on the real CT the sheath is in the aorta at the scan's lower edge, the celiac trunk begins at its ostium",
          "[endovascular][navigation][real]") {
    const patient::Patient& p = *ctPatient();
    const patient::VesselTree& tree = *p.vesselTree("arterial");
    const glm::dvec3 access = p.landmark("aorta.access"), ostium = p.landmark("celiac_trunk.origin");
    // The access: an aortic node with a full lumen (not the sliver of the edge slice), the lowest
    // such, and well below the celiac so that a catheter has room to turn into it.
    double lowest = 1e9;
    std::vector<double> radii;
    for (const auto& n : tree.nodes)
        if (n.branch == "aorta" && n.parent >= 0) radii.push_back(n.radiusMm), lowest = std::min(lowest, n.position.z);
    std::sort(radii.begin(), radii.end());
    int at = -1;
    for (size_t i = 0; i < tree.nodes.size(); ++i)
        if (glm::length(tree.nodes[i].position - access) < 1e-9) at = static_cast<int>(i);
    REQUIRE(at >= 0);
    CHECK(tree.nodes[static_cast<size_t>(at)].branch == "aorta");
    CHECK(tree.nodes[static_cast<size_t>(at)].radiusMm >= 0.6 * radii[radii.size() / 2]);
    CHECK(access.z < lowest + 10.0);       // within the last few slices of the scan
    CHECK(ostium.z - access.z > 15.0);
    // The celiac's axis from the aortic centreline to the ostium lies in the aortic lumen and is
    // aorta: a device there, 2 mm inside the front wall, is located in the aorta, not in the celiac.
    const int celiac = tree.firstNodeOf("celiac_trunk");
    const int wallPart = tree.nodes[static_cast<size_t>(celiac)].parent;
    CHECK(tree.nodes[static_cast<size_t>(wallPart)].branch == "aorta");
    const auto& centre = tree.nodes[static_cast<size_t>(tree.nodes[static_cast<size_t>(wallPart)].parent)];
    CHECK(glm::length(ostium - centre.position) == Approx(centre.radiusMm).epsilon(1e-9));
    const physics::VesselLumen lumen(tree);
    const glm::dvec3 insideWall = centre.position + (centre.radiusMm - 2.0) * glm::normalize(ostium - centre.position);
    CHECK(lumen.branch(lumen.locate(insideWall, 0.5)) == "aorta");
}

TEST_CASE("a catheter pushed up the aorta past the celiac origin with its tip turned back stays in the aorta: no branch reached",
          "[endovascular][navigation][real]") {
    sim::Session s(scenario(), ctPatient());
    s.submit(act(0.5, "device.torque", {{"device", "glidewire_035_angled"}, {"deg", 180}}));
    s.submit(act(0.5, "device.torque", {{"device", "cobra_c2_5fr"}, {"deg", 180}}));
    s.submit(act(2.0, "wire.lead", {{"mm", 20}, {"speed_mm_s", 10}}));
    s.submit(act(5.0, "device.push", {{"device", "glidewire_035_angled"}, {"mm", 50}, {"speed_mm_s", 10}}));
    s.submit(act(5.0, "device.push", {{"device", "cobra_c2_5fr"}, {"mm", 50}, {"speed_mm_s", 10}}));
    s.advanceTo(14.0);
    const glm::dvec3 ostium = s.patient().landmark("celiac_trunk.origin");
    const auto& e = endo(s);
    // Both tips well above the celiac's level, in the aorta, and nothing reached or entered.
    CHECK(e.state().rod.nodes[static_cast<size_t>(e.tipNode(0))].z > ostium.z + 10.0);
    CHECK(tipBranch(s, "cobra_c2_5fr") == "aorta");
    CHECK(tipBranch(s, "glidewire_035_angled") == "aorta");
    CHECK_FALSE(hasEvent(s, "device.branch_reached"));
    CHECK_FALSE(hasEvent(s, "device.branch_entered"));
    CHECK(deepestInWall(e) < 0.2);
}

TEST_CASE("on the real CT the expert's hands take the Cobra into the celiac trunk and the microcatheter into the right hepatic artery and a segmental branch",
          "[endovascular][navigation][real]") {
    sim::Session s(scenario(), ctPatient());
    for (const sim::Action& a :
         sim::readActionLog(std::string(IRSIM_SOURCE_DIR) + "/scenarios/radioembolization-ct.expert.jsonl"))
        if (a.time_s < 75.0) s.submit(a);
    const patient::VesselTree& tree = *s.patient().vesselTree("arterial");
    // The angled wire turned forward leads; the Cobra follows it through the ostium.
    s.advanceTo(12.0);
    CHECK(tipBranch(s, "cobra_c2_5fr") == "celiac_trunk");
    CHECK(deepestInWall(endo(s)) < 0.2);
    s.advanceTo(16.0);
    CHECK(hasEvent(s, "contrast.inject", "catheter tip (celiac_trunk)"));
    // The microcatheter over the microwire, turned to pass the gastroduodenal origin.
    s.advanceTo(60.0);
    CHECK(tipBranch(s, "microcatheter_27fr") == "right_hepatic");
    CHECK(tipBranch(s, "cobra_c2_5fr") == "celiac_trunk");
    CHECK(deepestInWall(endo(s)) < 0.2);
    const assessment::Metrics m = s.metrics();
    CHECK(m.at("time_to_celiac_trunk_s").value < m.at("time_to_common_hepatic_s").value);
    CHECK(m.at("time_to_common_hepatic_s").value < m.at("time_to_proper_hepatic_s").value);
    CHECK(m.at("time_to_proper_hepatic_s").value < m.at("time_to_right_hepatic_s").value);
    CHECK(m.at("time_to_right_hepatic_s").value < 60.0);
    CHECK(m.at("wrong_branches").value == 0.0);
    CHECK(m.at("wall_force_events").value == 0.0);
    CHECK(m.at("tip_force_max_N").value < endo(s).model().limits.dissectionN);
    // On into a segmental branch of the right lobe: the microwire leads, the microcatheter follows.
    s.submit(act(75.5, "wire.lead", {{"mm", 60}, {"speed_mm_s", 10}}));
    s.submit(act(83.0, "device.push", {{"device", "microcatheter_27fr"}, {"mm", 45}, {"speed_mm_s", 10}}));
    s.submit(act(89.0, "wire.retract", nlohmann::json::object()));
    s.advanceTo(92.0);
    const auto& e = endo(s);
    const int seg = e.state().rod.segment[static_cast<size_t>(e.tipNode(e.stackIndex("microcatheter_27fr")))];
    REQUIRE(e.model().lumen.isSegment(seg));
    CHECK(tree.nodes[static_cast<size_t>(seg)].branch == "hepatic_branch");
    bool underRight = false;
    for (int n = seg; n >= 0; n = tree.nodes[static_cast<size_t>(n)].parent)
        underRight = underRight || tree.nodes[static_cast<size_t>(n)].branch == "right_hepatic";
    CHECK(underRight);
    // A segmental artery: narrower than the right hepatic artery's origin.
    CHECK(tree.nodes[static_cast<size_t>(seg)].radiusMm < tree.nodes[static_cast<size_t>(tree.firstNodeOf("right_hepatic"))].radiusMm);
    CHECK(deepestInWall(e) < 0.2);
    CHECK(s.metrics().at("wrong_branches").value == 0.0);
    CHECK(s.metrics().at("wall_force_events").value == 0.0);
}

TEST_CASE("a scenario's lesion is painted into the CT's labels as liver_tumour with its sphere's volume, and one outside the liver is refused",
          "[endovascular][real][lesion]") {
    // 30 mm: 4/3 pi 15^3 = 14.1 ml, on 3 mm voxels within 10 %.
    CHECK(ctPatient()->volumeMlOf("liver_tumour") == Approx(4.0 / 3.0 * 3.14159265358979 * 15.0 * 15.0 * 15.0 / 1000.0).epsilon(0.10));
    std::string text;
    {
        std::ifstream in(kScenario);
        std::stringstream ss;
        ss << in.rdbuf();
        text = ss.str();
    }
    const std::string at = "centre_mm = [-110.0, -155.3, 139.3]";
    const size_t where = text.find(at);
    REQUIRE(where != std::string::npos);
    text.replace(where, at.size(), "centre_mm = [16.0, -160.0, 139.3]");  // in the aorta
    const sim::Scenario bad = sim::parseScenario(text, kScenario);
    CHECK_THROWS_WITH(sim::loadScenarioPatient(bad), Catch::Contains("radioembolization-ct.toml:") &&
                                                         Catch::Contains("patient.lesion[0].centre_mm") &&
                                                         Catch::Contains("not wholly inside liver"));
}
