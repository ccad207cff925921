// The endovascular procedure on the phantom: the shipped expert's hand motions select the celiac
// trunk, the common and the proper hepatic artery on two Michels variants with every node inside
// the lumen; contrast enters at the catheter's branch; the devices show on fluoroscopy with their
// real contrast; a resting rod is left alone exactly; wall-force events; the panel; bad scenarios.
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/text.h"
#include "imaging/attenuation.h"
#include "endovascular_checks.h"
#include "procedures/endovascular/endovascular.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"
#include "sim/session.h"

using namespace irsim;
using procedures::endovascular::Endovascular;
using test::deepestInWall;
using test::endo;
using test::hasEvent;

namespace {

const std::string kScenario = std::string(IRSIM_SOURCE_DIR) + "/scenarios/celiac-angiography.toml";

std::string readText(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The shipped scenario on another phantom seed and Michels type.
sim::Scenario scenarioFor(int seed, const std::string& michels, const std::string& from = "", const std::string& to = "") {
    std::string text = readText(kScenario);
    const auto replace = [&](const std::string& a, const std::string& b) {
        const size_t at = text.find(a);
        REQUIRE(at != std::string::npos);
        text.replace(at, a.size(), b);
    };
    replace("seed = 1", "seed = " + std::to_string(seed));
    replace("michels = \"I\"", "michels = \"" + michels + "\"");
    if (!from.empty()) replace(from, to);
    return sim::parseScenario(text, kScenario);
}

// Phantoms built once per test run, by seed and Michels type.
std::shared_ptr<const patient::Patient> patientOf(const sim::Scenario& scenario) {
    static std::map<std::pair<uint64_t, std::string>, std::shared_ptr<const patient::Patient>> cache;
    const auto key = std::make_pair(scenario.patient.phantomSeed, scenario.patient.michelsType);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, sim::loadScenarioPatient(scenario)).first;
    return it->second;
}

std::unique_ptr<sim::Session> sessionWithLog(const sim::Scenario& scenario, const std::string& log) {
    auto s = std::make_unique<sim::Session>(scenario, patientOf(scenario));
    for (const sim::Action& a : sim::readActionLog(std::string(IRSIM_SOURCE_DIR) + "/scenarios/" + log)) s->submit(a);
    return s;
}

std::string catheterBranch(const sim::Session& s) { return endo(s).branchAtNode(endo(s).tipNode(0)); }

}  // namespace

TEST_CASE("the expert's hand motions select the celiac trunk, then the common and proper hepatic artery, on Michels I, II and III phantoms",
          "[endovascular][navigation]") {
    // Three seeds: Michels I, III (replaced right hepatic from the SMA) and II (replaced left
    // hepatic from the left gastric), each with its own grown hepatic tree.
    for (const auto& [seed, michels] : std::vector<std::pair<int, std::string>>{{1, "I"}, {2, "III"}, {3, "II"}}) {
        INFO("phantom seed " << seed << ", Michels " << michels);
        auto s = sessionWithLog(scenarioFor(seed, michels), "celiac-angiography.expert.jsonl");
        const sim::Scenario& sc = s->scenario();
        const glm::dvec3 origin = s->patient().landmark("celiac_trunk.origin");
        // Up the aorta with the wire leading: the Cobra's tip above the celiac origin, in the aorta.
        s->advanceTo(22.0);
        CHECK(catheterBranch(*s) == "aorta");
        CHECK(endo(*s).state().rod.nodes[static_cast<size_t>(endo(*s).tipNode(0))].z > origin.z + 15.0);
        // Curve formed, turned forward, pulled down: it drops into the celiac origin.
        s->advanceTo(38.0);
        CHECK(catheterBranch(*s) == "celiac_trunk");
        CHECK(deepestInWall(endo(*s)) < 0.2);
        // Contrast through the catheter enters the celiac trunk.
        s->advanceTo(42.0);
        CHECK(hasEvent(*s, "contrast.inject", "catheter tip (celiac_trunk)"));
        // Over the wire into the proper hepatic artery.
        s->advanceTo(89.0);
        CHECK(catheterBranch(*s) == "proper_hepatic");
        CHECK(deepestInWall(endo(*s)) < 0.2);
        s->advanceTo(92.0);
        CHECK(hasEvent(*s, "contrast.inject", "catheter tip (proper_hepatic)"));
        const assessment::Metrics m = s->metrics();
        REQUIRE(m.count("time_to_proper_hepatic_s"));
        CHECK(m.at("time_to_celiac_trunk_s").value < m.at("time_to_common_hepatic_s").value);
        CHECK(m.at("time_to_common_hepatic_s").value < m.at("time_to_proper_hepatic_s").value);
        CHECK(m.at("wrong_branches").value == 0.0);
        CHECK(m.at("wall_force_events").value == 0.0);
        // Below the dissection threshold everywhere near the tip, with the hands still.
        CHECK(m.at("tip_force_max_N").value < endo(*s).model().limits.dissectionN);
        (void)sc;
    }
}

