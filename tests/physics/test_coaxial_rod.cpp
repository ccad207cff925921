// The coaxial device rod (engine/physics/coaxial_rod.h) against beam theory, and the failures
// users of catheter simulators report: tunnelling, jitter, lost stiffness profiles, no torque at
// the tip, coaxial devices that do not shape each other, catheters that pass through walls.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/state_hash.h"
#include "core/text.h"
#include "core/units.h"
#include "physics/coaxial_rod.h"
#include "vessels.h"

using namespace irsim;
using namespace irsim::physics;
using glm::dvec3;

namespace {

const EndovascularDevice& dev(const std::string& id) { return builtinDeviceLibrary().device(id); }

// One section of a device as a device of its own, straight, `lengthMm` long.
EndovascularDevice sectionAlone(const EndovascularDevice& d, const DeviceSection& s, double lengthMm) {
    EndovascularDevice out = d;
    out.tipShape.clear();
    out.sections = {s};
    out.sections[0].lengthMm = lengthMm;
    out.lengthMm = lengthMm + 1.0;  // the hub just outside
    return out;
}

void settle(const CoaxialRodModel& m, CoaxialRodState& s, int steps) {
    for (int i = 0; i < steps; ++i) stepCoaxialRod(m, s, {});
}

// Largest distance any node lies outside the free lumen of the whole tree (the union of capsules).
double worstPenetration(const VesselLumen& lumen, const CoaxialRodState& s, double radius) {
    double worst = -1e9;
    for (const dvec3& p : s.nodes) {
        double best = 1e9;
        for (int q = 0; q < lumen.size(); ++q)
            if (lumen.isSegment(q)) best = std::min(best, lumen.contact(q, p, radius).penetrationMm);
        worst = std::max(worst, best);
    }
    return worst;
}

double maxSpeed(const CoaxialRodModel& m, const CoaxialRodState& s) {
    double v = 0.0;
    for (size_t i = 0; i < s.nodes.size(); ++i) v = std::max(v, glm::length(s.nodes[i] - s.previous[i]) / m.options.timeStepS);
    return v;
}

double turningBetweenEdges(const CoaxialRodState& s, int a, int b) {
    const dvec3 ta = glm::normalize(s.nodes[static_cast<size_t>(a) + 1] - s.nodes[static_cast<size_t>(a)]);
    const dvec3 tb = glm::normalize(s.nodes[static_cast<size_t>(b) + 1] - s.nodes[static_cast<size_t>(b)]);
    return std::acos(std::clamp(glm::dot(ta, tb), -1.0, 1.0));
}

}  // namespace

TEST_CASE("every section of every device deflects within 10% of F L^3 / 3EI as a cantilever", "[physics][endovascular]") {
    for (const EndovascularDevice& d : builtinDeviceLibrary().devices) {
        for (const DeviceSection& sec : d.sections) {
            // Long uniform shafts are tested over 100 mm; tapers over their whole length.
            const bool tapered = sec.distalOuterDiameterMm != sec.proximalOuterDiameterMm;
            const double L = tapered ? sec.lengthMm : std::min(sec.lengthMm, 100.0);
            CoaxialRodModel m;
            m.devices = {sectionAlone(d, sec, L)};
            m.options.segmentMm = std::min(2.0, L / 10.0);
            m.options.timeStepS = 0.05;  // a static load: the equilibrium does not depend on the step
            // Castigliano: delta = integral of F (L - s)^2 / EI(s) ds, which is F L^3 / 3EI when uniform.
            double compliance = 0.0;
            const int steps = 4000;
            for (int i = 0; i < steps; ++i) {
                const double s = (i + 0.5) * L / steps;
                compliance += (L - s) * (L - s) / m.devices[0].bendingStiffnessAt(L - s) * (L / steps);
            }
            const double F = 0.005 * L / compliance;  // a deflection of 0.5% of the length: linear
            CoaxialRodState s = makeCoaxialRod(m, {L});
            s.externalForceN.back() = dvec3(F, 0.0, 0.0);
            settle(m, s, 600);
            INFO(d.id << " / " << sec.name << ": L " << L << " mm, EI " << m.devices[0].bendingStiffnessAt(0.0)
                      << " N mm2, F " << F << " N");
            CHECK(s.nodes.back().x == Approx(F * compliance).epsilon(0.10));
            if (!tapered)
                CHECK(s.nodes.back().x == Approx(F * L * L * L / (3.0 * sec.bendingStiffnessAt(0.5))).epsilon(0.10));
        }
    }
}

