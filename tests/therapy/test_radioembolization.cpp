// The Y-90 activity planner against hand-computed cases (arithmetic in the comments), the lung-shunt
// bands of the resin method, the limits and Y-90 decay.
#include <cmath>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "therapy/radioembolization.h"

using namespace irsim;
using therapy::PlanningMethod;
using therapy::SphereKind;

namespace {

therapy::PlanInput mird(double targetGy, double liverMl, double perfusedMl, double lsf) {
    therapy::PlanInput in;
    in.method = PlanningMethod::Mird;
    in.device = SphereKind::Glass;
    in.targetGy = targetGy, in.liverMl = liverMl, in.perfusedMl = perfusedMl, in.lungShuntFraction = lsf;
    return in;
}

therapy::PlanInput bsa(double lsf) {
    therapy::PlanInput in;
    in.method = PlanningMethod::Bsa;
    in.device = SphereKind::Resin;
    in.heightCm = 175.0, in.weightKg = 75.0;
    in.liverMl = 1500.0, in.tumourMl = 300.0, in.lungShuntFraction = lsf;
    return in;
}

}  // namespace

TEST_CASE("the 50 Gy kg/GBq dose coefficient is what Y-90's half-life and mean beta energy give", "[therapy][y90]") {
    // Energy released per GBq decaying completely: 1e9 Bq x tau (= T1/2 / ln 2 = 332,916 s) x
    // 0.9367 MeV x 1.602e-13 J/MeV = 49.96 J; over 1 kg that is 49.96 Gy (TheraSphere PI values).
    const double tauS = therapy::kY90HalfLifeH * 3600.0 / std::log(2.0);
    const double joulesPerGBq = 1e9 * tauS * therapy::kY90MeanBetaMeV * 1.602176634e-13;
    CHECK(joulesPerGBq == Approx(49.9627).epsilon(1e-5));
    CHECK(therapy::kY90GyKgPerGBq == Approx(joulesPerGBq).epsilon(1e-3));
    // 49.67 (the UMC Utrecht constant) is further from it than 50 is.
    CHECK(std::abs(49.67 - joulesPerGBq) > std::abs(therapy::kY90GyKgPerGBq - joulesPerGBq));
}

TEST_CASE("MIRD: a glass lobar plan gives the target dose to the perfused mass after the lung shunt", "[therapy][y90]") {
    therapy::PlanInput in = mird(120.0, 1600.0, 1000.0, 0.05);
    in.tumourMl = 100.0;
    const therapy::Plan p = therapy::planActivity(in);
    // M = 1000 ml x 1.03 g/ml = 1.03 kg; A = 120 x 1.03 / (50 x 0.95) = 2.602105 GBq.
    CHECK(p.activityGBq == Approx(2.602105263).epsilon(1e-9));
    CHECK(p.perfusedDoseGy == Approx(120.0).epsilon(1e-12));
    // Single compartment (T/N = 1): tumour and normal liver get the same dose.
    CHECK(p.tumourDoseGy == Approx(120.0).epsilon(1e-12));
    CHECK(p.normalLiverDoseGy == Approx(120.0).epsilon(1e-12));
    // Lung: 50 x 2.602105 x 0.05 / 1 kg = 6.505 Gy.
    CHECK(p.lungDoseGy == Approx(6.505263158).epsilon(1e-9));
    // Whole non-tumoral liver: 120 Gy x 0.927 kg treated / 1.545 kg in all = 72 Gy; reserve 40 %.
    CHECK(p.wholeNormalLiverDoseGy == Approx(72.0).epsilon(1e-12));
    CHECK(p.hepaticReserve == Approx(0.4).epsilon(1e-12));
    CHECK(p.tumourGBq + p.normalLiverGBq + p.lungGBq == Approx(p.activityGBq).epsilon(1e-14));
    CHECK(p.findings.empty());
    CHECK_FALSE(p.forbidden());
}

TEST_CASE("BSA: Du Bois surface area and the resin activity with the tumour share", "[therapy][y90]") {
    // 0.007184 x 175^0.725 x 75^0.425 = 0.007184 x 42.29 x 6.2647 = 1.90314 m^2.
    CHECK(therapy::duBoisBsaM2(175.0, 75.0) == Approx(1.9031365).epsilon(1e-7));
    CHECK(therapy::duBoisBsaM2(160.0, 60.0) == Approx(1.6220625).epsilon(1e-7));
    const therapy::Plan p = therapy::planActivity(bsa(0.05));
    // (1.90314 - 0.2) + 300 / 1500 = 1.90314 GBq, no reduction below a 10 % shunt.
    CHECK(p.bsaM2 == Approx(1.9031365).epsilon(1e-7));
    CHECK(p.lungShuntReduction == 0.0);
    CHECK(p.activityGBq == Approx(1.9031365).epsilon(1e-7));
    // Lobar: the same times the treated share, 900 / 1500.
    therapy::PlanInput lobar = bsa(0.05);
    lobar.perfusedMl = 900.0;
    lobar.tumourMl = 300.0;
    CHECK(therapy::planActivity(lobar).activityGBq == Approx(1.9031365 * 0.6).epsilon(1e-7));
}

