// irsim run [SCENARIO]: the simulator on a scenario, in a window or headless.
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/command.h"
#include "app/debrief_source.h"
#include "app/windowed.h"
#include "core/error.h"
#include "core/progress.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"

namespace irsim::app {

namespace {

struct RunArgs {
    std::string scenario = sim::defaultScenarioName();
    bool headless = false;
    std::string actions, report, frames, record;
    int quitAfterFrames = 0;
    std::string screenshot;
    bool ct3d = false;  // --ct-3d: the CT panel starts on its 3D view
    std::string trainee, records;  // --trainee: store the session in the records (--records URL)
};
RunArgs gRun;

bool haveDisplay() {
    const char* d = std::getenv("DISPLAY");
    const char* w = std::getenv("WAYLAND_DISPLAY");
    return (d && *d) || (w && *w);
}

// The shipped example log for a scenario: scenarios/<id>.expert.jsonl.
std::string exampleLogFor(const std::string& scenarioPath) {
    std::filesystem::path p(scenarioPath);
    return (p.parent_path() / (p.stem().string() + ".expert.jsonl")).string();
}

constexpr int kExitFailedSession = 4;

int runHeadlessCommand(RunArgs a, bool announced) {
    const std::string scenarioPath = sim::resolveScenarioPath(a.scenario);
    if (a.actions.empty()) {
        a.actions = exampleLogFor(scenarioPath);
        if (!std::filesystem::exists(a.actions))
            throw DataError(scenarioPath, 0, "", "headless runs need --actions LOG.jsonl");
    }
    if (announced && a.report.empty()) {
        // Without a display nobody sees the screen: leave the results in a folder we name.
        const auto dir = std::filesystem::path("irsim-output") / std::filesystem::path(scenarioPath).stem();
        std::filesystem::create_directories(dir / "frames");
        a.report = (dir / "report.json").string();
        a.frames = (dir / "frames").string();
    }
    sim::HeadlessRun run{scenarioPath, a.actions, a.report, a.frames};
    const std::string startedAt = nowUtc();
    const auto report = sim::runHeadless(run, terminalProgress());
    if (!a.trainee.empty()) storeSession(a.records, a.trainee, startedAt, report, a.report, a.actions);
    std::printf("%s: score %.1f, %s\n", report["scenario"].get<std::string>().c_str(),
                report["score"].get<double>(), report["passed"].get<bool>() ? "passed" : "failed");
    for (const auto& r : report["reasons"]) std::printf("  %s\n", r.get<std::string>().c_str());
    if (!a.report.empty()) std::printf("report: %s\n", a.report.c_str());
    if (!a.frames.empty()) std::printf("images: %s/\n", a.frames.c_str());
    // Scripts that run assessments tell pass from fail by the status: 0 passed, kExitFailedSession
    // the session ran and the trainee did not pass (2 is bad input, as for every command).
    return report["passed"].get<bool>() ? 0 : kExitFailedSession;
}

}  // namespace

int runScenario(const RunArgs& a) {
    if (a.headless) return runHeadlessCommand(a, false);
    if (!haveDisplay()) {
        // An instructor's new scenario has no example log yet: say what to do rather than promise one.
        const std::string path = sim::resolveScenarioPath(a.scenario);
        if (a.actions.empty() && !std::filesystem::exists(exampleLogFor(path)))
            throw DataError(path, 0, "",
                            "no display (DISPLAY is not set) and no example log " + exampleLogFor(path) +
                                " to play instead: run it under a display (xvfb-run -a irsim run ...) or headless with "
                                "--headless --actions LOG.jsonl (a log of one line {\"t\": 0, \"action\": "
                                "\"session.start\"} plays a session that does nothing)");
        std::printf("irsim: no display (DISPLAY is not set): playing the example log of '%s' "
                    "headless instead.\n", a.scenario.c_str());
        return runHeadlessCommand(a, true);
    }
#ifdef IRSIM_WITH_WINDOW
    WindowRunOptions w;
    w.scenarioPath = sim::resolveScenarioPath(a.scenario);
    w.replayLog = a.actions;
    w.recordLog = a.record;
    w.reportPath = a.report;
    w.quitAfterFrames = a.quitAfterFrames;
    w.screenshotPath = a.screenshot;
    w.startIn3dView = a.ct3d;
    w.trainee = a.trainee;
    w.recordsUrl = a.records;
    w.startedAt = nowUtc();
    return runWindowed(w);
#else
    std::printf("irsim: built without the window (IRSIM_WITH_VULKAN=OFF): running headless.\n");
    return runHeadlessCommand(a, true);
#endif
}

int runDefault() { return runScenario(RunArgs{}); }

static const CommandRegistration kRun{"run", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("run", "Start a scenario (default: " + sim::defaultScenarioName() +
                                                 "), in a window or --headless");
    c->add_option("scenario", gRun.scenario, "Scenario file, or a name in scenarios/");
    c->add_flag("--headless", gRun.headless,
                "No window: replay --actions and write --report; exit status 0 when the trainee passed, 4 when the "
                "session ran and failed, 2 for bad input");
    c->add_option("--actions", gRun.actions, "Action log (JSON Lines) to replay");
    c->add_option("--report", gRun.report, "Write the session report (JSON) here");
    c->add_option("--frames", gRun.frames, "Write a PNG of every image taken into this folder");
    c->add_option("--record", gRun.record, "Record the live session's actions here (window)");
    c->add_option("--quit-after-frames", gRun.quitAfterFrames, "Close the window after N frames");
    c->add_option("--screenshot", gRun.screenshot, "Save the last window frame as PNG (with --quit-after-frames), and the next one on each SIGUSR1");
    c->add_flag("--ct-3d", gRun.ct3d, "Start the CT panel on its 3D view (surface, organs, devices, C-arm)");
    c->add_option("--trainee", gRun.trainee, "Store the session in the records for this trainee id");
    c->add_option("--records", gRun.records, "Records database: sqlite:PATH or postgresql://... (default: "
                                             "sqlite:<user data dir>/records.sqlite)")
        ->envname("IRSIM_RECORDS");
    c->callback([] { setExitStatus(runScenario(gRun)); });
}};

}  // namespace irsim::app
