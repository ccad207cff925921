#include "sim/action_spec.h"

#include <cmath>

#include "core/error.h"
#include "core/text.h"

namespace irsim::sim {

ArgSpec numberArg(std::string name, std::string unit, double lo, double hi) {
    ArgSpec a;
    a.name = std::move(name), a.type = ArgType::Number, a.unit = std::move(unit), a.lo = lo, a.hi = hi;
    return a;
}

ArgSpec integerArg(std::string name, double lo, double hi) {
    ArgSpec a;
    a.name = std::move(name), a.type = ArgType::Integer, a.lo = lo, a.hi = hi;
    return a;
}

ArgSpec booleanArg(std::string name) {
    ArgSpec a;
    a.name = std::move(name), a.type = ArgType::Boolean;
    return a;
}

ArgSpec textArg(std::string name, std::vector<std::string> choices) {
    ArgSpec a;
    a.name = std::move(name), a.type = ArgType::Text, a.choices = std::move(choices);
    return a;
}

ArgSpec placeArg(std::string name) {
    ArgSpec a;
    a.name = std::move(name), a.type = ArgType::Place;
    return a;
}

namespace {

std::string range(const ArgSpec& s) {
    if (!s.allowed.empty()) {
        std::vector<std::string> v;
        for (double x : s.allowed) v.push_back(formatNumber(x));
        return joinWords(v, "or");
    }
    const bool lo = std::isfinite(s.lo), hi = std::isfinite(s.hi);
    if (lo && hi) return formatNumber(s.lo) + " to " + formatNumber(s.hi);
    if (lo) return "at least " + formatNumber(s.lo);
    if (hi) return "at most " + formatNumber(s.hi);
    return "any";
}

std::string expected(const ArgSpec& s) {
    const std::string unit = s.unit.empty() ? "" : " " + s.unit;
    switch (s.type) {
        case ArgType::Number: return "a number, " + range(s) + unit;
        case ArgType::Integer: return "a whole number, " + range(s);
        case ArgType::Boolean: return "true or false";
        case ArgType::Text:
            return s.choices.empty() ? std::string("a text in quotes") : "one of " + joinWords(s.choices, "or");
        case ArgType::Place: return "a landmark or branch name, or [x, y, z] in mm (LPS)";
    }
    return "?";
}

bool fits(const ArgSpec& s, const nlohmann::json& v) {
    switch (s.type) {
        case ArgType::Number:
        case ArgType::Integer: {
            if (!v.is_number()) return false;
            const double x = v.get<double>();
            if (!std::isfinite(x)) return false;
            if (s.type == ArgType::Integer && x != std::floor(x)) return false;
            if (!s.allowed.empty()) {
                for (double a : s.allowed)
                    if (x == a) return true;
                return false;
            }
            return x >= s.lo && x <= s.hi;
        }
        case ArgType::Boolean: return v.is_boolean();
        case ArgType::Text:
            if (!v.is_string()) return false;
            if (s.choices.empty()) return true;
            for (const std::string& c : s.choices)
                if (v.get<std::string>() == c) return true;
            return false;
        case ArgType::Place:
            if (v.is_string()) return !v.get<std::string>().empty();
            if (!v.is_array() || v.size() != 3) return false;
            for (const auto& x : v)
                if (!x.is_number() || !std::isfinite(x.get<double>()) || std::fabs(x.get<double>()) > 1e5) return false;
            return true;
    }
    return false;
}

}  // namespace

void validate(const ActionSpec& spec, const Action& a) {
    for (const auto& [field, value] : a.args.items()) {
        const ArgSpec* s = nullptr;
        for (const ArgSpec& arg : spec.args)
            if (arg.name == field) s = &arg;
        if (!s) {
            std::vector<std::string> names;
            for (const ArgSpec& arg : spec.args) names.push_back(arg.name);
            const std::string near = closestWord(field, names);
            throw DataError(a.file, a.line, field,
                            "unknown field for action '" + a.kind + "'" +
                                (near.empty() ? "" : "; did you mean '" + near + "'?") +
                                (names.empty() ? " (it takes no arguments)" : " (it takes " + joinWords(names, "and") + ")"));
        }
        if (!fits(*s, value))
            throw DataError(a.file, a.line, field, "expected " + expected(*s) + ", got " + value.dump());
    }
    for (const ArgSpec& s : spec.args)
        if (s.required && !a.args.contains(s.name))
            throw DataError(a.file, a.line, s.name, "action '" + a.kind + "' needs '" + s.name + "': " + expected(s));
    for (const ArgSpec& s : spec.args)
        if (s.together && a.args.contains(s.name)) s.together(a);
}

std::string actionsMarkdownTable(const std::vector<ActionSpec>& actions) {
    std::string out = "| action | arguments | effect |\n| --- | --- | --- |\n";
    for (const ActionSpec& spec : actions) {
        std::string args;
        for (const ArgSpec& s : spec.args) {
            if (!args.empty()) args += "; ";
            args += "`" + s.name + "`" + (s.required ? "" : " (optional)") + ": " + expected(s);
            if (s.defaultValue) args += ", default " + s.defaultValue->dump();
            if (!s.doc.empty()) args += ". " + s.doc;
        }
        out += "| `" + spec.name + "` | " + args + " | " + spec.effect + " |\n";
    }
    return out;
}

}  // namespace irsim::sim
