#include "records_fixtures.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <csignal>
#include <sys/wait.h>

#include "assessment/iso8601.h"

namespace irsim::assessment::testing {

namespace {
constexpr int kStored = 1 << 24;
}  // namespace

SessionRecord sampleSession(int i, int events) {
    SessionRecord r;
    r.trainee = i % 3 == 2 ? "r.okafor@hospital.example" : "resident-" + std::to_string(i % 3);
    r.scenario = i % 2 ? "vertebroplasty-l1" : "tace-right-hepatic";
    r.title = "TACE, \"right\" hepatic artery, session " + std::to_string(i);
    r.procedure = i % 2 ? "vertebroplasty" : "radioembolization";
    r.patient = "totalseg-example/ct.nii.gz";
    // One session a minute from 09:30 Central European Summer Time.
    r.startedAt = formatIso8601Utc(*parseIso8601("2024-05-01T09:30:00+02:00") + std::int64_t{i} * 60000);
    r.duration_s = 600.0 + i / 3.0;
    r.endReason = "procedure complete";
    r.actionLogPath = "/var/lib/irsim/logs/session-" + std::to_string(i) + ".jsonl";
    for (int k = 0; k < events; ++k)
        r.actionLog += "{\"t\": " + std::to_string(k * 0.5) + ", \"action\": \"fluoro.on\"}\n";
    r.reportJson = "{\"schema\": \"irsim.report/1\", \"note\": \"caf\xc3\xa9, line\\nend\"}";
    r.score = 100.0 * (i % 7) / 7.0;  // not a binary fraction: tests the exact round trip
    r.passed = i % 7 >= 5;
    r.reasons = {r.passed ? "Passed: score at or above the pass mark." : "Failed: score below the pass mark.",
                 "Fluoroscopy time 9.1 min is above the target 8 min (marks 84%),\nsee the timeline."};
    r.metrics["fluoro_time_min"] = {8.0 + i * 0.1, "min"};
    r.metrics["air_kerma_mGy"] = {1.0 / 3.0 * (i + 1), "mGy"};
    r.metrics["contrast_ml"] = {1e-300 * (i + 1), "mL"};
    r.metrics["dap_gy_cm2"] = {6.02214076e23 + i, "Gy\xc2\xb7" "cm2"};
    r.metrics["non_target_fraction"] = {-0.0, ""};
    if (i % 4 == 0) r.metrics["cement_leak_ml"] = {0.25 * i, "mL"};
    for (int k = 0; k < events; ++k)
        r.events.push_back({k * 0.7 + i * 1e-9, k % 2 ? "fluoro.off" : "fluoro.on",
                            "step " + std::to_string(k) + ", \"quoted\", caf\xc3\xa9\nnext line"});
    return r;
}

namespace {
bool sameDouble(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
    if (a == 0.0 && b == 0.0) return true;  // -0 is stored as 0 (sql.h)
    return std::memcmp(&a, &b, sizeof a) == 0;
}
}  // namespace

void requireSameRecord(const SessionRecord& e, const SessionRecord& a, bool stored) {
    INFO("session " << e.id << " / " << a.id << " started " << e.startedAt);
    if (stored) {
        CHECK(e.id == a.id);
        CHECK(e.expertReference == a.expertReference);
        REQUIRE(e.ratings.size() == a.ratings.size());
        for (size_t i = 0; i < e.ratings.size(); ++i) {
            CHECK(e.ratings[i].assessor == a.ratings[i].assessor);
            CHECK(e.ratings[i].rating == a.ratings[i].rating);
            CHECK(e.ratings[i].comment == a.ratings[i].comment);
            CHECK(e.ratings[i].ratedAt == a.ratings[i].ratedAt);
        }
    }
    CHECK(e.trainee == a.trainee);
    CHECK(e.scenario == a.scenario);
    CHECK(e.title == a.title);
    CHECK(e.procedure == a.procedure);
    CHECK(e.patient == a.patient);
    CHECK(e.startedAt == a.startedAt);
    CHECK(sameDouble(e.duration_s, a.duration_s));
    CHECK(e.endReason == a.endReason);
    CHECK(e.actionLogPath == a.actionLogPath);
    CHECK(e.actionLog == a.actionLog);
    CHECK(e.reportJson == a.reportJson);
    CHECK(sameDouble(e.score, a.score));
    CHECK(e.passed == a.passed);
    CHECK(e.reasons == a.reasons);
    REQUIRE(e.metrics.size() == a.metrics.size());
    for (auto ie = e.metrics.begin(), ia = a.metrics.begin(); ie != e.metrics.end(); ++ie, ++ia) {
        INFO("metric " << ie->first);
        CHECK(ie->first == ia->first);
        CHECK(sameDouble(ie->second.value, ia->second.value));
        CHECK(ie->second.unit == ia->second.unit);
    }
    REQUIRE(e.events.size() == a.events.size());
    for (size_t i = 0; i < e.events.size(); ++i) {
        INFO("event " << i);
        CHECK(sameDouble(e.events[i].time_s, a.events[i].time_s));
        CHECK(e.events[i].kind == a.events[i].kind);
        CHECK(e.events[i].details == a.events[i].details);
    }
}

std::vector<SessionRecord> fillStore(RecordStore& store, int n) {
    for (int i = 0; i < n; ++i) CHECK(store.addSession(sampleSession(i)) == i + 1);
    store.rate(3, {"dr.lee", 4, "Confident catheter handling, \"good\" collimation,\nlate DSA.", "2024-05-02T08:00:00Z"});
    store.rate(3, {"dr.moreau", 3, "", ""});
    store.markReference(2, "dr.lee");
    store.addTrainee({"resident-0", "Asha Rao"});
    return store.sessions({"", "", true});
}

int killWriterMidSession(const std::string& url, int killAt, int events, int delayUs) {
    { RecordStore::open(url); }  // the schema first, so the writer's only work is sessions
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // The writer: tells the parent which session it is about to write (i), and when addSession
        // has returned, that it is stored (kStored + i: acknowledged, so it must survive the kill).
        ::close(fds[0]);
        try {
            RecordStore store = RecordStore::open(url);
            for (int i = 0;; ++i) {
                if (::write(fds[1], &i, sizeof i) != sizeof i) break;
                store.addSession(sampleSession(i, events));
                const int stored = kStored + i;
                if (::write(fds[1], &stored, sizeof stored) != sizeof stored) break;
            }
        } catch (...) {
        }
        ::_exit(3);  // never run the parent's destructors (they would stop its PostgreSQL server)
    }
    ::close(fds[1]);
    int started = -1, acknowledged = -1, msg = 0;
    while (started < killAt && ::read(fds[0], &msg, sizeof msg) == sizeof msg) {
        if (msg >= kStored) acknowledged = msg - kStored;
        else started = msg;
    }
    if (delayUs > 0) ::usleep(static_cast<useconds_t>(delayUs));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    // What the writer acknowledged before it died.
    while (::read(fds[0], &msg, sizeof msg) == sizeof msg)
        if (msg >= kStored) acknowledged = msg - kStored;
    ::close(fds[0]);
    REQUIRE(started >= killAt);
    REQUIRE(WIFSIGNALED(status));  // still writing when killed, not failed on its own
    REQUIRE(WTERMSIG(status) == SIGKILL);

