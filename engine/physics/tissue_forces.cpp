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

}  // namespace

TissueForceTable TissueForceTable::standard() {
    TissueForceTable t;
    // Soft tissues, 18G reference (1.27 mm). Form after Okamura 2004; magnitudes estimated from
    // the ranges reported by Okamura 2004 (bovine liver: capsule puncture ~1-2 N, cutting ~1 N,
    // friction rising along the shaft) and Jiang et al. 2014 (porcine skin/muscle/fat, 0.7-3.2 mm).
    t[Tissue::Skin] = row(0.10, 0.050, 2.5, 0.60, 0.010, 0.002, 1.27,
                          "estimated; Okamura 2004 form, skin puncture 1-4 N (Jiang 2014)");
    t[Tissue::Fat] = row(0.02, 0.004, 0.4, 0.20, 0.003, 0.0005, 1.27,
                         "estimated; fat is the softest layer in Jiang 2014");
    t[Tissue::Muscle] = row(0.06, 0.012, 1.2, 0.80, 0.012, 0.002, 1.27,
                            "estimated; fascia puncture ~1 N, Jiang 2014 porcine muscle");
    t[Tissue::Liver] = row(0.04, 0.020, 1.5, 0.90, 0.010, 0.003, 1.27,
                           "estimated after Okamura 2004 bovine liver (capsule ~1.5 N, cutting ~1 N)");
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
