#include <catch2/catch.hpp>

#include <cmath>

#include "physics/needle.h"
#include "physics/shaft.h"
#include "physics/synthetic_vertebra.h"
#include "slab.h"

using namespace irsim::physics;

namespace {
constexpr double kPi = 3.14159265358979323846;

// Radius of the circle through three points.
double circumradius(glm::dvec3 a, glm::dvec3 b, glm::dvec3 c) {
    double ab = glm::length(b - a), bc = glm::length(c - b), ca = glm::length(a - c);
    double area2 = glm::length(glm::cross(b - a, c - a));
    return ab * bc * ca / (2.0 * area2);
}
}  // namespace

TEST_CASE("a shaft clamped in bone deflects as the cantilever F L^3 / (3 E I)", "[physics][shaft]") {
    for (NeedleDef d : {NeedleDef::trocar11G(), NeedleDef::trocar13G(), NeedleDef::biopsyNeedle18G()}) {
        INFO(d.name);
        const double L = 60.0, F = 0.5;
        double ei = flexuralRigidityNmm2(d);
        // E of 304 stainless 193 GPa; I of a tube pi/64 (Do^4 - Di^4) (+ stylet rod when present).
        double expectedI = kPi / 64.0 * (std::pow(d.outerDiameterMm, 4) - std::pow(d.innerDiameterMm, 4)) +
                           (d.hasStylet ? kPi / 64.0 * std::pow(d.innerDiameterMm, 4) : 0.0);
        CHECK(ei == Approx(193.0e3 * expectedI));
        CantileverLoad load;
        load.clampLps = glm::dvec3(1, 2, 3);
        load.axis = glm::normalize(glm::dvec3(0.2, 1.0, 0.1));
        load.freeLengthMm = L;
        glm::dvec3 side = glm::normalize(glm::cross(load.axis, glm::dvec3(0, 0, 1)));
        load.loadN = side * F;
        ShaftShape shape;
        bendCantilever(d, load, shape);
        double delta = F * L * L * L / (3.0 * ei);
        CHECK(glm::dot(shape.tipDeflectionMm, side) == Approx(delta).epsilon(0.01));
        load.geometricNonlinear = false;
        bendCantilever(d, load, shape);
        CHECK(glm::dot(shape.tipDeflectionMm, side) == Approx(delta).epsilon(0.002));
        CHECK(shape.baseMomentNmm == Approx(F * L).epsilon(0.01));
        CHECK(lateralForceForDeflectionN(d, L, delta) == Approx(F).epsilon(0.01));
    }
    // An 18G needle levered 10 mm at 60 mm free length needs ~2 N and does not yield; an 11G
    // trocar needs much more for the same deflection (stiffer by (3.05/1.27)^4-ish).
    double f18 = lateralForceForDeflectionN(NeedleDef::biopsyNeedle18G(), 60.0, 10.0);
    double f11 = lateralForceForDeflectionN(NeedleDef::trocar11G(), 60.0, 10.0);
    CHECK(f11 > 20.0 * f18);
}

TEST_CASE("a bevel needle in a homogeneous gel follows the published radius of curvature within 20%",
          "[physics][needle][bevel]") {
    test::Slab slab = test::makeSlab("gel", 0, 10.0, 140.0, 60.0);
    TissueMapOptions opt;
    opt.skinThicknessMm = 0.0;
    TissueMap map(slab.ct, slab.labels, slab.names, opt);
    NeedleModel m;
    m.device = NeedleDef::websterNitinol083();
    m.tissue = &map;
    NeedleState s;
    placeNeedle(m, s, glm::dvec3(0.0, 5.0, 0.0), glm::dvec3(0.0, 1.0, 0.0), glm::dvec3(1.0, 0.0, 0.0));
    NeedleInput in;
    in.advanceMmPerS = 10.0;
    in.pushLimitN = 1e6;
    while (s.insertedMm < 80.0 && s.steps < 10000) stepNeedle(m, s, in);
    REQUIRE(s.track.size() > 20);
    auto at = [&](double arc) {
        for (const auto& p : s.track) if (p.arcMm >= arc) return p.lps;
        return s.track.back().lps;
    };
    double r = circumradius(at(2.0), at(40.0), at(78.0));
    // Webster et al. 2006: ~61 mm for the 0.83 mm nitinol bevel needle in gel.
    CHECK(r == Approx(61.0).epsilon(0.20));
    CHECK(s.tipLps.x > 10.0);  // it turned toward the bevel side (+x)
    // A stiff 11G steel trocar with the same bevel stays within 0.5 mm of straight over 80 mm.
    m.device = NeedleDef::trocar11G(NeedleTip::Bevel);
    placeNeedle(m, s, glm::dvec3(0.0, 5.0, 0.0), glm::dvec3(0.0, 1.0, 0.0), glm::dvec3(1.0, 0.0, 0.0));
    while (s.insertedMm < 80.0 && s.steps < 20000) stepNeedle(m, s, in);
    CHECK(std::fabs(s.tipLps.x) < 0.5);
}