TEST_CASE("a three-section wire keeps its stiffness profile: curvature = moment / EI of each section", "[physics][endovascular]") {
    CoaxialRodModel m;
    m.devices = {dev("glidewire_035_angled")};
    m.devices[0].tipShape.clear();  // the profile, not the rest shape
    const double L = 150.0;
    m.options.timeStepS = 0.05;
    CoaxialRodState s = makeCoaxialRod(m, {L});
    const dvec3 F(2e-4, 0.0, 0.0);
    s.externalForceN.back() = F;
    settle(m, s, 800);
    // Statics of the bent rod: the moment at node i is |(x_tip - x_i) x F|, whatever the deflection.
    for (double fromTip : {8.0, 15.0, 22.0, 60.0, 90.0, 130.0}) {
        const int i = static_cast<int>(std::lround((L - fromTip) / m.options.segmentMm));
        const dvec3 x = s.nodes[static_cast<size_t>(i)];
        const double moment = glm::length(glm::cross(s.nodes.back() - x, F));
        const double kappa = turningBetweenEdges(s, i - 1, i) / m.options.segmentMm;
        const double expected = moment / m.devices[0].bendingStiffnessAt(L - nodeArcMm(m, s, i));
        INFO(fromTip << " mm from the tip (" << m.devices[0].sectionAt(fromTip).name << "): curvature " << kappa
                     << " /mm, expected " << expected);
        CHECK(kappa == Approx(expected).epsilon(0.10));
    }
}

TEST_CASE("a stiff wire straightens a Cobra's curve by the E*I ratio and withdrawing it lets the curve recover", "[physics][endovascular]") {
    CoaxialRodModel m;
    m.devices = {dev("cobra_c2_5fr"), dev("amplatz_super_stiff_035")};
    // 1 mm segments: the soft-tip/braid boundary inside the curve is resolved (at 2 mm the
    // straightened angle is 15% high, at 1 mm 8%, at 0.5 mm 5%: first-order convergence).
    m.options.segmentMm = 1.0;
    const EndovascularDevice& c = m.devices[0];
    const EndovascularDevice& w = m.devices[1];
    const double Lc = 100.0;
    // Wire inside, its tip 5 mm short of the catheter's tip: the Cobra alone shapes the end.
    CoaxialRodState s = makeCoaxialRod(m, {Lc, 20.0});
    settle(m, s, 400);
    const double h = m.options.segmentMm;
    const int tipEdge = static_cast<int>(Lc / h) - 1;
    const int baseEdge = static_cast<int>((Lc - c.shapedLengthMm()) / h) - 2;
    const double rest = turningBetweenEdges(s, baseEdge, tipEdge) / kDegToRad;
    CHECK(rest == Approx(95.0).epsilon(0.05));

    // The wire advanced 60 mm past the tip: its shaft lies in the curve. Unloaded, each joint
    // turns by the E*I-weighted mean of the two rest turnings.
    std::vector<HubMotion> hands{{0.0, 0.0}, {50.0, 0.0}};
    while (s.insertedMm[1] < Lc + 60.0) stepCoaxialRod(m, s, hands);
    settle(m, s, 400);
    double expected = 0.0;
    for (double x = 0.0; x < c.shapedLengthMm(); x += 0.01) {
        const double eiC = c.bendingStiffnessAt(x + 0.005), eiW = w.bendingStiffnessAt(x + 60.005);
        expected += c.restCurvatureAt(x + 0.005) * 0.01 * eiC / (eiC + eiW);
    }
    const double straightened = turningBetweenEdges(s, baseEdge, tipEdge) / kDegToRad;
    INFO("rest " << rest << " deg, with the wire " << straightened << " deg, expected " << expected / kDegToRad);
    CHECK(straightened == Approx(expected / kDegToRad).epsilon(0.10));
    CHECK(straightened < 0.5 * rest);

    // Withdraw the wire into the shaft: the curve comes back.
    hands = {{0.0, 0.0}, {-50.0, 0.0}};
    while (s.insertedMm[1] > 20.0) stepCoaxialRod(m, s, hands);
    settle(m, s, 400);
    CHECK(turningBetweenEdges(s, baseEdge, tipEdge) / kDegToRad == Approx(rest).epsilon(0.02));
}

