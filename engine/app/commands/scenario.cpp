// irsim scenario check FILE... / irsim scenario new ...: authoring scenarios without the window.
// `check` runs the loader the run uses, builds the patient and the procedure on it as a run does,
// and lists every problem as file:line: field: message, then the warnings (legal but suspicious).
// `new` writes a commented starting file from the procedure's declarations (its ScenarioTemplate,
// its metrics and events) through a ScenarioDraft, as the authoring mode writes it; it checks clean
// and runs.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/command.h"
#include "app/scenario_draft.h"
#include "core/error.h"
#include "core/text.h"
#include "sim/procedure.h"
#include "sim/scenario.h"
#include "sim/scenario_check.h"

namespace irsim::app {

namespace {

namespace fs = std::filesystem;

// Exit statuses of `scenario check` (documented in --help and docs/scenarios.md).
constexpr int kCheckClean = 0, kCheckWarnings = 1, kCheckErrors = 2;

struct CheckArgs {
    std::vector<std::string> files;
};
CheckArgs gCheck;

int check() {
    int status = kCheckClean;
    for (const std::string& name : gCheck.files) {
        sim::ScenarioCheck result;
        std::string path = name;
        try {
            path = sim::resolveScenarioPath(name);
            result = sim::checkScenario(path);
        } catch (const DataError& e) {
            result.errors.push_back(e);
        }
        for (const DataError& e : result.errors) std::printf("%s\n", e.what());
        for (const DataError& w : result.warnings)
            std::printf("%s\n", formatDataError(w.file(), w.line(), w.field(), "warning: " + sim::messageOf(w)).c_str());
        if (result.errors.empty() && result.warnings.empty()) {
            std::printf("%s: ok\n", path.c_str());
        } else {
            std::printf("%s: %zu error%s, %zu warning%s\n", path.c_str(), result.errors.size(),
                        result.errors.size() == 1 ? "" : "s", result.warnings.size(), result.warnings.size() == 1 ? "" : "s");
        }
        if (!result.errors.empty()) status = kCheckErrors;
        else if (!result.warnings.empty() && status == kCheckClean) status = kCheckWarnings;
    }
    return status;
}

struct NewArgs {
    std::string procedure, ct, labels, target, title, out;
    int64_t phantomSeed = -1;
    double voxelMm = 2.0;
    bool force = false;
};
NewArgs gNew;

int newScenario() {
    const NewArgs& a = gNew;
    ScenarioDraft draft = newDraft(a.procedure, a.target);
    if (a.ct.empty() == (a.phantomSeed < 0))
        throw DataError("", 0, "--ct", "name either a CT (--ct PATH [--labels L]) or the phantom (--phantom SEED)");
    if (!a.labels.empty() && a.ct.empty()) throw DataError("", 0, "--labels", "--labels goes with --ct");
    if (draft.target.empty()) throw DataError("", 0, "--target", "procedure '" + draft.procedure + "' has no default target: name one");
    if (fs::exists(a.out) && !a.force)
        throw DataError(a.out, 0, "--out", "the file exists; --force overwrites it");
    const fs::path dir = fs::path(a.out).parent_path();
    if (!a.title.empty()) draft.title = a.title;
    if (!a.ct.empty()) {
        if (!fs::exists(a.ct)) throw DataError(a.ct, 0, "--ct", "no such file or folder (a NIfTI file or a DICOM folder)");
        if (!a.labels.empty() && !fs::exists(a.labels)) throw DataError(a.labels, 0, "--labels", "no such file");
        draft.ct = pathFromScenario(a.ct, a.out);
        if (!a.labels.empty()) draft.labels = pathFromScenario(a.labels, a.out);
    } else {
        draft.phantomSeed = a.phantomSeed;
        draft.phantomVoxelMm = a.voxelMm;
    }
    const std::string text = scenarioToml(draft, a.out);
    // The loader the run uses: what is written is a scenario (paths inside its folder or assets/
    // included).
    sim::parseScenario(text, a.out);
    if (!dir.empty()) fs::create_directories(dir);
    std::ofstream out(a.out, std::ios::binary);
    if (!out || !(out << text)) throw DataError(a.out, 0, "--out", "cannot write the file");
    std::printf("wrote %s (%s, target %s)\ncheck it with: irsim scenario check %s\n", a.out.c_str(), draft.procedure.c_str(),
                draft.target.c_str(), a.out.c_str());
    return 0;
}

}  // namespace

static const CommandRegistration kScenario{"scenario", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("scenario", "Write and check scenario files (docs/scenarios.md)");
    c->require_subcommand(1);
    CLI::App* chk = c->add_subcommand(
        "check",
        "Check scenario files as a run would (loader, patient, procedure) and more; print every problem as "
        "file:line: field: message, then warnings (legal but suspicious: a rubric a session that does nothing "
        "passes, a target at the edge of the scan, a label map on another grid than the CT's or whose bones are not bone on it).\n"
        "Exit status: 0 every file clean, 1 warnings but no errors, 2 errors in some file");
    chk->add_option("files", gCheck.files, "Scenario files, or names in scenarios/")->required();
    chk->callback([] { setExitStatus(check()); });

    CLI::App* n = c->add_subcommand("new", "Write a commented starting scenario for a procedure that checks clean and runs");
    n->add_option("--procedure", gNew.procedure, "Procedure: " + joinWords(sim::procedureNames(), "or"))->required();
    CLI::Option* ct = n->add_option("--ct", gNew.ct, "CT: NIfTI file or DICOM folder, in --out's folder (or below) or assets/");
    n->add_option("--labels", gNew.labels, "Label map (NIfTI) of the CT, e.g. TotalSegmentator's output")->needs(ct);
    n->add_option("--phantom", gNew.phantomSeed, "The procedural phantom of this seed instead of a CT")->excludes(ct);
    n->add_option("--voxel-mm", gNew.voxelMm, "The phantom's voxel size in mm (0.5-5; default 2)");
    n->add_option("--target", gNew.target, "The structure the scenario is about (default: the procedure's, e.g. vertebrae_L1)");
    n->add_option("--title", gNew.title, "The scenario's title");
    n->add_option("--out", gNew.out, "The scenario file to write (.toml)")->required();
    n->add_flag("--force", gNew.force, "Overwrite --out when it exists");
    n->callback([] { setExitStatus(newScenario()); });
}};

}  // namespace irsim::app
