#pragma once
// What the window's shared imaging controls send (contrast, DSA, roadmap, CT): each turns into the
// documented action (docs/actions.md) at the session's current time. Pure functions with no window
// or ImGui, so a test can drive a session with exactly what a resident's clicks would record. A
// procedure's own controls are its panel (sim/panel.h). Units: mm, s, ml; positions LPS mm.
#include <string>
#include <vector>

#include "sim/action.h"
#include "sim/session.h"

namespace irsim::sim::ui {

// Imaging modes (every procedure).
Action contrastInject(double time_s, double ml, double rateMlS, const std::string& branch);
Action dsaRun(double time_s, double fps = 3.0, double durationS = 6.0);
Action roadmap(double time_s, bool on);
// A helical CT of `halfRangeMm` either side of the isocentre's z (LPS: + toward the head).
Action ctScan(double time_s, double isocentreZMm, double halfRangeMm, const std::string& window = "soft_tissue");
Action ctFluoro(double time_s, double zMm, int slices = 3);

// The patient's arterial branch names, in tree order, each once (empty without a vessel tree).
std::vector<std::string> arterialBranches(const patient::Patient& patient);

}  // namespace irsim::sim::ui
