#include "app/window/scenario_load.h"

#include <functional>

#include "core/log.h"
#include "core/startup_clock.h"
#include "sim/run_headless.h"

namespace irsim::app {

ScenarioLoad::ScenarioLoad(const sim::Scenario& scenario, std::vector<sim::Action> replay)
    : patient_(patientPromise_.get_future().share()),
      sessionDone_(sessionPromise_.get_future().share()),
      worker_([this, &scenario, r = std::move(replay)]() mutable { work(scenario, std::move(r)); }) {}

ScenarioLoad::~ScenarioLoad() { worker_.join(); }

void ScenarioLoad::work(const sim::Scenario& scenario, std::vector<sim::Action> replay) {
    std::function<void()> cacheWrite;
    std::shared_ptr<const patient::Patient> patient;
    try {
        patient = sim::loadScenarioPatient(scenario, {}, &cacheWrite);
    } catch (...) {
        patientPromise_.set_exception(std::current_exception());
        sessionPromise_.set_exception(std::current_exception());
        return;
    }
    startup::mark("patient ready");
    patientPromise_.set_value(patient);
    try {
        session_ = std::make_unique<sim::Session>(scenario, patient);
        for (sim::Action& a : replay) session_->submit(std::move(a));
        sessionPromise_.set_value();
    } catch (...) {
        sessionPromise_.set_exception(std::current_exception());
    }
    startup::mark("session ready");
    if (!cacheWrite) return;
    // A cache that cannot be written costs the next start its time, never this session.
    try {
        cacheWrite();
    } catch (const std::exception& e) {
        log::warning(std::string("the phantom cache was not written: ") + e.what());
    }
    startup::mark("phantom cached");
}

std::shared_ptr<const patient::Patient> ScenarioLoad::patient() { return patient_.get(); }

sim::Session& ScenarioLoad::session() {
    sessionDone_.get();
    return *session_;
}

}  // namespace irsim::app
