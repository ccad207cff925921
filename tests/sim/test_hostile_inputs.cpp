// Hostile action logs and scenarios (issue 15): each one crashed irsim, hung it, or was accepted in
// silence; each must now be a DataError naming the file, the line and the field, before the JSON or
// TOML parser can recurse out of stack or the session can act on it.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/log.h"
#include "core/paths.h"
#include "sim/action.h"
#include "sim/scenario.h"
#include "sim/session.h"
#include "synthetic_patient.h"

using namespace irsim;

namespace {

std::string tempPath(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("irsim-hostile-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}

template <class Fn>
std::string errorOf(const Fn& fn) {
    try {
        fn();
    } catch (const DataError& e) {
        return e.what();
    }
    return "";
}

std::string shipped(const std::string& name) { return readTextFile(projectRoot() / "scenarios" / name); }

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    return text.replace(at, from.size(), to);
}

std::string nested(int depth) { return std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']'); }

const char* kCarmScenario = R"([scenario]
title = "C-arm"
procedure = "carm-positioning"
target = "vertebrae_L1"

[patient.phantom]
seed = 5

[[goal.view]]
name = "ap"
lao_deg = 0

[[rubric.metric]]
name = "fluoro_time_s"
full_marks_at = 1
zero_at = 10
)";

}  // namespace

TEST_CASE("action lines nested or long enough to overflow the stack are refused before parsing", "[sim][actions][hostile]") {
    const std::string head = R"({"t":3.0,"action":"fluoro.on","x":)";
    // The issue's line: 100,000 levels, 200 KB.
    CHECK(errorOf([&] { sim::parseActionLine(head + nested(100000) + "}", "log.jsonl", 3); }) ==
          "log.jsonl:3: the line is 200035 bytes; an action line is at most 65536");
    CHECK(errorOf([&] { sim::parseActionLine(head + nested(32) + "}", "log.jsonl", 3); }) ==
          "log.jsonl:3: arrays and objects nested deeper than 32 levels (at column 66)");
    // 31 levels in the value, 32 with the line's own object: read.
    CHECK(sim::parseActionLine(head + nested(31) + "}", "log.jsonl", 3).args.at("x").is_array());
    // Brackets inside text do not nest.
    CHECK(sim::parseActionLine(head + "\"" + std::string(100, '[') + "\\\"\"}", "log.jsonl", 3).args.at("x").is_string());
    // A number no double holds is named with the file and line, not only by the JSON library.
    CHECK(errorOf([] { sim::parseActionLine(R"({"t":1e999,"action":"fluoro.on"})", "log.jsonl", 4); }) ==
          "log.jsonl:4: not valid JSON: [json.exception.out_of_range.406] number overflow parsing '1e999'");
}

TEST_CASE("contrast injected at 1e308 mm is refused at submit, nothing is searched", "[sim][actions][hostile]") {
    // The line of issue 15 that overflowed every distance to infinity and indexed nodes[-1].
    const std::string log = tempPath("inject.jsonl");
    std::ofstream(log) << R"({"t":3.0,"action":"contrast.inject","ml":100,"at":[1e308,1e308,1e308]})" << "\n";
    sim::Session s(sim::parseScenario(kCarmScenario, "c.toml"), test::cylinderPatient());
    const std::vector<sim::Action> actions = sim::readActionLog(log);
    REQUIRE(actions.size() == 1);
    CHECK_THAT(errorOf([&] { s.submit(actions[0]); }),
               Catch::StartsWith(log + ":1: at: expected a landmark or branch name, or [x, y, z]"));
}

TEST_CASE("an empty or comment-only action log warns, and a device is not read as one", "[sim][actions][hostile]") {
    const std::string log = tempPath("empty.jsonl");
    std::ofstream(log) << "# nothing happened\n\n";
    std::vector<std::string> warnings;
    log::setSink([&](log::Level level, const std::string& m) {
        if (level == log::Level::Warning) warnings.push_back(m);
    });
    CHECK(sim::readActionLog(log).empty());
    log::setSink(nullptr);
    CHECK(warnings == std::vector<std::string>{log + ": the action log holds no action (empty, or comments only)"});
    CHECK(errorOf([] { sim::readActionLog("/dev/zero"); }) ==
          "/dev/zero: cannot open the action log: not a regular file (a device, FIFO or socket)");
}

