#include <catch2/catch.hpp>

#include <cmath>

#include "physics/needle.h"
#include "slab.h"

using namespace irsim::physics;

namespace {

struct Sample {
    double indentation, inserted, force;
    NeedlePhase phase;
};

// Inserts `needle` at `speed` into a slab of `name` and records the hub force each step.
std::vector<Sample> insert(const std::string& name, int16_t hu, const NeedleDef& needle, double speed,
                           double depthMm) {
    static test::Slab slab;
    slab = test::makeSlab(name, hu);
    static TissueMap map;
    TissueMapOptions opt;
    opt.skinThicknessMm = 0.0;  // one tissue only
    map = TissueMap(slab.ct, slab.labels, slab.names, opt);
    NeedleModel m;
    m.device = needle;
    m.tissue = &map;
    NeedleState s;
    placeNeedle(m, s, glm::dvec3(0.0, 5.0, 0.0), glm::dvec3(0.0, 1.0, 0.0));
    NeedleInput in;
    in.advanceMmPerS = speed;
    in.pushLimitN = 1.0e6;  // a robot, as in the published experiments
    std::vector<Sample> out;
    for (int i = 0; i < 100000 && s.insertedMm < depthMm; ++i) {
        stepNeedle(m, s, in);
        out.push_back({s.indentationMm, s.insertedMm, s.axialHubForceN, s.phase});
    }
    return out;
}

NeedleDef straight18G() {
    NeedleDef d = NeedleDef::biopsyNeedle18G();
    d.tip = NeedleTip::Diamond;  // symmetric: no bevel drift, the force curve alone
    return d;
}

}  // namespace

TEST_CASE("the membrane spring reaches the puncture force at the root of a1 z + a2 z^2", "[physics][forces]") {
    auto table = TissueForceTable::standard();
    for (Tissue t : {Tissue::Skin, Tissue::Fat, Tissue::Muscle, Tissue::Liver, Tissue::CancellousBone,
                     Tissue::CorticalBone}) {
        const auto& p = table[t];
        double z = punctureDepthMm(p);
        CHECK(stiffnessForceN(p, z) == Approx(p.punctureForceN).epsilon(1e-12));
        // Energy to puncture is the integral of the spring.
        CHECK(stiffnessEnergyNmm(p, z) == Approx(p.stiffnessA1NPerMm * z * z / 2 + p.stiffnessA2NPerMm2 * z * z * z / 3));
        CHECK(indentationAfterEnergyMm(p, 0.0, stiffnessEnergyNmm(p, z)) == Approx(z).epsilon(1e-9));
    }
    // Bone resists far more than soft tissue: cortical puncture > 50x liver capsule.
    CHECK(table[Tissue::CorticalBone].punctureForceN > 50.0 * table[Tissue::Liver].punctureForceN);
    CHECK(table[Tissue::CorticalBone].cuttingForceN > 4.0 * table[Tissue::CancellousBone].cuttingForceN);
}

TEST_CASE("modified Karnopp friction: Coulomb plus viscous outside the stick band", "[physics][forces]") {
    KarnoppFriction f;
    f.dynamicPosNPerMm = 0.01; f.dynamicNegNPerMm = 0.012;
    f.dampingPos = 0.003; f.dampingNeg = 0.002;
    f.staticPosNPerMm = 0.015; f.staticNegNPerMm = 0.016;
    f.stickBandMmPerS = 0.02;
    CHECK(karnoppFrictionNPerMm(f, 5.0, 0.0) == Approx(0.01 + 0.003 * 5.0));
    CHECK(karnoppFrictionNPerMm(f, -5.0, 0.0) == Approx(-(0.012 + 0.002 * 5.0)));
    // In the stick band friction balances the applied force up to the static limit.
    CHECK(karnoppFrictionNPerMm(f, 0.005, 0.010) == Approx(0.010));
    CHECK(karnoppFrictionNPerMm(f, 0.005, 0.100) == Approx(0.015));
    CHECK(karnoppFrictionNPerMm(f, -0.005, -0.100) == Approx(-0.016));
}

