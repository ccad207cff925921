// irsim library: the scenario library. In a window, the library screen: pick a scenario, play it
// (stored in the records for --trainee), see its debrief, and come back to the library. --list
// prints the same list without a window.
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "app/command.h"
#include "app/debrief_source.h"
#include "app/library.h"
#include "app/scenario_draft.h"
#include "app/windowed.h"
#include "core/error.h"
#include "core/paths.h"
#if IRSIM_WITH_WINDOW
#include "app/window/app_window.h"
#include "app/window/author_window.h"
#include "app/window/library_window.h"
#endif

namespace irsim::app {

namespace {

struct LibraryArgs {
    std::vector<std::string> dirs;
    std::string trainee, records, screenshot;
    bool list = false, once = false;
    int quitAfterFrames = 0;
} gLibrary;

LibraryOptions optionsFrom(const LibraryArgs& a) {
    LibraryOptions o;
    for (const std::string& d : a.dirs) o.dirs.emplace_back(d);
    o.trainee = a.trainee;
    o.recordsUrl = a.records;
    return o;
}

int printLibrary(const LibraryArgs& a) {
    const std::vector<LibraryEntry> entries = loadLibrary(optionsFrom(a));
    for (const LibraryEntry& e : entries) {
        if (!e.error.empty()) {
            std::printf("%-34s does not load: %s\n", e.id.c_str(), e.error.c_str());
            continue;
        }
        std::printf("%-34s %-24s %-13s %s%s\n", e.id.c_str(), e.procedure.c_str(),
                    e.difficulty.empty() ? "-" : e.difficulty.c_str(), e.title.c_str(), e.shipped ? "" : " (instructor's)");
        if (!a.trainee.empty()) {
            if (e.sessions == 0) std::printf("%-34s not attempted yet\n", "");
            else
                std::printf("%-34s best score %.1f, %d session%s, %d passed\n", "", *e.bestScore, e.sessions,
                            e.sessions == 1 ? "" : "s", e.passed);
        }
    }
    return 0;
}

int library(const LibraryArgs& a) {
    if (a.list) return printLibrary(a);
#if IRSIM_WITH_WINDOW
    const WindowSystem windowSystem;  // open from the library through the author or the simulator and back
    for (;;) {
        LibraryWindowOptions w;
        w.library = optionsFrom(a);
        w.quitAfterFrames = a.quitAfterFrames;
        w.screenshotPath = a.screenshot;
        const LibraryChoice chosen = runLibraryWindow(w);
        if (chosen.author) {
            // A new scenario in the instructors' folder, which the library lists when it comes back.
            AuthorSessionOptions o;
            o.file = (userDataDir() / "scenarios" / "my-scenario.toml").string();
            o.draft = std::filesystem::exists(o.file) ? loadDraft(o.file) : newDraft(defaultAuthoringProcedure());
            o.trainee = a.trainee;
            o.recordsUrl = a.records;
            const int status = runAuthoring(o);
            if (status != 0 || authoringQuitRequested()) return status;
            continue;
        }
        if (chosen.scenario.empty()) return 0;
        WindowRunOptions run;
        run.scenarioPath = chosen.scenario;
        run.trainee = a.trainee;
        run.recordsUrl = a.records;
        run.startedAt = nowUtc();
        const int status = runWindowed(run);
        if (status != 0 || a.once) return status;
    }
#else
    std::printf("irsim: built without the window (IRSIM_WITH_VULKAN=OFF): the library as a list.\n");
    return printLibrary(a);
#endif
}

}  // namespace

static const CommandRegistration kLibrary{"library", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("library", "The scenario library: choose a scenario, play it, come back");
    c->add_option("--dir", gLibrary.dirs, "Scenario folder (repeat for more; default: scenarios/ and <user data dir>/scenarios)");
    c->add_option("--trainee", gLibrary.trainee, "Show this trainee's record on each scenario and store their sessions");
    c->add_option("--records", gLibrary.records, "Records database: sqlite:PATH or postgresql://... (default: "
                                                 "sqlite:<user data dir>/records.sqlite)")
        ->envname("IRSIM_RECORDS");
    c->add_flag("--list", gLibrary.list, "Print the library instead of opening the window");
    c->add_flag("--once", gLibrary.once, "After the chosen scenario's window closes, quit rather than return to the library");
    c->add_option("--quit-after-frames", gLibrary.quitAfterFrames, "Close the library window after N frames");
    c->add_option("--screenshot", gLibrary.screenshot, "Save the library's last frame as PNG (with --quit-after-frames)");
    c->callback([] { setExitStatus(library(gLibrary)); });
}};

}  // namespace irsim::app