namespace {

struct Run {
    NeedleState state;
    std::vector<NeedleEvent> breaches;
};

// Drives a trocar from outside the skin along `dir` through `entry`: hand push, a mallet tap
// whenever it stalls, until the tip reaches y <= stopY or a breach goes 5 mm deep.
Run drive(const NeedleModel& m, glm::dvec3 entry, glm::dvec3 dir, double stopY) {
    Run r;
    dir = glm::normalize(dir);
    double back = (85.0 - entry.y) / -dir.y;
    placeNeedle(m, r.state, entry - dir * back, dir);
    NeedleInput push;
    push.advanceMmPerS = 10.0;
    NeedleInput tap;
    tap.malletTapJ = 0.5;
    bool deep = false;
    for (int i = 0; i < 20000 && r.state.tipLps.y > stopY && !deep; ++i) {
        stepNeedle(m, r.state, r.state.stalled ? tap : push);
        for (const auto& e : r.state.events)
            if (e.kind == NeedleEventKind::Breach && e.beyondWallMm > 5.0) deep = true;
    }
    for (const auto& e : r.state.events)
        if (e.kind == NeedleEventKind::Breach) r.breaches.push_back(e);
    return r;
}

}  // namespace

TEST_CASE("a transpedicular trocar at the pedicle's angle reaches the body, and 15 degrees medial breaches the canal",
          "[physics][needle][breach]") {
    SyntheticVertebra sv = makeSyntheticVertebra();
    TissueMap map(sv.ct, sv.labels, sv.names);
    NeedleModel m;
    m.device = NeedleDef::trocar11G();
    m.tissue = &map;
    m.vertebrae = deriveVertebrae(map);
    REQUIRE(m.vertebrae.size() == 1);
    const VertebraGeometry& v = m.vertebrae[0];
    CHECK(v.name == "vertebrae_L1");
    CHECK(v.midlineXMm == Approx(0.0).margin(0.3));
    for (int side : {-1, 1}) {
        const PedicleGeometry& p = v.pedicle(side);
        REQUIRE(p.found);
        // The derived pedicle matches the one built: 12 degrees, 9 mm wide, 14 mm tall.
        CHECK(p.transverseAngleDeg() == Approx(12.0).margin(2.0));
        CHECK(2.0 * p.halfWidthMm == Approx(9.0).margin(1.5));
        CHECK(p.superiorZMm - p.inferiorZMm == Approx(14.0).margin(1.5));
    }
    const PedicleGeometry& left = v.pedicle(+1);
    glm::dvec3 axis = glm::normalize(glm::dvec3(-left.axisSlopeXPerY, -1.0, 0.0));
    if (axis.x * left.side > 0) axis.x = -axis.x;  // converge toward the midline going anterior

    SECTION("on the axis: no breach, tip in the anterior third of the body near the midline") {
        Run r = drive(m, left.entryLps, axis, -8.0);
        CHECK(r.breaches.empty());
        CHECK(r.state.tipLps.y <= -8.0);
        CHECK(std::fabs(r.state.tipLps.x) < 6.0);
        CHECK(map.labelAt(r.state.tipLps) == 31);
        CHECK(r.state.tipTissue == Tissue::CancellousBone);
    }
    SECTION("15 degrees medial error: a medial wall breach into the canal, with where and how far") {
        double a = 15.0 * kPi / 180.0;
        // Rotate about z toward the midline (left pedicle: toward -x).
        glm::dvec3 medial(axis.x * std::cos(a) + axis.y * std::sin(a), -axis.x * std::sin(a) + axis.y * std::cos(a), 0.0);
        if (medial.x > axis.x) medial = glm::dvec3(axis.x * std::cos(a) - axis.y * std::sin(a), axis.x * std::sin(a) + axis.y * std::cos(a), 0.0);
        Run r = drive(m, left.entryLps, medial, -8.0);
        REQUIRE(!r.breaches.empty());
        const NeedleEvent& e = r.breaches.front();
        CHECK(e.breach == BreachKind::PedicleMedial);
        CHECK(e.vertebra == 31);
        CHECK(e.beyondWallMm > 1.0);
        // Where: on the pedicle's medial wall, beside the canal.
        CHECK(std::fabs(e.whereLps.x) == Approx(v.canalHalfWidthMm).margin(1.5));
        CHECK(e.whereLps.y > v.canalAnteriorYMm);
    }
    SECTION("20 degrees lateral error: a lateral wall breach") {
        double a = -20.0 * kPi / 180.0;
        glm::dvec3 lateral(axis.x * std::cos(a) + axis.y * std::sin(a), -axis.x * std::sin(a) + axis.y * std::cos(a), 0.0);
        if (lateral.x < axis.x) lateral = glm::dvec3(axis.x * std::cos(a) - axis.y * std::sin(a), axis.x * std::sin(a) + axis.y * std::cos(a), 0.0);
        Run r = drive(m, left.entryLps, lateral, -8.0);
        REQUIRE(!r.breaches.empty());
        CHECK(r.breaches.front().breach == BreachKind::PedicleLateral);
    }
    SECTION("driven on past the body, the tip breaches the anterior cortex") {
        Run r = drive(m, left.entryLps, axis, -30.0);
        REQUIRE(!r.breaches.empty());
        CHECK(r.breaches.front().breach == BreachKind::BodyAnterior);
    }
}

