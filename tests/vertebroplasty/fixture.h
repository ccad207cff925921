#pragma once
// Shared by the vertebroplasty tests: the shipped scenarios' patients, built once per test run.
#include <map>
#include <memory>
#include <string>

#include "sim/run_headless.h"
#include "sim/scenario.h"
#include "sim/session.h"
#include "procedures/vertebroplasty/vertebroplasty.h"

namespace irsim::test {

inline std::string scenarioPath(const std::string& id) {
    return std::string(IRSIM_SOURCE_DIR) + "/scenarios/" + id + ".toml";
}

inline std::shared_ptr<const patient::Patient> scenarioPatient(const std::string& id) {
    static std::map<std::string, std::shared_ptr<const patient::Patient>> cache;
    auto it = cache.find(id);
    if (it != cache.end()) return it->second;
    auto p = sim::loadScenarioPatient(sim::loadScenario(scenarioPath(id)));
    cache[id] = p;
    return p;
}

inline std::unique_ptr<sim::Session> newSession(const std::string& id) {
    return std::make_unique<sim::Session>(sim::loadScenario(scenarioPath(id)), scenarioPatient(id));
}

inline sim::Action act(double t, const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
    return sim::Action{t, kind, std::move(args), "test", 0};
}

}  // namespace irsim::test
