#pragma once
// The scenario's patient and session, made on a worker thread while the window's thread opens the
// window, makes the Vulkan device and the renderers that need no patient: a phantom not in the
// cache takes about a second, which the start-up then spends once, not after the window's set-up.
// The phantom is the same bytes whichever thread builds it (makePhantom reads no clock and no
// shared state). When it had to be built, the worker writes it to the phantom cache after the
// session is made, beside the renderers' uploads rather than before them.
#include <exception>
#include <future>
#include <memory>
#include <thread>
#include <vector>

#include "sim/action.h"
#include "sim/scenario.h"
#include "sim/session.h"

namespace irsim::app {

class ScenarioLoad {
public:
    // Starts the worker. `replay` is submitted to the session as soon as it exists.
    ScenarioLoad(const sim::Scenario& scenario, std::vector<sim::Action> replay);
    // Waits for the worker (a phantom being built or written is finished, not cut short).
    ~ScenarioLoad();
    ScenarioLoad(const ScenarioLoad&) = delete;
    ScenarioLoad& operator=(const ScenarioLoad&) = delete;

    // Each waits for its part; an error on the worker (a DataError for bad input) is thrown here.
    std::shared_ptr<const patient::Patient> patient();
    sim::Session& session();

private:
    void work(const sim::Scenario& scenario, std::vector<sim::Action> replay);

    std::promise<std::shared_ptr<const patient::Patient>> patientPromise_;
    std::promise<void> sessionPromise_;
    std::shared_future<std::shared_ptr<const patient::Patient>> patient_;
    std::shared_future<void> sessionDone_;
    std::unique_ptr<sim::Session> session_;
    std::thread worker_;  // last: started once everything it writes exists
};

}  // namespace irsim::app
