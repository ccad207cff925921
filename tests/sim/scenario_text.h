#pragma once
// Helpers for tests that write scenarios and logs as text: an action, a scenario with one piece of
// text replaced, and the error loading one gives.
#include <string>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "sim/action.h"
#include "sim/scenario.h"

namespace irsim::test {

inline sim::Action act(double t, const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
    return {t, kind, std::move(args), "", 0};
}

inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

// What loading the scenario text throws ("" when it loads).
inline std::string loadError(const std::string& text) {
    try {
        sim::parseScenario(text, "s.toml");
    } catch (const DataError& e) {
        return e.what();
    }
    return "";
}

}  // namespace irsim::test
