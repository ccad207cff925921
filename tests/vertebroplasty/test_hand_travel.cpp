// The trocar goes where the hand pushes it. A resident under Xvfb clicked "Place on skin" and
// then "Advance 2 mm" twelve times, 0.4 s apart; the log (logs/twelve-clicks.jsonl) holds the
// twelve 2 mm pushes at 5 mm/s, yet the readout showed the trocar 2.8 mm deep in muscle: every
// membrane (skin, fat, muscle fascia) swallowed its 6-8 mm of pre-puncture indentation, because
// the indentation was dropped at the puncture instead of becoming track. Replayed here, the depth
// is the hand's travel less the air gap in front of the skin and less the indentation of the
// membrane being pushed at the end, which the force table bounds by its puncture depth.
#include <algorithm>
#include <cmath>

#include <catch2/catch.hpp>

#include "fixture.h"
#include "physics/tissue_forces.h"
#include "sim/report.h"

using namespace irsim;
using namespace irsim::test;
namespace vp = irsim::procedures::vertebroplasty;

namespace {

const vp::State& stateOf(const sim::Session& s) { return static_cast<const vp::Vertebroplasty&>(s.procedure()).state(); }

// The deepest a soft-tissue membrane is indented before it gives (tissue_forces.cpp, Okamura 2004
// form): the most by which the tip can lag the hand once through the skin.
double deepestSoftIndentationMm() {
    const physics::TissueForceTable t = physics::TissueForceTable::standard();
    double z = 0.0;
    for (physics::Tissue tissue : {physics::Tissue::Skin, physics::Tissue::Fat, physics::Tissue::Muscle})
        z = std::max(z, physics::punctureDepthMm(t[tissue]));
    return z;
}

}  // namespace

TEST_CASE("twelve 2 mm clicks put the trocar 24 mm of hand travel in, less the air gap and one indentation",
          "[vertebroplasty][hand]") {
    const std::vector<sim::Action> log =
        sim::readActionLog(std::string(IRSIM_SOURCE_DIR) + "/tests/vertebroplasty/logs/twelve-clicks.jsonl");
    auto session = newSession("vertebroplasty-l1");
    double handMm = 0.0, lastS = 0.0, placeS = -1.0;
    for (const sim::Action& a : log) {
        if (a.kind == "session.start") continue;
        if (a.kind == "needle.advance") {
            handMm += a.requireNumber("mm");
            CHECK(a.requireNumber("speed_mm_s") == 5.0);
        }
        if (a.kind == "needle.place") placeS = a.time_s;
        lastS = a.time_s;
        session->submit(a);
    }
    REQUIRE(handMm == 24.0);
    REQUIRE(placeS >= 0.0);
    // Where the hand set the tip: just after the placement, before the first push.
    session->advanceTo(placeS + 0.5);
    const vp::State& s = stateOf(*session);
    REQUIRE(s.placed);
    const glm::dvec3 placedTip = s.needle.tipLps, dir = s.needle.tipDir;
    // The last push (2 mm at 5 mm/s) has ended 0.4 s after it began.
    session->advanceTo(lastS + 1.0);
    REQUIRE(s.advanceLeftMm == 0.0);
    CHECK_FALSE(s.needle.stalled);
    REQUIRE(s.needle.phase != physics::NeedlePhase::Outside);
    // The air between the placed tip and the skin the needle met (needle.place starts 2 mm out).
    const double airMm = glm::dot(s.needle.skinEntryLps - placedTip, dir);
    CHECK(airMm == Approx(2.0).margin(0.3));
    // The hand's travel is conserved: track cut plus the indentation of the membrane now under
    // the tip is what the hand pushed past the skin (to rounding of the sub-steps' sums).
    const double depth = s.needle.insertedMm;
    CHECK(depth + s.needle.indentationMm == Approx(handMm - airMm).margin(1e-6));
    // So the depth the readout shows lags the hand by at most one membrane's puncture depth
    // (7.8 mm for fat and muscle fascia), never by three of them as in the bug (2.8 mm).
    const double lagMm = deepestSoftIndentationMm();
    CHECK(lagMm == Approx(7.8).margin(0.1));
    CHECK(depth >= handMm - airMm - lagMm - 1e-6);
    CHECK(depth <= handMm - airMm + 1e-6);
    INFO("depth " << depth << " mm, indentation " << s.needle.indentationMm << " mm, air " << airMm << " mm");
    CHECK(depth > 2.8 + 10.0);
    CHECK(s.needle.tipTissue != physics::Tissue::Air);

    // The report carries the trocar as the readout showed it.
    const nlohmann::json report = sim::buildReport(*session);
    REQUIRE(report["devices"].size() == 1);
    const nlohmann::json& d = report["devices"][0];
    CHECK(d["device"] == s.deviceName);
    CHECK(d["in_patient"] == true);
    CHECK(d["depth_from_skin_mm"].get<double>() == depth);
    CHECK(d["tissue_at_tip"] == physics::toString(s.needle.tipTissue));
    for (int c = 0; c < 3; ++c) CHECK(d["tip_lps_mm"][c].get<double>() == s.needle.tipLps[c]);
}

TEST_CASE("a push clicked while the last is still under way adds its travel", "[vertebroplasty][hand]") {
    // needle.place sets the tip 2 mm in front of the skin, where nothing resists. A 1 mm push at
    // 5 mm/s takes 0.2 s; a 0.5 mm push clicked 0.1 s into it adds to the 0.5 mm still to go: the
    // tip moves 1.5 mm in all (replacing what was left would give 1.0 mm).
    auto session = newSession("vertebroplasty-l1");
    session->submit(act(1.0, "needle.place", {{"entry", "vertebrae_L1.pedicle_left.entry"}, {"medial_deg", 10.0}}));
    session->advanceTo(1.5);
    const vp::State& s = stateOf(*session);
    const glm::dvec3 placedTip = s.needle.tipLps;
    session->submit(act(2.0, "needle.advance", {{"mm", 1.0}, {"speed_mm_s", 5.0}}));
    session->submit(act(2.1, "needle.advance", {{"mm", 0.5}, {"speed_mm_s", 5.0}}));
    session->advanceTo(3.0);
    CHECK(s.needle.phase == physics::NeedlePhase::Outside);
    CHECK(glm::length(s.needle.tipLps - placedTip) == Approx(1.5).margin(1e-9));
}
