#pragma once
// A procedure's controls in the window, as data: inputs that hold a value, buttons (some bound to
// keys) that turn into documented actions, readout lines and help lines. The window draws them
// with ImGui and knows no procedure; the procedure knows no ImGui. A test drives a session with
// exactly the actions a resident's clicks would record by pressing these controls in code
// (pressControl). Units: those of the actions (mm, deg, ml, s, J).
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "sim/action.h"

namespace irsim::sim {

class Session;

// The values of a panel's inputs (by control id) as the trainee left them.
struct PanelInputs {
    std::map<std::string, double> numbers;  // Number controls
    std::map<std::string, int> choices;     // Choice controls: index into their options
    double number(const std::string& id) const;
    int choice(const std::string& id) const;
};

enum class ControlKind {
    Choice,  // a drop-down, or radio buttons (radio = true); `press` runs when it changes
    Number,  // a number with +/- steps
    Button,  // `press` runs when clicked or its key goes down (or, holdRepeats, while held)
};

struct PanelControl {
    ControlKind kind = ControlKind::Button;
    std::string id;                    // stable name ("trocar", "advance")
    std::string label;                 // what the button or input says
    // Choice
    std::vector<std::string> options;
    int initialChoice = 0;
    bool radio = false;
    // Number
    double initial = 0.0, lo = 0.0, hi = 0.0, step = 1.0;
    std::string format = "%.1f";
    // Button
    std::string key;                   // "T", "I", "Ctrl+Up", "Ctrl+Down"; "" = none
    bool holdRepeats = false;          // the held key presses again once the hand is free
    double handBusyS = 0.0;            // simulated seconds the hand is busy after a press
    bool small = false;
    // Layout: on the same line as the control before.
    bool sameLine = false;
    // The actions a press (or a change of a Choice) gives at the session's current time.
    std::function<std::vector<Action>(const PanelInputs&, const Session&)> press;
    // A label that follows the state ("Stylet in" / "Stylet out"); empty = `label`.
    std::function<std::string(const Session&)> liveLabel;
    // A Choice that follows the state (the applicator the scenario or a log loaded), drawn as the
    // selection; empty = the trainee's last pick.
    std::function<int(const Session&)> liveChoice;
    std::string help;                  // a line for the help overlay (key-bound controls)
    // Whether the control is there now (drawn, its key live); empty: always. A phased scenario's
    // controls show only during their phase.
    std::function<bool(const Session&)> shown;
};

struct ReadoutLine {
    std::string text;
    bool alarm = false;  // shown in red (a breach, a leak)
};

struct PanelSpec {
    std::string title;  // the collapsing header ("Vertebroplasty"); no panel when no controls
    std::vector<PanelControl> controls;
    std::function<std::vector<ReadoutLine>(const Session&)> readout;
    std::vector<std::string> help;       // extra help lines
    bool imagingControlsOpen = true;     // the shared contrast/DSA/CT controls start open
    // A hand on the image: a mouse drag over the fluoroscopy monitor, in screen pixels (+ right,
    // + down), given when the button is released. Empty: the monitor takes no drags.
    std::function<std::vector<Action>(double rightPx, double downPx, const Session&)> drag;
};

// A button whose press gives one action: `press(inputs, session, time_s)`.
template <class Press>
PanelControl buttonControl(std::string id, std::string label, Press press) {
    PanelControl c;
    c.kind = ControlKind::Button, c.id = std::move(id), c.label = std::move(label);
    // Generic, so the Session (declared only) is complete where a procedure instantiates it.
    c.press = [press](const PanelInputs& in, const auto& s) { return std::vector<Action>{press(in, s, s.time_s())}; };
    return c;
}

PanelInputs initialInputs(const PanelSpec& panel);
// The actions pressing control `id` gives now (a test's or a script's hand on the panel).
std::vector<Action> pressControl(const PanelSpec& panel, const std::string& id, const PanelInputs& inputs,
                                 const Session& session);

}  // namespace irsim::sim
