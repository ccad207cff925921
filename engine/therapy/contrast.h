#pragma once
// Iodinated contrast injected into an arterial tree: a bolus that enters at the injection point,
// mixes with the blood there, flows downstream at the mean blood velocity, splits at branches by
// flow and leaves the tree through each node's own outflow (into the capillary bed: washed out of
// the arteries). What the X-ray sees each frame is imaging::FrameContents paths.
//
// Model (plug flow in a "pumped volume" coordinate):
//  * Flows are steady. The injection adds its rate r to the blood flow Q of the injected segment,
//    and every downstream flow grows by the same factor (Q + r) / Q, so the split fractions do not
//    change. Then where a parcel of blood is depends only on the volume u pumped past the injection
//    point since it passed there: a node lies at W(node) = sum over its path of segment volume /
//    (segment flow / Q), and a parcel reaches it once u has grown by W. In time, that is the path
//    length over the mean velocity (flow / lumen area) of each segment.
//  * At the catheter tip the injectate mixes with the blood in a well-mixed volume V_mix = Q *
//    tipMixingTimeS (the exponential tail of a gamma-variate bolus, Thompson et al. 1964, Circ Res
//    14:502). Its steady concentration is c0 * r / (r + Q): the dilution by blood.
//  * Iodine that has left the mixing volume by pumped volume u is Cum(u) (mg). A segment from node p
//    to node i holds f_i * (Cum(u - W_p) - Cum(u - W_i)) mg (f_i its flow fraction); a node's own
//    outflow fraction g_i carries g_i * Cum(u - W_i) out. These telescope: mixing volume + segments
//    + washed out = injected, exactly (up to rounding).
// Units: ml, ml/s, mg of iodine, mm, s. Frame: LPS mm (the tree's).
#include <cstdint>
#include <string>
#include <vector>

#include "imaging/radiopaque.h"
#include "patient/patient.h"

