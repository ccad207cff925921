#include <cmath>
#include <cstdio>

#include <catch2/catch.hpp>

#include "core/units.h"
#include "therapy/contrast.h"

using namespace irsim;

namespace {

constexpr double kDt = 1.0 / 240.0;

// A trunk of 4 segments (20 mm, r 3 mm, 300 ml/min) that bifurcates into a left branch (2 x 25 mm,
// r 2 mm, 200 ml/min) and a right branch (2 x 25 mm, r 1.5 mm, 100 ml/min), both ending in the
// capillary bed (their own outflow).
patient::VesselTree bifurcation() {
    patient::VesselTree t;
    t.name = "arterial";
    auto add = [&](int parent, glm::dvec3 p, double r, double q, const char* branch) {
        patient::VesselNode n;
        n.position = p, n.parent = parent, n.radiusMm = r, n.flowMlPerMin = q, n.branch = branch;
        t.nodes.push_back(n);
        return static_cast<int>(t.nodes.size()) - 1;
    };
    int n = add(-1, {0, 0, 100}, 3.0, 300.0, "trunk");
    for (int k = 1; k <= 4; ++k) n = add(n, {0, 0, 100 - 20.0 * k}, 3.0, 300.0, "trunk");
    const int fork = n;
    int l = add(fork, {15, 0, 0}, 2.0, 200.0, "left");
    add(l, {30, 0, -20}, 2.0, 200.0, "left");
    int r = add(fork, {-15, 0, 0}, 1.5, 100.0, "right");
    add(r, {-30, 0, -20}, 1.5, 100.0, "right");
    return t;
}

}  // namespace

TEST_CASE("injected iodine is always in the vessels or washed out, and all of it washes out", "[therapy][contrast]") {
    const patient::VesselTree tree = bifurcation();
    const therapy::ContrastModel m = therapy::makeContrastModel(tree);
    therapy::ContrastState s;
    therapy::inject(m, s, therapy::segmentOfBranch(m, "trunk"), 6.0, 3.0, 300.0);
    bool sawBothInVesselsAndOut = false;
    for (int tick = 1; tick <= 240 * 12; ++tick) {
        therapy::step(m, s, kDt);
        if (tick % 12) continue;
        const therapy::ContrastBalance b = therapy::balance(m, s);
        REQUIRE(b.inVesselsMg + b.washedOutMg == Approx(b.injectedMg).epsilon(1e-9).margin(1e-9));
        sawBothInVesselsAndOut |= b.inVesselsMg > 100.0 && b.washedOutMg > 100.0;
    }
    CHECK(sawBothInVesselsAndOut);
    const therapy::ContrastBalance end = therapy::balance(m, s);
    CHECK(end.injectedMg == Approx(6.0 * 300.0).epsilon(1e-12));
    CHECK(s.injectedMl == Approx(6.0).epsilon(1e-12));
    // 10 s after a 2 s injection the arteries are clear (washout).
    CHECK(end.inVesselsMg < 1e-3 * end.injectedMg);
    CHECK(end.washedOutMg == Approx(end.injectedMg).epsilon(1e-3));
}

TEST_CASE("the contrast front reaches the bifurcation after path length over mean velocity", "[therapy][contrast]") {
    const patient::VesselTree tree = bifurcation();
    const therapy::ContrastModel m = therapy::makeContrastModel(tree);
    const double rate = 1.0;           // ml/s
    const double q = 300.0 / 60.0;     // ml/s of blood in the trunk
    // Mean velocity in the trunk with the injectate added: (Q + r) / (pi r^2) = 6 ml/s / 28.3 mm^2.
    const double v = (q + rate) * 1e3 / (kPi * 3.0 * 3.0);  // mm/s
    const double expected = 80.0 / v;  // s, 4 segments of 20 mm
    therapy::ContrastState s;
    therapy::inject(m, s, 1, 20.0, rate, 300.0);  // at the trunk's first segment
    const int leftFirst = therapy::segmentOfBranch(m, "left");
    double arrival = -1.0;
    for (int tick = 1; tick <= 240 * 3 && arrival < 0.0; ++tick) {
        therapy::step(m, s, kDt);
        if (therapy::segmentConcentration(m, s, leftFirst) > 0.0) arrival = tick * kDt;
    }
    INFO("expected " << expected << " s, arrival " << arrival << " s");
    CHECK(arrival == Approx(expected).margin(1.5 * kDt));
    // Without the injectate's flow the transit is L / (Q / A).
    CHECK(therapy::frontTransitS(m, 1, 4) == Approx(80.0 * kPi * 9.0 / (q * 1e3)).epsilon(1e-9));
    // Further down, in the left branch (r 2 mm, 200 of 300 ml/min): 2 x 25 mm more at its velocity.
    const double lenL = std::hypot(15.0, 0.0, 20.0) + std::hypot(15.0, 0.0, 20.0);
    const double vL = (200.0 / 60.0) * 1e3 / (kPi * 4.0);
    CHECK(therapy::frontTransitS(m, 1, 6) == Approx(80.0 * kPi * 9.0 / (q * 1e3) + lenL / vL).epsilon(1e-9));
}

