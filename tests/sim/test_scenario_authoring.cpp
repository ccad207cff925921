// Scenario authoring in the loader: one load reports every problem it can find (each with its file,
// line and field, so `irsim scenario check` lists them all), and a scenario reads data only from its
// own folder or the project's assets/.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/paths.h"
#include "sim/scenario.h"

using namespace irsim;
namespace fs = std::filesystem;

namespace {

std::string shipped(const std::string& name) { return readTextFile(projectRoot() / "scenarios" / name); }

// Replaces the first `from` (which must be there) and returns the 1-based line it was on.
int replace(std::string& text, const std::string& from, const std::string& to) {
    const size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
}

std::vector<DataError> errorsOf(const std::string& text, const std::string& file) {
    try {
        sim::parseScenario(text, file);
    } catch (const sim::ScenarioErrors& e) {
        return e.errors();
    }
    return {};
}

}  // namespace

TEST_CASE("one load reports every misspelt key, every unknown rubric name and each section's wrong field",
          "[sim][scenario][authoring]") {
    std::string text = shipped("vertebroplasty-l1.toml");
    struct Expected {
        std::string marker, field, says;  // marker: the text now on the wrong line
        int line = 0;
    };
    std::vector<Expected> expected = {
        {"pass_mark = 70", "rubric.pass_mark", "unknown key 'pass_mark' (rubric takes critical, goal, metric and pass_score)"},
        {"levl = \"vertebrae_L1\"", "vertebroplasty.levl", "unknown key 'levl'; did you mean 'level'?"},
        {"name = \"cement_leek_ml\"", "rubric.metric[5].name",
         "procedure 'vertebroplasty' produces no metric 'cement_leek_ml'; did you mean 'cement_leak_ml'?"},
        {"event = \"breach.medal\"", "rubric.critical[0].event",
         "procedure 'vertebroplasty' produces no event 'breach.medal'; did you mean 'breach.medial'?"},
        {"lao_deg = \"left\"", "carm.lao_deg", "expected a number, got the text \"left\""},
        {"sed = 8", "patient.phantom.sed", "unknown key 'sed'; did you mean 'seed'?"},
    };
    replace(text, "pass_score = 70", "pass_mark = 70");
    replace(text, "level = \"vertebrae_L1\"", "levl = \"vertebrae_L1\"");
    replace(text, "name = \"cement_leak_ml\"", "name = \"cement_leek_ml\"");
    replace(text, "event = \"breach.medial\"", "event = \"breach.medal\"");
    replace(text, "lao_deg = 0", "lao_deg = \"left\"");
    replace(text, "seed = 7", "seed = 7\nsed = 8");
    for (Expected& e : expected) {
        const size_t at = text.find(e.marker);
        REQUIRE(at != std::string::npos);
        e.line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n'));
    }
    std::sort(expected.begin(), expected.end(), [](const Expected& a, const Expected& b) { return a.line < b.line; });
    const std::vector<DataError> errors = errorsOf(text, "v.toml");
    REQUIRE(errors.size() == expected.size());
    for (size_t i = 0; i < errors.size(); ++i) {
        INFO(errors[i].what());
        CHECK(errors[i].file() == "v.toml");
        CHECK(errors[i].line() == expected[i].line);
        CHECK(errors[i].field() == expected[i].field);
        CHECK_THAT(sim::messageOf(errors[i]), Catch::StartsWith(expected[i].says));
    }
    // What a run prints is the first, with how many more.
    try {
        sim::parseScenario(text, "v.toml");
    } catch (const DataError& e) {
        CHECK_THAT(e.what(), Catch::EndsWith("(and 5 more; `irsim scenario check v.toml` lists them all)"));
    }
}

TEST_CASE("a misspelt procedure section is an unknown key, and the procedure's keys are not blamed after its error",
          "[sim][scenario][authoring]") {
    std::string text = shipped("vertebroplasty-l1.toml");
    const int line = replace(text, "[vertebroplasty]", "[vertebroplsty]");
    std::vector<DataError> errors = errorsOf(text, "v.toml");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].line() == line);
    CHECK(sim::messageOf(errors[0]) == "unknown key 'vertebroplsty'; did you mean 'vertebroplasty'? (the sections are "
                                       "carm, patient, rubric, scenario and vertebroplasty)");
    // The procedure stops at its first wrong field: that one is reported, its other keys are not
    // called unknown, and the common sections are still checked.
    text = shipped("vertebroplasty-l1.toml");
    replace(text, "device = \"trocar_11g_diamond\"", "device = \"drill\"");
    replace(text, "sid_mm = 1100", "sid_m = 1100");
    errors = errorsOf(text, "v.toml");
    REQUIRE(errors.size() == 2);
    CHECK(errors[0].field() == "vertebroplasty.device");
    CHECK(errors[1].field() == "carm.sid_m");
}

