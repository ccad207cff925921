#pragma once
// Y-90 radioembolization planning: the activity to administer for a treated territory, as the
// vendors' calculators and the EANM 2022 guideline compute it, with the doses it gives to tumour,
// normal liver and lungs, the limits it is checked against, and Y-90 decay from the vial's
// calibration to the treatment.
//
// Three methods:
//  * MIRD single compartment (glass): D = k A (1 - LSF) / M over the perfused mass M, so
//    A = D M / (k (1 - LSF)).
//  * BSA (resin): A = (BSA - 0.2) + V_tumour / V_liver (GBq, BSA by Du Bois), scaled by the perfused
//    share of the liver for a lobar or segmental treatment, then reduced by 20 % / 40 % for a lung
//    shunt of 10-15 % / 15-20 %; over 20 % resin is contraindicated.
//  * Partition (Ho et al. 1996): the normal-liver dose D_N is the target; with the tumour-to-normal
//    uptake ratio T/N, A = D_N (T/N M_T + M_N) / (k (1 - LSF)).
// Whatever the method, the doses reported are the partition model's for the activity planned: the
// activity reaching the liver, A (1 - LSF), splits between tumour and normal liver in the ratio
// T/N M_T : M_N (T/N = 1 is the single compartment's uniform uptake), and D = k A / M per
// compartment (local deposition: all beta energy absorbed where the spheres lodge).
// Sources: the published figures cited at each constant in the .cpp.
// Units: GBq, Gy, ml, g/ml, kg, h.
#include <string>
#include <vector>

namespace irsim::therapy {

// Y-90 physical half-life, h (TheraSphere package insert; HepOncol 2014 and WJH 2015 tables).
inline constexpr double kY90HalfLifeH = 64.1;
// Y-90 mean beta energy, MeV (TheraSphere package insert).
inline constexpr double kY90MeanBetaMeV = 0.9367;
// Absorbed dose per GBq per kg when the activity decays completely in the tissue, Gy kg/GBq.
// Sources differ: 50 (TheraSphere package insert standard model; Sirtex's dosimetry page; the
// compartment form in CVIR doi:10.1007/s00270-013-0783-z) and 49.67 (UMC Utrecht resin partition
// model, van Roekel thesis p. 30). Chosen: 50, for both devices, because it is what the package
// insert's own half-life and mean energy give (E tau / 1 kg = 49.96 Gy per GBq; tested), and one
// constant makes a MIRD plan and a partition plan with T/N = 1 agree. 49.67 is 0.66 % lower.
inline constexpr double kY90GyKgPerGBq = 50.0;

enum class PlanningMethod { Mird, Bsa, Partition };
enum class SphereKind { Resin, Glass };
const char* toString(PlanningMethod m);  // "mird", "bsa", "partition"
const char* toString(SphereKind k);      // "resin", "glass"

// What the planner needs. Volumes from the patient's labels (liver, tumour, Couinaud segments) or
// the perfused territory of the chosen branch. NaN means "not given".
struct PlanInput {
    PlanningMethod method = PlanningMethod::Mird;
    SphereKind device = SphereKind::Glass;  // see defaultDevice()
    double targetGy = -1.0;          // mird: mean dose to the perfused volume; partition: normal
                                     // liver dose; not used by bsa. < 0: not given.
    double liverMl = 0.0;            // the whole liver, tumour included
    double tumourMl = 0.0;           // tumour inside the treated territory
    double perfusedMl = -1.0;        // the treated territory, tumour included; < 0: the whole liver
    double tumourToNormal = 1.0;     // T/N uptake ratio per gram (Tc-99m MAA SPECT)
    double lungShuntFraction = 0.0;  // LSF, 0.12 for 12 % (planar MAA)
    double heightCm = -1.0, weightKg = -1.0;  // bsa only
    double lungKg = 1.0;             // lung mass (the 1 kg convention; reference: unverified)
    double liverDensityGPerMl = 1.03;  // CT volume to mass (reference: unverified; some use 1.05)
    double priorLungDoseGy = 0.0;    // from earlier treatments, for the cumulative lung limit
};
// Glass for mird, resin for bsa and partition (the UMC Utrecht partition model is resin's).
SphereKind defaultDevice(PlanningMethod m);

// One limit the plan was checked against.
struct PlanFinding {
    std::string what;     // "lung dose 34.2 Gy over the 30 Gy single-treatment limit"
    std::string source;   // where the limit comes from
    bool forbids = false; // a contraindication (the plan is refused) rather than a caution
};

struct Plan {
    PlanInput input;
    double activityGBq = 0.0;         // to administer, at the treatment time
    double bsaM2 = 0.0;               // bsa only
    double lungShuntReduction = 0.0;  // bsa only: 0, 0.2 or 0.4
    double tumourGBq = 0.0, normalLiverGBq = 0.0, lungGBq = 0.0;  // A_T + A_N + A_L = A
    double tumourKg = 0.0, normalLiverKg = 0.0, perfusedKg = 0.0;
    double tumourDoseGy = 0.0;        // 0 when there is no tumour
    double normalLiverDoseGy = 0.0;   // normal liver inside the treated territory
    double perfusedDoseGy = 0.0;      // mean over the treated territory, tumour included
    double wholeNormalLiverDoseGy = 0.0;  // mean over all non-tumoral liver, treated or not
    double lungDoseGy = 0.0;          // this treatment
    double cumulativeLungDoseGy = 0.0;
    double hepaticReserve = 0.0;      // untreated share of the non-tumoral liver (0..1)
    std::vector<PlanFinding> findings;
    bool forbidden() const;
};

// Du Bois & Du Bois 1916 body surface area, m^2.
double duBoisBsaM2(double heightCm, double weightKg);
// The resin lung-shunt reduction for a lung shunt fraction: 0, 0.2 or 0.4; 1 for "do not treat".
double resinLungShuntReduction(double lungShuntFraction);

// Plans the activity; DataError (file "plan", field "target_gy", "liver_ml", ... named like the
// command's options) for missing or impossible input. Limits do not throw: they are findings.
Plan planActivity(const PlanInput& input);

// Y-90 decay: the fraction left after `hours` (negative hours: before, > 1).
double y90DecayFactor(double hours);
double y90ActivityAt(double gbqAtCalibration, double hoursAfterCalibration);

// The vial for a plan: resin (one 3 GBq vial in 5 ml at calibration, Sirtex product page) drawn by
// volume; glass (TheraSphere package insert sizes 3-20 GBq at calibration) given whole.
struct VialDraw {
    double vialGBqAtTreatment = 0.0;
    double drawMl = 0.0;         // resin: ml of the vial to draw; glass: the whole vial volume
    double glassVialGBq = 0.0;   // glass: the smallest size that holds the activity; 0 if none
    bool enough = false;         // the vial holds the planned activity at the treatment time
    double hoursToPlannedActivity = 0.0;  // glass: after calibration, when the vial holds the plan
};
// `vialGBq` at calibration (resin; ignored for glass, which picks a size), treatment
// `hoursAfterCalibration` later.
VialDraw drawFromVial(SphereKind device, double activityGBq, double vialGBq, double hoursAfterCalibration);

}  // namespace irsim::therapy
