// irsim replay LOG.jsonl: plays a recorded session again, in the window (or headless without a
// display). The scenario comes from the log's session.start line unless --scenario names one.
#include <cstdio>
#include <cstdlib>

#include "app/command.h"
#include "app/debrief_source.h"
#include "app/windowed.h"
#include "core/error.h"
#include "core/progress.h"
#include "sim/action.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"
#ifdef IRSIM_WITH_WINDOW
#include "app/window/debrief_view.h"
#endif

namespace irsim::app {

namespace {
struct ReplayArgs {
    std::string log, scenario, report, frames;
    bool headless = false;
    int quitAfterFrames = 0;
    std::string screenshot;
    std::string trainee, records;    // --trainee: store the replayed session in the records
    std::string debriefScreenshot;   // play the log at once, then show the debrief and save it
} gReplay;

std::string scenarioOfLog(const std::string& path) {
    const auto log = sim::readActionLog(path);
    for (const auto& a : log)
        if (a.kind == "session.start") return a.text("scenario", "");
    throw DataError(path, 1, "session.start",
                    "the log does not say which scenario it belongs to: pass --scenario");
}

int replay() {
    const std::string scenario = gReplay.scenario.empty() ? scenarioOfLog(gReplay.log) : gReplay.scenario;
    const char* display = std::getenv("DISPLAY");
    const bool windowed = !gReplay.headless && display && *display;
    const std::string startedAt = nowUtc();
#ifdef IRSIM_WITH_WINDOW
    if (windowed && !gReplay.debriefScreenshot.empty()) {
        // No live frames: the log is played at once and the debrief opens on its result.
        const sim::Scenario sc = sim::loadScenario(sim::resolveScenarioPath(scenario));
        const auto report = sim::runHeadless({sc.file, gReplay.log, gReplay.report, gReplay.frames}, terminalProgress());
        LoadedDebrief d = debriefOfSession(report, sc, sim::readActionLog(gReplay.log), gReplay.log);
        if (!gReplay.trainee.empty()) {
            d.debrief.sessionId = storeSession(gReplay.records, gReplay.trainee, startedAt, report, gReplay.report, gReplay.log);
            d.debrief.trainee = gReplay.trainee;
            d.debrief.startedAt = startedAt;
            addFromRecords(d, gReplay.records);
        }
        return runDebriefWindow(d, nullptr, gReplay.quitAfterFrames > 0 ? gReplay.quitAfterFrames : 6,
                                gReplay.debriefScreenshot);
    }
    if (windowed) {
        WindowRunOptions w;
        w.scenarioPath = sim::resolveScenarioPath(scenario);
        w.replayLog = gReplay.log;
        w.reportPath = gReplay.report;
        w.quitAfterFrames = gReplay.quitAfterFrames;
        w.screenshotPath = gReplay.screenshot;
        w.trainee = gReplay.trainee;
        w.recordsUrl = gReplay.records;
        w.startedAt = startedAt;
        return runWindowed(w);
    }
#endif
    if (!windowed && !gReplay.headless) std::printf("irsim: no display: replaying headless.\n");
    sim::HeadlessRun run{sim::resolveScenarioPath(scenario), gReplay.log, gReplay.report, gReplay.frames};
    const auto report = sim::runHeadless(run, terminalProgress());
    std::printf("%s: score %.1f, %s\n", report["scenario"].get<std::string>().c_str(),
                report["score"].get<double>(), report["passed"].get<bool>() ? "passed" : "failed");
    if (!gReplay.trainee.empty()) storeSession(gReplay.records, gReplay.trainee, startedAt, report, gReplay.report, gReplay.log);
    return 0;
}
}  // namespace

static const CommandRegistration kReplay{"replay", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("replay", "Replay a recorded session log (JSON Lines)");
    c->add_option("log", gReplay.log, "The session's action log")->required()->check(CLI::ExistingFile);
    c->add_option("--scenario", gReplay.scenario, "Scenario (default: the log's session.start line)");
    c->add_flag("--headless", gReplay.headless, "No window");
    c->add_option("--report", gReplay.report, "Write the session report (JSON) here");
    c->add_option("--frames", gReplay.frames, "Write a PNG of every image taken into this folder");
    c->add_option("--quit-after-frames", gReplay.quitAfterFrames, "Close the window after N frames");
    c->add_option("--screenshot", gReplay.screenshot, "Save the last window frame as PNG");
    c->add_option("--trainee", gReplay.trainee, "Store the replayed session in the records for this trainee id");
    c->add_option("--records", gReplay.records, "Records database: sqlite:PATH or postgresql://...")
        ->envname("IRSIM_RECORDS");
    c->add_option("--debrief-screenshot", gReplay.debriefScreenshot,
                  "Play the log at once, show the debrief and save it as PNG (window)");
    c->callback([] { setExitStatus(replay()); });
}};

}  // namespace irsim::app
