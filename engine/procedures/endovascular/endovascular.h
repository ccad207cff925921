#pragma once
// Selective visceral angiography (engine/procedures/endovascular/README.md): from a femoral sheath
// the trainee takes guidewires and catheters from the tray, pushes, pulls and turns each at its
// own hub to select a chain of branches (celiac trunk, common then proper hepatic artery), injects
// contrast through the catheter for DSA runs and roadmaps, and is scored on the time to each
// branch, wrong branches, the force on the vessel wall and the dose. The device mechanics are
// physics/coaxial_rod.h in the lumen of physics/vessel_lumen.h; this is the procedure around them.
// Frame: LPS mm; s; N; degrees in actions, radians inside.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "physics/coaxial_rod.h"
#include "physics/endovascular_devices.h"
#include "physics/vessel_lumen.h"
#include "sim/procedure.h"
#include "sim/session.h"

namespace irsim::procedures::endovascular {

using sim::Action;
using sim::Session;

sim::ProcedureSpec spec();

// The [endovascular] section of a scenario, typed. A procedure that navigates and then treats
// (radioembolization) extends it with its own section.
struct Definition : sim::ProcedureDefinition {
    std::string access;               // "common_femoral_artery_right": its ".access" landmark holds the sheath
    std::string sheath;               // a sheath id of the device library
    std::vector<std::string> tray;    // device ids offered (catheters, microcatheters, wires)
    std::vector<std::string> loaded;  // in the sheath when the scenario starts, outermost first
    std::vector<std::string> route;   // the branches to select in order; the last is the target
    std::vector<sim::MetricSpec> metrics() const override;
};
// Reads the [endovascular] section into `def` (spec.cpp).
void parseSection(const sim::Scenario& scenario, Definition& def);

// Wall-force thresholds (README.md, "Wall force"): no published guidewire dissection or
// perforation force was found (the endovascular reference notes, section 5, say so), so all are
// estimated, scaled on the forces that section does give. Read on the nodes of the leading
// device's distal `distalMm`, with the hands still.
struct WallForceLimits {
    double distalMm = 20.0;
    // Normal navigation pushes with under ~0.1 N (Zoarski 1998: < 8 gf to push a 0.014" wire
    // through a tortuous model, 9-14 gf to track microcatheters; published). Estimated: 10x that.
    double dissectionN = 1.0;
    // Estimated: 5x the dissection force (the rod's wall guard holds a node at 10 N); the only
    // figure found is "stiff 0.014" tip puncture, ex vivo, 0.5-1 N (order only)", unverified.
    double perforationN = 5.0;
    double holdS = 0.05;
    // Sustained contact on a small artery (lumen radius under 2 mm: hepatic branches, Bilir 2021's
    // 2.5-2.9 mm PHA/RHA/LHA diameters) above 0.1 N for 20 s: estimated.
    double spasmRadiusMm = 2.0;
    double spasmN = 0.1;
    double spasmHoldS = 20.0;
    // A spastic branch carries this share of its flow for this long, estimated: the lumen narrowed
    // by about a sixth of its diameter halves a Poiseuille flow (d^4); catheter-induced spasm
    // usually resolves within minutes once the device is withdrawn (no published figure found).
    double spasmFlowShare = 0.5;
    double spasmLastsS = 600.0;
};

// Everything fixed for the session: the lumen, the tray, the allowed path.
struct Model {
    const patient::VesselTree* tree = nullptr;
    physics::VesselLumen lumen;
    physics::EndovascularDevice sheath;
    std::map<std::string, physics::EndovascularDevice> tray;
    std::vector<std::string> route;
    std::vector<std::string> onPath;  // branches from the access to the target and beyond it: never "wrong"
    glm::dvec3 accessPoint{0.0}, accessDirection{0.0, 0.0, 1.0};
    int accessSegment = -1;
    WallForceLimits limits;
};

// One hand on one hub, carried out over ticks.
struct Hand {
    double leftMm = 0.0;      // signed: + push, - pull
    double speedMmS = 0.0;
    double leftRad = 0.0;     // signed
    double rateRadS = 0.0;
};

// A wall-force episode being watched (dissection/perforation at the tip, spasm per branch).
struct ForceWatch {
    double heldS = 0.0;
    bool fired = false;
};

struct State {
    std::vector<std::string> stack;   // device ids in the sheath, outermost first
    int active = 0;                   // the hub the panel's hand holds
    physics::CoaxialRodState rod;
    std::vector<Hand> hands;          // per stack device
    bool resting = true;              // the rod has settled: stepping it again changes nothing
    int settleTicks = 0;
    std::string tipBranch;            // the leading tip's branch
    std::string catheterBranch;       // the outermost device's tip
    std::vector<std::string> wrongBranches;  // distinct, in order entered
    std::map<std::string, double> reachedS;  // route branch -> first time the catheter tip was in it
    std::vector<std::string> tipEntered;     // route branches the leading tip has entered
    int exchanges = 0;
    double maxTipForceN = 0.0, maxWallForceN = 0.0;
    ForceWatch dissection, perforation;
    std::map<std::string, ForceWatch> spasm;  // per small branch
    std::map<std::string, double> spasmSinceS;  // branch -> when its spasm began
    int dissections = 0, perforations = 0, vasospasms = 0;
    // What the session did meanwhile (read from its events).
    size_t eventsSeen = 0;
    std::string dsaBranch;
    bool dsaCounted = true;
    std::map<std::string, int> dsaRuns;  // route branch -> DSA runs with contrast from the catheter there
    int roadmapsStored = 0;
};

// Not final: a procedure that treats through the catheter (radioembolization) is this navigation
// with its therapy added, so the hands, panel and events stay one implementation.
class Endovascular : public sim::Procedure {
public:
    Endovascular(const sim::Scenario& scenario, const patient::Patient& patient);

