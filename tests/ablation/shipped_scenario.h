#pragma once
// A shipped ablation scenario for the tests: its file, its patient (built once per scenario), its logs.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "sim/run_headless.h"
#include "sim/scenario.h"

namespace irsim::test {

struct ShippedScenario {
    std::string id;  // "ablation-liver-hcc"
    std::string path() const { return std::string(IRSIM_SOURCE_DIR) + "/scenarios/" + id + ".toml"; }
    std::shared_ptr<const patient::Patient> patient() const {
        static std::map<std::string, std::shared_ptr<const patient::Patient>> built;
        auto& p = built[id];
        if (!p) p = sim::loadScenarioPatient(sim::loadScenario(path()));
        return p;
    }
    std::vector<sim::Action> log(const std::string& label) const {
        return sim::readActionLog(std::string(IRSIM_SOURCE_DIR) + "/scenarios/" + id + "." + label + ".jsonl");
    }
};

}  // namespace irsim::test