TEST_CASE("the same inputs give the same needle state, bit for bit", "[physics][needle][determinism]") {
    SyntheticVertebra sv = makeSyntheticVertebra();
    TissueMap map(sv.ct, sv.labels, sv.names);
    NeedleModel m;
    m.device = NeedleDef::trocar13G(NeedleTip::Bevel);
    m.tissue = &map;
    m.vertebrae = deriveVertebrae(map);
    auto script = [&](double wobble) {
        NeedleState s;
        placeNeedle(m, s, glm::dvec3(20.0, 85.0, 1.0), glm::dvec3(-0.21 + wobble, -1.0, 0.02));
        for (int i = 0; i < 3000; ++i) {
            NeedleInput in;
            in.advanceMmPerS = (i % 700 < 600) ? 12.0 : -4.0;
            if (s.stalled) in.malletTapJ = 0.4;
            if (i % 500 == 100) in.reangleRadPerS = glm::dvec3(0.0, 0.0, 0.3);
            in.bevelRollRadPerS = (i % 300 == 0) ? 20.0 : 0.0;
            stepNeedle(m, s, in);
        }
        return s;
    };
    NeedleState a = script(0.0), b = script(0.0), c = script(1e-9);
    CHECK(hashNeedleState(a) == hashNeedleState(b));
    CHECK(hashNeedleState(a) != hashNeedleState(c));
    CHECK(a.insertedMm > 20.0);
}

// The soak test's finding (docs/robustness.md): beyond the CT's volume tissueAt reads air, so a
// trocar pushed out through the face where the scan cut the body glided on without resistance,
// its tip where no anatomy is known. It must stop at the last point the CT holds, with one event.
TEST_CASE("a trocar stops at the edge of the CT's volume with one event, and cannot enter through its cut face",
          "[physics][needle][scan_edge]") {
    // Gel from y = 10 mm to the volume's end: its last voxel centre is y = 60, so the nearest-voxel
    // lookup holds points up to y = 60.5 mm.
    const test::Slab slab = test::makeSlab("gel", 0, 10.0, 60.0);
    const TissueMap map(slab.ct, slab.labels, slab.names);
    const NeedleModel m = [&] {
        NeedleModel trocar;
        trocar.device = NeedleDef::trocar11G();
        trocar.tissue = &map;
        return trocar;
    }();
    NeedleInput in;
    in.advanceMmPerS = 10.0;
    in.pushLimitN = 1e6;
    auto pushFor = [&](NeedleState& s, double seconds) {
        for (int i = 0; i < static_cast<int>(seconds / m.dt); ++i) stepNeedle(m, s, in);
    };
    NeedleState s;
    placeNeedle(m, s, glm::dvec3(0.0, 5.0, 0.0), glm::dvec3(0.0, 1.0, 0.0));
    pushFor(s, 12.0);  // 120 mm of hand travel
    REQUIRE(s.phase == NeedlePhase::Cutting);
    // Within one sampling step (0.25 mm) of the edge, never beyond it.
    CHECK(s.tipLps.y <= 60.5);
    CHECK(s.tipLps.y > 60.5 - m.sampleStepMm - 1e-9);
    CHECK(map.scanned(s.tipLps));
    CHECK(s.stalled);
    // The hand stopped at an edge of the data, not against a force: the hub reads the friction only.
    CHECK(s.axialHubForceN < 0.5 * in.pushLimitN);
    int edges = 0, stalls = 0;
    for (const auto& e : s.events) {
        edges += e.kind == NeedleEventKind::ScanEdge;
        stalls += e.kind == NeedleEventKind::Stalled;
    }
    CHECK(edges == 1);
    CHECK(stalls == 0);
    // Mallet taps at the edge move it no further.
    const double y = s.tipLps.y;
    NeedleInput tap;
    tap.malletTapJ = 2.0;
    for (int i = 0; i < 10; ++i) stepNeedle(m, s, tap);
    CHECK(s.tipLps.y == y);

    // From beside the volume (x < -10.5 mm) toward the gel's cut face at x = -10.5: the needle stays
    // outside the patient, stopped where it meets the face.
    NeedleState side;
    placeNeedle(m, side, glm::dvec3(-30.0, 30.0, 0.0), glm::dvec3(1.0, 0.0, 0.0));
    pushFor(side, 4.0);
    CHECK(side.phase == NeedlePhase::Outside);
    CHECK(side.tipLps.x < -10.5);
    CHECK(side.tipLps.x > -10.5 - m.sampleStepMm - 1e-9);
    REQUIRE(!side.events.empty());
    CHECK(side.events.back().kind == NeedleEventKind::ScanEdge);
}
