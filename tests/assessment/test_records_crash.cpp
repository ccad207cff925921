// kill -9 in the middle of writing a session: the transaction is the unit, so the database opens
// and every session in it is whole.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "assessment/records.h"
#include "records_fixtures.h"

using namespace irsim::assessment;
using namespace irsim::assessment::testing;

namespace {
// SQLite's own check of the file, and no orphan rows of a session that never committed.
void requireIntactSqlite(const std::string& url) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(url.substr(7).c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, 0))) == "ok");
    sqlite3_finalize(st);
    REQUIRE(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM events WHERE session_id NOT IN (SELECT id FROM sessions)",
                               -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    CHECK(sqlite3_column_int(st, 0) == 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}
}  // namespace

TEST_CASE("a writer killed with SIGKILL mid-session leaves SQLite records with only whole sessions",
          "[records][sqlite][crash]") {
    const std::string url = freshSqliteUrl("killed");
    // 300 events a session: the kill lands inside a transaction of ~300 inserts.
    const int kept = killWriterMidSession(url, 5, 300);
    CHECK(kept <= 6);
    requireIntactSqlite(url);
}

TEST_CASE("a writer killed with SIGKILL at random moments keeps every acknowledged SQLite session",
          "[records][sqlite][crash]") {
    // Seeded moments from the start of a session's transaction to well after its commit (a session
    // of 300 events takes a few milliseconds), so kills land before, inside and after the commit.
    for (const KillMoment& m : randomKillMoments(15, 8, 20000)) {
        INFO("killed " << m.delayUs << " us into session " << m.session);
        const std::string url = freshSqliteUrl("killed-" + std::to_string(m.session) + "-" + std::to_string(m.delayUs));
        killWriterMidSession(url, m.session, 300, m.delayUs);
        requireIntactSqlite(url);
    }
}
