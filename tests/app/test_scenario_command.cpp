// `irsim scenario check` and `irsim scenario new`: every problem listed as file:line: field: message,
// warnings for what a run accepts but an instructor would not want, the exit status (0 clean,
// 1 warnings only, 2 errors), and a new scenario for each registered procedure that checks clean
// and runs, failing a trainee who does nothing.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "core/paths.h"
#include "patient/labels.h"
#include "patient/nifti.h"
#include "run_irsim.h"
#include "sim/procedure.h"
#include "sim/scenario.h"

using namespace irsim;
using namespace irsim::test;
namespace fs = std::filesystem;

namespace {

const std::string kAssets = IRSIM_ASSETS_DIR;
const std::string kCt = exampleCt();
const std::string kSeg = exampleLabels();

ProgramResult irsimRun(const std::string& args) { return runShell(quoted(IRSIM_EXE) + " " + args + " 2>&1"); }

void writeText(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

size_t countOf(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// A C-arm positioning exercise on the real CT (the least a procedure needs of a patient).
std::string carmOnCt(const std::string& ct, const std::string& labels, const std::string& target, bool goals) {
    std::string t = "[scenario]\ntitle = \"t\"\nprocedure = \"carm-positioning\"\ntarget = \"" + target + "\"\n"
                    "[patient]\nct = \"" + ct + "\"\nlabels = \"" + labels + "\"\n"
                    "[[goal.view]]\nname = \"ap\"\nlao_deg = 0\ncran_deg = 0\n"
                    "[rubric]\n";
    if (goals) t += "[[rubric.goal]]\nmetric = \"view_ap_angle_error_deg\"\nat_most = 20\nreason = \"no AP view\"\n";
    t += "[[rubric.metric]]\nname = \"fluoro_time_s\"\nfull_marks_at = 20\nzero_at = 90\n";
    return t;
}

}  // namespace

TEST_CASE("every shipped scenario checks clean", "[app][scenario]") {
    std::string files;
    size_t n = 0;
    for (const auto& e : fs::directory_iterator(fs::path(IRSIM_SOURCE_DIR) / "scenarios"))
        if (e.path().extension() == ".toml") files += " " + quoted(e.path().string()), ++n;
    REQUIRE(n >= 6);
    const ProgramResult r = irsimRun("scenario check" + files);
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK(countOf(r.out, ": ok\n") == n);
    CHECK(r.out.find("warning") == std::string::npos);
}

TEST_CASE("scenario check lists every problem of every file as file:line: field: message", "[app][scenario]") {
    const fs::path dir = freshDir("scenario-check-errors");
    std::string text = readTextFile(fs::path(IRSIM_SOURCE_DIR) / "scenarios" / "vertebroplasty-l1.toml");
    const auto swap = [&](const std::string& from, const std::string& to) {
        const size_t at = text.find(from);
        REQUIRE(at != std::string::npos);
        text.replace(at, from.size(), to);
        return 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
    };
    const long passLine = swap("pass_score = 70", "pass_mark = 70");
    const long eventLine = swap("event = \"breach.medial\"", "event = \"breach.medal\"");
    const fs::path bad = dir / "bad.toml";
    writeText(bad, text);
    // A second file with one error: the check goes on to it.
    const fs::path missing = dir / "missing.toml";
    writeText(missing, carmOnCt("no-such-ct.nii.gz", "no-such-labels.nii.gz", "vertebrae_L1", true));
    const ProgramResult r = irsimRun("scenario check " + quoted(bad.string()) + " " + quoted(missing.string()));
    INFO(r.out);
    CHECK(r.status == 2);
    CHECK_THAT(r.out, Catch::Contains(bad.string() + ":" + std::to_string(passLine) +
                                      ": rubric.pass_mark: unknown key 'pass_mark' (rubric takes critical, goal, metric and pass_score)"));
    CHECK_THAT(r.out, Catch::Contains(bad.string() + ":" + std::to_string(eventLine) +
                                      ": rubric.critical[0].event: procedure 'vertebroplasty' produces no event "
                                      "'breach.medal'; did you mean 'breach.medial'?"));
    CHECK_THAT(r.out, Catch::Contains(bad.string() + ": 2 errors, 0 warnings"));
    // A missing CT names the scenario's field and line, not only the path the loader tried.
    CHECK_THAT(r.out, Catch::Contains(missing.string() + ":6: patient.ct: "));
    CHECK_THAT(r.out, Catch::Contains(missing.string() + ": 1 error, 0 warnings"));

    // A level the label map does not hold: the nearest one, and every level it does hold.
    const fs::path level = dir / "level.toml";
    writeText(level, carmOnCt(kCt, kSeg, "vertebrae_L9", true));
    const ProgramResult l = irsimRun("scenario check " + quoted(level.string()));
    INFO(l.out);
    CHECK(l.status == 2);
    CHECK_THAT(l.out, Catch::Contains(level.string() + ":4: scenario.target: the patient has no structure 'vertebrae_L9'; "
                                                       "did you mean 'vertebrae_L"));
    const patient::LabelMap seg = patient::loadNiftiLabels(kSeg);
    const patient::LabelTable& names = patient::totalSegmentatorLabels();
    size_t levels = 0;
    for (const auto& [value, name] : names)
        if (name.rfind("vertebrae_", 0) == 0 && std::find(seg.voxels.begin(), seg.voxels.end(), value) != seg.voxels.end()) {
            CHECK_THAT(l.out, Catch::Contains(name));
            ++levels;
        }
    CHECK(levels >= 3);
    CHECK(countOf(l.out, "vertebrae_") == levels + 2);  // the list, the name asked for and the nearest
}

TEST_CASE("scenario check warns of a rubric that a session doing nothing passes", "[app][scenario]") {
    const fs::path dir = freshDir("scenario-check-nothing");
    // In assets/ by absolute paths: allowed.
    const fs::path noGoal = dir / "nogoal.toml";
    writeText(noGoal, carmOnCt(kCt, kSeg, "vertebrae_L1", false));
    ProgramResult r = irsimRun("scenario check " + quoted(noGoal.string()));
    INFO(r.out);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains(noGoal.string() + ":12: rubric: warning: no [[rubric.goal]]"));
    // No fluoroscopy at all is at or under full_marks_at (20 s): full marks, 100.
    CHECK_THAT(r.out, Catch::Contains(noGoal.string() +
                                      ":12: rubric: warning: a session that does nothing (only session.start) passes with 100.0"));
    CHECK_THAT(r.out, Catch::Contains(noGoal.string() + ": 0 errors, 2 warnings"));
    // With the view as a goal, doing nothing misses it: clean.
    const fs::path withGoal = dir / "goal.toml";
    writeText(withGoal, carmOnCt(kCt, kSeg, "vertebrae_L1", true));
    r = irsimRun("scenario check " + quoted(withGoal.string()));
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains(withGoal.string() + ": ok"));
}

