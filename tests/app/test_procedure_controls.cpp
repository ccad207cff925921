// The window's procedure controls (engine/sim/ui_actions.h): each control produces the documented
// action with its arguments, and a resident's scripted clicks drive a vertebroplasty session.
#include <catch2/catch.hpp>

#include <cmath>
#include <memory>
#include <string>

#include "sim/run_headless.h"
#include "sim/scenario.h"
#include "sim/session.h"
#include "sim/ui_actions.h"
#include "procedures/vertebroplasty/vertebroplasty.h"

using namespace irsim;
namespace ui = irsim::sim::ui;
namespace vpns = irsim::procedures::vertebroplasty;
namespace ctl = irsim::procedures::vertebroplasty::controls;

namespace {

// Every control's action survives the JSON line the recorder writes and the replay parser reads.
sim::Action roundTrip(const sim::Action& a) { return sim::parseActionLine(sim::toJsonLine(a), "log", 1); }

}  // namespace

TEST_CASE("procedure controls produce the documented actions and arguments", "[app][controls]") {
    const sim::Action tap = roundTrip(ctl::needleTap(12.5));
    CHECK(tap.kind == "needle.tap");
    CHECK(tap.time_s == 12.5);
    CHECK(tap.requireNumber("energy_j") == Approx(0.5));

    const sim::Action place = roundTrip(ctl::needlePlace(3.0, "vertebrae_L1", ctl::Side::Left, 11.0, 2.0));
    CHECK(place.kind == "needle.place");
    CHECK(place.text("entry", "") == "vertebrae_L1.pedicle_left.entry");
    CHECK(place.requireNumber("medial_deg") == Approx(11.0));
    CHECK(place.requireNumber("caudal_deg") == Approx(2.0));
    CHECK(ctl::needlePlace(0, "vertebrae_T12", ctl::Side::Right, 0, 0).args["entry"] == "vertebrae_T12.pedicle_right.entry");

    const sim::Action adv = roundTrip(ctl::needleAdvance(1.0, true));
    CHECK(adv.kind == "needle.advance");
    CHECK(adv.requireNumber("mm") == Approx(ctl::kAdvanceStepMm));
    CHECK(adv.requireNumber("speed_mm_s") == Approx(ctl::kHandSpeedMmS));
    CHECK(adv.args["twist"] == true);
    CHECK(ctl::needleAdvance(1.0, false).args["twist"] == false);

    CHECK(ctl::needleWithdraw(0).kind == "needle.withdraw");
    CHECK(ctl::needleWithdraw(0).requireNumber("mm") == Approx(ctl::kWithdrawStepMm));
    CHECK(ctl::needleRemove(0).kind == "needle.remove");
    const sim::Action re = roundTrip(ctl::needleReangle(0, -1.0, 1.0));
    CHECK(re.kind == "needle.reangle");
    CHECK(re.requireNumber("medial_deg") == Approx(-1.0));
    CHECK(re.requireNumber("cranial_deg") == Approx(1.0));
    CHECK(ctl::styletOut(0).kind == "needle.stylet_out");
    CHECK(ctl::styletIn(0).kind == "needle.stylet_in");
    CHECK(ctl::cementMix(0).kind == "cement.mix");
    const sim::Action inj = roundTrip(ctl::cementInject(0));
    CHECK(inj.kind == "cement.inject");
    CHECK(inj.requireNumber("ml") == Approx(0.5));
    CHECK(inj.requireNumber("rate_ml_s") == Approx(0.1));

    const sim::Action contrast = roundTrip(ui::contrastInject(0, 8.0, 4.0, "common_hepatic"));
    CHECK(contrast.kind == "contrast.inject");
    CHECK(contrast.requireNumber("ml") == Approx(8.0));
    CHECK(contrast.requireNumber("rate_ml_s") == Approx(4.0));
    CHECK(contrast.text("at", "") == "common_hepatic");
    CHECK(ui::dsaRun(0).kind == "dsa.run");
    CHECK(ui::roadmap(0, true).kind == "roadmap.on");
    CHECK(ui::roadmap(0, false).kind == "roadmap.off");
    // The scan range is centred on the isocentre: from - to spans twice the half range.
    const sim::Action ct = roundTrip(ui::ctScan(0, -420.0, 40.0));
    CHECK(ct.kind == "ct.scan");
    CHECK(ct.requireNumber("from_mm") == Approx(-460.0));
    CHECK(ct.requireNumber("to_mm") == Approx(-380.0));
    CHECK(ct.text("kind", "") == "helical");
    const sim::Action ctf = roundTrip(ui::ctFluoro(0, -420.0));
    CHECK(ctf.kind == "ct.fluoro");
    CHECK(ctf.requireNumber("z_mm") == Approx(-420.0));
}

