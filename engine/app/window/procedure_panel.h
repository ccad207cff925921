#pragma once
// The window's procedure controls, drawn under the C-arm controls: the vertebroplasty trocar and
// cement (when the scenario is a vertebroplasty) and the imaging modes (contrast, DSA, roadmap, CT).
// Every control becomes a documented action through sim/ui_actions.h; the window records and
// submits what draw() returns, like its own buttons. Units: mm, deg, ml, ml/s, s.
#include <string>
#include <vector>

#include "sim/action.h"
#include "sim/session.h"

namespace irsim::app {

// Keys the window reads from GLFW this frame (ImGui 1.86 names no letter keys but a few).
struct ProcedureKeys {
    bool advance = false;   // Ctrl+Up, held: a push of 2 mm each time the last one has finished
    bool withdraw = false;  // Ctrl+Down, held
    bool tap = false;       // T
    bool inject = false;    // I
};

class ProcedurePanel {
public:
    explicit ProcedurePanel(const sim::Session& session);

    // Draws into the current ImGui window and returns the actions the controls produced this frame,
    // at the session's current time.
    std::vector<sim::Action> draw(const sim::Session& session, const ProcedureKeys& keys);

private:
    void vertebroplasty(const sim::Session& session, const ProcedureKeys& keys, std::vector<sim::Action>& out);
    void imaging(const sim::Session& session, std::vector<sim::Action>& out);

    std::vector<std::string> branches_;  // the patient's arterial branches, for contrast.inject
    // Inputs that hold a value between frames.
    int device_ = 1;                     // index into the trocar presets
    int side_ = 1;                       // 0 right, 1 left pedicle
    float medialDeg_ = 10.0f, caudalDeg_ = 0.0f;
    float contrastMl_ = 5.0f, contrastRateMlS_ = 3.0f;
    int branch_ = 0;
    float ctHalfRangeMm_ = 40.0f;
    // Held keys repeat once the previous hand movement has had time to finish (simulation time).
    double nextHandS_ = 0.0;
    bool tapDown_ = false, injectDown_ = false;
};

}  // namespace irsim::app