TEST_CASE("scenario check warns of a target cut by the scan and of bone labels that are not bone on the CT",
          "[app][scenario]") {
    const fs::path dir = freshDir("scenario-check-ct");
    const patient::LabelMap seg = patient::loadNiftiLabels(kSeg);
    const glm::ivec3 n = seg.geometry.dims;
    // A level on one face of the scan and not the opposite one (cut off), and one on no face.
    std::string cut, whole;
    for (const char* level : {"T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5"}) {
        const uint16_t v = *patient::labels::vertebra(level);
        bool present = false, low[3] = {}, high[3] = {};
        for (int k = 0; k < n.z; ++k)
            for (int j = 0; j < n.y; ++j)
                for (int i = 0; i < n.x; ++i)
                    if (seg.at(i, j, k) == v) {
                        present = true;
                        const glm::ivec3 c(i, j, k);
                        for (int a = 0; a < 3; ++a) low[a] = low[a] || c[a] == 0, high[a] = high[a] || c[a] == n[a] - 1;
                    }
        bool oneSided = false, onEdge = false;
        for (int a = 0; a < 3; ++a) oneSided = oneSided || low[a] != high[a], onEdge = onEdge || low[a] || high[a];
        if (present && oneSided && cut.empty()) cut = std::string("vertebrae_") + level;
        if (present && !onEdge && whole.empty()) whole = std::string("vertebrae_") + level;
    }
    REQUIRE(!cut.empty());
    REQUIRE(!whole.empty());
    const fs::path atEdge = dir / "edge.toml";
    writeText(atEdge, carmOnCt(kCt, kSeg, cut, true));
    ProgramResult r = irsimRun("scenario check " + quoted(atEdge.string()));
    INFO(r.out);
    CHECK(r.status == 1);
    CHECK_THAT(r.out, Catch::Contains(atEdge.string() + ":4: scenario.target: warning: '" + cut +
                                      "' reaches the edge of the volume"));
    const fs::path inside = dir / "inside.toml";
    writeText(inside, carmOnCt(kCt, kSeg, whole, true));
    CHECK(irsimRun("scenario check " + quoted(inside.string())).status == 0);

    // A label map that is not this CT's: L1 marked over the air in a corner of the scan (away from
    // its faces). Its mean CT number is that of the voxels under it.
    const patient::CtVolume ct = patient::loadNiftiCt(kCt);
    patient::LabelMap wrong;
    wrong.geometry = ct.geometry;
    wrong.voxels.assign(ct.voxels.size(), 0);
    double sum = 0.0;
    int count = 0;
    for (int k = n.z / 2; k < n.z / 2 + 4; ++k)
        for (int j = 2; j < 6; ++j)
            for (int i = 2; i < 6; ++i) {
                wrong.at(i, j, k) = *patient::labels::vertebra("L1");
                sum += ct.at(i, j, k), ++count;
            }
    const double mean = sum / count;
    REQUIRE(mean < 100.0);
    patient::writeNifti((dir / "wrong_seg.nii.gz").string(), wrong);
    const fs::path wrongLabels = dir / "wrong.toml";
    writeText(wrongLabels, carmOnCt(kCt, "wrong_seg.nii.gz", "vertebrae_L1", true));
    r = irsimRun("scenario check " + quoted(wrongLabels.string()));
    INFO(r.out);
    CHECK(r.status == 1);
    char expected[64];
    std::snprintf(expected, sizeof expected, "the bone labels average %.0f HU on the CT", mean);
    CHECK_THAT(r.out, Catch::Contains(wrongLabels.string() + ":7: patient.labels: warning: " + expected));

    // The CT's own label map on a grid of every second voxel (6 mm): resampled when it loads, and
    // named as not the CT's grid.
    patient::LabelMap coarse;
    coarse.geometry = seg.geometry;
    coarse.geometry.dims = (n + 1) / 2;
    coarse.geometry.spacing = seg.geometry.spacing * 2.0;
    coarse.voxels.resize(coarse.geometry.voxelCount());
    for (int k = 0; k < coarse.geometry.dims.z; ++k)
        for (int j = 0; j < coarse.geometry.dims.y; ++j)
            for (int i = 0; i < coarse.geometry.dims.x; ++i) coarse.at(i, j, k) = seg.at(2 * i, 2 * j, 2 * k);
    patient::writeNifti((dir / "coarse_seg.nii.gz").string(), coarse);
    const fs::path coarseLabels = dir / "coarse.toml";
    writeText(coarseLabels, carmOnCt(kCt, "coarse_seg.nii.gz", "vertebrae_L1", true));
    r = irsimRun("scenario check " + quoted(coarseLabels.string()));
    INFO(r.out);
    CHECK(r.status == 1);
    const auto grid = [](const glm::ivec3& d, double mm) {
        char b[96];
        std::snprintf(b, sizeof b, "%d x %d x %d voxels of %g x %g x %g mm", d.x, d.y, d.z, mm, mm, mm);
        return std::string(b);
    };
    REQUIRE(seg.geometry.spacing.x == 3.0);
    CHECK_THAT(r.out, Catch::Contains(coarseLabels.string() + ":7: patient.labels: warning: the label map's grid (" +
                                      grid(coarse.geometry.dims, 6.0)) &&
                          Catch::Contains("is not the CT's (" + grid(n, 3.0)));
}