    std::unique_ptr<sim::Procedure> clone() const override { return std::make_unique<Endovascular>(*this); }
    void step(Session& session) override;
    void addMetrics(const Session& session, assessment::Metrics& metrics) const override;
    std::vector<double> quantities(const Session& session) const override;
    imaging::FrameContents radiopaqueContents(const Session& session) const override;
    std::optional<glm::dvec3> catheterTip(const Session& session) const override;
    std::vector<sim::DeviceState> devices(const Session& session) const override;
    std::vector<sim::DeviceOutline> deviceOutlines(const Session& session) const override;
    // The delivering catheter's lumen at its rated pressure (therapy::catheterFlowLimitMlPerS).
    std::optional<double> injectionFlowLimitMlPerS(const Session& session) const override;
    // A branch in spasm carries less blood: contrast injected into it lingers.
    double arterialFlowShare(const Session& session, int segment) const override;
    void hashState(StateHash& hash) const override;

    static const Endovascular& of(const Session& session) {
        return session.procedureAs<Endovascular>();
    }
    const Model& model() const { return *model_; }
    const State& state() const { return state_; }
    const physics::CoaxialRodModel& rodModel() const { return rodModel_; }
    // Stack index of a device id, -1 when not in the sheath.
    int stackIndex(const std::string& id) const;
    // Node index of device k's tip on the rod.
    int tipNode(int k) const;
    // Stack index of the innermost catheter or microcatheter, the one contrast and agents go
    // through; -1 when only wires (or nothing) are in the sheath.
    int deliveryIndex() const;
    std::string branchAtNode(int node) const;
    // branchAtNode, and for a grown branch the named artery it comes off (a segment's), for the panel.
    std::string branchPlaceAtNode(int node) const;
    std::string deviceInHand() const;  // "" when the sheath is empty

    // The actions (the table in spec() binds them; endovascular.cpp).
    void insert(const Action& a, Session& session);
    void exchange(const Action& a, Session& session);
    void remove(const Action& a, Session& session);
    void select(const Action& a, Session& session);
    void push(const Action& a, Session& session);   // device.push and device.pull
    void torque(const Action& a, Session& session);
    void wire(const Action& a, Session& session);   // wire.lead and wire.retract

private:
    int deviceArg(const Action& a, Session& session) const;  // -1: refused (event)
    void setStack(std::vector<std::string> stack);
    void track(Session* session);  // nullptr: at start, no events
    void watchWall(Session& session, bool pushing);
    void readSession(Session& session);

    std::shared_ptr<const Model> model_;
    physics::CoaxialRodModel rodModel_;  // rebuilt from the model when the stack changes
    State state_;
};

// The window's controls (panel.cpp).
namespace controls {
constexpr double kPushStepMm = 10.0;    // one press: a hand's feed of the wire or catheter
constexpr double kHandSpeedMmS = 20.0;  // a steady manual advance (estimated)
constexpr double kTurnStepDeg = 30.0;
constexpr double kTurnRateDegS = 180.0;  // half a turn a second between finger and thumb (estimated)
// A drag over the monitor: up pushes, down pulls, sideways twists (the hub between finger and
// thumb follows the mouse). A 570-pixel monitor shows a 300 mm field: about half a mm a pixel.
constexpr double kDragMmPerPx = 0.5;
constexpr double kDragDegPerPx = 1.0;

Action devicePush(double time_s, const std::string& device, double mm, double speedMmS = kHandSpeedMmS);
Action deviceTorque(double time_s, const std::string& device, double deg, double rateDegS = kTurnRateDegS);
sim::PanelSpec panel();
}  // namespace controls

}  // namespace irsim::procedures::endovascular
