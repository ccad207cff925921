// The ablation procedure on the shipped liver scenario: replays are deterministic and survive a
// snapshot, the tissue's result does not depend on the time acceleration, and the shipped logs fail
// or pass for their reasons (the heat sink of the hepatic vein thins the RF margin beside it).
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <catch2/catch.hpp>

#include "procedures/ablation/ablation.h"
#include "shipped_scenario.h"
#include "sim/frames.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"
#include "sim/session.h"

using namespace irsim;
namespace fs = std::filesystem;

namespace {

const std::string kScenario = "ablation-liver-hcc";
const test::ShippedScenario kShipped{kScenario};

std::string scenarioPath() { return kShipped.path(); }
std::shared_ptr<const patient::Patient> patientOnce() { return kShipped.patient(); }
std::vector<sim::Action> logOf(const std::string& label) { return kShipped.log(label); }

const procedures::ablation::Ablation& ablationOf(const sim::Session& s) {
    return static_cast<const procedures::ablation::Ablation&>(s.procedure());
}

// The shipped scenario with its time acceleration changed (a copy of its text in the build folder).
sim::Scenario withAcceleration(double x) {
    std::ifstream in(scenarioPath());
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    const std::string key = "time_acceleration = 30";
    const auto at = text.find(key);
    REQUIRE(at != std::string::npos);
    text.replace(at, key.size(), "time_acceleration = " + std::to_string(static_cast<int>(x)));
    const fs::path dir = fs::path(IRSIM_BINARY_DIR) / "test-ablation";
    fs::create_directories(dir);
    const fs::path file = dir / (kScenario + ".toml");
    std::ofstream(file) << text;
    return sim::loadScenario(file.string());
}

}  // namespace

TEST_CASE("an ablation replay is deterministic and a snapshot taken while the generator runs plays on to the same state", "[ablation][determinism]") {
    // (The golden replays in tests/app hold the final state hash of every shipped log across builds.)
    const auto log = logOf("expert");
    sim::Session b(sim::loadScenario(scenarioPath()), patientOnce());
    // The generator runs from 22 s for 10 s of session time (5 tissue minutes at x30).
    for (const sim::Action& act : log) b.submit(act);
    b.advanceTo(27.0);
    REQUIRE(ablationOf(b).state().generatorOn);
    const sim::SessionSnapshot snap = b.snapshot();
    b.advanceTo(log.back().time_s);
    const uint64_t straight = b.stateHash();
    b.restore(snap);
    b.advanceTo(log.back().time_s);
    CHECK(b.stateHash() == straight);
}

TEST_CASE("the zone does not depend on the time acceleration: the bioheat model takes the same steps", "[ablation][time]") {
    const auto log = logOf("expert");
    std::map<int, assessment::Metrics> byX;
    for (int x : {30, 60}) {
        sim::Session s(withAcceleration(x), patientOnce());
        s.play(log);
        byX[x] = s.metrics();
        // 5 tissue minutes of generator whatever the acceleration.
        CHECK(byX[x].at("ablation_minutes").value == Approx(5.0).margin(1e-9));
    }
    for (const char* m : {"zone_ml", "ablation_energy_kJ", "minimal_margin_mm", "tumour_coverage_percent"})
        CHECK(byX[30].at(m).value == byX[60].at(m).value);
}

TEST_CASE("the shipped logs: RF beside the hepatic vein leaves the margin there thin, and stopping early leaves tumour", "[ablation][scenarios]") {
    std::map<std::string, assessment::Metrics> m;
    std::map<std::string, std::string> zoneEvent;
    for (const char* label : {"margin", "short"}) {
        sim::Session s(sim::loadScenario(scenarioPath()), patientOnce());
        s.play(logOf(label));
        m[label] = s.metrics();
        for (const auto& e : s.state().events)
            if (e.kind == "ablation.zone") zoneEvent[label] = e.details;
    }
    // RF: the tumour is covered, but its thinnest margin is under 5 mm and lies beside the vein
    // (within 10 mm of it), which the zone event names.
    CHECK(m["margin"].at("tumour_coverage_percent").value >= 98.0);
    CHECK(m["margin"].at("heat_sink_margin_mm").value < 5.0);
    CHECK(m["margin"].at("thinnest_margin_to_vessel_mm").value <= 10.0);
    CHECK(m["margin"].at("heat_sink_margin_mm").value == m["margin"].at("minimal_margin_mm").value);
    CHECK_THAT(zoneEvent["margin"], Catch::Contains("hepatic_vein (a heat sink)"));
    // One minute of five: part of the tumour lives.
    CHECK(m["short"].at("tumour_coverage_percent").value < 98.0);
    CHECK(m["short"].at("ablation_minutes").value == Approx(1.0).margin(1e-9));
    CHECK(m["short"].at("zone_ml").value < m["margin"].at("zone_ml").value);
}

