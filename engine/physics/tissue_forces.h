#pragma once
// Needle-tissue forces after Okamura, Simone & Leary 2004 ("Force modeling for needle insertion
// into soft tissue", IEEE TBME 51(10):1707-1716). The axial force on the needle is
//   f = f_stiffness (before the puncture of a capsule/membrane)
//     + f_friction  (along the shaft inside tissue, after puncture)
//     + f_cutting   (at the tip, after puncture; constant for a given tissue and tip).
// Stiffness: a nonlinear spring f = a1*z + a2*z^2 in the indentation z (mm) until f reaches the
// puncture force. Friction: a modified Karnopp model per mm of shaft in tissue. All forces in N,
// lengths in mm, velocities in mm/s; positive = resisting insertion (pushing back on the hub).
//
// Okamura's coefficients are for one bovine liver and one needle. Parameters per tissue here are
// estimates of the same form (each row in tissue_forces.cpp says where it comes from), except the
// cutting forces of liver and skin, which follow from their published fracture toughness; the
// bone rows follow the magnitudes reported for trocar insertion into vertebrae.
#include "physics/devices.h"
#include "physics/tissue.h"

namespace irsim::physics {

// Modified Karnopp friction (Okamura et al. 2004, Eq. 3), per mm of shaft length in tissue.
struct KarnoppFriction {
    double dynamicPosNPerMm = 0.0;  // Cp: Coulomb friction when inserting (v > dv/2)
    double dynamicNegNPerMm = 0.0;  // Cn: when withdrawing (v < -dv/2), entered as a positive number
    double dampingPos = 0.0;        // bp: N*s/mm^2, viscous term when inserting
    double dampingNeg = 0.0;        // bn: N*s/mm^2, when withdrawing, positive number
    double staticPosNPerMm = 0.0;   // Dp: largest stiction force per mm, pushing direction
    double staticNegNPerMm = 0.0;   // Dn: pulling direction, positive number
    double stickBandMmPerS = 0.01;  // dv: the stick band is |v| < dv/2
};

struct TissueForceParams {
    double stiffnessA1NPerMm = 0.0;    // a1: pre-puncture linear term
    double stiffnessA2NPerMm2 = 0.0;   // a2: pre-puncture quadratic term
    double punctureForceN = 0.0;       // membrane/capsule ruptures when f_stiffness reaches this;
                                       // 0 = no membrane (enter by cutting at once)
    double cuttingForceN = 0.0;        // at the tip while cutting, for referenceDiameterMm
    KarnoppFriction friction;          // for referenceDiameterMm
    double referenceDiameterMm = 1.27; // needle size the row was measured/estimated with
    double bevelCurvaturePerMm = 0.0;  // path curvature of the reference bevel needle (soft only)
    bool estimated = true;             // false only where the numbers are a published fit
    const char* source = "";
};

// The force table for every tissue class, indexed by Tissue.
struct TissueForceTable {
    TissueForceParams rows[kTissueCount];
    const TissueForceParams& operator[](Tissue t) const { return rows[static_cast<int>(t)]; }
    TissueForceParams& operator[](Tissue t) { return rows[static_cast<int>(t)]; }
    static TissueForceTable standard();
};

// Shares of the total insertion force in ex vivo tissue, tearing / spreading / friction: 61 / 18 /
// 21 % (Barnett, Lee & Moore, J Manuf Sci Eng 2016, doi:10.1115/1.4030374, published).
constexpr double kTearingShare = 0.61;
constexpr double kSpreadingShare = 0.18;
constexpr double kFrictionShare = 0.21;

// Tip (cutting) force of a needle of `diameterMm` in a tissue of fracture toughness J (J/m^2):
// tearing J * d plus spreading in Barnett's ratio, N.
double cuttingForceFromToughnessN(double toughnessJPerM2, double diameterMm);

// Nonlinear spring of the membrane before puncture, N.
double stiffnessForceN(const TissueForceParams& p, double indentationMm);
// Indentation (mm) at which the spring reaches the puncture force: root of a2 z^2 + a1 z = Fp.
double punctureDepthMm(const TissueForceParams& p);
// Spring energy stored up to an indentation, N*mm (= mJ): a1 z^2/2 + a2 z^3/3.
double stiffnessEnergyNmm(const TissueForceParams& p, double indentationMm);
// Indentation reached from z0 by adding energy e (N*mm), solved for the cubic energy curve.
double indentationAfterEnergyMm(const TissueForceParams& p, double z0, double energyNmm);

// Karnopp friction per mm for a shaft velocity v (mm/s, + inserting) given the net of the other
// forces on the needle per mm (sets the stiction force inside the stick band).
double karnoppFrictionNPerMm(const KarnoppFriction& f, double velocityMmPerS, double otherForcePerMm);

// Scale factors for a needle that is not the reference one: cutting force grows with the tip's
// cutting edge (~ diameter) and friction with the shaft circumference (~ diameter), the trend
// measured by Jiang et al. 2014 (J Biomech 47:3344) for diameters 0.7-3.2 mm. In bone a diamond
// tip cuts with less force than a bevel (estimated factor 0.8).
double cuttingScale(const TissueForceParams& p, const NeedleDef& needle, Tissue t);
double frictionScale(const TissueForceParams& p, const NeedleDef& needle);

// Bone strength rises with apparent density squared (Carter & Hayes 1977, J Bone Joint Surg
// 59:954): cutting and puncture forces in bone are scaled by (rho/rho_ref)^2 with the apparent
// density taken proportional to HU above marrow. Reference 250 HU for cancellous and 1000 HU for
// cortical rows; the factor is clamped to [0.1, 4] (osteolytic to sclerotic bone).
double boneDensityFactor(Tissue t, double hu);

}  // namespace irsim::physics
