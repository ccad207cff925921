#pragma once
// The grammar of actions: every action a session accepts is declared once, as a table row naming
// its arguments with their types, units, ranges and defaults, and the handler that carries it out.
// The session checks each action against its row when it is submitted (a replay and the window
// alike), so a bad argument is a DataError naming the file, the line and the field before anything
// has happened; docs/actions.md is generated from the same rows (irsim actions --markdown), and a
// fuzzer can draw valid and invalid actions from them.
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/action.h"

namespace irsim::sim {

class Session;
class Procedure;

enum class ArgType {
    Number,   // a JSON number within [lo, hi] (or one of `allowed`)
    Integer,  // a whole number within [lo, hi]
    Boolean,
    Text,     // any text, or one of `choices` when given
    Place,    // a landmark or branch name, or [x, y, z] in mm (LPS)
};

struct ArgSpec {
    std::string name;
    ArgType type = ArgType::Number;
    std::string unit;
    double lo = -std::numeric_limits<double>::infinity();
    double hi = std::numeric_limits<double>::infinity();
    std::vector<double> allowed;       // Number: only these values (a pulse rate)
    std::vector<std::string> choices;  // Text: only these values
    std::optional<nlohmann::json> defaultValue;
    bool required = false;
    std::string doc;
    // This argument against the others of its action (a scan range's length), checked at submit
    // after every argument's own range, so no action that passed fails in the middle of a tick;
    // throws DataError naming the field. Empty: none.
    std::function<void(const Action&)> together;

    ArgSpec& require() { required = true; return *this; }
    ArgSpec& orElse(nlohmann::json v) { defaultValue = std::move(v); return *this; }
    ArgSpec& about(std::string words) { doc = std::move(words); return *this; }
    ArgSpec& only(std::vector<double> values) { allowed = std::move(values); return *this; }
    ArgSpec& checkedWith(std::function<void(const Action&)> check) { together = std::move(check); return *this; }
};

ArgSpec numberArg(std::string name, std::string unit, double lo, double hi);
ArgSpec integerArg(std::string name, double lo, double hi);
ArgSpec booleanArg(std::string name);
ArgSpec textArg(std::string name, std::vector<std::string> choices = {});
ArgSpec placeArg(std::string name);

// Carries out a validated action at its tick. `procedure` is the session's procedure (its own
// actions' handlers cast it to their class; the session's imaging actions ignore it).
using ActionHandler = std::function<void(Procedure& procedure, const Action& action, Session& session)>;

struct ActionSpec {
    std::string name;     // "needle.advance"
    std::vector<ArgSpec> args;
    std::string effect;   // a sentence for docs/actions.md
    ActionHandler apply;
};

// A procedure's handler from one of its member functions.
template <class P>
ActionHandler handledBy(void (P::*member)(const Action&, Session&)) {
    return [member](Procedure& p, const Action& a, Session& s) { (static_cast<P&>(p).*member)(a, s); };
}

// Throws DataError (file, line, field) when `action` does not fit `spec`: an unknown or misspelt
// field, a missing required one, a wrong type, a value out of range.
void validate(const ActionSpec& spec, const Action& action);

// One markdown table of these actions (docs/actions.md).
std::string actionsMarkdownTable(const std::vector<ActionSpec>& actions);

}  // namespace irsim::sim