TEST_CASE("the expert's microwave zone covers the tumour with its margin and shows on CT as hypodense coagulated tissue", "[ablation][ct]") {
    sim::Session s(sim::loadScenario(scenarioPath()), patientOnce());
    s.play(logOf("expert"));
    // The whole tumour and a 5 mm margin all round (the scenario's goals), nothing protected hit.
    const assessment::Metrics m = s.metrics();
    CHECK(m.at("tumour_coverage_percent").value >= 98.0);
    CHECK(m.at("minimal_margin_mm").value >= 5.0);
    CHECK(m.at("heat_sink_margin_mm").value >= 5.0);
    CHECK(m.at("collateral_ml").value == 0.0);
    sim::CtOverlay overlay;
    s.procedure().ctOverlay(s, overlay);
    REQUIRE(overlay.fields.size() == 1);  // heat: no ice
    const sim::CtOverlayField& f = overlay.fields[0];
    CHECK(f.material == "coagulated tissue");
    const auto& a = ablationOf(s);
    // At the tumour's centre the zone; 40 mm away, beyond it, the anatomy.
    CHECK(f.huAt(a.anatomy().tumourCentre) == 25.0f);
    CHECK(std::isnan(f.huAt(a.anatomy().tumourCentre + glm::dvec3(0.0, 40.0, 0.0))));
    // Counted cells match the zone's volume.
    size_t n = 0;
    for (float v : f.hu) n += !std::isnan(v);
    CHECK(static_cast<double>(n) * std::pow(f.spacingMm, 3) / 1000.0 == Approx(a.state().zoneMl).epsilon(1e-9));

    // The contours the window draws: on the axial slice through the tumour's centre, the tumour's
    // edge and its 5 mm margin lie inside the zone's edge (the expert passes both goals), and the
    // Omega = 1 line lies where the Arrhenius integral is 1.
    const imaging::SlicePlane plane = imaging::axialPlane(a.anatomy().tumourCentre, 160.0, 512);
    const auto named = [&](const std::string& label) -> const sim::CtOverlayContour& {
        for (const sim::CtOverlayContour& c : overlay.contours)
            if (c.label == label) return c;
        FAIL("no contour " << label);
        return overlay.contours.front();
    };
    const sim::CtOverlayContour& omega = named("Omega = 1");
    const auto atMm = [&](const glm::dvec2& px) {
        return plane.centreLps + plane.right * (px.x / plane.cols - 0.5) * plane.widthMm +
               plane.down * (px.y / plane.rows - 0.5) * plane.heightMm;
    };
    for (const char* inside : {"tumour", "margin 5 mm"}) {
        const std::vector<sim::SliceSegment> line = sim::contourOnSlice(named(inside), plane);
        REQUIRE(line.size() > 20);
        size_t outside = 0;
        for (const sim::SliceSegment& seg : line) outside += omega.valueAt(atMm(seg.a)) < omega.level;
        CAPTURE(inside, outside, line.size());
        CHECK(outside == 0);
    }
    const std::vector<sim::SliceSegment> edge = sim::contourOnSlice(omega, plane);
    REQUIRE(edge.size() > 20);
    double worst = 0.0, across = 0.0;
    for (const sim::SliceSegment& seg : edge) {
        worst = std::max(worst, std::abs(static_cast<double>(omega.valueAt(atMm(seg.a)))));
        across = std::max(across, glm::length(atMm(seg.a) - a.anatomy().tumourCentre));
    }
    // log10 Omega at the line's points: 0 within a tenth of a decade (bilinear across a square of
    // samples against linear along its edges).
    CHECK(worst < 0.1);
    // The zone reaches beyond the tumour and its margin, and no further than the run's long axis.
    CHECK(across > a.anatomy().tumourRadiusMm + 5.0);
    CHECK(across < 60.0);
}

