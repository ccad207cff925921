#pragma once
// A straight percutaneous device (trocar, biopsy needle, ablation applicator) driven by the
// trainee's hands, stepped at a fixed dt with no clock. Model separate from state: step() takes
// (const NeedleModel&, NeedleState&, const NeedleInput&).
//
// What a step does, in order: re-angle (about the skin, or bending against bone), then insertion
// or withdrawal along the tip's heading in sub-steps of <= sampleStepMm, each sub-step sampling
// the tissue at the tip: pre-puncture indentation (nonlinear spring) until the puncture force,
// then cutting + shaft friction (tissue_forces.h); a bevel tip in soft tissue turns at constant
// curvature toward its bevel side (Webster et al. 2006 unicycle model); bone is crossed by hand
// only while the force needed stays under the hand's push limit, otherwise by mallet taps (an
// energy that the tip spends on indentation and cutting) or a twisting push. Breaches of the
// vertebra's walls are events with where and how far. The hub force is published every step.
// Frame: LPS mm; forces N; time s.
#include <cstdint>
#include <memory>
#include <vector>

#include <glm/glm.hpp>

#include "physics/devices.h"
#include "physics/tissue.h"
#include "physics/tissue_forces.h"
#include "physics/vertebra.h"

namespace irsim::physics {

class BoneCollisionWorld;  // physics/bone_collision.h

struct NeedleModel {
    NeedleDef device;
    TissueForceTable forces = TissueForceTable::standard();
    const TissueMap* tissue = nullptr;         // must outlive the model
    std::vector<VertebraGeometry> vertebrae;   // for breach classification; may be empty
    double dt = 1.0 / 240.0;                   // s, fixed
    double sampleStepMm = 0.25;                // tissue sampling along the motion
    double trackSpacingMm = 0.5;               // spacing of recorded track points
    double malletEfficiency = 0.5;             // fraction of tap energy spent at the tip (estimated)
    double twistFactor = 0.5;                  // axial force fraction (tip and bone friction) with a twisting push (estimated)
    double steerFraction = 0.5;                // soft tissue: tip heading follows this fraction of a hub re-angle (estimated)
    double softReangleLimitDeg = 10.0;         // soft tissue: beyond this the needle must be withdrawn (estimated)
    size_t maxTrackPoints = 4096;              // capacity reserved once
    // Shaft against bone (Bullet, bone_collision.h): null leaves it off. The shaft inside the body
    // is tested as capsules of the outer radius along the track, up to where the tip's own bone
    // begins (or the tip) less this clearance: the tip and its track are the voxel lookup's job.
    std::shared_ptr<BoneCollisionWorld> boneCollision;
    double shaftContactClearanceMm = 1.0;
    double shaftCapsuleMm = 8.0;               // longest capsule along a (possibly curved) track
};

// The trainee's hands during one step.
struct NeedleInput {
    double advanceMmPerS = 0.0;        // + insert, - withdraw
    double pushLimitN = 80.0;          // most axial force the hand gives (estimated: firm two-finger push)
    bool twisting = false;             // twisting push through bone
    double malletTapJ = 0.0;           // > 0: one mallet tap this step with this energy at the hub
    glm::dvec3 reangleRadPerS{0.0};    // hub angular velocity (LPS axis * rad/s)
    double bevelRollRadPerS = 0.0;     // spin of the shaft about its axis (turns the bevel)
};

enum class NeedlePhase : uint8_t { Outside, Indenting, Cutting };

enum class NeedleEventKind : uint8_t {
    Puncture,        // a membrane/capsule gave way (tissue)
    Breach,          // the tip crossed a vertebral wall (breach, vertebra, beyondWallMm)
    Stalled,         // the hand's push is not enough (bone): use the mallet or twist
    ShaftBent,       // bending stress reached yield while levering against bone
    ReangleBlocked,  // re-angling beyond the soft limit: withdraw first
    ShaftBoneContact,// the shaft (not the tip) began touching bone (where, vertebra = bone label, depthMm)
    ScanEdge,        // the tip reached the edge of the CT's volume: no anatomy is known beyond it, so it stops
};
const char* toString(NeedleEventKind k);

struct NeedleEvent {
    NeedleEventKind kind = NeedleEventKind::Puncture;
    double timeS = 0.0;
    glm::dvec3 whereLps{0.0};   // puncture point, or the wall crossing for breaches
    Tissue tissue = Tissue::Air;
    BreachKind breach = BreachKind::PedicleMedial;
    uint16_t vertebra = 0;      // label of the vertebra breached
    double beyondWallMm = 0.0;  // largest distance the tip went past the wall (updated)
    double depthMm = 0.0;       // ShaftBoneContact: penetration of the shaft capsule at the start
};

struct TrackPoint {
    glm::dvec3 lps{0.0};
    double arcMm = 0.0;          // from the skin entry
    Tissue tissue = Tissue::Air; // tissue of the segment ending here
};

struct NeedleState {
    double timeS = 0.0;
    uint64_t steps = 0;
    NeedlePhase phase = NeedlePhase::Outside;
    glm::dvec3 tipLps{0.0};
    glm::dvec3 tipDir{0.0, 1.0, 0.0};     // unit heading of the tip
    glm::dvec3 bevelDir{1.0, 0.0, 0.0};   // unit, normal to tipDir: the side a bevel tip turns toward
    glm::dvec3 hubAxis{0.0, 1.0, 0.0};    // unit, the shaft outside the body, toward the tip
    glm::dvec3 skinEntryLps{0.0};
    double insertedMm = 0.0;              // track length inside the body
    std::vector<TrackPoint> track;        // skin entry ... tip; capacity reserved once
    double lengthInMm[kTissueCount] = {}; // shaft length in each tissue (friction)
    Tissue tipTissue = Tissue::Air;       // tissue being cut
    Tissue indentTissue = Tissue::Air;    // tissue whose membrane is being indented
    double indentationMm = 0.0;
    double skinLeftMm = 0.0;              // skin still ahead after the entry
    // Bone along the track: where the shaft is held.
    bool heldInBone = false;
    double boneEntryArcMm = 0.0;
    glm::dvec3 boneEntryLps{0.0};
    glm::dvec3 boneTrackDir{0.0};
    double bendDeflectionMm = 0.0;        // hub displacement from the bone-held line
    // Forces published this step (N).
    double stiffnessN = 0.0, cuttingN = 0.0, frictionN = 0.0;
    double axialHubForceN = 0.0;          // resisting insertion, + toward the hand
    double lateralHubForceN = 0.0;        // from bending against bone
    glm::dvec3 hubForceLps{0.0};          // force the needle exerts on the hand
    bool stalled = false;
    // Breach bookkeeping.
    uint16_t lastBoneVertebra = 0;        // vertebra label of the bone the tip was last in
    int openBreach = -1;                  // index into events while the tip is beyond a wall
    double breachExitArcMm = 0.0;
    std::vector<NeedleEvent> events;
    // Shaft against bone this step (model.boneCollision): the deepest contact, label 0 when none.
    uint16_t shaftContactLabel = 0;
    double shaftContactDepthMm = 0.0;
    glm::dvec3 shaftContactLps{0.0};
};

// Places the needle outside the body with its tip at `tipLps` heading `direction` (unit or not).
// bevelUp: the bevel side (normal to the heading). Resets all other state.
void placeNeedle(const NeedleModel& model, NeedleState& state, const glm::dvec3& tipLps,
                 const glm::dvec3& direction, const glm::dvec3& bevelSide = glm::dvec3(0.0));
void stepNeedle(const NeedleModel& model, NeedleState& state, const NeedleInput& input);
// Hub position (LPS mm): the shaft runs back along the track to the skin, then along hubAxis.
glm::dvec3 hubPosition(const NeedleModel& model, const NeedleState& state);
// Bevel path curvature (1/mm) of this device in a tissue (0 for symmetric tips and in bone).
double bevelCurvaturePerMm(const NeedleModel& model, Tissue t);
// FNV-1a over every number of the state, for determinism tests and replay checks.
uint64_t hashNeedleState(const NeedleState& state);

}  // namespace irsim::physics