TEST_CASE("pushing at 100 mm/s into a bend and a blind end never leaves the lumen", "[physics][endovascular]") {
    const patient::VesselTree tree = test::bentTube(3.0, 60.0, 15.0, 90.0, 40.0);
    const VesselLumen lumen(tree);
    for (const char* id : {"glidewire_035_angled", "cobra_c2_5fr", "amplatz_super_stiff_035"}) {
        CoaxialRodModel m;
        m.devices = {dev(id)};
        m.lumen = &lumen;
        m.options.accessPoint = {0.0, 0.0, 2.0};
        CoaxialRodState s = makeCoaxialRod(m, {10.0});
        const double r = 0.5 * m.devices[0].outerDiameterMm;
        double worst = -1e9;
        // 100 mm/s for 1.5 s: 150 mm, far more than the 60 + 24 + 40 mm of vessel.
        for (int i = 0; i < 360; ++i) {
            stepCoaxialRod(m, s, {{100.0, 0.0}});
            worst = std::max(worst, worstPenetration(lumen, s, r));
        }
        INFO(id << ": worst penetration " << worst << " mm; tip at " << s.nodes.back().x << ", " << s.nodes.back().z);
        CHECK(!s.solverFailed);
        // The wall guard allows the wall to give 0.2 mm (options.wallGuardMm), never more.
        CHECK(worst <= m.options.wallGuardMm + 1e-9);
        // The tip went round the bend (it is in the last straight, x > 15) and stayed in the vessel.
        CHECK(s.nodes.back().x > 15.0);
    }
}

TEST_CASE("with the hands still every node comes to rest (under 0.1 mm/s) within a second", "[physics][endovascular]") {
    const patient::VesselTree tree = test::tortuousTube(3.0, 8.0, 60.0, 240.0);
    const VesselLumen lumen(tree);
    CoaxialRodModel m;
    m.devices = {dev("cobra_c2_5fr"), dev("glidewire_035_angled")};
    m.lumen = &lumen;
    m.options.accessPoint = {0.0, 0.0, 2.0};
    CoaxialRodState s = makeCoaxialRod(m, {5.0, 10.0});
    for (int i = 0; i < 480; ++i) stepCoaxialRod(m, s, {{30.0, 0.0}, {40.0, 0.0}});
    for (int i = 0; i < 240; ++i) stepCoaxialRod(m, s, {});
    INFO("fastest node after 1 s still: " << maxSpeed(m, s) << " mm/s");
    CHECK(maxSpeed(m, s) < 0.1);
    // ... and stays at rest (no creeping or ringing).
    for (int i = 0; i < 240; ++i) {
        stepCoaxialRod(m, s, {});
        CHECK(maxSpeed(m, s) < 0.1);
    }
}

TEST_CASE("torque at the hub reaches the tip, late in a tortuous vessel and at once in a straight one", "[physics][endovascular]") {
    const patient::VesselTree tree = test::tortuousTube(2.5, 8.0, 60.0, 260.0);
    const VesselLumen lumen(tree);
    struct Result {
        double lagDeg, lastTurnDeg;
    };
    auto run = [&](bool tortuous) {
        CoaxialRodModel m;
        m.devices = {dev("glidewire_035_angled")};
        m.lumen = tortuous ? &lumen : nullptr;
        m.options.accessPoint = {0.0, 0.0, 2.0};
        CoaxialRodState s = makeCoaxialRod(m, {10.0});
        for (int i = 0; i < 480; ++i) stepCoaxialRod(m, s, {{45.0, 0.0}});
        settle(m, s, 120);
        // Three turns at one turn per second: the wind-up builds in the first, then the tip turns
        // with the hub, a constant lag behind it.
        double tipAfterTwo = 0.0;
        for (int i = 0; i < 720; ++i) {
            stepCoaxialRod(m, s, {{0.0, 2.0 * kPi}});
            if (i == 479) tipAfterTwo = tipTwistRad(m, s, 0);
        }
        return Result{(s.hubAngleRad[0] - tipTwistRad(m, s, 0)) / kDegToRad, (tipTwistRad(m, s, 0) - tipAfterTwo) / kDegToRad};
    };
    const Result straight = run(false), tortuous = run(true);
    INFO("straight: lag " << straight.lagDeg << " deg, last turn " << straight.lastTurnDeg << " deg; tortuous: lag "
                          << tortuous.lagDeg << " deg, last turn " << tortuous.lastTurnDeg << " deg");
    // In free space the tip trails by what the one-step linearisation of the tip's curve costs:
    // under 4 steps of hub rotation (6 deg at 1.5 deg a step).
    CHECK(std::abs(straight.lagDeg) < 6.0);
    CHECK(straight.lastTurnDeg == Approx(360.0).epsilon(0.01));
    CHECK(tortuous.lagDeg > 5.0 * std::abs(straight.lagDeg));    // wall friction winds the shaft up
    CHECK(tortuous.lagDeg < 360.0);                               // ... but the tip follows
    CHECK(tortuous.lastTurnDeg == Approx(360.0).epsilon(0.10));   // one turn at the hub, one at the tip
}