    RecordStore store = RecordStore::open(url);
    const auto all = store.sessions({"", "", true});
    // Every acknowledged session, and at most the one being written when the kill came.
    CHECK(static_cast<int>(all.size()) >= acknowledged + 1);
    CHECK(static_cast<int>(all.size()) <= acknowledged + 2);
    for (size_t j = 0; j < all.size(); ++j) {
        CHECK(all[j].id == static_cast<std::int64_t>(j) + 1);
        requireSameRecord(sampleSession(static_cast<int>(j), events), all[j]);
    }
    const auto n = static_cast<std::int64_t>(all.size());
    CHECK(store.addSession(sampleSession(static_cast<int>(n), events)) > n);
    CHECK(store.list().size() == all.size() + 1);
    if (std::getenv("IRSIM_TEST_KILL_STATS"))
        std::fprintf(stderr, "killed %d us into session %d: acknowledged %d, kept %zu\n", delayUs, killAt, acknowledged + 1, all.size());
    return static_cast<int>(all.size());
}

std::vector<KillMoment> randomKillMoments(uint64_t seed, int count, int maxDelayUs) {
    // A small LCG (Knuth's MMIX constants): the moments are the same on every run and machine.
    uint64_t x = seed * 2862933555777941757ULL + 3037000493ULL;
    auto next = [&x](int n) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<int>((x >> 33) % static_cast<uint64_t>(n));
    };
    std::vector<KillMoment> m;
    for (int i = 0; i < count; ++i) m.push_back({next(6), next(maxDelayUs + 1)});
    return m;
}