TEST_CASE("BSA: each lung-shunt band reduces the resin activity by its share, over 20 % is refused", "[therapy][y90]") {
    const double full = therapy::planActivity(bsa(0.0)).activityGBq;
    struct Band { double lsf, reduction; };
    // Bands (van Roekel p. 41): < 10 % none, 10-15 % 20 %, 15-20 % 40 %; edges belong to the band above.
    for (const Band b : {Band{0.05, 0.0}, Band{0.0999, 0.0}, Band{0.10, 0.2}, Band{0.12, 0.2}, Band{0.15, 0.4},
                         Band{0.17, 0.4}, Band{0.20, 0.4}}) {
        INFO("lung shunt " << b.lsf);
        const therapy::Plan p = therapy::planActivity(bsa(b.lsf));
        CHECK(p.lungShuntReduction == b.reduction);
        CHECK(p.activityGBq == Approx(full * (1.0 - b.reduction)).epsilon(1e-12));
        // Lung dose: 50 x A x LSF / 1 kg.
        CHECK(p.lungDoseGy == Approx(50.0 * full * (1.0 - b.reduction) * b.lsf).epsilon(1e-12));
        CHECK_FALSE(p.forbidden());
    }
    const therapy::Plan over = therapy::planActivity(bsa(0.25));
    CHECK(therapy::resinLungShuntReduction(0.25) == 1.0);
    REQUIRE(over.forbidden());
    CHECK(over.findings.front().what.find("contraindicated") != std::string::npos);
    // A forced plan keeps the full activity, so its lung dose is the true one: 50 x 1.903 x 0.25.
    CHECK(over.activityGBq == Approx(full).epsilon(1e-12));
    CHECK(over.lungDoseGy == Approx(23.789207).epsilon(1e-6));
    // Glass has no shunt band: 25 % is refused only through the lung dose.
    therapy::PlanInput glass = mird(120.0, 1500.0, 500.0, 0.25);
    CHECK_FALSE(therapy::planActivity(glass).forbidden());
}

TEST_CASE("partition: the normal-liver target sets the activity and the tumour gets T/N times it", "[therapy][y90]") {
    therapy::PlanInput in;
    in.method = PlanningMethod::Partition;
    in.device = SphereKind::Resin;
    in.targetGy = 40.0, in.liverMl = 1500.0, in.perfusedMl = 1000.0, in.tumourMl = 200.0;
    in.tumourToNormal = 4.0, in.lungShuntFraction = 0.08;
    const therapy::Plan p = therapy::planActivity(in);
    // M_T = 0.206 kg, M_N = 0.824 kg; A = 40 x (4 x 0.206 + 0.824) / (50 x 0.92) = 1.433043 GBq.
    CHECK(p.activityGBq == Approx(1.4330434783).epsilon(1e-9));
    CHECK(p.normalLiverDoseGy == Approx(40.0).epsilon(1e-12));
    CHECK(p.tumourDoseGy == Approx(160.0).epsilon(1e-12));
    CHECK(p.lungDoseGy == Approx(5.7321739130).epsilon(1e-9));
    CHECK(p.tumourGBq + p.normalLiverGBq + p.lungGBq == Approx(p.activityGBq).epsilon(1e-14));
    CHECK_FALSE(p.forbidden());
    // With T/N = 1 the partition model is the single compartment: the same activity as MIRD.
    in.tumourToNormal = 1.0;
    therapy::PlanInput m = mird(40.0, 1500.0, 1000.0, 0.08);
    m.tumourMl = 200.0;
    CHECK(therapy::planActivity(in).activityGBq == Approx(therapy::planActivity(m).activityGBq).epsilon(1e-14));
}

