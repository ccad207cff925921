// irsim debrief SESSION_ID|REPORT.json: the debrief of a session, in a window, or exported as one
// self-contained HTML file (--html) for a trainee's portfolio. docs/debrief.md.
#include <cstdio>
#include <cstdlib>

#include "app/command.h"
#include "app/debrief_source.h"
#include "core/error.h"
#ifdef IRSIM_WITH_WINDOW
#include "app/window/debrief_view.h"
#endif

namespace irsim::app {

namespace {

struct DebriefArgs {
    std::string target, records, trainee, actions, scenario, html, frames, screenshot;
    int quitAfterFrames = 0;
} gDebrief;

void printSummary(const assessment::Debrief& d) {
    std::printf("%s (%s): score %.1f, %s\n", d.title.c_str(), d.scenario.c_str(), d.score, d.passed ? "passed" : "failed");
    for (const auto& r : d.reasons) std::printf("  %s\n", r.c_str());
    for (const auto& m : d.metrics)
        std::printf("  %-36s %12.4g %-8s %s\n", m.label.c_str(), m.value, m.unit.c_str(), assessment::toString(m.band));
}

int debrief() {
    DebriefRequest r{gDebrief.target, gDebrief.records, !gDebrief.records.empty(), gDebrief.trainee, gDebrief.actions,
                     gDebrief.scenario};
    LoadedDebrief d = loadDebrief(r);
    if (!gDebrief.html.empty()) {
        const size_t n = writeDebriefHtml(d, gDebrief.html, gDebrief.frames);
        std::printf("debrief: %s (%zu of %zu images)\n", gDebrief.html.c_str(), n, d.debrief.images.size());
        return 0;
    }
    const char* display = std::getenv("DISPLAY");
#ifdef IRSIM_WITH_WINDOW
    if (display && *display) return runDebriefWindow(d, nullptr, gDebrief.quitAfterFrames, gDebrief.screenshot);
#endif
    (void)display;
    printSummary(d.debrief);
    std::printf("(no window: export it with --html OUT.html)\n");
    return 0;
}

}  // namespace

static const CommandRegistration kDebrief{"debrief", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("debrief", "The debrief of a session (window), or --html for a portfolio");
    c->add_option("session", gDebrief.target, "Session id in the records, or a report (JSON)")->required();
    c->add_option("--records", gDebrief.records, "Records database: sqlite:PATH or postgresql://...")
        ->envname("IRSIM_RECORDS");
    c->add_option("--trainee", gDebrief.trainee, "For a report file: whose earlier attempts to show");
    c->add_option("--actions", gDebrief.actions, "For a report file: its action log (scrubbing, images)");
    c->add_option("--scenario", gDebrief.scenario,
                  "The scenario file to replay in (default: found by the report's id in scenarios/, and used only when "
                  "it is the version the session ran on; the rubric comes from the report otherwise)");
    c->add_option("--html", gDebrief.html, "Write a self-contained HTML debrief here instead of a window");
    c->add_option("--frames", gDebrief.frames, "PNGs of the images (irsim run --frames), else re-rendered");
    c->add_option("--quit-after-frames", gDebrief.quitAfterFrames, "Close the window after N frames");
    c->add_option("--screenshot", gDebrief.screenshot, "Save the last window frame as PNG");
    c->callback([] { setExitStatus(debrief()); });
}};

}  // namespace irsim::app