TEST_CASE("scenario new writes, for every registered procedure, a scenario that checks clean and fails a session "
          "doing nothing", "[app][scenario]") {
    const fs::path dir = freshDir("scenario-new");
    for (const std::string& procedure : sim::procedureNames()) {
        INFO(procedure);
        const fs::path file = dir / (procedure + ".toml");
        ProgramResult r = irsimRun("scenario new --procedure " + procedure + " --phantom 7 --voxel-mm 3 --out " +
                                   quoted(file.string()));
        INFO(r.out);
        REQUIRE(r.status == 0);
        const std::string text = readTextFile(file);
        // The template names the metrics the procedure declares, for the instructor's rubric.
        const sim::Scenario s = sim::loadScenario(file.string());
        for (const sim::MetricSpec& m : s.definition->metrics()) CHECK(text.find("#   " + m.name) != std::string::npos);
        r = irsimRun("scenario check " + quoted(file.string()));
        INFO(r.out);
        CHECK(r.status == 0);
        CHECK_THAT(r.out, Catch::Contains(file.string() + ": ok"));
        // It runs, and a trainee who does nothing misses the procedure's goal.
        const fs::path log = dir / (procedure + ".nothing.jsonl");
        writeText(log, "{\"t\": 0.0, \"action\": \"session.start\", \"scenario\": \"" + procedure + "\"}\n");
        const fs::path report = dir / (procedure + ".report.json");
        r = irsimRun("run " + quoted(file.string()) + " --headless --actions " + quoted(log.string()) + " --report " +
                     quoted(report.string()));
        INFO(r.out);
        CHECK(r.status == 4);
        const nlohmann::json j = nlohmann::json::parse(readTextFile(report));
        CHECK_FALSE(j["passed"].get<bool>());
        CHECK_THAT(j["reasons"][0].get<std::string>(), Catch::Contains("goal not reached"));
    }
    // Refused: an unknown procedure (with the nearest), an existing file, both a CT and a phantom.
    ProgramResult r = irsimRun("scenario new --procedure vertebroplsty --phantom 1 --out " + quoted((dir / "x.toml").string()));
    CHECK(r.status == 2);
    CHECK_THAT(r.out, Catch::Contains("--procedure: unknown procedure 'vertebroplsty'; did you mean 'vertebroplasty'?"));
    r = irsimRun("scenario new --procedure vertebroplasty --phantom 1 --out " + quoted((dir / "ablation.toml").string()));
    CHECK(r.status == 2);
    CHECK_THAT(r.out, Catch::Contains("the file exists; --force overwrites it"));
}

