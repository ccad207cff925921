// irsim scenario check FILE... / irsim scenario new ...: authoring scenarios without the window.
// `check` runs the loader the run uses, builds the patient and the procedure on it as a run does,
// and lists every problem as file:line: field: message, then the warnings (legal but suspicious).
// `new` writes a commented starting file from the procedure's declarations (its ScenarioTemplate,
// its metrics and events), which checks clean and runs.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "app/command.h"
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

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// A data path as the scenario names it: relative to the scenario's folder.
std::string relativeToScenario(const std::string& data, const fs::path& scenarioDir) {
    const fs::path from = fs::absolute(scenarioDir.empty() ? fs::path(".") : scenarioDir).lexically_normal();
    return fs::absolute(data).lexically_normal().lexically_relative(from).generic_string();
}

std::string tumoursToml(const std::vector<sim::ScenarioTumour>& tumours, const std::string& target) {
    std::string s;
    if (!tumours.empty())
        s += "# site: liver_segment_1 .. liver_segment_8 or vertebrae_T10 .. vertebrae_L5; kind: hypervascular, lytic\n"
             "# (diameter_mm) or compression_fracture (height_loss, the fraction of the body's height lost, 0.05-0.8)\n";
    for (const sim::ScenarioTumour& t : tumours) {
        s += "[[patient.phantom.tumour]]\nsite = " + sim::tomlString(replaceAll(t.site, "{target}", target)) +
             "\nkind = " + sim::tomlString(t.kind) + "\n";
        if (t.kind == "compression_fracture") s += "height_loss = " + formatNumber(t.heightLoss) + "\n";
        else s += "diameter_mm = " + formatNumber(t.diameterMm) + "\n";
    }
    return s;
}

std::string patientSection(const NewArgs& a, const sim::ScenarioTemplate& t, const fs::path& dir) {
    if (!a.ct.empty()) {
        if (!fs::exists(a.ct)) throw DataError(a.ct, 0, "--ct", "no such file or folder (a NIfTI file or a DICOM folder)");
        if (!a.labels.empty() && !fs::exists(a.labels)) throw DataError(a.labels, 0, "--labels", "no such file");
        std::string s = "[patient]\n"
                        "# Relative to this file; a scenario reads data only from its own folder or the project's assets/.\n"
                        "ct = " + sim::tomlString(relativeToScenario(a.ct, dir)) + "\n";
        if (!a.labels.empty()) s += "labels = " + sim::tomlString(relativeToScenario(a.labels, dir)) + "   # TotalSegmentator's label map\n";
        return s;
    }
    return "[patient.phantom]                # the procedural phantom (or ct = \"file\" under [patient])\n"
           "seed = " + std::to_string(a.phantomSeed) + "\n"
           "voxel_mm = " + formatNumber(a.voxelMm) + "                     # 0.5-5: finer is sharper and slower to build\n" +
           t.phantom + tumoursToml(t.tumours, a.target);
}

std::string scenarioText(const NewArgs& a, const sim::ProcedureSpec& spec, const fs::path& dir) {
    const sim::ScenarioTemplate& t = spec.scenarioTemplate;
    const auto filled = [&](const std::string& s) { return replaceAll(s, "{target}", a.target); };
    std::string text;
    text += "# " + (a.title.empty() ? spec.title : a.title) + ": written by `irsim scenario new`. docs/scenarios.md explains\n"
            "# every field, " + spec.docs + " the procedure, its actions and metrics.\n"
            "# Check it after each change: irsim scenario check " + fs::path(a.out).filename().string() + "\n\n";
    text += "[scenario]\n"
            "title = " + sim::tomlString(a.title.empty() ? spec.title + ": " + a.target : a.title) + "\n"
            "procedure = " + sim::tomlString(spec.name) + "\n"
            "target = " + sim::tomlString(a.target) + "         # the structure the C-arm starts centred on\n"
            "description = \"\"\"\n"
            "Describe the patient and the task as the trainee should read it at the start.\"\"\"\n"
            "time_limit_s = 3600             # the session ends by itself here\n\n";
    text += patientSection(a, t, dir) + "\n";
    if (!t.sections.empty()) text += filled(t.sections) + "\n";
    text += "[carm]\n"
            "lao_deg = 0                      # +LAO / -RAO, -120..120\n"
            "cran_deg = 0                     # +CRAN / -CAUD, -50..50\n"
            "field_of_view_mm = 300           # 100-480\n"
            "pulse_rate = 7.5                 # pulses/s: 7.5, 15 or 30\n\n";
    assessment::Rubric rubric = t.rubric;
    rubric.passScore = 70.0;
    for (assessment::Goal& g : rubric.goals) g.metric = filled(g.metric), g.reason = filled(g.reason);
    for (assessment::RubricMetric& m : rubric.metrics) m.name = filled(m.name), m.label = filled(m.label);
    for (assessment::CriticalError& c : rubric.critical) c.metric = filled(c.metric), c.reason = filled(c.reason);
    // Every session's dose: the one metric every procedure shares.
    rubric.metrics.push_back({"fluoro_time_s", "s", "Fluoroscopy time", 60.0, 300.0, 1.0});
    text += sim::rubricToml(rubric);
    return text;
}