TEST_CASE("contrast mixed into the blood is diluted by rate / (rate + flow) and split by flow", "[therapy][contrast]") {
    const patient::VesselTree tree = bifurcation();
    const therapy::ContrastModel m = therapy::makeContrastModel(tree);
    therapy::ContrastState s;
    const double rate = 1.0, q = 5.0;  // ml/s
    therapy::inject(m, s, 1, 20.0, rate, 300.0);
    for (int tick = 0; tick < 240 * 5; ++tick) therapy::step(m, s, kDt);  // > 10 mixing times
    const double c = 300.0 * rate / (rate + q);                            // 50 mg/ml
    const int left = therapy::segmentOfBranch(m, "left"), right = therapy::segmentOfBranch(m, "right");
    CHECK(therapy::segmentConcentration(m, s, 3) == Approx(c).epsilon(1e-3));
    // Flow splits carry the mixed blood without changing its concentration.
    CHECK(therapy::segmentConcentration(m, s, left) == Approx(c).epsilon(1e-3));
    CHECK(therapy::segmentConcentration(m, s, right) == Approx(c).epsilon(1e-3));
    // So the iodine in each branch goes with its lumen volume.
    CHECK(therapy::segmentIodineMg(m, s, left) / therapy::segmentIodineMg(m, s, right) ==
          Approx(m.segmentVolumeMl[static_cast<size_t>(left)] / m.segmentVolumeMl[static_cast<size_t>(right)]).epsilon(1e-3));
}

TEST_CASE("the opacified vessels flow in and then fade once the injection stops", "[therapy][contrast]") {
    const patient::VesselTree tree = bifurcation();
    const therapy::ContrastModel m = therapy::makeContrastModel(tree);
    therapy::ContrastState s;
    therapy::inject(m, s, 1, 2.0, 2.0, 300.0);  // 1 s
    const int left = therapy::segmentOfBranch(m, "left");
    double peak = 0.0;
    for (int tick = 0; tick < 240; ++tick) {
        therapy::step(m, s, kDt);
        peak = std::max(peak, therapy::segmentConcentration(m, s, left));
    }
    CHECK(therapy::contrastContents(m, s).paths.size() >= 3);
    // The tip's tail (time constant 0.4 s) clears the branch within ~3 s (its front lags ~0.55 s).
    for (int tick = 0; tick < 720; ++tick) therapy::step(m, s, kDt);
    CHECK(therapy::segmentConcentration(m, s, left) < 0.02 * peak);
    CHECK(peak > 0.5 * 300.0 * 2.0 / 7.0);
}

TEST_CASE("the same injections give the same bolus bit for bit", "[therapy][contrast][determinism]") {
    const patient::VesselTree tree = bifurcation();
    const therapy::ContrastModel m = therapy::makeContrastModel(tree);
    auto run = [&]() {
        therapy::ContrastState s;
        therapy::inject(m, s, 1, 3.0, 2.0, 300.0);
        for (int tick = 0; tick < 300; ++tick) {
            if (tick == 100) therapy::inject(m, s, therapy::segmentOfBranch(m, "right"), 1.0, 1.0, 370.0);
            therapy::step(m, s, kDt);
        }
        return therapy::contrastContents(m, s);
    };
    const imaging::FrameContents a = run(), b = run();
    REQUIRE(a.paths.size() == b.paths.size());
    REQUIRE(!a.paths.empty());
    for (size_t i = 0; i < a.paths.size(); ++i) {
        CHECK(a.paths[i].gPerCm3 == b.paths[i].gPerCm3);
        CHECK(a.paths[i].segmentFill == b.paths[i].segmentFill);
        CHECK(a.paths[i].pointsLps == b.paths[i].pointsLps);
    }
}