namespace {

// The expert's approach to the tumour, shifted `offsetMm` along y (front to back), as applicator n.
std::vector<sim::Action> placedAt(double t, double offsetMm, int n) {
    using namespace procedures::ablation::controls;
    const glm::dvec3 shift(0.0, offsetMm, 0.0);
    const glm::dvec3 entry = glm::dvec3(-218.0, 2.4, 148.5) + shift;
    const auto& centre = static_cast<const procedures::ablation::Ablation&>(
                             sim::Session(sim::loadScenario(scenarioPath()), patientOnce()).procedure())
                             .anatomy()
                             .tumourCentre;
    return {applicatorPlace(t, entry, centre + shift, n), applicatorAdvance(t + 0.5, 101.0, 10.0, n)};
}

}  // namespace

TEST_CASE("two microwave antennas 15 mm apart make one confluent zone larger than one antenna's, with twice the energy",
          "[ablation][multi]") {
    using namespace procedures::ablation::controls;
    std::map<int, assessment::Metrics> m;
    for (int antennas : {1, 2}) {
        sim::Session s(sim::loadScenario(scenarioPath()), patientOnce());
        std::vector<sim::Action> log = placedAt(1.0, antennas == 1 ? 0.0 : -7.5, 1);
        if (antennas == 2)
            for (const sim::Action& a : placedAt(15.0, 7.5, 2)) log.push_back(a);
        log.push_back(generatorStart(30.0, 60.0, 3.0));
        log.push_back(sim::Action{70.0, "procedure.end", nlohmann::json::object(), "", 0});
        s.play(log);
        m[antennas] = s.metrics();
        const auto& a = ablationOf(s);
        REQUIRE(a.state().applicators.size() == static_cast<size_t>(antennas));
        if (antennas == 2) {
            // Confluent: the tissue midway between the two tips is dead, not a spared bridge.
            const glm::dvec3 mid = 0.5 * (a.tipLps(0) + a.tipLps(1));
            const therapy::BioheatGrid& g = a.anatomy().tissue.grid;
            const glm::ivec3 c(glm::round((mid - g.originMm) / g.spacingMm));
            CHECK(a.state().heat->omega[g.index(c.x, c.y, c.z)] >= 1.0f);
            CHECK(glm::length(a.tipLps(0) - a.tipLps(1)) == Approx(15.0).margin(0.5));
        }
    }
    CAPTURE(m[1].at("zone_ml").value, m[2].at("zone_ml").value);
    // The pattern delivers all of each antenna's power into tissue: two antennas, twice the energy.
    CHECK(m[2].at("ablation_energy_kJ").value == Approx(2.0 * m[1].at("ablation_energy_kJ").value).epsilon(1e-6));
    // One zone from both, well over one antenna's.
    CHECK(m[2].at("zone_ml").value > 1.3 * m[1].at("zone_ml").value);
    CHECK(m[2].at("applicator_placements").value == 2.0);
    CHECK(m[2].at("applicator_repositionings").value == 0.0);
}

TEST_CASE("a third applicator cannot be moved before it is placed, and a fourth is bad input", "[ablation][multi]") {
    using namespace procedures::ablation::controls;
    sim::Session s(sim::loadScenario(scenarioPath()), patientOnce());
    s.submit(applicatorAdvance(1.0, 10.0, 5.0, 3));
    s.advanceTo(2.0);
    bool refused = false;
    for (const auto& e : s.state().events) refused = refused || (e.kind == "action.refused" && e.details.find("applicator 3") != std::string::npos);
    CHECK(refused);
    CHECK_THROWS_WITH(s.submit(applicatorAdvance(3.0, 10.0, 5.0, 4)), Catch::Contains("applicator"));
}

