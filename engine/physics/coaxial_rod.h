#pragma once
// A coaxial set of endovascular devices (guidewire inside a microcatheter inside a catheter, all
// through the sheath) as ONE discrete elastic rod along their shared centreline, each device
// occupying the arc from the sheath's tip to its own tip. Where several devices overlap, their
// bending energies add: the shape is the minimum of sum_k EI_k |t_i - t*_k|^2, so a stiff wire
// straightens a Cobra's curve in proportion to their E*I and withdrawing it lets the curve recover
// (the coaxial model of Duriez and colleagues' SOFA BeamAdapter, ideas only). Each device keeps its
// own twist field (it turns freely inside the one around it), pushed and turned at its own hub.
//
// Mechanics (docs/endovascular.md): nodes every `segmentMm` of arc from the sheath's tip, which
// clamps the rod's position and direction. Energies: stretch (E*A), bending at every joint toward
// each device's rest turning (its tip shape, in its material frame), twist between edges (G*J)
// and from the hub through the length outside the patient, a penalty against the lumen wall per
// node (vessel_lumen.h), and Coulomb friction (regularised) against sliding and turning. One
// backward-Euler step is a Gauss-Newton iteration whose banded system is solved directly, so
// stiffness ratios of 10^4 (a floppy tip on a steel shaft) cost nothing in stability. Insertion is
// follow-the-leader: pushing the leading device extends the tip along its direction; the rod then
// relaxes, so a blocked tip makes the shaft bow (buckle, prolapse) rather than pass the wall.
// Units: mm, N, s, rad. Deterministic: a fixed order of operations, no threads, no clock.
#include <vector>

#include <glm/glm.hpp>

#include "physics/banded_spd.h"
#include "physics/endovascular_devices.h"
#include "physics/vessel_lumen.h"

namespace irsim::physics {

struct CoaxialRodOptions {
    double segmentMm = 2.0;             // rest length of an edge
    double timeStepS = 1.0 / 240.0;     // the session's clock
    glm::dvec3 accessPoint{0.0};        // the sheath's tip, LPS mm
    glm::dvec3 accessDirection{0.0, 0.0, 1.0};  // unit, the sheath's axis into the vessel
    glm::dvec3 referenceNormal{1.0, 0.0, 0.0};  // hub angle 0: the tip curve bends toward this
    double wallStiffnessNPerMm = 50.0;  // contact penalty (a stiff wall: 0.1 N sinks 2 um)
    double wallGuardMm = 0.2;           // a node further out than this is put back on the wall
    double stictionSpeedMmPerS = 0.5;   // Coulomb friction is linear below this sliding speed
    // Viscous drag of blood per mm of rod (N s/mm per mm): Lamb's slender-cylinder drag
    // 4 pi mu / ~3 with mu = 3.5 mPa s (estimated order of magnitude).
    double dampingNsPerMm2 = 1.5e-8;
    int iterations = 1;                 // Gauss-Newton iterations per step, at least
    int maxIterations = 6;              // at most, while contacts change within the step
};

// Outermost device first; each must fit in the lumen of the one before it.
struct CoaxialRodModel {
    std::vector<EndovascularDevice> devices;
    const VesselLumen* lumen = nullptr;  // nullptr: free space (no wall)
    int accessSegment = -1;              // lumen segment holding the access point (-1: located)
    CoaxialRodOptions options;
};

// What the hands do this step, one per device.
struct HubMotion {
    double pushMmPerS = 0.0;     // + advances, - withdraws
    double turnRadPerS = 0.0;    // + turns the hub counter-clockwise seen from the operator
};

struct CoaxialRodState {
    std::vector<double> insertedMm;    // per device: arc length beyond the sheath's tip
    std::vector<double> hubAngleRad;   // per device
    std::vector<glm::dvec3> nodes;     // (n + 1): node 0 at the sheath's tip, node n the leading tip
    std::vector<glm::dvec3> previous;  // positions a step ago
    std::vector<double> twist;         // (n x devices): material angle of edge j for device k at [j * D + k]
    std::vector<double> twistPrevious;
    std::vector<int> segment;          // (n + 1): lumen segment each node is tracked in
    std::vector<double> wallForceN;    // (n + 1): wall's normal force on each node
    std::vector<glm::dvec3> externalForceN;  // (n + 1): loads applied by tests or the caller
    std::vector<double> hubForceN;     // per device: axial friction felt at the hub (+ resists pushing)
    double lengthMm = 0.0;             // arc length of the rod (the leading device's insertion)
    long long steps = 0;
    bool solverFailed = false;         // the system was not positive definite (never expected)

    // Workspace, not part of the state proper (not hashed).
    struct Scratch {
        BandedSpd matrix;
        std::vector<double> rhs;
        std::vector<glm::dvec3> tangent, refU, refV;
        std::vector<double> edgeLength;
        std::vector<int> outermost;
        std::vector<double> radius;
        std::vector<glm::dvec3> start;
        std::vector<double> startTwist;
        std::vector<char> active;
        std::vector<double> frictionNs, frictionTwist;
        std::vector<glm::dvec3> frictionNormal, lineStartNodes;
        std::vector<double> lineStartTwist;
        std::vector<double> edgeEA, edgeTwistStiffness, jointEI, jointCos, jointSin, nodeInertia, nodeDamping;
    } scratch;
};

// A rod with the devices inserted `insertedMm` each (straight along the sheath's axis, then
// relaxed) and every hub at angle 0.
CoaxialRodState makeCoaxialRod(const CoaxialRodModel& model, const std::vector<double>& insertedMm);

// One time step: hands, follow-the-leader insertion, the elastic solve with contact and friction,
// the wall guard. `hands` has one entry per device (missing entries: hands still).
void stepCoaxialRod(const CoaxialRodModel& model, CoaxialRodState& state, const std::vector<HubMotion>& hands);

// Arc position of node i (mm from the sheath's tip).
double nodeArcMm(const CoaxialRodModel& model, const CoaxialRodState& state, int i);
// The tip's material frame angle of device k relative to the rod's reference frame transported to
// its tip edge (what a rotating tip shows on fluoroscopy), radians.
double tipTwistRad(const CoaxialRodModel& model, const CoaxialRodState& state, int device);
// The edge index holding device k's tip.
int tipEdgeOf(const CoaxialRodModel& model, const CoaxialRodState& state, int device);

}  // namespace irsim::physics
