#pragma once
// The window's procedure controls, drawn under the C-arm controls: the running procedure's panel
// (sim/panel.h: its inputs, buttons, key bindings and readout, declared by the procedure) and the
// imaging modes every procedure has (contrast, DSA, roadmap, CT). The window records and submits
// what draw() returns, like its own buttons. It names no procedure. Units: mm, deg, ml, ml/s, s.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/action.h"
#include "sim/panel.h"
#include "sim/session.h"

namespace irsim::app {

// Whether a key named as in PanelControl::key ("T", "Ctrl+Up") is down this frame; false while the
// trainee types into a field.
using KeyDown = std::function<bool(const std::string& key)>;

class ProcedurePanel {
public:
    explicit ProcedurePanel(const sim::Session& session);

    // Draws into the current ImGui window and returns the actions the controls produced this frame,
    // at the session's current time.
    std::vector<sim::Action> draw(const sim::Session& session, const KeyDown& keyDown);
    // Help lines: the procedure's, then one per key-bound control.
    std::vector<std::string> helpLines() const;
    // True when the procedure binds Ctrl with an arrow key (the C-arm then leaves Ctrl+arrows alone).
    bool bindsCtrlArrows() const;

private:
    void procedure(const sim::Session& session, const KeyDown& keyDown, std::vector<sim::Action>& out);
    void imaging(const sim::Session& session, std::vector<sim::Action>& out);

    const sim::PanelSpec& panel_;
    sim::PanelInputs inputs_;
    std::map<std::string, bool> keyWasDown_;   // per control id, for press edges
    std::map<std::string, double> handFreeAt_; // simulated time the hand is free again, per control
    std::vector<std::string> branches_;        // the patient's arterial branches, for contrast.inject
    float contrastMl_ = 5.0f, contrastRateMlS_ = 3.0f;
    int branch_ = 0;
    float ctHalfRangeMm_ = 40.0f;
};

}  // namespace irsim::app
