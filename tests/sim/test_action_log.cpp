#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "sim/action.h"

using namespace irsim;

namespace {
std::string tempPath(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("irsim-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    return (dir / name).string();
}
void writeFile(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
}
}  // namespace

TEST_CASE("an action line is read with its time, name and arguments", "[sim][actions]") {
    sim::Action a = sim::parseActionLine(R"({"t": 1.25, "action": "carm.rotate", "dlao_deg": -5})", "log", 3);
    CHECK(a.time_s == 1.25);
    CHECK(a.kind == "carm.rotate");
    CHECK(a.number("dlao_deg", 0.0) == -5.0);
    CHECK(a.number("dcran_deg", 7.0) == 7.0);
    CHECK(sim::toJsonLine(a) == R"({"t":1.25,"action":"carm.rotate","dlao_deg":-5})");
}

TEST_CASE("a malformed action log names the file, the line and the field", "[sim][actions]") {
    const std::string p = tempPath("bad.jsonl");
    writeFile(p, "{\"t\":0,\"action\":\"fluoro.on\"}\n\n{\"t\":\"soon\",\"action\":\"fluoro.off\"}\n");
    try {
        sim::readActionLog(p);
        FAIL("no error");
    } catch (const DataError& e) {
        CHECK(e.line() == 3);
        CHECK(e.field() == "t");
        CHECK_THAT(e.what(), Catch::Contains(p + ":3: t:"));
    }
    writeFile(p, "{\"t\":2,\"action\":\"fluoro.on\"}\n{\"t\":1,\"action\":\"fluoro.off\"}\n");
    CHECK_THROWS_WITH(sim::readActionLog(p), Catch::Contains(":2: t: times must not go backwards"));
    writeFile(p, "{\"t\":2,\"action\":\"fluoro.on\"\n");
    CHECK_THROWS_WITH(sim::readActionLog(p), Catch::Contains(":1: not valid JSON"));
    CHECK_THROWS_WITH(sim::parseActionLine(R"({"t":1,"action":"fluoro.rate","pps":"fast"})", "f", 9)
                          .number("pps", 15.0),
                      Catch::Contains("f:9: pps: expected a number"));
}

TEST_CASE("a session log killed mid-session keeps every action recorded before the kill", "[sim][actions]") {
    const std::string p = tempPath("killed.jsonl");
    constexpr int kBeforeKill = 200;
    int pipeFd[2];
    REQUIRE(pipe(pipeFd) == 0);
    pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        sim::ActionRecorder rec(p);
        for (int i = 0; i < kBeforeKill; ++i)
            rec.record({i * 0.5, "carm.rotate", {{"dlao_deg", 1}}, "", 0});
        char c = 'x';
        (void)!write(pipeFd[1], &c, 1);
        // The kill comes while the recorder is still open, as in a crash.
        for (;;) pause();
    }
    char c;
    REQUIRE(read(pipeFd[0], &c, 1) == 1);
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    REQUIRE(WIFSIGNALED(status));
    const auto log = sim::readActionLog(p);
    REQUIRE(log.size() == kBeforeKill);
    CHECK(log.back().time_s == (kBeforeKill - 1) * 0.5);
}