TEST_CASE("a scenario's keys are bounded before the TOML parser recurses", "[sim][scenario][hostile]") {
    const std::string base = shipped("carm-positioning-l1.toml");
    // A dotted key of 200,000 parts overflowed the stack inside toml++.
    std::string key = "a";
    for (int i = 1; i < 200000; ++i) key += ".a";
    CHECK(errorOf([&] { sim::parseScenario(key + " = 1\n" + base, "s.toml"); }) ==
          "s.toml:1: the line is 400003 bytes; a scenario line is at most 4096");
    // The longest key a line allows (2,046 parts) parses, and is refused for its depth.
    key = "a";
    for (int i = 1; i < 2046; ++i) key += ".a";
    std::string at33 = "a";
    for (int i = 1; i < 33; ++i) at33 += ".a";
    CHECK(errorOf([&] { sim::parseScenario(key + " = 1\n" + base, "s.toml"); }) ==
          "s.toml:1: " + at33 + ": tables and arrays nested deeper than 32 levels");
    CHECK(errorOf([] { sim::loadScenario("/dev/zero"); }) ==
          "/dev/zero: cannot open a text file: not a regular file (a device, FIFO or socket)");
}

TEST_CASE("a shipped scenario with an unknown key or section, or an empty path, is refused", "[sim][scenario][hostile]") {
    const std::string carm = shipped("carm-positioning-l1.toml");
    CHECK_THAT(errorOf([&] { sim::parseScenario(carm + "\n[fluoroscopy]\nkv = 80\n", "c.toml"); }),
               Catch::Contains("c.toml:") && Catch::Contains("fluoroscopy: unknown key 'fluoroscopy'"));
    CHECK_THAT(errorOf([&] { sim::parseScenario(replaced(carm, "[carm]\n", "[carm]\nlao = 30\n"), "c.toml"); }),
               Catch::Contains("carm.lao: unknown key 'lao'"));
    const std::string ct = shipped("vertebroplasty-ct.toml");
    const std::string ctLine = "ct = \"../assets/patients/totalseg-example/example_ct_sm.nii.gz\"";
    const std::string labelsLine = "labels = \"../assets/patients/totalseg-example/example_seg.nii.gz\"";
    // In the shipped scenarios' folder, where "../assets/..." is inside the project's assets/.
    const std::string v = std::string(IRSIM_SOURCE_DIR) + "/scenarios/v.toml";
    // The lines of the shipped file, wherever an edit to it moves them.
    const auto lineOf = [&](const std::string& text) {
        return std::to_string(1 + std::count(ct.begin(), ct.begin() + static_cast<long>(ct.find(text)), '\n'));
    };
    CHECK(errorOf([&] { sim::parseScenario(replaced(ct, ctLine, "ct = \"\""), v); }) ==
          v + ":" + lineOf(ctLine) + ": patient.ct: expected a file name, got an empty text");
    CHECK(errorOf([&] { sim::parseScenario(replaced(ct, labelsLine, "labels = \"\""), v); }) ==
          v + ":" + lineOf(labelsLine) + ": patient.labels: expected a file name, got an empty text");
}

TEST_CASE("a phantom finer than 1 mm is refused: 0.5 mm took 69 s and 3.5 GB", "[sim][scenario][hostile]") {
    const std::string carm = shipped("carm-positioning-l1.toml");
    const std::string fine = replaced(carm, "voxel_mm = 2.0", "voxel_mm = 0.5");
    const std::string line = std::to_string(1 + std::count(carm.begin(), carm.begin() + static_cast<long>(carm.find("voxel_mm = 2.0")), '\n'));
    CHECK(errorOf([&] { sim::parseScenario(fine, "c.toml"); }) ==
          "c.toml:" + line + ": patient.phantom.voxel_mm: expected a number from 1 to 5, got 0.5");
    CHECK(sim::parseScenario(replaced(carm, "voxel_mm = 2.0", "voxel_mm = 1.0"), "c.toml").patient.phantomVoxelMm == 1.0);
}
