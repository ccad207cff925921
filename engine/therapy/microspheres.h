#pragma once
// Y-90 microspheres delivered into an arterial tree: where the activity goes and the dose it gives.
//
// Model (steady flow, spheres lodge within the infusion step that carries them):
//  * Spheres follow the blood: from the catheter tip they split at every branch point in proportion
//    to the flow of each branch, as contrast does (contrast.h), and lodge in the capillary bed of
//    the node whose own outflow carries them (its territory). Tumours take more per gram because the
//    tree perfuses them more per ml (vessel_growth.h: hypervascular tumours), so the
//    tumour-to-normal ratio emerges from the tree.
//  * Of the spheres that reach the liver, the patient's lung shunt fraction passes through
//    arteriovenous shunts to the lungs (the MAA definition: lung / (lung + liver)).
//  * Embolic load: each territory's bed holds a number of spheres proportional to its baseline flow
//    (its arterioles); its flow falls linearly with the share of that capacity filled, and every
//    vessel's flow is the sum of the territories it feeds. Resin brings ~40 times more spheres per
//    GBq than glass, so late in a resin delivery the injected branch's flow stagnates (stasis) while
//    glass barely changes it. The tree with these flows (embolizedTree) is what contrast checks see.
//  * Reflux: the tip's vessel carries forward at most refluxRateRatio x its current blood flow; the
//    rest of the injectate runs back up to the parent branch point and goes with that vessel's flow
//    (or further up if that flow is too small too), into whatever branches leave there. A tip
//    proximal to the origin of a gastroduodenal, gastric, cystic or falciform artery sends spheres
//    into it with the flow, at any rate.
//  * The delivery set keeps a fixed residual share of the drawn activity (resin ~3 %, glass ~0.6 %);
//    the rest leaves the set as a well-mixed volume washed out by the infused ml.
//  * Activity is conserved: drawn = tumour + normal liver + lung + non-target + in the delivery set,
//    to rounding. Physical decay during the minutes of a delivery is ignored (< 0.2 % per 10 min).
// Dose: local deposition (all beta energy absorbed in the territory where the spheres lodge; the
// mean 2.5 mm range is below a territory's size): D = k A / M with k = kY90GyKgPerGBq.
// Units: GBq, ml, ml/s, Gy, kg. Frame: LPS mm (the tree's).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "patient/patient.h"
#include "therapy/radioembolization.h"