TEST_CASE("a catheter pushed without a wire against a blocked branch prolapses instead of passing the wall", "[physics][endovascular]") {
    // A wide vessel (aorta-like, 10 mm radius) that narrows into a 2 mm branch ending blind 20 mm on.
    patient::VesselTree tree;
    const int top = test::addTube(tree, -1, {{0.0, 0.0, 0.0}, {0.0, 0.0, 120.0}}, 10.0, "aorta");
    test::addTube(tree, top, {{0.0, 0.0, 140.0}}, 3.0, "blocked_branch");
    const VesselLumen lumen(tree);
    CoaxialRodModel m;
    m.devices = {dev("straight_flush_5fr")};
    m.lumen = &lumen;
    m.options.accessPoint = {0.0, 0.0, 2.0};
    // The sheath half a degree off the vessel's axis: no column is perfectly straight.
    m.options.accessDirection = glm::normalize(dvec3(std::sin(0.5 * kDegToRad), 0.0, std::cos(0.5 * kDegToRad)));
    CoaxialRodState s = makeCoaxialRod(m, {10.0});
    const double r = 0.5 * m.devices[0].outerDiameterMm;
    double worst = -1e9;
    // To the blind end (138 mm of vessel), then 60 mm more.
    while (s.insertedMm[0] < 138.0 + 60.0) {
        stepCoaxialRod(m, s, {{20.0, 0.0}});
        worst = std::max(worst, worstPenetration(lumen, s, r));
    }
    settle(m, s, 240);
    double bow = 0.0, arc = 0.0;
    for (size_t i = 0; i + 1 < s.nodes.size(); ++i) {
        bow = std::max(bow, std::hypot(s.nodes[i].x, s.nodes[i].y));
        arc += glm::length(s.nodes[i + 1] - s.nodes[i]);
    }
    INFO("worst penetration " << worst << " mm, tip z " << s.nodes.back().z << ", bow " << bow << " mm, arc " << arc);
    CHECK(worst <= m.options.wallGuardMm + 1e-9);
    // The tip stays in the blocked branch, short of its blind end's cap (140 mm + 3 - 0.83 free).
    CHECK(s.nodes.back().z > 125.0);
    CHECK(s.nodes.back().z < 140.0 + 3.0 - r + m.options.wallGuardMm);
    CHECK(std::hypot(s.nodes.back().x, s.nodes.back().y) < 3.0 - r + m.options.wallGuardMm);
    CHECK(bow > 5.0);  // the shaft has bowed (prolapsed) into the wide vessel
    CHECK(arc == Approx(s.lengthMm).epsilon(0.02));  // the pushed length is in the bow, not compressed away
}

TEST_CASE("the same hands give the same rod bit for bit", "[physics][endovascular]") {
    const patient::VesselTree tree = test::tortuousTube(3.0, 8.0, 60.0, 200.0);
    const VesselLumen lumen(tree);
    auto run = [&] {
        CoaxialRodModel m;
        m.devices = {dev("cobra_c2_5fr"), dev("glidewire_035_angled")};
        m.lumen = &lumen;
        m.options.accessPoint = {0.0, 0.0, 2.0};
        CoaxialRodState s = makeCoaxialRod(m, {5.0, 10.0});
        for (int i = 0; i < 600; ++i) stepCoaxialRod(m, s, {{20.0, 0.5}, {30.0, -1.0}});
        StateHash h;
        for (const dvec3& p : s.nodes) h.add(p);
        h.add(s.twist).add(s.wallForceN);
        return h.value();
    };
    CHECK(run() == run());
}