TEST_CASE("a scenario reads data only from its own folder or the project's assets/", "[sim][scenario][authoring]") {
    const fs::path dir = fs::path(IRSIM_BINARY_DIR) / "test-output" / "scenario-confinement";
    fs::remove_all(dir);
    fs::create_directories(dir / "data");
    const std::string file = (dir / "s.toml").string();
    const std::string base = shipped("vertebroplasty-ct.toml");
    const std::string ctLine = "ct = \"../assets/patients/totalseg-example/example_ct_sm.nii.gz\"";
    const std::string labelsLine = "labels = \"../assets/patients/totalseg-example/example_seg.nii.gz\"";
    const auto withPaths = [&](const std::string& ct, const std::string& labels) {
        std::string t = base;
        replace(t, ctLine, "ct = \"" + ct + "\"");
        replace(t, labelsLine, "labels = \"" + labels + "\"");
        return t;
    };
    const std::string seg = (projectRoot() / "assets/patients/totalseg-example/example_seg.nii.gz").string();

    // Inside the folder (the file need not exist yet: the loader of the patient says so), and a
    // label map in assets/ by its absolute path.
    const sim::Scenario ok = sim::parseScenario(withPaths("data/ct.nii.gz", seg), file);
    CHECK(ok.patient.ctPath == (dir / "data/ct.nii.gz").string());
    CHECK(ok.patient.labelsPath == seg);

    // Out of the folder by "..", by an absolute path, and by a link inside the folder.
    fs::create_directory_symlink("/etc", dir / "data" / "etc");
    for (const std::string& outside : {std::string("../../../../../../../../../etc/passwd"), std::string("/etc/passwd"),
                                       std::string("data/etc/passwd"), std::string("data/../../s.nii.gz")}) {
        INFO(outside);
        const std::vector<DataError> errors = errorsOf(withPaths(outside, "data/labels.nii.gz"), file);
        REQUIRE(errors.size() == 1);
        CHECK(errors[0].field() == "patient.ct");
        CHECK(errors[0].line() == 1 + std::count(base.begin(), base.begin() + static_cast<long>(base.find(ctLine)), '\n'));
        CHECK_THAT(sim::messageOf(errors[0]), Catch::StartsWith("'" + outside + "' is ") &&
                                                   Catch::Contains("outside the scenario's folder"));
    }
    // Both fields named when both leave.
    const std::vector<DataError> both = errorsOf(withPaths("/etc/passwd", "../x.nii.gz"), file);
    REQUIRE(both.size() == 2);
    CHECK(both[0].field() == "patient.ct");
    CHECK(both[1].field() == "patient.labels");

    // The shipped scenario on the real CT reaches into assets/ and still loads.
    const sim::Scenario shippedCt = sim::loadScenario((projectRoot() / "scenarios" / "vertebroplasty-ct.toml").string());
    CHECK(fs::exists(shippedCt.patient.ctPath));
    CHECK(fs::exists(shippedCt.patient.labelsPath));
}

TEST_CASE("a rubric written as TOML reads back to the same rubric", "[sim][scenario][authoring]") {
    for (const char* name : {"vertebroplasty-l1.toml", "celiac-angiography.toml", "ablation-liver-hcc.toml"}) {
        INFO(name);
        const std::string text = shipped(name);
        const sim::Scenario a = sim::parseScenario(text, name);
        // Everything before [rubric] (the rubric is the last section of each), then the rubric written.
        const size_t at = text.find("\n[rubric]");
        REQUIRE(at != std::string::npos);
        for (size_t h = text.find("\n[", at + 1); h != std::string::npos; h = text.find("\n[", h + 1))
            REQUIRE(text.compare(h, 10, "\n[[rubric.") == 0);
        const sim::Scenario b = sim::parseScenario(text.substr(0, at + 1) + sim::rubricToml(a.rubric), name);
        CHECK(b.rubric.passScore == a.rubric.passScore);
        REQUIRE(b.rubric.metrics.size() == a.rubric.metrics.size());
        for (size_t i = 0; i < a.rubric.metrics.size(); ++i) {
            const auto &x = a.rubric.metrics[i], &y = b.rubric.metrics[i];
            CHECK((x.name == y.name && x.unit == y.unit && x.label == y.label));
            CHECK((x.fullMarksAt == y.fullMarksAt && x.zeroAt == y.zeroAt && x.weight == y.weight));
        }
        REQUIRE(b.rubric.goals.size() == a.rubric.goals.size());
        for (size_t i = 0; i < a.rubric.goals.size(); ++i) {
            const auto &x = a.rubric.goals[i], &y = b.rubric.goals[i];
            CHECK((x.metric == y.metric && x.reason == y.reason && x.atLeast == y.atLeast && x.atMost == y.atMost));
        }
        REQUIRE(b.rubric.critical.size() == a.rubric.critical.size());
        for (size_t i = 0; i < a.rubric.critical.size(); ++i) {
            const auto &x = a.rubric.critical[i], &y = b.rubric.critical[i];
            CHECK((x.eventKind == y.eventKind && x.metric == y.metric && x.reason == y.reason && x.above == y.above &&
                   x.below == y.below));
        }
    }
}

TEST_CASE("a scenario's pulse rate is one the C-arm offers", "[sim][scenario][authoring]") {
    std::string text = shipped("carm-positioning-l1.toml");
    replace(text, "pulse_rate = 7.5", "pulse_rate = 10");
    const std::vector<DataError> errors = errorsOf(text, "c.toml");
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].field() == "carm.pulse_rate");
    CHECK(sim::messageOf(errors[0]) == "expected 7.5, 15 or 30 pulses/s (the low, normal and high programmes), got 10");
    for (const char* rate : {"7.5", "15", "30"}) {
        std::string ok = shipped("carm-positioning-l1.toml");
        replace(ok, "pulse_rate = 7.5", std::string("pulse_rate = ") + rate);
        CHECK(sim::parseScenario(ok, "c.toml").pulseRatePps == std::stod(rate));
    }
}