TEST_CASE("hub force vs depth follows stiffness, puncture, then cutting plus shaft friction in each soft tissue",
          "[physics][forces]") {
    auto table = TissueForceTable::standard();
    const double v = 5.0;  // mm/s, within Okamura's 1-10 mm/s insertions
    struct Case { const char* name; Tissue tissue; int16_t hu; };
    for (Case c : {Case{"subcutaneous_fat", Tissue::Fat, -100}, Case{"autochthon_left", Tissue::Muscle, 40},
                   Case{"liver", Tissue::Liver, 60}, Case{"gel", Tissue::Gel, 0}}) {
        INFO(c.name);
        const auto& p = table[c.tissue];
        NeedleDef d = straight18G();
        auto samples = insert(c.name, c.hu, d, v, 60.0);
        REQUIRE(!samples.empty());
        double peak = 0.0;
        for (const auto& s : samples) {
            if (s.phase == NeedlePhase::Indenting) {
                // Pre-puncture: the published nonlinear spring, nothing else (no shaft inside yet).
                CHECK(s.force == Approx(stiffnessForceN(p, s.indentation)).margin(1e-9));
                peak = std::max(peak, s.force);
            }
        }
        // The peak is the puncture force, to within one sub-step of the spring.
        double slope = p.stiffnessA1NPerMm + 2 * p.stiffnessA2NPerMm2 * punctureDepthMm(p);
        CHECK(peak <= p.punctureForceN + 1e-9);
        CHECK(peak >= p.punctureForceN - slope * v / 240.0 - 1e-9);
        // After puncture: cutting + Karnopp friction per mm times the inserted length.
        double scale = d.outerDiameterMm / p.referenceDiameterMm;
        double perMm = (p.friction.dynamicPosNPerMm + p.friction.dampingPos * v) * scale;
        for (const auto& s : samples) {
            if (s.phase != NeedlePhase::Cutting || s.inserted < 1.0) continue;
            double expected = p.cuttingForceN * scale + perMm * s.inserted;
            CHECK(s.force == Approx(expected).epsilon(1e-6));
        }
        // Friction grows linearly: force at 50 mm minus force at 20 mm is 30 mm of friction.
        double f20 = 0, f50 = 0;
        for (const auto& s : samples) {
            if (s.phase == NeedlePhase::Cutting && f20 == 0 && s.inserted >= 20.0) f20 = s.force - perMm * (s.inserted - 20.0);
            if (s.phase == NeedlePhase::Cutting && f50 == 0 && s.inserted >= 50.0) f50 = s.force - perMm * (s.inserted - 50.0);
        }
        CHECK(f50 - f20 == Approx(30.0 * perMm).epsilon(1e-6));
    }
}

TEST_CASE("a trocar cannot be pushed by hand through cortical bone but a mallet tap advances it", "[physics][forces][bone]") {
    test::Slab slab = test::makeSlab("vertebrae_L1", 1000);
    TissueMap map(slab.ct, slab.labels, slab.names);
    NeedleModel m;
    m.device = NeedleDef::trocar11G();
    m.tissue = &map;
    NeedleState s;
    placeNeedle(m, s, glm::dvec3(0.0, 5.0, 0.0), glm::dvec3(0.0, 1.0, 0.0));
    NeedleInput push;
    push.advanceMmPerS = 5.0;  // hand push, 80 N limit
    for (int i = 0; i < 480; ++i) stepNeedle(m, s, push);
    CHECK(s.stalled);
    CHECK(s.insertedMm == 0.0);  // still indenting the cortex
    CHECK(s.axialHubForceN == Approx(push.pushLimitN));
    // One 1 J tap: half the energy reaches the tip; the cortex (a1 = 150 N/mm, Fp = 200 N scaled by
    // 0.8 for the diamond tip) takes a1 z^2/2 to puncture, the rest cuts at 120*0.8 N.
    const auto& p = m.forces[Tissue::CorticalBone];
    double scale = 0.8;  // diamond tip in bone; density factor 1 at 1000 HU; OD = reference
    double zp = p.punctureForceN * scale / (p.stiffnessA1NPerMm * scale);
    double e = 0.5 * 1000.0;
    double stored = p.stiffnessA1NPerMm * scale * (zp * zp - s.indentationMm * s.indentationMm) / 2.0;
    double cut = p.cuttingForceN * scale;
    NeedleInput tap;
    tap.malletTapJ = 1.0;
    stepNeedle(m, s, tap);
    REQUIRE(s.phase == NeedlePhase::Cutting);
    // Friction on the newly inserted length is small; solve d from e - stored = cut d + fr d^2 / 2.
    double fr = p.friction.dynamicPosNPerMm + p.friction.dampingPos;
    double d = (-cut + std::sqrt(cut * cut + 2.0 * fr * (e - stored))) / fr;
    CHECK(s.insertedMm == Approx(d).epsilon(0.02));
}