// What a rubric may name, from the declarations of the procedure on this scenario.
std::string namesComment(const sim::Scenario& s, const sim::ProcedureSpec& spec) {
    std::string c = "# Metrics a session of this scenario reports, for [[rubric.metric]] name, [[rubric.goal]] metric\n"
                    "# and [[rubric.critical]] metric (with above or below):\n";
    std::vector<sim::MetricSpec> metrics = sim::imagingMetrics();
    for (const sim::MetricSpec& m : s.definition->metrics()) metrics.push_back(m);
    for (const sim::MetricSpec& m : metrics)
        c += "#   " + m.name + (m.unit.empty() ? "" : " (" + m.unit + ")") + ": " + m.label + "\n";
    c += "# Events, for [[rubric.critical]] event:\n";
    std::vector<sim::EventSpec> events = sim::imagingEvents();
    events.insert(events.end(), spec.events.begin(), spec.events.end());
    for (const sim::EventSpec& e : events) c += "#   " + e.kind + ": " + e.label + "\n";
    return c;
}

int newScenario() {
    NewArgs a = gNew;
    const sim::ProcedureSpec* spec = sim::findProcedure(a.procedure);
    if (!spec) {
        const std::string near = closestWord(a.procedure, sim::procedureNames());
        throw DataError("", 0, "--procedure", "unknown procedure '" + a.procedure + "'" +
                                                  (near.empty() ? "" : "; did you mean '" + near + "'?") + " (expected " +
                                                  joinWords(sim::procedureNames(), "or") + ")");
    }
    if (a.ct.empty() == (a.phantomSeed < 0))
        throw DataError("", 0, "--ct", "name either a CT (--ct PATH [--labels L]) or the phantom (--phantom SEED)");
    if (!a.labels.empty() && a.ct.empty()) throw DataError("", 0, "--labels", "--labels goes with --ct");
    if (a.target.empty()) a.target = spec->scenarioTemplate.target;
    if (a.target.empty()) throw DataError("", 0, "--target", "procedure '" + spec->name + "' has no default target: name one");
    if (fs::exists(a.out) && !a.force)
        throw DataError(a.out, 0, "--out", "the file exists; --force overwrites it");
    const fs::path dir = fs::path(a.out).parent_path();
    std::string text = scenarioText(a, *spec, dir);
    // The loader the run uses: what is written is a scenario (paths inside its folder or assets/
    // included), and the procedure's definition gives the metric names to list.
    const sim::Scenario parsed = sim::parseScenario(text, a.out);
    text += namesComment(parsed, *spec);
    if (!dir.empty()) fs::create_directories(dir);
    std::ofstream out(a.out, std::ios::binary);
    if (!out || !(out << text)) throw DataError(a.out, 0, "--out", "cannot write the file");
    std::printf("wrote %s (%s, target %s)\ncheck it with: irsim scenario check %s\n", a.out.c_str(), spec->name.c_str(),
                a.target.c_str(), a.out.c_str());
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
