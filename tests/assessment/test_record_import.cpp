// A session record from the report and action log a session leaves on disk.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "assessment/record_import.h"
#include "core/error.h"
#include "records_fixtures.h"

using namespace irsim::assessment;
using nlohmann::json;

namespace {

// The fields sim/report.cpp writes (schema irsim.report/1).
json sampleReport() {
    return json{{"schema", "irsim.report/1"},
                {"scenario", "carm-positioning-l1"},
                {"title", "C-arm positioning: L1 pedicles"},
                {"procedure", "vertebroplasty"},
                {"patient", "phantom:spine"},
                {"duration_s", 184.5},
                {"end_reason", "procedure complete"},
                {"events", json::array({{{"time_s", 3.0}, {"kind", "fluoro.on"}, {"details", ""}},
                                        {{"time_s", 9.25}, {"kind", "fluoro.off"}, {"details", "6.25 s"}}})},
                {"metrics", {{"fluoro_time_s", {{"value", 6.25}, {"unit", "s"}}},
                             {"shots", {{"value", 3}, {"unit", ""}}}}},
                {"marks", json::array()},
                {"score", 82.5},
                {"passed", true},
                {"reasons", json::array({"Passed: score 82.5 is at or above the pass mark 70."})},
                {"images", json::array()}};
}

}  // namespace

TEST_CASE("a report and its action log become a stored session with the trainee and start time", "[records]") {
    const std::string url = testing::freshSqliteUrl("import");
    const auto dir = std::filesystem::path(url.substr(7)).parent_path();  // removed when the test exits
    const auto reportPath = (dir / "report.json").string();
    const auto logPath = (dir / "actions.jsonl").string();
    std::ofstream(reportPath) << sampleReport().dump(2);
    const std::string log = "{\"t\": 0, \"action\": \"fluoro.on\"}\n{\"t\": 9.25, \"action\": \"fluoro.off\"}\n";
    std::ofstream(logPath) << log;

    RecordStore store = RecordStore::open(url);
    const auto id = addSessionFromFiles(store, "resident-7", "2024-05-01T09:30:00+02:00", reportPath, logPath);
    const SessionRecord r = *store.session(id);
    CHECK(r.trainee == "resident-7");
    CHECK(r.startedAt == "2024-05-01T09:30:00+02:00");
    CHECK(r.scenario == "carm-positioning-l1");
    CHECK(r.duration_s == 184.5);
    CHECK(r.score == 82.5);
    CHECK(r.passed);
    CHECK(r.metrics.at("fluoro_time_s").value == 6.25);
    CHECK(r.metrics.at("shots").value == 3.0);
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1].details == "6.25 s");
    CHECK(r.actionLog == log);
    CHECK(r.actionLogPath == logPath);
    CHECK(json::parse(r.reportJson) == sampleReport());
}

TEST_CASE("a report missing a field or of another schema is refused naming the field", "[records]") {
    const SessionSource src{"resident-7", "2024-05-01T09:30:00Z", "report.json", "", ""};
    json bad = sampleReport();
    bad.erase("score");
    try {
        recordFromReport(bad, src);
        FAIL("accepted a report without a score");
    } catch (const irsim::DataError& e) {
        CHECK(e.file() == "report.json");
        CHECK(e.field() == "score");
    }
    bad = sampleReport();
    bad["metrics"]["shots"]["value"] = "three";
    try {
        recordFromReport(bad, src);
        FAIL("accepted a metric that is not a number");
    } catch (const irsim::DataError& e) {
        CHECK(e.field() == "metrics.shots.value");
    }
    bad = sampleReport();
    bad["schema"] = "irsim.report/9";
    CHECK_THROWS_AS(recordFromReport(bad, src), irsim::DataError);
}
