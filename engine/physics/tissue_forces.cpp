#include "physics/tissue_forces.h"

#include <algorithm>
#include <cmath>

namespace irsim::physics {

namespace {

TissueForceParams row(double a1, double a2, double puncture, double cutting, double cp,
                      double bp, double refDiameter, const char* source) {
    TissueForceParams p;
    p.stiffnessA1NPerMm = a1;
    p.stiffnessA2NPerMm2 = a2;
    p.punctureForceN = puncture;
    p.cuttingForceN = cutting;
    p.friction.dynamicPosNPerMm = cp;
    p.friction.dynamicNegNPerMm = cp;         // Okamura's |Cn| ~ |Cp| for liver
    p.friction.dampingPos = bp;
    p.friction.dampingNeg = bp;
    p.friction.staticPosNPerMm = 1.2 * cp;    // stiction slightly above sliding (estimated)
    p.friction.staticNegNPerMm = 1.2 * cp;
    p.friction.stickBandMmPerS = 0.01;
    p.referenceDiameterMm = refDiameter;
    p.source = source;
    return p;
}

// Webster et al. 2006 (IJRR 25:509): the 0.83 mm nitinol bevel needle in a homogeneous gel
// followed a circular arc of radius about 61 mm (kappa ~ 0.0164 /mm).
constexpr double kWebsterRadiusMm = 61.0;

// Fracture toughness measured by needle insertion, J/m^2. Liver: Gokgol, Basdogan & Canadinc 2012,
// Med Eng Phys 34(7):882, doi:10.1016/j.medengphy.2011.09.030, bovine liver 164 +- 6 with four
// needle diameters (published; the porcine in vivo estimate of Azar & Hayward 2008, 76-185, is
// around it). Skin: porcine skin by needle insertion, 1136, CJME 2022 Table 2 ref. [71],
// doi:10.1186/s10033-022-00767-4 (secondary).
constexpr double kLiverToughnessJPerM2 = 164.0;
constexpr double kSkinToughnessJPerM2 = 1136.0;

}  // namespace

double cuttingForceFromToughnessN(double toughnessJPerM2, double diameterMm) {
    // The tip opens a crack as wide as the needle (the fracture-mechanics picture of Azar & Hayward
    // 2008 and Barnett et al. 2016): each mm of advance costs toughness x diameter of fracture work,
    // the tearing force. Spreading the crack faces around the shaft adds 18/61 of it (Barnett's
    // shares); together they are the tip force that Okamura's model calls cutting.
    const double tearingN = toughnessJPerM2 * diameterMm * 1.0e-3;
    return tearingN * (kTearingShare + kSpreadingShare) / kTearingShare;
}

TissueForceTable TissueForceTable::standard() {
    TissueForceTable t;
    // Soft tissues, 18G reference (1.27 mm). Form after Okamura 2004. Cutting forces come from a
    // published fracture toughness where one was measured by needle insertion (liver, skin; see
    // cuttingForceFromToughnessN); the other magnitudes are estimated from the ranges reported by
    // Okamura 2004 (bovine liver: capsule puncture ~1-2 N, friction rising along the shaft) and
    // Jiang et al. 2014 (porcine skin/muscle/fat, 0.7-3.2 mm). Fat (trouser tear, 4100 J/m^2) and
    // muscle (notched test, 550-8000 J/m^2) toughness was measured by tearing, not by a needle, and
    // skin tears at 15-18x its needle value (17 100-20 400 vs 1136 J/m^2, CJME 2022 Table 2), so
    // those figures do not carry over to a needle and fat and muscle stay estimated.
    t[Tissue::Skin] = row(0.10, 0.050, 2.5, cuttingForceFromToughnessN(kSkinToughnessJPerM2, 1.27), 0.010,
                          0.002, 1.27,
                          "cutting from porcine skin needle-insertion toughness 1136 J/m^2 (CJME 2022 "
                          "Table 2, secondary) and Barnett 2016 shares; puncture 2.5 N and friction estimated");
    t[Tissue::Fat] = row(0.02, 0.004, 0.4, 0.20, 0.003, 0.0005, 1.27,
                         "estimated; fat is the softest layer in Jiang 2014");
    t[Tissue::Muscle] = row(0.06, 0.012, 1.2, 0.80, 0.012, 0.002, 1.27,
                            "estimated; fascia puncture ~1 N, Jiang 2014 porcine muscle");
    t[Tissue::Liver] = row(0.04, 0.020, 1.5, cuttingForceFromToughnessN(kLiverToughnessJPerM2, 1.27), 0.010,
                           0.003, 1.27,
                           "cutting from bovine liver toughness 164 J/m^2 (Gokgol 2012, published) and "
                           "Barnett 2016 shares; capsule puncture 1.5 N (Okamura 2004 range) and friction estimated");
    t[Tissue::Disc] = row(1.00, 0.200, 15.0, 8.0, 0.050, 0.005, 1.27,
                          "estimated; annulus fibrosus is tough fibrocartilage");
    t[Tissue::SpinalCanal] = row(0.03, 0.010, 0.6, 0.10, 0.002, 0.0005, 1.27,
                                 "estimated; dural puncture under 1 N");
    t[Tissue::GreatVessel] = row(0.05, 0.030, 1.5, 0.30, 0.004, 0.0005, 1.27,
                                 "estimated; arterial wall puncture 1-2 N");
    t[Tissue::Vein] = row(0.03, 0.010, 0.5, 0.20, 0.003, 0.0005, 1.27, "estimated");
    // Bone, 11G trocar reference (3.05 mm), at the reference densities of boneDensityFactor (250 HU
    // cancellous, 1000 HU cortical). Measured forces are of the order of hundreds of N: a bone
    // biopsy trephine needs a forward force of up to 400-600 N by hand (IEEE 8579919, 2018); an 8G
    // Jamshidi needle driven into healthy trabecular bone at 1 mm/s rose linearly to ~1000 N at
    // 25 mm (Mulligan et al. 2010, Mater Sci Forum 654-656:2225), most of it shaft friction, as
    // Heiner et al. 2001 (J Biomech Eng 123:629) found for bone biopsy needles. The rows are
    // estimates in that order for a solid trocar with its stylet (no core in the lumen):
    // cancellous 250 N at the tip and 2 N/mm along the shaft; cortical bone, ~190 MPa in
    // compression (Reilly & Burstein 1975) over a 7.3 mm^2 tip section, 1200 N. With the density
    // law, osteoporotic cancellous bone (~100 HU) takes ~30 N, which a twisting hand push
    // overcomes, and normal cancellous bone ~150-200 N, which needs the mallet, as clinicians find.
    t[Tissue::CancellousBone] = row(25.0, 0.0, 30.0, 250.0, 2.0, 0.0, 3.05,
                                    "estimated; order of Mulligan 2010 and trephine forces (IEEE 8579919)");
    t[Tissue::CorticalBone] = row(150.0, 0.0, 200.0, 1200.0, 0.50, 0.0, 3.05,
                                  "estimated; cortical strength (Reilly & Burstein 1975) over the tip section");
    // Tissue simulant of the needle-steering literature, 0.83 mm reference.
    t[Tissue::Gel] = row(0.02, 0.010, 0.5, 0.30, 0.005, 0.001, 0.83,
                         "estimated forces; curvature from Webster et al. 2006");
    t[Tissue::Gel].bevelCurvaturePerMm = 1.0 / kWebsterRadiusMm;
    t[Tissue::Gel].estimated = false;
    // Bevel curvature of the reference needle in other soft tissues: the tip's lateral force
    // scales with the cutting force (Misra et al. 2008), so the curvature is scaled from the gel
    // by the cutting-force ratio at the same diameter (estimated).
    for (int i = 0; i < kTissueCount; ++i) {
        auto tissue = static_cast<Tissue>(i);
        if (!isSoft(tissue) || tissue == Tissue::Gel) continue;
        double cutAtGelDiameter = t.rows[i].cuttingForceN * 0.83 / t.rows[i].referenceDiameterMm;
        t.rows[i].bevelCurvaturePerMm =
            t[Tissue::Gel].bevelCurvaturePerMm * cutAtGelDiameter / t[Tissue::Gel].cuttingForceN;
    }
    return t;
}

double stiffnessForceN(const TissueForceParams& p, double z) {
    if (z <= 0.0) return 0.0;
    return p.stiffnessA1NPerMm * z + p.stiffnessA2NPerMm2 * z * z;
}

double punctureDepthMm(const TissueForceParams& p) {
    double a = p.stiffnessA2NPerMm2, b = p.stiffnessA1NPerMm, c = -p.punctureForceN;
    if (p.punctureForceN <= 0.0) return 0.0;
    if (a <= 0.0) return b > 0.0 ? -c / b : 0.0;
    // Stable form of the positive root (b >= 0, c < 0).
    return 2.0 * (-c) / (b + std::sqrt(b * b - 4.0 * a * c));
}

double stiffnessEnergyNmm(const TissueForceParams& p, double z) {
    if (z <= 0.0) return 0.0;
    return p.stiffnessA1NPerMm * z * z / 2.0 + p.stiffnessA2NPerMm2 * z * z * z / 3.0;
}

double indentationAfterEnergyMm(const TissueForceParams& p, double z0, double energyNmm) {
    double target = stiffnessEnergyNmm(p, z0) + energyNmm;
    // Energy is monotonic in z: bisection to machine precision, fixed iteration count so the
    // result does not depend on a tolerance test.
    double lo = z0, hi = std::max(z0, 1.0);
    while (stiffnessEnergyNmm(p, hi) < target) hi *= 2.0;
    for (int it = 0; it < 80; ++it) {
        double mid = 0.5 * (lo + hi);
        if (stiffnessEnergyNmm(p, mid) < target) lo = mid; else hi = mid;
    }
    return 0.5 * (lo + hi);
}

double karnoppFrictionNPerMm(const KarnoppFriction& f, double v, double otherForcePerMm) {
    double half = 0.5 * f.stickBandMmPerS;
    if (v >= half) return f.dynamicPosNPerMm + f.dampingPos * v;
    if (v <= -half) return -(f.dynamicNegNPerMm + f.dampingNeg * (-v));
    // Stick band: friction balances the other forces up to the static limits.
    if (v > 0.0) return std::min(f.staticPosNPerMm, std::max(0.0, otherForcePerMm));
    return std::max(-f.staticNegNPerMm, std::min(0.0, otherForcePerMm));
}

double cuttingScale(const TissueForceParams& p, const NeedleDef& needle, Tissue t) {
    double s = needle.outerDiameterMm / p.referenceDiameterMm;
    if (isBone(t) && needle.tip == NeedleTip::Diamond) s *= 0.8;
    return s;
}

double frictionScale(const TissueForceParams& p, const NeedleDef& needle) {
    return needle.outerDiameterMm / p.referenceDiameterMm;
}

double boneDensityFactor(Tissue t, double hu) {
    if (!isBone(t)) return 1.0;
    double ref = t == Tissue::CorticalBone ? 1000.0 : 250.0;
    double r = std::max(hu, 0.0) / ref;
    return std::clamp(r * r, 0.1, 4.0);
}

}  // namespace irsim::physics