namespace irsim::therapy {

struct MicrosphereDef {
    SphereKind kind = SphereKind::Resin;
    double diameterUm = 32.0;
    double densityGPerMl = 1.6;
    double bqPerSphereAtCalibration = 68.0;
    double residualFraction = 0.0301;  // of the drawn activity, left in the delivery set
    double setMixingMl = 5.0;          // well-mixed volume the infusion washes the spheres out of
    static MicrosphereDef resin();
    static MicrosphereDef glass();
};
// Spheres per GBq `hours` after calibration (fewer Bq per sphere as it decays).
double spheresPerGBq(const MicrosphereDef& d, double hoursAfterCalibration);
// Spheres per mg of sphere material.
double spheresPerMg(const MicrosphereDef& d);

struct DeliveryDef {
    // Spheres a territory's bed holds per ml/min of its baseline arterial flow. Estimated: a whole
    // liver (~400 ml/min arterial) then holds ~3.6e7 resin spheres, so a typical 1.5-2 GBq resin
    // whole-liver dose (15-20e6 spheres implanted, radiologykey.com 4.3) slows the hepatic flow to
    // about half, and a full 3 GBq vial (44e6 spheres, Sirtex) reaches stasis, as reported
    // clinically (stasis in 11-28 % of resin deliveries, EJNMMI Res 2015;5:54); a glass dose (~1-4e6
    // spheres) fills under 10 %.
    double capacitySpheresPerMlPerMin = 9.0e4;
    // The tip's vessel carries injectate forward up to this multiple of its blood flow; the rest
    // refluxes. Estimated (reflux once the injection outruns the antegrade flow); the resin limit of
    // <= 5 ml/min (van Roekel thesis p. 36) is well below a lobar artery's ~100-250 ml/min.
    double refluxRateRatio = 1.0;
    // Flow in the tip's vessel below this share of its baseline counts as stasis. Estimated.
    double stasisFlowFraction = 0.1;
    // Infusions are split into steps of this volume so that the flows follow the embolic load.
    double stepMl = 0.05;
};

// Where a node's own outflow goes: "liver", or an organ ("stomach", "duodenum", "gallbladder",
// "spleen", "bowel", "kidney", "abdominal wall"), or "systemic" (limbs, pelvis). From the branch
// names the phantom and the hepatic growth use.
std::string organOfBranch(const std::string& branch);

// What each sink (a node with its own outflow) perfuses.
struct SinkTerritory {
    std::string organ;         // organOfBranch, or "" for a node with no outflow
    double tumourKg = 0.0;     // liver sinks: tumour and normal liver in its territory
    double normalLiverKg = 0.0;
    int sharesWith = -1;       // a liver sink with no territory of its own: whose it spreads over
};

struct MicrosphereModel {
    const patient::VesselTree* tree = nullptr;
    MicrosphereDef device;
    DeliveryDef def;
    double lungShuntFraction = 0.0;
    double lungKg = 1.0;
    std::map<std::string, double> organKg;        // non-target organs' masses, when known
    std::vector<std::vector<int>> children;       // per node, in index order
    std::vector<double> baseOwnOutflowMlPerS;     // per node: flow into its own territory
    std::vector<double> baseFlowMlPerS;           // per node: the segment's flow (subtree sum)
    std::vector<double> capacitySpheres;          // per node: what its territory's bed holds
    std::vector<SinkTerritory> sinks;             // per node
};
// Sink territories from the tree alone: organs by branch name; liver sinks get normal liver mass in
// proportion to their flow (uniform perfusion, total liverKg) and no tumour. DataError (field
// "patient.vessels") for a tree without flows.
MicrosphereModel makeMicrosphereModel(const patient::VesselTree& tree, const MicrosphereDef& device,
                                      double lungShuntFraction, double liverKg = 1.5, const DeliveryDef& def = {});

struct MicrosphereState {
    std::vector<double> lodgedGBq;      // per node, in its territory (lung shunt excluded)
    std::vector<double> lodgedSpheres;  // per node
    double drawnGBq = 0.0;
    double spheresPerGBq = 0.0;
    double inSetGBq = 0.0;              // still in the delivery set, residual included
    double residualGBq = 0.0;           // the part of inSetGBq that never leaves it
    double lungGBq = 0.0;
    double refluxedGBq = 0.0;           // carried back above the tip (wherever it then went)
    double infusedMl = 0.0;
    int tipSegment = -1;
};

// The vial's drawn activity into the delivery set, `hoursAfterCalibration` after calibration.
void prepareSpheres(const MicrosphereModel& m, MicrosphereState& s, double drawnGBq, double hoursAfterCalibration);
// Infuses `ml` at `rateMlPerS` through a catheter whose tip is at the proximal end of `segment`
// (contrast.h's convention). A flush is an infusion of saline: the same call.
void infuseSpheres(const MicrosphereModel& m, MicrosphereState& s, int segment, double ml, double rateMlPerS);

// Current flows with the embolic load (ml/s), per node: own outflow and segment flow.
std::vector<double> currentOwnOutflowMlPerS(const MicrosphereModel& m, const MicrosphereState& s);
std::vector<double> currentFlowMlPerS(const MicrosphereModel& m, const MicrosphereState& s);
// The tree with today's flows (ml/min), for contrast checks: stasis shows as slow transit.
patient::VesselTree embolizedTree(const MicrosphereModel& m, const MicrosphereState& s);
// Blood flow in `segment` now over its baseline (1: untouched, 0: occluded).
double flowFraction(const MicrosphereModel& m, const MicrosphereState& s, int segment);
bool stasis(const MicrosphereModel& m, const MicrosphereState& s, int segment);

// Where the drawn activity is, GBq.
struct ActivityBalance {
    double drawnGBq = 0.0;
    double tumourGBq = 0.0, normalLiverGBq = 0.0, lungGBq = 0.0;
    double nonTargetGBq = 0.0;                      // every organ but the liver and lungs
    std::map<std::string, double> nonTargetByOrgan;
    double inSetGBq = 0.0;                          // the residual, and what is not yet infused
    double total() const { return tumourGBq + normalLiverGBq + lungGBq + nonTargetGBq + inSetGBq; }
};
ActivityBalance activityBalance(const MicrosphereModel& m, const MicrosphereState& s);

// Mean absorbed doses by local deposition over the sink territories, Gy (0 where there is no mass).
struct DeliveredDose {
    double tumourGy = 0.0, normalLiverGy = 0.0, lungGy = 0.0;
    std::map<std::string, double> nonTargetGyByOrgan;  // organs with a known mass
};
DeliveredDose deliveredDose(const MicrosphereModel& m, const MicrosphereState& s);

}  // namespace irsim::therapy