TEST_CASE("under the roadmap the microcatheter over the microwire reaches a segment VI artery, and the panel says so",
          "[endovascular][navigation][roadmap]") {
    auto s = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.roadmap.jsonl");
    s->advanceTo(157.5);
    const Endovascular& e = endo(*s);
    CHECK(s->state().modes.roadmapOn);
    const int micro = e.deliveryIndex();
    REQUIRE(micro >= 0);
    REQUIRE(e.state().stack[static_cast<size_t>(micro)] == "microcatheter_27fr");
    const int tip = e.tipNode(micro);
    CHECK(e.branchPlaceAtNode(tip) == "hepatic_branch of segment_6");
    // A segmental artery: 2-3 mm across (a segment VI artery ~2.5 mm; estimated from the phantom's
    // Murray-law tree, not a published figure), not the 5 mm right hepatic it came through.
    const int seg = e.state().rod.segment[static_cast<size_t>(tip)];
    const double radius = e.model().lumen.radiusMm(seg);
    INFO("the microcatheter's tip in a lumen of radius " << radius << " mm");
    CHECK(radius > 0.9);
    CHECK(radius < 1.6);
    CHECK(deepestInWall(e) < 0.2);
    CHECK(s->metrics().at("wrong_branches").value == 0.0);  // beyond the target is never a wrong turn
    const auto lines = sim::findProcedure("endovascular")->panel.readout(*s);
    bool named = false;
    for (const auto& l : lines) named |= l.text.find("microcatheter") != std::string::npos && l.text.find("segment_6") != std::string::npos;
    CHECK(named);
}

TEST_CASE("pulled past the celiac the Cobra falls into the SMA: a wrong branch, counted once", "[endovascular][navigation]") {
    auto s = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.intermediate.jsonl");
    s->advanceTo(45.0);
    CHECK(catheterBranch(*s) == "sma");
    s->advanceTo(75.0);
    CHECK(catheterBranch(*s) == "celiac_trunk");
    CHECK(s->metrics().at("wrong_branches").value == 1.0);
}

TEST_CASE("a resting rod is left alone: stepping it another second moves no node further than the rest speed allows", "[endovascular][rest]") {
    auto s = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.expert.jsonl");
    s->advanceTo(39.0);  // the Cobra in the celiac trunk, hands still since 32.8 s
    const Endovascular& e = endo(*s);
    REQUIRE(e.state().resting);
    physics::CoaxialRodState rod = e.state().rod;
    const std::vector<glm::dvec3> before = rod.nodes;
    for (int i = 0; i < 240; ++i) physics::stepCoaxialRod(e.rodModel(), rod, {});
    double most = 0.0;
    for (size_t i = 0; i < before.size(); ++i) most = std::max(most, glm::length(rod.nodes[i] - before[i]));
    // At rest no node moved 1e-4 mm in the last step (0.024 mm/s) and the motion decays: a second
    // more moves each node less than 0.024 mm, a hundredth of a 2 mm segment.
    CHECK(most < 240.0 * 1e-4);
}

TEST_CASE("on fluoroscopy the wire's metal core is dark and the catheter's barium-filled wall faint", "[endovascular][imaging]") {
    auto s = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.expert.jsonl");
    s->advanceTo(70.0);  // Cobra in the celiac, the wire out ahead into the common hepatic
    const imaging::FrameContents f = endo(*s).radiopaqueContents(*s);
    // A ray across each path's middle, perpendicular to it: the line integral of attenuation at 60
    // keV (mu/rho x mass path), what sets its darkness on the image.
    const auto across = [](const imaging::RadiopaquePath& p) {
        const size_t k = p.pointsLps.size() / 2;
        const glm::dvec3 a = p.pointsLps[k - 1], b = p.pointsLps[k];
        const glm::dvec3 mid = 0.5 * (a + b), along = glm::normalize(b - a);
        glm::dvec3 side = glm::cross(along, glm::dvec3(0.0, 0.0, 1.0));
        if (glm::length(side) < 0.1) side = glm::cross(along, glm::dvec3(1.0, 0.0, 0.0));
        side = glm::normalize(side);
        const double mass = imaging::massPathThrough(p, mid - 20.0 * side, side);  // g/cm^2
        return mass * imaging::massAttenuation(p.material, 60.0);
    };
    double core = 0.0, wall = 0.0, wallExpected = 0.0;
    for (const imaging::RadiopaquePath& p : f.paths) {
        if (p.pointsLps.size() < 4) continue;
        if (p.material == imaging::Material::Nitinol) core = std::max(core, across(p));
        if (p.material == imaging::Material::BariumSulfate) {
            wall = std::max(wall, across(p));
            // Through the axis a ray crosses the wall twice: 2 (R - r) of it.
            wallExpected = p.gPerCm3 * 0.2 * (p.radiusMm - p.innerRadiusMm) * imaging::massAttenuation(p.material, 60.0);
        }
    }
    REQUIRE(core > 0.0);
    REQUIRE(wall > 0.0);
    // The 0.53 mm nitinol core across its axis: 6.45 g/cm^3 x 0.053 cm x mu/rho(60 keV).
    CHECK(core == Approx(6.45 * 0.053 * imaging::massAttenuation(imaging::Material::Nitinol, 60.0)).epsilon(0.15));
    CHECK(wall == Approx(wallExpected).epsilon(0.15));
    // On the image: the wire takes a third of the beam (1 - e^-0.4), the catheter's wall under a
    // tenth (1 - e^-0.09).
    CHECK(core > 4.0 * wall);
}