namespace {

struct BoneTrial {
    NeedleState state;
    bool pushStalled = false;
    double tapMm = 0.0;        // advance of the last tap
    double lengthBeforeMm = 0.0;
};

// An 11G diamond trocar pushed by hand into a slab of bone of `hu` for 2 s, then `taps` mallet taps
// of `tapJ`; the advance of the last one.
BoneTrial tapIntoBone(int16_t hu, int taps, double tapJ) {
    test::Slab slab = test::makeSlab("vertebrae_L1", hu);
    TissueMap map(slab.ct, slab.labels, slab.names);
    NeedleModel m;
    m.device = NeedleDef::trocar11G();
    m.tissue = &map;
    BoneTrial r;
    placeNeedle(m, r.state, glm::dvec3(0.0, 5.0, 0.0), glm::dvec3(0.0, 1.0, 0.0));
    NeedleInput push;
    push.advanceMmPerS = 5.0;  // hand push, 80 N limit
    for (int i = 0; i < 480; ++i) stepNeedle(m, r.state, push);
    r.pushStalled = r.state.stalled;
    NeedleInput tap;
    tap.malletTapJ = tapJ;
    for (int i = 0; i + 1 < taps; ++i) stepNeedle(m, r.state, tap);
    r.lengthBeforeMm = r.state.insertedMm;
    stepNeedle(m, r.state, tap);
    r.tapMm = r.state.insertedMm - r.lengthBeforeMm;
    return r;
}

}  // namespace

TEST_CASE("a 0.5 J mallet tap advances an 11G trocar a few mm in cancellous bone and under 1 mm in cortex",
          "[physics][forces][bone]") {
    // Clinically a tap drives a vertebroplasty trocar a few mm through cancellous bone and less
    // through cortex. Osteoporotic (100 HU) and normal (220 HU, the phantom's) vertebral
    // cancellous bone, and cortex at 1000-1300 HU.
    for (int16_t hu : {100, 220}) {
        INFO("cancellous " << hu << " HU");
        const BoneTrial r = tapIntoBone(hu, 4, 0.5);
        CHECK(r.tapMm >= 1.0);
        CHECK(r.tapMm <= 5.0);
    }
    for (int16_t hu : {1000, 1300}) {
        INFO("cortex " << hu << " HU");
        const BoneTrial r = tapIntoBone(hu, 4, 0.5);
        CHECK(r.pushStalled);
        CHECK(r.tapMm > 0.05);
        CHECK(r.tapMm < 1.0);
    }
}

TEST_CASE("a tap's energy at the tip equals the work of cutting and shaft friction over its advance",
          "[physics][forces][bone]") {
    // Energy balance of one tap inside cancellous bone: e = (cut + friction(L)) d + fr d^2 / 2,
    // with e = tap energy x mallet efficiency and the friction growing with the inserted length.
    const int16_t hu = 150;
    const BoneTrial r = tapIntoBone(hu, 3, 0.5);
    REQUIRE(r.state.phase == NeedlePhase::Cutting);
    auto table = TissueForceTable::standard();
    const auto& p = table[Tissue::CancellousBone];
    NeedleModel m;
    const double e = 0.5 * 1000.0 * m.malletEfficiency;
    const double cut = p.cuttingForceN * 0.8 * boneDensityFactor(Tissue::CancellousBone, hu);
    const double fr = p.friction.dynamicPosNPerMm + p.friction.dampingPos;  // 11G = reference diameter
    const double f0 = cut + fr * r.lengthBeforeMm;
    const double d = (-f0 + std::sqrt(f0 * f0 + 2.0 * fr * e)) / fr;
    CHECK(r.tapMm == Approx(d).epsilon(0.01));
}