TEST_CASE("scripted controls place the trocar on the left pedicle and advance it", "[app][controls]") {
    const std::string path = std::string(IRSIM_SOURCE_DIR) + "/scenarios/vertebroplasty-l1.toml";
    const sim::Scenario scenario = sim::loadScenario(path);
    sim::Session session(scenario, sim::loadScenarioPatient(scenario));
    const auto* vp = dynamic_cast<const vpns::Vertebroplasty*>(&session.procedure());
    REQUIRE(vp != nullptr);
    CHECK_FALSE(ctl::needleReadout(*vp, session).placed);

    // The resident aims along the textbook left pedicle path's angles (what the angle inputs hold).
    const auto& ideal = vp->anatomy().ideal[1];
    REQUIRE(ideal.found);
    double t = 0.5;
    session.submit(ctl::needleSelect(t, "trocar_11g_diamond"));
    // The panel's own controls, pressed as a hand would: the left pedicle, the ideal angles typed
    // into the inputs, "Place on skin".
    const sim::PanelSpec& panel = session.procedureSpec().panel;
    sim::PanelInputs inputs = sim::initialInputs(panel);
    inputs.choices["side"] = 1;
    inputs.numbers["medial"] = ideal.medialDeg;
    inputs.numbers["caudal"] = ideal.caudalDeg;
    session.advanceTo(t + 0.5);
    const auto placed = sim::pressControl(panel, "place", inputs, session);
    REQUIRE(placed.size() == 1);
    CHECK(placed[0].kind == "needle.place");
    CHECK(placed[0].text("entry", "") == scenario.target + ".pedicle_left.entry");
    session.submit(placed[0]);
    session.advanceTo(t + 1.0);
    const vpns::State& s = vp->state();
    REQUIRE(s.placed);
    CHECK(s.deviceName == "trocar_11g_diamond");
    // Placed aimed along the requested angles: the heading is the one those angles define.
    const glm::dvec3 want = vpns::headingFromAngles(+1, ideal.medialDeg, ideal.caudalDeg);
    CHECK(glm::dot(s.needle.tipDir, want) == Approx(1.0).margin(1e-9));
    // On the patient's left: the skin entry lies left (+x, LPS) of the vertebra's midline.
    CHECK(s.needle.tipLps.x > vp->anatomy().level.midlineXMm);

    // Twenty-six presses of the advance control (alternately plain and twisting), each given time to
    // finish at hand speed: through skin, fat and the paraspinal muscle short of the pedicle (the
    // phantom's L1 left pedicle path meets bone at 56 mm since the erector spinae and transverse
    // processes took their shapes; thirty presses reached it).
    const int presses = 26;
    t = session.time_s();
    double depth = s.needle.insertedMm;
    CHECK(depth == Approx(0.0).margin(1e-9));
    const glm::dvec3 placedTip = s.needle.tipLps;
    const double pressS = ctl::kAdvanceStepMm / ctl::kHandSpeedMmS + 0.1;
    int fullSteps = 0;
    for (int i = 0; i < presses; ++i) {
        session.submit(ctl::needleAdvance(t, i % 2 == 1));
        t += pressS;
        session.advanceTo(t);
        const double now = s.needle.insertedMm;
        // The track never shortens on a push. At the skin and each fascia the membrane first
        // indents and the track waits; when it gives, the tip springs in by the indentation, so
        // one press may add more than its 2 mm.
        CHECK(now >= depth - 1e-9);
        if (std::fabs(now - depth - ctl::kAdvanceStepMm) < 1e-6) ++fullSteps;
        depth = now;
    }
    CHECK(fullSteps >= presses / 2);
    // The hand's travel is kept: past the air in front of the skin, track plus the indentation
    // under the tip is every press's 2 mm.
    REQUIRE(s.needle.phase != physics::NeedlePhase::Outside);
    // Still in soft tissue: bone is cut slower than a press's time allows, so the equality below holds
    // only short of it.
    REQUIRE((s.needle.tipTissue == physics::Tissue::Muscle || s.needle.tipTissue == physics::Tissue::Fat));
    const double airMm = glm::dot(s.needle.skinEntryLps - placedTip, s.needle.tipDir);
    CHECK(depth + s.needle.indentationMm == Approx(presses * ctl::kAdvanceStepMm - airMm).margin(1e-6));
    CHECK_FALSE(s.needle.stalled);
    const auto r = ctl::needleReadout(*vp, session);
    CHECK(r.placed);
    CHECK(r.depthMm == Approx(depth));
    CHECK(r.tipTissue != "air");
    CHECK(r.cementInjectedMl == 0.0);
    CHECK(r.lastAlarm.empty());

    // Withdrawing 2 mm takes the hand 2 mm back (soft tissue gives no resistance to it): first
    // out of the membrane it was indenting, then along the track.
    const double handBefore = depth + s.needle.indentationMm;
    session.submit(ctl::needleWithdraw(t));
    t += ctl::kWithdrawStepMm / 10.0 + 0.2;
    session.advanceTo(t);
    CHECK(s.needle.insertedMm + s.needle.indentationMm == Approx(handBefore - ctl::kWithdrawStepMm).margin(1e-6));

    // The imaging controls on the same session: a CT of +/- 40 mm around the isocentre acquires that
    // range, and a contrast injection at a branch of the phantom's arterial tree counts its volume.
    const double isoZ = session.state().carm.isocentre.z;
    const size_t imagesBefore = session.state().images.size();
    session.submit(ui::ctScan(t, isoZ, 40.0));
    const auto branches = ui::arterialBranches(session.patient());
    REQUIRE_FALSE(branches.empty());
    session.submit(ui::contrastInject(t, 4.0, 2.0, branches.front()));
    session.advanceTo(t + 3.0);
    REQUIRE(session.state().images.size() > imagesBefore);
    const sim::ImageTaken& ct = session.state().images[imagesBefore];
    CHECK(ct.kind == sim::ImageKind::Ct);
    CHECK(ct.ctToMm - ct.ctFromMm == Approx(80.0).margin(1e-9));
    CHECK(0.5 * (ct.ctFromMm + ct.ctToMm) == Approx(isoZ).margin(1e-9));
    // 4 ml at 2 ml/s: all of it in by 2 s, and no more.
    CHECK(session.state().contrastMl == Approx(4.0).epsilon(1e-9));
}
