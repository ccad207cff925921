// The report carries the rubric the session was scored with and the version (content hash) of the
// scenario file it ran on, so `irsim debrief REPORT` shows the same targets, limits and labels when
// the scenario file is gone, and does not take them from a file that has changed since.
#include <filesystem>
#include <fstream>
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "app/debrief_source.h"
#include "core/paths.h"
#include "core/state_hash.h"
#include "run_irsim.h"

using namespace irsim;
using namespace irsim::test;
namespace fs = std::filesystem;

namespace {

std::string replacedAll(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

}  // namespace

TEST_CASE("the debrief of a report whose scenario file is gone shows the rubric the session was scored with",
          "[app][debrief]") {
    const fs::path dir = freshDir("debrief-scenario-gone");
    fs::create_directories(dir / "scenarios");
    // A copy of the C-arm exercise under an id that scenarios/ does not hold.
    const std::string text = readTextFile(projectRoot() / "scenarios" / "carm-positioning-l1.toml");
    const fs::path scenario = dir / "scenarios" / "authoring-gone-l1.toml";
    std::ofstream(scenario, std::ios::binary) << text;
    const std::string expert = std::string(IRSIM_SOURCE_DIR) + "/scenarios/carm-positioning-l1.expert.jsonl";
    const fs::path report = dir / "report.json";
    const std::string irsim = "cd " + quoted(dir.string()) + " && env -u DISPLAY -u WAYLAND_DISPLAY IRSIM_ROOT=" +
                              quoted(IRSIM_SOURCE_DIR) + " " + quoted(IRSIM_EXE);
    ProgramResult r = runShell(irsim + " run " + quoted(scenario.string()) + " --headless --actions " + quoted(expert) +
                               " --report " + quoted(report.string()) + " 2>&1");
    INFO(r.out);
    REQUIRE(r.status == 0);
    const nlohmann::json j = nlohmann::json::parse(readTextFile(report));
    // The version: FNV-1a 64 of the file's bytes.
    CHECK(j["scenario_fnv1a64"] == StateHash::hexOf(StateHash().bytes(text.data(), text.size()).value()));
    CHECK(j["rubric"]["pass_score"] == 70);

    // With the scenario (named explicitly), then without it: the same rows, targets, limits, weights.
    app::DebriefRequest withFile{report.string(), "", false, "", "", scenario.string()};
    const app::LoadedDebrief a = app::loadDebrief(withFile);
    REQUIRE(a.scenario);
    fs::remove(scenario);
    const app::LoadedDebrief b = app::loadDebrief({report.string(), "", false, "", "", ""});
    CHECK_FALSE(b.scenario);
    CHECK(b.debrief.passScore == a.debrief.passScore);
    REQUIRE(b.debrief.metrics.size() == a.debrief.metrics.size());
    REQUIRE(a.scenario->rubric.metrics.size() >= 6);
    for (size_t i = 0; i < a.debrief.metrics.size(); ++i) {
        const auto &x = a.debrief.metrics[i], &y = b.debrief.metrics[i];
        INFO(x.name);
        CHECK(y.name == x.name);
        CHECK(y.label == x.label);
        CHECK(y.target == x.target);
        CHECK(y.limit == x.limit);
        CHECK(y.weight == x.weight);
        CHECK(y.critical == x.critical);
        CHECK(y.marks == x.marks);
    }
    // The exercise's figures, as the TOML gives them: AP angle error, full marks at 2 deg, none at 10, weight 3.
    const auto ap = std::find_if(b.debrief.metrics.begin(), b.debrief.metrics.end(),
                                 [](const auto& m) { return m.name == "view_ap_angle_error_deg"; });
    REQUIRE(ap != b.debrief.metrics.end());
    CHECK(ap->label == "AP view angle error");
    CHECK(ap->target == 2.0);
    CHECK(ap->limit == 10.0);
    CHECK(ap->weight == 3.0);
    // The program prints the rubric's labels, not bare metric names.
    r = runShell(irsim + " debrief " + quoted(report.string()) + " 2>&1");
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("AP view angle error"));

    // A scenario of that id found again but changed since: its rubric is not the session's, so the
    // report's is shown; --scenario FILE takes the file whatever its version.
    std::ofstream(scenario, std::ios::binary) << replacedAll(text, "AP view angle error", "Changed label");
    r = runShell(irsim + " debrief " + quoted(report.string()) + " 2>&1");
    CHECK_THAT(r.out, Catch::Contains("AP view angle error") && !Catch::Contains("Changed label"));
    r = runShell(irsim + " debrief " + quoted(report.string()) + " --scenario " + quoted(scenario.string()) + " 2>&1");
    CHECK_THAT(r.out, Catch::Contains("Changed label"));
}