namespace irsim::therapy {

struct ContrastDef {
    // Iohexol 300 / iopamidol 300: 300 mg iodine per ml (package inserts); 370 for the "370" media.
    double mgIodinePerMl = 300.0;
    // Time constant of the bolus tail at the catheter tip (s). Estimated: arterial DSA time-density
    // curves of selective hepatic injections clear within 1-2 s after the injection stops (Periyasamy
    // et al. 2021, Cardiovasc Intervent Radiol 44:310, qDSA time-to-peak and washout), which plug
    // flow alone (a sharp trailing edge) does not reproduce.
    double tipMixingTimeS = 0.4;
    // Segments thinner than this are not drawn (below the detector's resolution at 0.15-0.2 mm
    // pixels once blurred by the focal spot); their iodine is still counted.
    double minDrawnRadiusMm = 0.25;
    // A bolus history is dropped once less than this fraction of its iodine is left in the tree.
    double forgetFraction = 1e-6;
};

// The contrast medium pushed through a catheter lumen at the injector's pressure limit.
struct ContrastMedium {
    // Iohexol 300 at 37 degrees C: viscosity 6.3 mPa s, density 1.349 g/ml (Omnipaque package insert;
    // not in the reference notes: unverified).
    double viscosityPaS = 6.3e-3;
    double densityKgPerM3 = 1349.0;
};
// The highest flow (ml/s) through a straight lumen of this inner diameter and length at this
// pressure: Darcy-Weisbach with the laminar friction factor 64/Re below Re = 2300 (Poiseuille) and
// Blasius' 0.316 Re^-0.25 above (smooth tube, turbulent), solved for the velocity. A microcatheter
// at its rating stays laminar; a 5 Fr catheter at 1200 psi is turbulent, where Poiseuille would
// promise twice the flow.
double catheterFlowLimitMlPerS(double innerDiameterMm, double lengthMm, double pressurePa,
                               const ContrastMedium& medium = {});

// Derived once from the tree (immutable): per node, its segment from the parent.
struct ContrastModel {
    const patient::VesselTree* tree = nullptr;
    ContrastDef def;
    std::vector<std::vector<int>> children;  // per node, in index order
    std::vector<double> segmentLengthMm;     // per node (0 for the root)
    std::vector<double> segmentVolumeMl;     // pi r^2 L
    std::vector<double> flowMlPerS;          // per node segment
    std::vector<double> ownOutflowMlPerS;    // flow minus the children's flow (>= 0)
};
// Throws DataError (field "patient.vessels") when a node has no flow or radius.
ContrastModel makeContrastModel(const patient::VesselTree& tree, const ContrastDef& def = {});

// Where an injection enters: the proximal end of segment `segment` (the node whose parent->node
// segment it is; the root means its own position).
struct InjectionSite {
    int segment = -1;
};
// "branch name" (its first segment), or a point (the nearest node's segment). -1 if none.
int segmentOfBranch(const ContrastModel& m, const std::string& branch);
int segmentNearest(const ContrastModel& m, const glm::dvec3& pointLps);

// One injection site's bolus: plain data.
struct Bolus {
    int segment = -1;
    double baseFlowMlPerS = 0.0;       // blood flow of the injected segment
    // The share of that flow the vessel carries now (1; less where an embolic load or a spasm has
    // slowed it): the bolus is pumped on more slowly, so contrast lingers. Set by each stroke.
    double flowShare = 1.0;
    std::vector<double> reachMl;       // W per node, pumped ml; < 0 where not downstream
    std::vector<double> fraction;      // f per node: its share of the injected segment's flow
    double mgIodinePerMl = 300.0;      // of the medium being injected now
    double leftToInjectMl = 0.0;
    double rateMlPerS = 0.0;
    double mixingMg = 0.0;             // iodine in the tip's mixing volume
    double mixingVolumeMl = 0.0;
    double pumpedMl = 0.0;             // u
    std::vector<double> historyU;      // pumped ml at each tick's end (increasing), from 0
    std::vector<double> historyCumMg;  // Cum at those u
    double injectedMl = 0.0, injectedMg = 0.0;
    double forgottenMg = 0.0;          // always 0: a bolus is forgotten whole (ContrastState)
};

struct ContrastState {
    std::vector<Bolus> boluses;        // in the order of their first injection
    double injectedMl = 0.0;           // every injection so far
    double injectedMg = 0.0;
    double forgottenMg = 0.0;          // iodine of boluses dropped once washed out
};

// Starts (or adds to) an injection at `segment`: `ml` at `rateMlPerS`, medium of mgIodinePerMl,
// into a vessel carrying `flowShare` of its baseline flow (the split below it is unchanged).
void inject(const ContrastModel& m, ContrastState& s, int segment, double ml, double rateMlPerS,
            double mgIodinePerMl, double flowShare = 1.0);
// Advances by dt seconds.
void step(const ContrastModel& m, ContrastState& s, double dtS);

// Iodine bookkeeping (mg).
struct ContrastBalance {
    double injectedMg = 0.0;
    double inVesselsMg = 0.0;   // the tip's mixing volume and every segment
    double washedOutMg = 0.0;   // left the arterial tree through the nodes' own outflows
};
ContrastBalance balance(const ContrastModel& m, const ContrastState& s);

// Mean iodine concentration (mg/ml) in a node's segment now, summed over boluses.
double segmentConcentration(const ContrastModel& m, const ContrastState& s, int node);
// Iodine (mg) in a node's segment now.
double segmentIodineMg(const ContrastModel& m, const ContrastState& s, int node);
// Time (s) for the front to go from the injection point to `node` at the mean velocity of the
// blood alone (no injection flow added), sum of L / (Q / (pi r^2)); < 0 where not downstream.
double frontTransitS(const ContrastModel& m, int segment, int node);

// What the X-ray sees: chains of segments with contrast, each a contrastInVessel path with one
// segmentFill per segment (the concentration over mgIodinePerMl of the path). Empty when no
// contrast is in the tree.
imaging::FrameContents contrastContents(const ContrastModel& m, const ContrastState& s);

}  // namespace irsim::therapy
