#include "therapy/radioembolization.h"

#include <array>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace irsim::therapy {

namespace {

constexpr double kLn2 = 0.69314718055994530942;

// Resin lung-shunt bands (van Roekel thesis p. 41; Grosser et al. JVIR 2015;26:1615; Sirtex
// indication page): < 10 % none, 10-15 % -20 %, 15-20 % -40 %, > 20 % do not treat. The sources
// give the bands as ranges; here a band includes its lower edge (10 % is reduced by 20 %, 15 % by
// 40 %) and 20 % itself is still treatable.
constexpr double kShuntBand20 = 0.10, kShuntBand40 = 0.15, kShuntContraindicated = 0.20;
// BSA method's constant, GBq (van Roekel thesis p. 30; Kao et al. Ann Nucl Med 2011;25:455).
constexpr double kBsaOffsetGBq = 0.2;
// Lung limits, Gy: 30 per treatment, 50 cumulative (van Roekel thesis pp. 30 and 41; Radiopaedia
// "Lung shunt fraction"; the DOSISPHERE-01 exclusion criterion).
constexpr double kLungSingleGy = 30.0, kLungCumulativeGy = 50.0;
// Normal-liver limits, Gy. Resin: normal perfused liver < 40 (EANM 2022 Table 3; < 30 in a
// pretreated or compromised liver, which the planner is not told about). Glass: whole non-tumoral
// liver < 75 for HCC (EANM 2022 Table 2, range 50-90 with bilirubin), and normal perfused liver
// < 120 when the untreated reserve is under 30 % (EANM 2022 Table 2, DOSISPHERE-01).
constexpr double kResinNormalPerfusedGy = 40.0;
constexpr double kGlassWholeNormalGy = 75.0;
constexpr double kGlassNormalPerfusedGy = 120.0, kGlassReserveThreshold = 0.30;
// TheraSphere vial sizes at calibration, GBq (TheraSphere package insert).
constexpr std::array<double, 6> kGlassVialsGBq{3.0, 5.0, 7.0, 10.0, 15.0, 20.0};
// Resin vial: 3 GBq +/- 10 % in 5 ml of water for injection at calibration (Sirtex product page).
constexpr double kResinVialMl = 5.0;
// Glass vial: 0.6 ml of sterile water in a 1 ml vee-bottom vial (TheraSphere package insert).
constexpr double kGlassVialMl = 0.6;

[[noreturn]] void bad(const std::string& field, const std::string& what) {
    throw DataError("plan", 0, field, what);
}

std::string format(const char* fmt, double a, double b) {
    char buf[256];
    std::snprintf(buf, sizeof buf, fmt, a, b);
    return buf;
}

void requireIn(double v, double lo, double hi, const std::string& field, const std::string& what) {
    if (v >= lo && v <= hi) return;
    const std::string got = std::isfinite(v) ? format("%g", v, 0.0) : std::string("not a number");
    bad(field, "expected " + what + format(" in %g..%g", lo, hi) + ", got " + got);
}

void validate(const PlanInput& in) {
    requireIn(in.liverMl, 100.0, 6000.0, "liver_ml", "the whole liver volume (ml, tumour included)");
    requireIn(in.liverDensityGPerMl, 0.9, 1.2, "density", "a liver density (g/ml)");
    const double perfused = in.perfusedMl < 0.0 ? in.liverMl : in.perfusedMl;
    if (!(perfused > 0.0 && perfused <= in.liverMl))
        bad("perfused_ml", format("expected the treated territory (ml) in 0..%g, the whole liver; got %g", in.liverMl, perfused));
    if (!(in.tumourMl >= 0.0 && in.tumourMl < perfused))
        bad("tumour_ml", format("expected the tumour in the treated territory (ml) in 0..%g, less than the territory; got %g", perfused, in.tumourMl));
    requireIn(in.tumourToNormal, 0.1, 100.0, "tn", "a tumour-to-normal uptake ratio");
    if (!(in.lungShuntFraction >= 0.0 && in.lungShuntFraction < 1.0))
        bad("lsf", "expected a lung shunt fraction in 0..1 (0.12 for 12 %), got " + format("%g", in.lungShuntFraction, 0.0));
    requireIn(in.lungKg, 0.2, 5.0, "lung_kg", "a lung mass (kg)");
    requireIn(in.priorLungDoseGy, 0.0, 1000.0, "prior_lung_gy", "the lung dose of earlier treatments (Gy)");
    if (in.method == PlanningMethod::Bsa) {
        if (in.targetGy >= 0.0) bad("target_gy", "the BSA method sets no target dose; leave it out");
        requireIn(in.heightCm, 100.0, 250.0, "height_cm", "the patient's height (cm)");
        requireIn(in.weightKg, 20.0, 300.0, "weight_kg", "the patient's weight (kg)");
    } else {
        const char* what = in.method == PlanningMethod::Mird ? "the target dose to the perfused volume (Gy)"
                                                             : "the target dose to the normal liver (Gy)";
        requireIn(in.targetGy, 1.0, 1000.0, "target_gy", what);
    }
}

void checkLimits(Plan& p) {
    const PlanInput& in = p.input;
    if (in.device == SphereKind::Resin && in.lungShuntFraction > kShuntContraindicated)
        p.findings.push_back({format("lung shunt %.1f %% over %.0f %%: resin is contraindicated (do not treat)",
                                     100.0 * in.lungShuntFraction, 100.0 * kShuntContraindicated),
                              "van Roekel thesis p. 41; Sirtex indication page", true});
    if (p.lungDoseGy > kLungSingleGy)
        p.findings.push_back({format("lung dose %.1f Gy over the %.0f Gy single-treatment limit", p.lungDoseGy, kLungSingleGy),
                              "van Roekel thesis pp. 30, 41", true});
    if (p.cumulativeLungDoseGy > kLungCumulativeGy)
        p.findings.push_back({format("cumulative lung dose %.1f Gy over the %.0f Gy limit", p.cumulativeLungDoseGy, kLungCumulativeGy),
                              "van Roekel thesis pp. 30, 41", true});
    if (in.device == SphereKind::Resin && p.normalLiverDoseGy > kResinNormalPerfusedGy)
        p.findings.push_back({format("normal perfused liver %.1f Gy over the %.0f Gy resin limit", p.normalLiverDoseGy, kResinNormalPerfusedGy),
                              "EANM 2022 Table 3", false});
    if (in.device == SphereKind::Glass && p.wholeNormalLiverDoseGy > kGlassWholeNormalGy)
        p.findings.push_back({format("whole non-tumoral liver %.1f Gy over the %.0f Gy glass limit (HCC)", p.wholeNormalLiverDoseGy, kGlassWholeNormalGy),
                              "EANM 2022 Table 2", false});
    if (in.device == SphereKind::Glass && p.hepaticReserve < kGlassReserveThreshold && p.normalLiverDoseGy > kGlassNormalPerfusedGy)
        p.findings.push_back({format("normal perfused liver %.1f Gy over %.0f Gy with under 30 %% of the liver spared", p.normalLiverDoseGy, kGlassNormalPerfusedGy),
                              "EANM 2022 Table 2 (DOSISPHERE-01)", false});
}

}  // namespace

