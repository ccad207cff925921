#pragma once
// What the window's procedure controls send: each control (a button, a key, an angle input) turns
// into the documented action (docs/actions.md) at the session's current time. Pure functions with no
// window or ImGui, so a test can drive a session with exactly what a resident's clicks would record.
// Units: mm, deg, s, ml, J; positions LPS mm.
#include <optional>
#include <string>
#include <vector>

#include "sim/action.h"
#include "sim/session.h"

namespace irsim::sim::ui {

// One press of the advance control: a hand push of a few mm at a steady hand speed (within the
// 2-10 mm/s of a manual trocar insertion; the log default is 5 mm/s, docs/actions.md).
constexpr double kAdvanceStepMm = 2.0;
constexpr double kHandSpeedMmS = 5.0;
constexpr double kWithdrawStepMm = 2.0;
constexpr double kReangleStepDeg = 1.0;      // one press of a re-angle control
constexpr double kMalletTapJ = 0.5;          // the expert logs' tap (docs/vertebroplasty.md, "The mallet")
constexpr double kCementStrokeMl = 0.5;      // one syringe stroke (0.1-0.5 ml usual)
constexpr double kCementRateMlS = 0.1;

enum class Side { Right = -1, Left = +1 };   // patient's right / left pedicle

Action needleSelect(double time_s, const std::string& device);
// The trocar on the skin over the `side` pedicle entry landmark of `level` ("vertebrae_L1"), aimed
// `medialDeg` toward the midline and `caudalDeg` tip toward the feet.
Action needlePlace(double time_s, const std::string& level, Side side, double medialDeg, double caudalDeg);
Action needleAdvance(double time_s, bool twist, double mm = kAdvanceStepMm, double speedMmS = kHandSpeedMmS);
Action needleTap(double time_s, double energyJ = kMalletTapJ);
Action needleWithdraw(double time_s, double mm = kWithdrawStepMm);
Action needleRemove(double time_s);
// Turns the hub by these small increments (+ medial toward the midline, + cranial).
Action needleReangle(double time_s, double dMedialDeg, double dCranialDeg);
Action styletOut(double time_s);
Action styletIn(double time_s);
Action cementMix(double time_s);
Action cementInject(double time_s, double ml = kCementStrokeMl, double rateMlS = kCementRateMlS);

// Imaging modes (every procedure).
Action contrastInject(double time_s, double ml, double rateMlS, const std::string& branch);
Action dsaRun(double time_s, double fps = 3.0, double durationS = 6.0);
Action roadmap(double time_s, bool on);
// A helical CT of `halfRangeMm` either side of the isocentre's z (LPS: + toward the head).
Action ctScan(double time_s, double isocentreZMm, double halfRangeMm, const std::string& window = "soft_tissue");
Action ctFluoro(double time_s, double zMm, int slices = 3);

// The patient's arterial branch names, in tree order, each once (empty without a vessel tree).
std::vector<std::string> arterialBranches(const patient::Patient& patient);

// What the vertebroplasty readout shows; nullopt when the session runs another procedure.
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
std::optional<NeedleReadout> needleReadout(const Session& session);

}  // namespace irsim::sim::ui