TEST_CASE("lung doses over 30 Gy or 50 Gy cumulative are refused, normal liver over its limit is a caution", "[therapy][y90]") {
    // A = 120 x 1.545 / (50 x 0.8) = 4.635 GBq; lung 50 x 4.635 x 0.2 = 46.35 Gy.
    const therapy::Plan lung = therapy::planActivity(mird(120.0, 1500.0, 1500.0, 0.20));
    CHECK(lung.lungDoseGy == Approx(46.35).epsilon(1e-12));
    REQUIRE(lung.forbidden());
    CHECK(lung.findings.front().what.find("30 Gy") != std::string::npos);
    // A lobar plan with a 25 % shunt: within 30 Gy alone, over 50 Gy with 40 Gy from before.
    therapy::PlanInput again = mird(100.0, 1500.0, 400.0, 0.25);
    const therapy::Plan alone = therapy::planActivity(again);
    // A = 100 x 0.412 / (50 x 0.75) = 1.098667; lung 50 x 1.098667 x 0.25 = 13.73 Gy.
    CHECK(alone.lungDoseGy == Approx(13.7333333).epsilon(1e-7));
    CHECK_FALSE(alone.forbidden());
    again.priorLungDoseGy = 40.0;
    const therapy::Plan cumulative = therapy::planActivity(again);
    CHECK(cumulative.cumulativeLungDoseGy == Approx(53.7333333).epsilon(1e-7));
    REQUIRE(cumulative.forbidden());
    CHECK(cumulative.findings.front().what.find("cumulative") != std::string::npos);
    // Resin whole-liver partition at 50 Gy to normal liver: over the 40 Gy limit, a caution only.
    therapy::PlanInput resin;
    resin.method = PlanningMethod::Partition;
    resin.targetGy = 50.0, resin.liverMl = 1500.0, resin.tumourMl = 100.0, resin.device = SphereKind::Resin;
    const therapy::Plan caution = therapy::planActivity(resin);
    REQUIRE(caution.findings.size() == 1);
    CHECK(caution.findings[0].what.find("40 Gy") != std::string::npos);
    CHECK_FALSE(caution.forbidden());
    // Glass whole liver at 110 Gy: the whole non-tumoral liver gets 110 > 75 Gy; with no liver spared
    // the normal perfused limit is 120 Gy, which 110 is within.
    const therapy::Plan glass = therapy::planActivity(mird(110.0, 1500.0, 1500.0, 0.0));
    REQUIRE(glass.findings.size() == 1);
    CHECK(glass.findings[0].what.find("75 Gy") != std::string::npos);
}

TEST_CASE("the planner names the field of missing or impossible input", "[therapy][y90]") {
    auto fieldOf = [](const therapy::PlanInput& in) {
        try {
            therapy::planActivity(in);
        } catch (const DataError& e) {
            return e.field();
        }
        return std::string("(none)");
    };
    CHECK(fieldOf(mird(-1.0, 1500.0, -1.0, 0.0)) == "target_gy");
    CHECK(fieldOf(mird(120.0, 0.0, -1.0, 0.0)) == "liver_ml");
    CHECK(fieldOf(mird(120.0, 1500.0, 1600.0, 0.0)) == "perfused_ml");
    CHECK(fieldOf(mird(120.0, 1500.0, -1.0, 1.0)) == "lsf");
    therapy::PlanInput t = mird(120.0, 1500.0, 300.0, 0.0);
    t.tumourMl = 300.0;
    CHECK(fieldOf(t) == "tumour_ml");
    therapy::PlanInput b = bsa(0.0);
    b.heightCm = -1.0;
    CHECK(fieldOf(b) == "height_cm");
    b = bsa(0.0);
    b.targetGy = 50.0;
    CHECK(fieldOf(b) == "target_gy");
}

TEST_CASE("Y-90 decays with a 64.1 h half-life from the vial's calibration", "[therapy][y90]") {
    CHECK(therapy::y90DecayFactor(0.0) == 1.0);
    CHECK(therapy::y90DecayFactor(64.1) == Approx(0.5).epsilon(1e-14));
    CHECK(therapy::y90DecayFactor(-64.1) == Approx(2.0).epsilon(1e-14));
    // 48 h: 2^(-48/64.1) = 2^(-0.74883) = 0.595086; a 3 GBq vial holds 1.785258 GBq.
    CHECK(therapy::y90ActivityAt(3.0, 48.0) == Approx(1.785258).epsilon(1e-6));
    // Five days: 2^(-120/64.1) = 0.27318.
    CHECK(therapy::y90DecayFactor(120.0) == Approx(0.2731803).epsilon(1e-6));
    // Resin: 1.2 GBq from a 3 GBq / 5 ml vial 48 h after calibration: 5 x 1.2 / 1.785258 = 3.3609 ml.
    const therapy::VialDraw r = therapy::drawFromVial(SphereKind::Resin, 1.2, 3.0, 48.0);
    CHECK(r.enough);
    CHECK(r.drawMl == Approx(3.360858).epsilon(1e-6));
    CHECK_FALSE(therapy::drawFromVial(SphereKind::Resin, 2.0, 3.0, 48.0).enough);
    // Glass: 2.602 GBq 96 h after calibration: 5 GBq -> 1.77, 7 GBq -> 2.48, 10 GBq -> 3.54: the
    // 10 GBq vial, which holds 2.602 GBq at 64.1 / ln 2 x ln(10 / 2.602) = 124.5 h.
    const therapy::VialDraw g = therapy::drawFromVial(SphereKind::Glass, 2.602105263, 0.0, 96.0);
    CHECK(g.glassVialGBq == 10.0);
    CHECK(g.vialGBqAtTreatment == Approx(3.5412733).epsilon(1e-7));
    CHECK(therapy::y90ActivityAt(g.glassVialGBq, g.hoursToPlannedActivity) == Approx(2.602105263).epsilon(1e-12));
    CHECK_FALSE(therapy::drawFromVial(SphereKind::Glass, 30.0, 0.0, 0.0).enough);
}