TEST_CASE("scenario new on the real CT writes paths relative to the file and checks clean", "[app][scenario]") {
    const fs::path dir = freshDir("scenario-new-ct");
    const fs::path file = dir / "l1.toml";
    ProgramResult r = irsimRun("scenario new --procedure vertebroplasty --ct " + quoted(kCt) + " --labels " + quoted(kSeg) +
                               " --target vertebrae_L1 --out " + quoted(file.string()));
    INFO(r.out);
    REQUIRE(r.status == 0);
    const sim::Scenario s = sim::loadScenario(file.string());
    CHECK(fs::equivalent(s.patient.ctPath, kCt));
    CHECK(fs::equivalent(s.patient.labelsPath, kSeg));
    CHECK(readTextFile(file).find("ct = \"../") != std::string::npos);  // relative, not absolute
    r = irsimRun("scenario check " + quoted(file.string()));
    INFO(r.out);
    CHECK(r.status == 0);
    // Without a display, a scenario with no example log beside it says what to do instead.
    r = runShell("env -u DISPLAY -u WAYLAND_DISPLAY " + quoted(IRSIM_EXE) + " run " + quoted(file.string()) + " 2>&1");
    CHECK(r.status == 2);
    CHECK_THAT(r.out, Catch::Contains("no display (DISPLAY is not set) and no example log " + (dir / "l1.expert.jsonl").string()));
    // A CT outside the file's folder and assets/ is refused, naming the field.
    const fs::path elsewhere = freshDir("scenario-new-elsewhere");
    fs::copy_file(kCt, elsewhere / "ct.nii.gz");
    r = irsimRun("scenario new --procedure vertebroplasty --ct " + quoted((elsewhere / "ct.nii.gz").string()) +
                 " --out " + quoted((dir / "far.toml").string()));
    CHECK(r.status == 2);
    CHECK_THAT(r.out, Catch::Contains("patient.ct: ") && Catch::Contains("outside the scenario's folder"));
    CHECK_FALSE(fs::exists(dir / "far.toml"));
}