TEST_CASE("a stiff wire driven hard into small hepatic branches dissects, with its force and site", "[endovascular][wall]") {
    auto s = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.dissection.jsonl");
    s->advanceTo(84.0);
    int dissections = 0;
    for (const auto& e : s->state().events)
        if (e.kind == "vessel.dissection") {
            ++dissections;
            INFO(e.details);
            const double force = std::atof(e.details.c_str());
            CHECK(force >= endo(*s).model().limits.dissectionN);
            CHECK(e.details.find("Amplatz Super Stiff") != std::string::npos);
            CHECK(e.details.find("hepatic") != std::string::npos);
        }
    CHECK(dissections == 1);
    CHECK(s->metrics().at("dissections").value == 1.0);
}

TEST_CASE("the same log twice gives the same state, bit for bit", "[endovascular][determinism]") {
    auto a = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.expert.jsonl");
    auto b = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.expert.jsonl");
    a->advanceTo(40.0);
    b->advanceTo(40.0);
    CHECK(a->stateHash() == b->stateHash());
}

TEST_CASE("the panel's hand acts on the hub in hand and the readout names each tip's branch", "[endovascular][panel]") {
    auto s = sessionWithLog(scenarioFor(1, "I"), "celiac-angiography.expert.jsonl");
    s->advanceTo(38.0);
    const sim::PanelSpec& panel = sim::findProcedure("endovascular")->panel;
    const sim::PanelInputs in = sim::initialInputs(panel);
    const auto push = sim::pressControl(panel, "push", in, *s);
    REQUIRE(push.size() == 1);
    CHECK(push[0].kind == "device.push");
    CHECK(push[0].args["device"] == endo(*s).state().stack[static_cast<size_t>(endo(*s).state().active)]);
    CHECK(push[0].args["mm"].get<double>() == Approx(10.0));
    const auto next = sim::pressControl(panel, "next_hub", in, *s);
    REQUIRE(next.size() == 1);
    CHECK(next[0].kind == "device.select");
    const auto lines = panel.readout(*s);
    REQUIRE(lines.size() >= 2);
    CHECK(lines[0].text.find("Cobra") != std::string::npos);
    CHECK(lines[0].text.find("celiac_trunk") != std::string::npos);
}

TEST_CASE("a scenario naming a branch or device the patient or library lacks is refused with file, line and key",
          "[endovascular][scenario]") {
    const sim::Scenario bad = scenarioFor(1, "I", "\"common_hepatic\", \"proper_hepatic\"]", "\"common_hepatc\", \"proper_hepatic\"]");
    try {
        sim::Session s(bad, patientOf(bad));
        FAIL("a missing branch was accepted");
    } catch (const DataError& e) {
        CHECK_THAT(e.what(), Catch::Contains("celiac-angiography.toml:"));
        CHECK_THAT(e.what(), Catch::Contains("endovascular.route[1]"));
        CHECK_THAT(e.what(), Catch::Contains("common_hepatc"));
    }
    CHECK_THROWS_WITH(scenarioFor(1, "I", "\"rh_5fr\"", "\"rh_6fr\""),
                      Catch::Contains("endovascular.tray[1]") && Catch::Contains("rh_6fr"));
}