std::string freshSqliteUrl(const std::string& name) {
    // One folder per test process, removed when it exits, so runs neither collide nor pile up.
    struct Folder {
        std::filesystem::path path =
            std::filesystem::path(IRSIM_BINARY_DIR) / "test-records" / std::to_string(::getpid());
        ~Folder() {
            std::error_code ec;
            std::filesystem::remove_all(path, ec);
        }
    };
    static Folder folder;
    const auto& dir = folder.path;
    std::filesystem::create_directories(dir);
    const auto path = dir / (name + ".sqlite");
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    return "sqlite:" + path.string();
}

namespace {

struct Server {
    TestPostgres info;
    std::string dir;

    Server() {
        const std::string cmd = std::string(IRSIM_SOURCE_DIR) + "/tools/pg-test-server start " +
                                std::to_string(::getpid()) + " 2>&1";
        FILE* p = ::popen(cmd.c_str(), "r");
        if (!p) {
            info.error = "cannot run " + cmd;
            return;
        }
        std::string out;
        char buf[512];
        while (std::fgets(buf, sizeof buf, p)) out += buf;
        const int status = ::pclose(p);
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        while (!out.empty() && out.back() == '\n') out.pop_back();
        if (code == 77) {
            info.skipReason = out;
            return;
        }
        if (code != 0) {
            info.error = "tools/pg-test-server failed (" + std::to_string(code) + "): " + out;
            return;
        }
        const auto lastLine = out.rfind('\n');
        info.baseUrl = out.substr(lastLine + 1);
        const auto d = out.find("dir ");
        if (d != std::string::npos) dir = out.substr(d + 4, out.find('\n', d) - d - 4);
    }
    ~Server() {
        if (dir.empty()) return;
        const std::string cmd = std::string(IRSIM_SOURCE_DIR) + "/tools/pg-test-server stop " + dir;
        [[maybe_unused]] int rc = std::system(cmd.c_str());
    }
};

}  // namespace

const TestPostgres& testPostgres() {
    static Server server;
    return server.info;
}

std::string freshPostgresUrl(const std::string& database) {
    const TestPostgres& pg = testPostgres();
    REQUIRE(pg.error.empty());
    PGconn* c = PQconnectdb(pg.baseUrl.c_str());
    REQUIRE(PQstatus(c) == CONNECTION_OK);
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);  // "does not exist, skipping"
    for (const std::string& sql : {"DROP DATABASE IF EXISTS " + database, "CREATE DATABASE " + database}) {
        PGresult* r = PQexec(c, sql.c_str());
        INFO(PQresultErrorMessage(r));
        CHECK(PQresultStatus(r) == PGRES_COMMAND_OK);
        PQclear(r);
    }
    PQfinish(c);
    std::string url = pg.baseUrl;
    const auto q = url.find('?');
    const auto slash = url.rfind('/', q);
    return url.substr(0, slash + 1) + database + url.substr(q);
}

}  // namespace irsim::assessment::testing