TEST_CASE("a lesion placed on the real CT is a sphere of the liver tumour's tissue, hypodense on CT, and must lie in its organ",
          "[ablation][ct]") {
    const std::string dir = std::string(IRSIM_SOURCE_DIR) + "/scenarios/";
    const sim::Scenario sc = sim::loadScenario(dir + "ablation-ct.toml");
    auto patient = sim::loadScenarioPatient(sc);
    sim::Session s(sc, patient);
    const auto& a = ablationOf(s);
    const glm::dvec3 centre(-110.0, -155.3, 139.3);
    CHECK(glm::length(a.anatomy().tumourCentre - centre) < 1e-9);
    // 20 mm across: 4/3 pi 10^3 mm^3.
    CHECK(a.anatomy().tumourMl == Approx(4.18879).epsilon(1e-5));
    CHECK(a.anatomy().inTumour(centre + glm::dvec3(0.0, 9.9, 0.0)));
    CHECK_FALSE(a.anatomy().inTumour(centre + glm::dvec3(0.0, 10.1, 0.0)));
    sim::CtOverlay overlay;
    s.procedure().ctOverlay(s, overlay);
    REQUIRE(overlay.fields.size() == 1);  // before any ablation: the lesion only
    CHECK(overlay.fields[0].huAt(centre) == 30.0f);
    CHECK(std::isnan(overlay.fields[0].huAt(centre + glm::dvec3(0.0, 14.0, 0.0))));

    // Moved 30 mm to the patient's right it would stick out of the liver: bad input naming the field.
    std::ifstream in(dir + "ablation-ct.toml");
    std::stringstream ss;
    ss << in.rdbuf();
    std::string text = ss.str();
    for (const std::string& from : {std::string("\"../assets"), std::string("[-110.0,")}) {
        const auto at = text.find(from);
        REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), from[0] == '"' ? "\"" + std::string(IRSIM_SOURCE_DIR) + "/assets" : "[-140.0,");
    }
    const auto labels = text.find("\"../assets");
    REQUIRE(labels != std::string::npos);
    text.replace(labels, 10, "\"" + std::string(IRSIM_SOURCE_DIR) + "/assets");
    const fs::path bad = fs::path(IRSIM_BINARY_DIR) / "test-ablation" / "ablation-ct-outside.toml";
    fs::create_directories(bad.parent_path());
    std::ofstream(bad) << text;
    const sim::Scenario outside = sim::loadScenario(bad.string());
    CHECK_THROWS_WITH(sim::Session(outside, patient), Catch::Contains("ablation.lesion.centre_mm") && Catch::Contains("liver"));
}

// The session's devices (the report's `devices`, what `irsim soak` keeps inside the CT): each
// placed applicator, its depth the track length from the skin, its tip on the track, and the tissue
// there: liver short of the tumour, the tumour at its centre; one on the skin is not in the patient.
TEST_CASE("each placed applicator is a device of the session: tip on its track, depth from the skin, tissue at the tip",
          "[ablation][devices]") {
    using namespace procedures::ablation::controls;
    sim::Session s(sim::loadScenario(scenarioPath()), patientOnce());
    const auto& a = ablationOf(s);
    const glm::dvec3 centre = a.anatomy().tumourCentre;
    const glm::dvec3 entry(-218.0, 2.4, 148.5);  // the expert's, from the patient's right
    CHECK(s.procedure().devices(s).empty());      // on the tray
    s.submit(applicatorPlace(1.0, entry, centre, 1));
    s.advanceTo(1.5);
    const auto& track = a.state().applicators.at(0);
    const double toCentre = glm::length(centre - track.skinLps);
    const double shortOf = toCentre - a.anatomy().tumourRadiusMm - 10.0;  // 10 mm before the tumour's edge
    REQUIRE(shortOf > 20.0);
    s.submit(applicatorAdvance(1.5, shortOf, 10.0, 1));
    s.advanceTo(2.0 + shortOf / 10.0);
    auto d = s.procedure().devices(s);
    REQUIRE(d.size() == 1);
    CHECK(d[0].device == a.state().deviceId);
    CHECK(d[0].inPatient);
    CHECK(d[0].depthFromSkinMm == Approx(shortOf).margin(1e-6));
    CHECK(glm::length(d[0].tipLps - (track.skinLps + track.dir * shortOf)) < 1e-6);
    CHECK(d[0].tissueAtTip == "liver");
    s.submit(applicatorAdvance(s.time_s(), toCentre - shortOf, 10.0, 1));
    s.submit(applicatorPlace(s.time_s() + 0.5, entry + glm::dvec3(0.0, 15.0, 0.0), centre + glm::dvec3(0.0, 15.0, 0.0), 2));
    s.advanceTo(s.time_s() + 1.0 + (toCentre - shortOf) / 10.0);
    d = s.procedure().devices(s);
    REQUIRE(d.size() == 2);
    CHECK(d[0].depthFromSkinMm == Approx(toCentre).margin(1e-6));
    CHECK(glm::length(d[0].tipLps - centre) < 1e-6);
    CHECK(d[0].tissueAtTip == "liver_tumour");
    CHECK_FALSE(d[1].inPatient);  // placed on the skin, not advanced
    CHECK(d[1].depthFromSkinMm == 0.0);
    CHECK(d[1].tissueAtTip == "air");
}