TEST_CASE("an exchange waits for the outgoing wire to be back in the sheath, and a device off the tray is a bad log",
          "[endovascular][scenario]") {
    const sim::Scenario sc = scenarioFor(1, "I");
    sim::Session s(sc, patientOf(sc));
    const auto act = [](double t, const std::string& kind, nlohmann::json args) {
        return sim::Action{t, kind, std::move(args), "test.jsonl", 7};
    };
    s.submit(act(1.0, "wire.lead", {{"mm", 40}}));
    s.submit(act(4.0, "device.exchange", {{"device", "amplatz_super_stiff_035"}}));
    s.submit(act(5.0, "device.pull", {{"device", "glidewire_035_angled"}, {"mm", 60}, {"speed_mm_s", 50}}));
    s.submit(act(7.0, "device.exchange", {{"device", "amplatz_super_stiff_035"}}));
    s.advanceTo(8.0);
    CHECK(hasEvent(s, "action.refused", "pull glidewire_035_angled back into the sheath first"));
    CHECK(hasEvent(s, "device.exchange", "Amplatz Super Stiff"));
    const auto& stack = endo(s).state().stack;
    CHECK(stack == std::vector<std::string>{"cobra_c2_5fr", "amplatz_super_stiff_035"});
    s.submit(act(9.0, "device.push", {{"device", "simmons_1_5fr"}, {"mm", 10}}));
    CHECK_THROWS_WITH(s.advanceTo(10.0), Catch::Contains("test.jsonl:7") && Catch::Contains("device") &&
                                             Catch::Contains("not on this scenario's tray"));
}

TEST_CASE("a stiff wire left pressed in small hepatic branches brings on vasospasm after 20 s, not before, and the branch's flow falls",
          "[endovascular][wall]") {
    const sim::Scenario sc = scenarioFor(1, "I");
    sim::Session s(sc, patientOf(sc));
    // The dissection log's hands up to its last push, then a shorter one: wedged, below dissection.
    for (const sim::Action& a : sim::readActionLog(std::string(IRSIM_SOURCE_DIR) + "/scenarios/celiac-angiography.dissection.jsonl"))
        if (a.time_s < 74.0) s.submit(a);
    s.submit(sim::Action{74.0, "device.push", {{"device", "amplatz_super_stiff_035"}, {"mm", 70}, {"speed_mm_s", 50}}, "test", 0});
    s.advanceTo(90.0);  // the hand stopped at 75.4 s
    CHECK_FALSE(hasEvent(s, "vessel.vasospasm"));
    s.advanceTo(97.0);
    CHECK(hasEvent(s, "vessel.vasospasm", "for 20 s"));
    CHECK_FALSE(hasEvent(s, "vessel.dissection"));
    for (const auto& e : s.state().events)
        if (e.kind == "vessel.vasospasm") {
            INFO(e.details);
            CHECK(e.time_s == Approx(75.4 + 20.0).margin(0.1));
            CHECK(std::atof(e.details.c_str()) >= endo(s).model().limits.spasmN);
        }
    // Contrast into the spastic branch is pumped on at the spasm's share of its flow, and at full
    // flow once the spasm has passed.
    const std::string branch = endo(s).state().spasmSinceS.begin()->first;
    const int segment = therapy::segmentOfBranch(*s.contrastModel(), branch);
    REQUIRE(segment >= 0);
    const auto injectedShare = [&](double t) {
        s.submit(sim::Action{t, "contrast.inject", {{"ml", 1.0}, {"rate_ml_s", 0.5}, {"at", branch}}, "test", 0});
        s.advanceTo(t + 0.1);
        for (const therapy::Bolus& b : s.state().contrast.boluses)
            if (b.segment == segment) return b.flowShare;
        return -1.0;
    };
    const procedures::endovascular::WallForceLimits& lim = endo(s).model().limits;
    CHECK(injectedShare(100.0) == lim.spasmFlowShare);
    CHECK(injectedShare(95.4 + lim.spasmLastsS + 1.0) == 1.0);
}

TEST_CASE("an injection through the Cobra faster than its lumen passes at 1200 psi runs at that flow, with an event", "[endovascular][injector]") {
    const sim::Scenario sc = scenarioFor(1, "I");
    sim::Session s(sc, patientOf(sc));
    s.submit(sim::Action{1.0, "contrast.inject", {{"ml", 10.0}, {"rate_ml_s", 30.0}, {"at", "catheter_tip"}}, "test", 0});
    s.submit(sim::Action{10.0, "contrast.inject", {{"ml", 10.0}, {"rate_ml_s", 8.0}, {"at", "catheter_tip"}}, "test", 0});
    s.advanceTo(11.0);
    const double limit = *endo(s).injectionFlowLimitMlPerS(s);
    const physics::EndovascularDevice& cobra = physics::builtinDeviceLibrary().device("cobra_c2_5fr");
    CHECK(limit == therapy::catheterFlowLimitMlPerS(cobra.innerDiameterMm, cobra.lengthMm, 1200.0 * 6894.757));
    CHECK(hasEvent(s, "contrast.pressure_limit", "30.0 ml/s asked"));
    int limited = 0;
    for (const auto& e : s.state().events) limited += e.kind == "contrast.pressure_limit";
    CHECK(limited == 1);  // 8 ml/s passes
    CHECK(hasEvent(s, "contrast.inject", formatted("10.0 ml at %.1f ml/s", limit)));
    CHECK(hasEvent(s, "contrast.inject", "10.0 ml at 8.0 ml/s"));
}
