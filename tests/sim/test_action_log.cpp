#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/rng.h"
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
// Action i of a recorded session: an image label of 40 bytes to 9 KB.
sim::Action lineOf(int i) {
    return {i * 0.25, "image.store", {{"label", std::string(static_cast<size_t>(1 + (i * 977) % 9000), 'a' + i % 26)}}, "", 0};
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

TEST_CASE("a session log killed at random moments keeps every acknowledged action and reads back",
          "[sim][actions][crash]") {
    // Seeded kills while the recorder writes as fast as it can: a random number of acknowledged
    // actions, then a random pause of up to 3 ms (a few lines), so the kill lands before, during and
    // after a line's write and fsync. Lines vary from 40 bytes to 9 KB (beyond stdio's buffer).
    Rng rng = Rng::seeded(15);
    for (int trial = 0; trial < 12; ++trial) {
        const std::string p = tempPath("killed-" + std::to_string(trial) + ".jsonl");
        const int waitFor = 1 + static_cast<int>(rng.uniform() * 60.0);
        const int delayUs = static_cast<int>(rng.uniform() * 3000.0);
        INFO("trial " << trial << ": killed " << delayUs << " us after action " << waitFor);
        int pipeFd[2];
        REQUIRE(pipe(pipeFd) == 0);
        const pid_t child = fork();
        REQUIRE(child >= 0);
        if (child == 0) {
            close(pipeFd[0]);
            sim::ActionRecorder rec(p);
            for (int i = 0;; ++i) {
                rec.record(lineOf(i));
                // Acknowledged: record() has returned.
                if (write(pipeFd[1], &i, sizeof i) != sizeof i) _exit(3);
            }
        }
        close(pipeFd[1]);
        int acknowledged = -1, msg = 0;
        while (acknowledged + 1 < waitFor && read(pipeFd[0], &msg, sizeof msg) == sizeof msg) acknowledged = msg;
        usleep(static_cast<useconds_t>(delayUs));
        kill(child, SIGKILL);
        int status = 0;
        waitpid(child, &status, 0);
        while (read(pipeFd[0], &msg, sizeof msg) == sizeof msg) acknowledged = msg;
        close(pipeFd[0]);
        REQUIRE(WIFSIGNALED(status));
        const auto log = sim::readActionLog(p);
        // Every acknowledged action, whole, in order; at most the one being written besides.
        REQUIRE(static_cast<int>(log.size()) >= acknowledged + 1);
        CHECK(static_cast<int>(log.size()) <= acknowledged + 2);
        for (size_t i = 0; i < log.size(); ++i) {
            const sim::Action expected = lineOf(static_cast<int>(i));
            CHECK(log[i].time_s == expected.time_s);
            CHECK(log[i].args == expected.args);
        }
    }
}