// Found by `irsim soak` (seed 1, 40 s): a target above the CT set the applicator on "skin" outside
// the scan, and advancing took its tip through nothing. The skin must be the CT's own air, and the
// tip stops at the edge of the scan.
TEST_CASE("an applicator is set on skin within the CT and its tip stops at the edge of the scan", "[ablation][devices]") {
    using namespace procedures::ablation::controls;
    sim::Session s(sim::loadScenario(scenarioPath()), patientOnce());
    const auto& a = ablationOf(s);
    const glm::dvec3 centre = a.anatomy().tumourCentre;
    const glm::dvec3 entry(-218.0, 2.4, 148.5);
    const auto scanned = [&](const glm::dvec3& p) { return a.anatomy().tissueClasses.scanned(p); };
    const auto eventsOf = [&](const std::string& kind) {
        int n = 0;
        for (const auto& e : s.state().events) n += e.kind == kind;
        return n;
    };
    // A target 2 m above the tumour is beyond the scan: refused, nothing placed.
    const glm::dvec3 above = centre + glm::dvec3(0.0, 0.0, 2000.0);
    REQUIRE_FALSE(scanned(above));
    s.submit(applicatorPlace(1.0, entry, above, 1));
    s.advanceTo(1.5);
    CHECK(eventsOf("action.refused") == 1);
    CHECK(s.procedure().devices(s).empty());
    // Through the tumour and on, 600 mm (two pushes of the action's most): more than the CT holds
    // across the body, so the tip meets the scan's edge.
    s.submit(applicatorPlace(1.5, entry, centre, 1));
    s.submit(applicatorAdvance(2.0, 300.0, 20.0, 1));
    s.submit(applicatorAdvance(18.0, 300.0, 20.0, 1));
    s.advanceTo(34.0);
    const auto d = s.procedure().devices(s);
    REQUIRE(d.size() == 1);
    CHECK(eventsOf("applicator.scan_edge") == 1);
    CHECK(scanned(d[0].tipLps));
    const glm::dvec3 step = a.state().applicators.at(0).dir * 1.0;  // one more millimetre leaves the scan
    CHECK_FALSE(scanned(d[0].tipLps + step));
    CHECK(d[0].depthFromSkinMm < 600.0);
}

TEST_CASE("the panel's applicator list shows the device loaded: the scenario's antenna, then the electrode a trainee picks",
          "[ablation][panel]") {
    sim::Session s(sim::loadScenario(scenarioPath()), patientOnce());
    const sim::PanelSpec& panel = s.procedureSpec().panel;
    const auto it = std::find_if(panel.controls.begin(), panel.controls.end(), [](const sim::PanelControl& c) {
        return c.kind == sim::ControlKind::Choice && c.label == "Applicator";
    });
    REQUIRE(it != panel.controls.end());
    const sim::PanelControl& list = *it;
    REQUIRE(list.liveChoice);
    // The scenario loads the microwave antenna; the list's first entry is an RF electrode.
    CHECK(list.options.front() != "mw-2450-14g");
    CHECK(list.options.at(static_cast<size_t>(list.liveChoice(s))) == "mw-2450-14g");
    // Picking the 15 G electrode in the list selects it, and the list then shows it.
    sim::PanelInputs in = sim::initialInputs(panel);
    in.choices[list.id] = static_cast<int>(
        std::find(list.options.begin(), list.options.end(), "rf-cooled-15g-3cm") - list.options.begin());
    for (const sim::Action& a : sim::pressControl(panel, list.id, in, s)) s.submit(a);
    s.advanceTo(1.0);
    CHECK(ablationOf(s).device().id == "rf-cooled-15g-3cm");
    CHECK(list.options.at(static_cast<size_t>(list.liveChoice(s))) == "rf-cooled-15g-3cm");
}
