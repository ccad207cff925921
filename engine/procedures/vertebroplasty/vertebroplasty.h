#pragma once
// Percutaneous vertebroplasty under fluoroscopy (engine/procedures/vertebroplasty/README.md): the trainee chooses a
// trocar, places it on the skin aimed at a pedicle, advances it through the pedicle into the
// vertebral body by hand, twisting push or mallet taps, takes out the stylet, mixes PMMA cement
// and injects it in syringe strokes while watching for leaks. The needle and cement physics are
// physics/needle.h and therapy/cement.h; this is the procedure around them: actions, timing on the
// session's 240 Hz clock, events, metrics and what the X-ray sees.
// Frame: LPS mm; s; ml; N; J.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "physics/needle.h"
#include "physics/tissue.h"
#include "physics/vertebra.h"
#include "sim/procedure.h"
#include "sim/session.h"
#include "therapy/cement.h"

namespace irsim::procedures::vertebroplasty {

using sim::Action;
using sim::ScenarioDocument;
using sim::Session;

// The procedure's declaration: actions, events, metrics, quantities, panel (the registration line
// in engine/procedures/builtin.cpp adds it).
sim::ProcedureSpec spec();

// The [vertebroplasty] section of a scenario, typed.
struct Definition final : sim::ProcedureDefinition {
    std::string level;       // "vertebrae_L1"
    std::string levelField;  // where the level was named, for errors that need the patient
    std::string device;      // the trocar on the tray until needle.select
    std::vector<sim::MetricSpec> metrics() const override;
};

// The transpedicular path a textbook would draw for one pedicle: from the pedicle's entry on the
// posterior elements along its axis to a point in the anterior body.
struct IdealPath {
    bool found = false;
    int side = 0;                    // +1 patient left, -1 right
    glm::dvec3 entryLps{0.0};
    glm::dvec3 targetLps{0.0};       // in the anterior third of the body (phantom: its landmark; CT: 3/4 of the way
                                     // from the canal to the anterior cortex, on the pedicle axis, at mid-height)
    glm::dvec3 direction{0.0};       // unit, entry -> target
    double medialDeg = 0.0;          // convergence toward the midline (transverse angle)
    double caudalDeg = 0.0;          // + the tip heads toward the feet
};

// Everything fixed for the session, derived once from the patient (the model).
struct Anatomy {
    physics::TissueMap tissue;
    std::vector<physics::VertebraGeometry> vertebrae;  // the treated level and its neighbours
    physics::VertebraGeometry level;                   // the treated level
    std::array<IdealPath, 2> ideal;                    // [0] right, [1] left
    therapy::CementModel cement;
    double cementBaSO4GPerCm3 = 0.54;                  // radiopacifier per cm^3 of cement
};

// Builds the anatomy around `levelName` ("vertebrae_L1"). Throws via `doc.fail(field, ...)` when
// the patient lacks the level, its canal or its pedicles.
Anatomy buildAnatomy(const patient::Patient& patient, const std::string& levelName,
                     const sim::ScenarioDocument& doc, const std::string& field);

// Trocar presets by the names actions use: trocar_11g_bevel, trocar_11g_diamond,
// trocar_13g_bevel, trocar_13g_diamond. nullopt for an unknown name.
std::optional<physics::NeedleDef> deviceNamed(const std::string& name);
std::string deviceNames();
const std::vector<std::string>& trocarNames();

// Unit heading of a trocar aimed from a pedicle on `side` with this convergence and tilt.
glm::dvec3 headingFromAngles(int side, double medialDeg, double caudalDeg);

// Session event kind of a breach: "breach.medial", "breach.inferior", "breach.superior",
// "breach.lateral", "breach.anterior", "breach.endplate", "breach.vessel".
std::string breachEventKind(physics::BreachKind k);

// The procedure's plain-data state (what a snapshot or replay needs besides the session's).
struct State {
    // Trocar.
    bool deviceChosen = false;
    std::string deviceName;
    bool placed = false;
    bool styletIn = true;
    bool removing = false;       // needle.remove: out of the patient and put down
    physics::NeedleState needle;
    int placements = 0;
    int repositionings = 0;      // re-placements, withdrawals and re-angles once in the patient
    double maxAxialHubForceN = 0.0;
    // Hands in progress (each runs over ticks until done).
    double advanceLeftMm = 0.0, advanceSpeedMmS = 0.0;
    bool twisting = false;
    double withdrawLeftMm = 0.0, withdrawSpeedMmS = 0.0;
    glm::dvec3 reangleOmega{0.0};  // rad/s
    int64_t reangleTicksLeft = 0;
    int tapsLeft = 0;
    int64_t nextTapTick = 0, tapIntervalTicks = 0;
    double tapEnergyJ = 0.0;
    int tapsTotal = 0;
    // Needle events already turned into session events; breach events' session indices.
    size_t needleEventsSeen = 0;
    std::vector<std::pair<size_t, size_t>> breachEvents;  // (needle event, session event)
    int breaches = 0;
    // Cement.
    therapy::CementState cement;
    double injectLeftMl = 0.0, injectRateMlS = 0.1, injectAccumMl = 0.0;
    std::vector<size_t> leakEvents;  // session event per leak site (parallel to cement.leaks)
    // The trocar's final position for scoring: at the first injection, or when it was removed.
    bool haveDeliveryPose = false;
    double firstInjectionS = -1.0;
    physics::NeedleState finalPose;
};

class Vertebroplasty final : public sim::Procedure {
public:
    Vertebroplasty(const sim::Scenario& scenario, const patient::Patient& patient);

