#pragma once
// Replaying an action log without a window: what `irsim run --headless` and the tests do.
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/progress.h"
#include "sim/session.h"

namespace irsim::sim {

// Loads the scenario's patient (a CT or the phantom), resolving paths against the scenario file.
// With `deferredCacheWrite` given, a phantom that had to be built is not written to the phantom
// cache here: the write is left there for the caller to run (empty when there is nothing to write).
std::shared_ptr<const patient::Patient> loadScenarioPatient(const Scenario& scenario,
                                                            const ProgressFn& progress = {},
                                                            std::function<void()>* deferredCacheWrite = nullptr);

struct HeadlessRun {
    std::string scenarioPath;
    std::string actionsPath;
    std::string reportPath;   // "" = do not write
    std::string framesDir;    // "" = no images
};

// Plays the log and returns the report (also written to reportPath, and PNGs of each image taken
// to framesDir).
nlohmann::json runHeadless(const HeadlessRun& run, const ProgressFn& progress = {});

}  // namespace irsim::sim
