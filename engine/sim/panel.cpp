#include "sim/panel.h"

#include <stdexcept>

namespace irsim::sim {

double PanelInputs::number(const std::string& id) const {
    auto it = numbers.find(id);
    if (it == numbers.end()) throw std::logic_error("panel has no number input '" + id + "'");
    return it->second;
}

int PanelInputs::choice(const std::string& id) const {
    auto it = choices.find(id);
    if (it == choices.end()) throw std::logic_error("panel has no choice input '" + id + "'");
    return it->second;
}

PanelInputs initialInputs(const PanelSpec& panel) {
    PanelInputs in;
    for (const PanelControl& c : panel.controls) {
        if (c.kind == ControlKind::Number) in.numbers[c.id] = c.initial;
        if (c.kind == ControlKind::Choice) in.choices[c.id] = c.initialChoice;
    }
    return in;
}

std::vector<Action> pressControl(const PanelSpec& panel, const std::string& id, const PanelInputs& inputs,
                                 const Session& session) {
    for (const PanelControl& c : panel.controls)
        if (c.id == id) return c.press ? c.press(inputs, session) : std::vector<Action>{};
    throw std::logic_error("panel has no control '" + id + "'");
}

}  // namespace irsim::sim