TEST_CASE("a catheter passes Poiseuille's flow while laminar and the Blasius flow once turbulent", "[therapy][contrast][injector]") {
    const therapy::ContrastMedium iohexol;
    constexpr double kPaPerPsi = 6894.757;
    // 2.7 Fr microcatheter, 0.635 mm lumen, 130 cm, 750 psi: laminar (Re < 2300), so exactly
    // Q = pi r^4 dP / (8 mu L).
    const double r = 0.635e-3 / 2.0, l = 1.30, dp = 750.0 * kPaPerPsi;
    const double poiseuille = kPi * std::pow(r, 4) * dp / (8.0 * iohexol.viscosityPaS * l) * 1e6;
    const double micro = therapy::catheterFlowLimitMlPerS(0.635, 1300.0, dp);
    CHECK(micro == Approx(poiseuille).epsilon(1e-6));
    const double re = iohexol.densityKgPerM3 * (micro * 1e-6 / (kPi * r * r)) * 2.0 * r / iohexol.viscosityPaS;
    CHECK(re < 2300.0);
    CHECK(micro > 2.0);  // microcatheter contrast runs of 2-3 ml/s are possible
    CHECK(micro < 4.0);
    // 5 Fr Cobra, 0.965 mm lumen, 65 cm, 1200 psi: turbulent. With the Blasius friction factor,
    // dP = 0.316 Re^-0.25 (L/D) rho v^2 / 2 holds at the flow found, and it is within the 15-25 ml/s
    // rated flow of a 5 Fr catheter (reference notes, unverified), less than half of Poiseuille's.
    const double d = 0.965e-3, lc = 0.65, dpc = 1200.0 * kPaPerPsi;
    const double cobra = therapy::catheterFlowLimitMlPerS(0.965, 650.0, dpc);
    const double v = cobra * 1e-6 / (0.25 * kPi * d * d);
    const double rec = iohexol.densityKgPerM3 * v * d / iohexol.viscosityPaS;
    CHECK(rec > 2300.0);
    CHECK(0.316 * std::pow(rec, -0.25) * (lc / d) * 0.5 * iohexol.densityKgPerM3 * v * v == Approx(dpc).epsilon(1e-6));
    CHECK(cobra > 15.0);
    CHECK(cobra < 25.0);
    CHECK(cobra < 0.5 * kPi * std::pow(d / 2.0, 4) * dpc / (8.0 * iohexol.viscosityPaS * lc) * 1e6);
    // More pressure, more flow; a longer catheter, less.
    CHECK(therapy::catheterFlowLimitMlPerS(0.635, 1300.0, 2.0 * dp) > micro);
    CHECK(therapy::catheterFlowLimitMlPerS(0.635, 1500.0, dp) < micro);
}

namespace {

// The iodine (g/cm^2) on a ray, over the mass per mm of chord: the chord through the contrast (mm).
double iodineChordMm(const imaging::FrameContents& f, const glm::dvec3& from, const glm::dvec3& dir, double gPerCm3) {
    double mass = 0.0;
    for (const imaging::RadiopaquePath& p : f.paths) mass += imaging::massPathThrough(p, from, dir);
    return mass / (0.1 * gPerCm3);
}

}  // namespace

TEST_CASE("contrast in a straight vessel split at a branch point projects its analytic chord, with no bead at the joint",
          "[therapy][contrast][joints]") {
    // A straight trunk along z (r 3 mm, 10 mm segments) with a side branch at z = 50 (so the trunk
    // is drawn as two paths that meet there) and one at z = 30 too thin to draw (r 0.2 mm).
    patient::VesselTree t;
    t.name = "arterial";
    auto add = [&](int parent, glm::dvec3 p, double r, double q) {
        patient::VesselNode n;
        n.position = p, n.parent = parent, n.radiusMm = r, n.flowMlPerMin = q, n.branch = "trunk";
        t.nodes.push_back(n);
        return static_cast<int>(t.nodes.size()) - 1;
    };
    int n = add(-1, {0, 0, 100}, 3.0, 300.0);
    int at50 = -1, at30 = -1;
    for (int k = 1; k <= 10; ++k) {
        n = add(n, {0, 0, 100 - 10.0 * k}, 3.0, 300.0);
        if (k == 5) at50 = n;
        if (k == 7) at30 = n;
    }
    const int side = add(at50, {20, 0, 45}, 1.5, 30.0);
    add(side, {40, 0, 40}, 1.5, 30.0);
    add(at30, {0, 15, 30}, 0.2, 1.0);
    const therapy::ContrastModel m = therapy::makeContrastModel(t);
    therapy::ContrastState s;
    therapy::inject(m, s, 1, 30.0, 3.0, 300.0);
    for (int tick = 0; tick < 5 * 240; ++tick) therapy::step(m, s, kDt);  // the trunk filled evenly
    const imaging::FrameContents f = therapy::contrastContents(m, s);
    REQUIRE(f.paths.size() >= 3);
    const double c = therapy::segmentConcentration(m, s, 5) * 1e-3;  // g/cm^3 at the joint
    REQUIRE(c > 0.0);
    CHECK(therapy::segmentConcentration(m, s, 6) * 1e-3 == Approx(c).epsilon(1e-6));
    // AP rays (along +y) across the trunk at offsets d from its axis, at the joint (z = 50) and 1
    // mm and 2 mm either side of it, and in the middle of a segment: 2 sqrt(r^2 - d^2) everywhere.
    // Without the shared joint the joint's caps summed there: nearly twice the chord.
    double worst = 0.0;
    for (double z : {50.0, 49.0, 51.0, 48.0, 52.0, 55.0, 30.0, 30.5})
        for (double d : {-2.8, -2.5, -1.5, -0.7, 0.0, 0.5}) {  // the side branch leaves toward +x
            const double chord = iodineChordMm(f, {d, -50.0, z}, {0.0, 1.0, 0.0}, c);
            const double expected = 2.0 * std::sqrt(9.0 - d * d);
            INFO("z " << z << ", d " << d << ": " << chord << " mm, expected " << expected);
            CHECK(chord == Approx(expected).epsilon(0.03));
            worst = std::max(worst, std::abs(chord / expected - 1.0));
        }
    std::printf("straight vessel split at a branch point: worst chord error %.2f %%\n", 100.0 * worst);
}