    std::unique_ptr<sim::Procedure> clone() const override { return std::make_unique<Vertebroplasty>(*this); }
    void step(Session& session) override;
    void addMetrics(const Session& session, assessment::Metrics& metrics) const override;
    std::vector<double> quantities(const Session& session) const override;
    imaging::FrameContents radiopaqueContents(const Session& session) const override;
    std::optional<glm::dvec3> ctFollowPoint(const Session& session) const override;
    std::vector<sim::DeviceState> devices(const Session& session) const override;
    void hashState(StateHash& hash) const override;

    const Anatomy& anatomy() const { return *anatomy_; }
    const State& state() const { return state_; }

    // The actions (the table in spec() binds them; vertebroplasty.cpp).
    void select(const Action& a, Session& session);
    void place(const Action& a, Session& session);
    void advance(const Action& a, Session& session);
    void tap(const Action& a, Session& session);
    void withdraw(const Action& a, Session& session);  // needle.withdraw and needle.remove
    void reangle(const Action& a, Session& session);
    void stylet(const Action& a, Session& session);
    void mixCement(const Action& a, Session& session);
    void injectCement(const Action& a, Session& session);

private:
    bool inPatient() const;
    // Refuses a hand on the trocar before it is placed (an event, not an error: it is a trainee's
    // mistake, not a bad log).
    bool refusedUnplaced(const Action& a, Session& session);
    glm::dvec3 pointArg(const Action& a, const std::string& field, const Session& session) const;
    void inject(Session& session, double ml);
    void reportNeedleEvents(Session& session);
    void reportLeaks(Session& session);

    std::shared_ptr<const Anatomy> anatomy_;  // the model, shared by copies
    physics::NeedleModel needleModel_;        // its Bullet world is a cache built from the anatomy
    State state_;
};

// The window's controls (panel.cpp): the actions its buttons record, as plain functions so a test
// can check them; and what the readout shows.
namespace controls {
constexpr double kAdvanceStepMm = 2.0;      // one press: a hand push of a few mm
constexpr double kHandSpeedMmS = 5.0;       // within the 2-10 mm/s of a manual trocar insertion
constexpr double kWithdrawStepMm = 2.0;
constexpr double kReangleStepDeg = 1.0;
constexpr double kMalletTapJ = 0.5;         // the expert logs' tap (README.md, "The mallet")
constexpr double kCementStrokeMl = 0.5;     // one syringe stroke (0.1-0.5 ml usual)
constexpr double kCementRateMlS = 0.1;
enum class Side { Right = -1, Left = +1 };  // patient's right / left pedicle

Action needleSelect(double time_s, const std::string& device);
// The trocar on the skin over the `side` pedicle entry landmark of `level`, aimed `medialDeg`
// toward the midline and `caudalDeg` tip toward the feet.
Action needlePlace(double time_s, const std::string& level, Side side, double medialDeg, double caudalDeg);
Action needleAdvance(double time_s, bool twist, double mm = kAdvanceStepMm, double speedMmS = kHandSpeedMmS);
Action needleTap(double time_s, double energyJ = kMalletTapJ);
Action needleWithdraw(double time_s, double mm = kWithdrawStepMm);
Action needleRemove(double time_s);
Action needleReangle(double time_s, double dMedialDeg, double dCranialDeg);
Action styletOut(double time_s);
Action styletIn(double time_s);
Action cementMix(double time_s);
Action cementInject(double time_s, double ml = kCementStrokeMl, double rateMlS = kCementRateMlS);

struct NeedleReadout {
    bool placed = false;
    std::string device;
    double depthMm = 0.0;          // track length inside the body
    std::string tipTissue;         // "skin", "cortical_bone", ...
    double axialHubForceN = 0.0;   // + resisting the push
    bool styletIn = true;
    bool cementMixed = false;
    double cementInjectedMl = 0.0;
    double cementFillPercent = 0.0;
    std::string lastAlarm;         // the last breach or leak event, "" when none
};
NeedleReadout needleReadout(const Vertebroplasty& procedure, const Session& session);

sim::PanelSpec panel();
}  // namespace controls

}  // namespace irsim::procedures::vertebroplasty