const char* toString(PlanningMethod m) {
    switch (m) {
        case PlanningMethod::Mird: return "mird";
        case PlanningMethod::Bsa: return "bsa";
        case PlanningMethod::Partition: return "partition";
    }
    return "?";
}

const char* toString(SphereKind k) { return k == SphereKind::Resin ? "resin" : "glass"; }

SphereKind defaultDevice(PlanningMethod m) { return m == PlanningMethod::Mird ? SphereKind::Glass : SphereKind::Resin; }

bool Plan::forbidden() const {
    for (const PlanFinding& f : findings)
        if (f.forbids) return true;
    return false;
}

double duBoisBsaM2(double heightCm, double weightKg) {
    // Du Bois & Du Bois 1916: 0.007184 H(cm)^0.725 W(kg)^0.425 (van Roekel thesis p. 30).
    return 0.007184 * std::pow(heightCm, 0.725) * std::pow(weightKg, 0.425);
}

double resinLungShuntReduction(double f) {
    if (f > kShuntContraindicated) return 1.0;
    if (f >= kShuntBand40) return 0.4;
    if (f >= kShuntBand20) return 0.2;
    return 0.0;
}

Plan planActivity(const PlanInput& input) {
    validate(input);
    Plan p;
    p.input = input;
    const PlanInput& in = p.input;
    if (p.input.perfusedMl < 0.0) p.input.perfusedMl = in.liverMl;
    const double kgPerMl = in.liverDensityGPerMl * 1e-3;
    p.tumourKg = in.tumourMl * kgPerMl;
    p.perfusedKg = in.perfusedMl * kgPerMl;
    p.normalLiverKg = p.perfusedKg - p.tumourKg;
    const double f = in.lungShuntFraction, k = kY90GyKgPerGBq, tn = in.tumourToNormal;
    // Uptake-weighted mass of the territory: the liver's share goes to tumour and normal liver in
    // the ratio tn M_T : M_N.
    const double weighted = tn * p.tumourKg + p.normalLiverKg;

    switch (in.method) {
        case PlanningMethod::Mird:
            p.activityGBq = in.targetGy * p.perfusedKg / (k * (1.0 - f));
            break;
        case PlanningMethod::Bsa: {
            p.bsaM2 = duBoisBsaM2(in.heightCm, in.weightKg);
            // Lobar or segmental: the whole-liver activity times the treated share of the liver
            // (a common rule; reference: unverified).
            const double whole = (p.bsaM2 - kBsaOffsetGBq) + in.tumourMl / in.liverMl;
            const double reduction = resinLungShuntReduction(f);
            // Over 20 % there is no reduction to apply: treatment is refused (checkLimits); a forced
            // plan keeps the full activity so that the lung dose it reports is the true one.
            p.lungShuntReduction = reduction >= 1.0 ? 0.0 : reduction;
            p.activityGBq = whole * (in.perfusedMl / in.liverMl) * (1.0 - p.lungShuntReduction);
            if (!(p.activityGBq > 0.0)) bad("height_cm", "the BSA method gives no activity for this patient");
            break;
        }
        case PlanningMethod::Partition:
            p.activityGBq = in.targetGy * weighted / (k * (1.0 - f));
            break;
    }

    const double toLiver = p.activityGBq * (1.0 - f);
    p.lungGBq = p.activityGBq * f;
    p.tumourGBq = toLiver * tn * p.tumourKg / weighted;
    p.normalLiverGBq = toLiver * p.normalLiverKg / weighted;
    p.tumourDoseGy = p.tumourKg > 0.0 ? k * p.tumourGBq / p.tumourKg : 0.0;
    p.normalLiverDoseGy = k * p.normalLiverGBq / p.normalLiverKg;
    p.perfusedDoseGy = k * toLiver / p.perfusedKg;
    const double wholeNormalKg = (in.liverMl - in.tumourMl) * kgPerMl;
    p.wholeNormalLiverDoseGy = k * p.normalLiverGBq / wholeNormalKg;
    p.hepaticReserve = 1.0 - p.normalLiverKg / wholeNormalKg;
    p.lungDoseGy = k * p.lungGBq / in.lungKg;
    p.cumulativeLungDoseGy = p.lungDoseGy + in.priorLungDoseGy;
    checkLimits(p);
    return p;
}

double y90DecayFactor(double hours) { return std::exp(-kLn2 * hours / kY90HalfLifeH); }

double y90ActivityAt(double gbqAtCalibration, double hoursAfterCalibration) {
    return gbqAtCalibration * y90DecayFactor(hoursAfterCalibration);
}

VialDraw drawFromVial(SphereKind device, double activityGBq, double vialGBq, double hours) {
    VialDraw d;
    if (device == SphereKind::Resin) {
        d.vialGBqAtTreatment = y90ActivityAt(vialGBq, hours);
        d.enough = d.vialGBqAtTreatment >= activityGBq;
        d.drawMl = d.enough ? kResinVialMl * activityGBq / d.vialGBqAtTreatment : kResinVialMl;
        return d;
    }
    d.drawMl = kGlassVialMl;
    for (double size : kGlassVialsGBq) {
        if (y90ActivityAt(size, hours) < activityGBq) continue;
        d.glassVialGBq = size;
        d.vialGBqAtTreatment = y90ActivityAt(size, hours);
        d.enough = true;
        d.hoursToPlannedActivity = kY90HalfLifeH / kLn2 * std::log(size / activityGBq);
        return d;
    }
    return d;
}

}  // namespace irsim::therapy