TEST_CASE("osteoporotic cancellous bone yields to a hand push where normal bone and cortex stall, and taps go deeper in it",
          "[physics][forces][bone]") {
    // Clinicians push through osteoporotic bone by hand and need the mallet in normal bone.
    CHECK_FALSE(tapIntoBone(100, 1, 0.5).pushStalled);
    CHECK(tapIntoBone(250, 1, 0.5).pushStalled);
    CHECK(tapIntoBone(1000, 1, 0.5).pushStalled);
    // Per tap: cancellous at its reference density against cortex at its own (cutting 200 N vs
    // 960 N with the diamond tip); friction, the same in both, narrows the ratio.
    const double cancellous = tapIntoBone(250, 4, 1.0).tapMm, cortical = tapIntoBone(1000, 4, 1.0).tapMm;
    CHECK(cancellous > 3.0 * cortical);
}

TEST_CASE("liver's tip force implies the published needle-insertion fracture toughness at four needle diameters",
          "[physics][forces][published]") {
    // Gokgol, Basdogan & Canadinc 2012 (Med Eng Phys 34:882; published): bovine liver 164 +- 6 J/m^2,
    // the same with four needle diameters; Azar & Hayward 2008's porcine in vivo estimate 76-185
    // (secondary). The tip force is read from the simulated insertion as a measurement would: the
    // force-depth line after puncture, extrapolated to zero shaft length. Barnett et al. 2016
    // (published): tearing is 61 % of the total and spreading 18 %, so tearing = 61/79 of the tip
    // force, and tearing = toughness x crack width (the needle's diameter).
    NeedleDef needles[] = {NeedleDef::biopsyNeedle18G(), NeedleDef::radiofrequencyElectrode17G(),
                           NeedleDef::microwaveAntenna14G(), NeedleDef::trocar11G()};
    for (NeedleDef d : needles) {
        d.tip = NeedleTip::Diamond;  // no bevel drift
        INFO(d.name << ", " << d.outerDiameterMm << " mm");
        const auto samples = insert("liver", 60, d, 5.0, 42.0);
        double l1 = 0, f1 = 0, l2 = 0, f2 = 0;
        for (const auto& s : samples) {
            if (s.phase != NeedlePhase::Cutting) continue;
            if (l1 == 0 && s.inserted >= 15.0) l1 = s.inserted, f1 = s.force;
            if (l2 == 0 && s.inserted >= 40.0) l2 = s.inserted, f2 = s.force;
        }
        REQUIRE(l2 > l1);
        const double tipN = f1 - (f2 - f1) / (l2 - l1) * l1;
        const double toughness = tipN * 0.61 / (0.61 + 0.18) / (d.outerDiameterMm * 1.0e-3);
        INFO("tip force " << tipN << " N, toughness " << toughness << " J/m^2");
        CHECK(toughness >= 164.0 - 6.0);
        CHECK(toughness <= 164.0 + 6.0);
        CHECK(toughness >= 76.0);   // porcine in vivo, secondary
        CHECK(toughness <= 185.0);
    }
}

TEST_CASE("skin's cutting force implies porcine skin's needle-insertion toughness (secondary), far above liver's",
          "[physics][forces][published]") {
    // CJME 2022 Table 2 (doi:10.1186/s10033-022-00767-4, its ref. [71]; secondary): 1136 J/m^2.
    const auto table = TissueForceTable::standard();
    const auto& skin = table[Tissue::Skin];
    const double toughness = skin.cuttingForceN * 0.61 / 0.79 / (skin.referenceDiameterMm * 1.0e-3);
    CHECK(toughness == Approx(1136.0).epsilon(0.02));
    // Skin costs 1136 / 164 ~ 7 times liver's cutting force for the same needle.
    CHECK(skin.cuttingForceN / table[Tissue::Liver].cuttingForceN == Approx(1136.0 / 164.0).epsilon(0.02));
}

TEST_CASE("skin and liver-capsule puncture forces of an 18G needle lie in a 1-5 N band (unverified figure)",
          "[physics][forces][unverified]") {
    // The reference tables give ~1-5 N for skin / liver-capsule puncture with ~18G needles, skin
    // above capsule, status unverified: a plausibility band only.
    const auto table = TissueForceTable::standard();
    for (Tissue t : {Tissue::Skin, Tissue::Liver}) {
        INFO(toString(t));
        CHECK(table[t].punctureForceN >= 1.0);
        CHECK(table[t].punctureForceN <= 5.0);
    }
    CHECK(table[Tissue::Skin].punctureForceN > table[Tissue::Liver].punctureForceN);
}
