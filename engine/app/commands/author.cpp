// irsim author [FILE]: the authoring mode. Opens FILE (a scenario) or starts a new one for
// --procedure on --ct/--labels or --phantom, in the window where the target is picked on the CT's
// slices, the rubric set and the checker's messages shown live; Play runs the saved scenario.
#include <cstdio>
#include <filesystem>
#include <string>

#include "app/command.h"
#include "app/scenario_draft.h"
#include "app/windowed.h"
#include "core/error.h"
#include "core/paths.h"
#if IRSIM_WITH_WINDOW
#include "app/window/author_window.h"
#endif

namespace irsim::app {

namespace {

namespace fs = std::filesystem;

struct AuthorArgs {
    std::string file, procedure, ct, labels, target, trainee, records, screenshot;
    int64_t phantomSeed = -1;
    int quitAfterFrames = 0;
    bool once = false;
} gAuthor;

int author(const AuthorArgs& a) {
    const std::string file = a.file.empty() ? (userDataDir() / "scenarios" / "my-scenario.toml").string() : a.file;
    ScenarioDraft draft;
    if (fs::exists(file)) {
        draft = loadDraft(file);
    } else {
        draft = newDraft(a.procedure.empty() ? defaultAuthoringProcedure() : a.procedure, a.target);
        if (!a.ct.empty()) {
            draft.ct = pathFromScenario(a.ct, file);
            if (!a.labels.empty()) draft.labels = pathFromScenario(a.labels, file);
        } else if (a.phantomSeed >= 0) {
            draft.phantomSeed = a.phantomSeed;
        }
    }
#if IRSIM_WITH_WINDOW
    AuthorSessionOptions o;
    o.file = file;
    o.draft = draft;
    o.trainee = a.trainee;
    o.recordsUrl = a.records;
    o.quitAfterFrames = a.quitAfterFrames;
    o.screenshotPath = a.screenshot;
    o.once = a.once;
    return runAuthoring(o);
#else
    std::printf("irsim: built without the window (IRSIM_WITH_VULKAN=OFF); write scenarios with `irsim scenario new`.\n");
    return 1;
#endif
}

}  // namespace

static const CommandRegistration kAuthor{"author", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("author", "The authoring mode: write a scenario on a CT or the phantom in the window, "
                                                "check it live, save and play it (docs/scenarios.md)");
    c->add_option("file", gAuthor.file, "The scenario file to open or create (default: <user data dir>/scenarios/my-scenario.toml, "
                                        "which the library lists)");
    c->add_option("--procedure", gAuthor.procedure, "A new scenario's procedure (default: the first that declares its targets)");
    CLI::Option* ct = c->add_option("--ct", gAuthor.ct, "A new scenario's CT: NIfTI file or DICOM folder");
    c->add_option("--labels", gAuthor.labels, "Its label map (NIfTI), e.g. TotalSegmentator's")->needs(ct);
    c->add_option("--phantom", gAuthor.phantomSeed, "A new scenario on the phantom of this seed")->excludes(ct);
    c->add_option("--target", gAuthor.target, "A new scenario's target (default: the procedure's)");
    c->add_option("--trainee", gAuthor.trainee, "Who plays it: Play stores the session in their records");
    c->add_option("--records", gAuthor.records, "Records database: sqlite:PATH or postgresql://...")->envname("IRSIM_RECORDS");
    c->add_flag("--once", gAuthor.once, "After one Play, quit instead of coming back to the editor");
    c->add_option("--quit-after-frames", gAuthor.quitAfterFrames, "Close the window after N frames (screenshots)");
    c->add_option("--screenshot", gAuthor.screenshot, "Save the last frame as PNG (with --quit-after-frames)");
    c->callback([] { setExitStatus(author(gAuthor)); });
}};

}  // namespace irsim::app
