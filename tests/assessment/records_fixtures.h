#pragma once
// Shared by the records tests: sessions with awkward contents, a field-by-field comparison, fresh
// SQLite files and the one PostgreSQL server of this test program.
#include <cstdint>
#include <string>
#include <vector>

#include "assessment/records.h"

namespace irsim::assessment::testing {

// Session number i: a trainee of three, awkward text (quotes, commas, line ends, UTF-8), doubles
// that are not binary fractions, `events` events. The same i always gives the same record.
SessionRecord sampleSession(int i, int events = 12);

// Fails the current test (Catch2 CHECKs) at the first field that differs; doubles must match bit
// for bit (NaN matches NaN; -0 matches 0, which the store writes for it). Ids, ratings and the
// reference flag are compared too when `stored`.
void requireSameRecord(const SessionRecord& expected, const SessionRecord& actual, bool stored = false);

// Stores sampleSession(0..n-1) (ids 1..n), two ratings of session 3, session 2 as the reference of
// its scenario and a trainee's name; returns every session as read back, logs included.
std::vector<SessionRecord> fillStore(RecordStore& store, int n);

// Forks a writer that stores sampleSession(0, 1, ...) with `events` events each until it is killed
// with SIGKILL `delayUs` microseconds after it started writing session `killAt`, then checks that
// the store opens and holds only whole sessions 0..k-1, every session whose addSession returned
// before the kill among them (k >= that count, at most one more), and takes new ones. Returns k.
int killWriterMidSession(const std::string& url, int killAt, int events, int delayUs = 0);

// Seeded moments to kill a writer at: the session it is writing (0-5) and how long after it began
// (0 to maxDelayUs), the same on every run.
struct KillMoment {
    int session = 0;
    int delayUs = 0;
};
std::vector<KillMoment> randomKillMoments(uint64_t seed, int count, int maxDelayUs);

// A new, empty SQLite URL under the test's binary directory ("sqlite:/.../NAME.sqlite").
std::string freshSqliteUrl(const std::string& name);

// The PostgreSQL server started once for this test program (tools/pg-test-server), and a new
// empty database on it. `skipReason` is set (and the URL empty) only when the server package is
// not installed; any other failure to start fails the test.
struct TestPostgres {
    std::string baseUrl;
    std::string skipReason;
    std::string error;
};
const TestPostgres& testPostgres();
std::string freshPostgresUrl(const std::string& database);

}  // namespace irsim::assessment::testing
