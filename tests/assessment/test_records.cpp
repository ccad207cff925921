// The records store: what goes in comes out, the same from SQLite and PostgreSQL, and a crash
// never leaves half a session.
#include <catch2/catch.hpp>
#include <sqlite3.h>

#include "assessment/csv.h"
#include "assessment/records.h"
#include "assessment/xapi.h"
#include "core/error.h"
#include "records_fixtures.h"

using namespace irsim::assessment;
using namespace irsim::assessment::testing;

namespace {

std::string sqlitePath(const std::string& url) { return url.substr(7); }

std::string sqliteScalar(const std::string& url, const std::string& statement) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(sqlitePath(url).c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, statement.c_str(), -1, &st, nullptr) == SQLITE_OK);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW) out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

}  // namespace

TEST_CASE("a session stored in SQLite reads back field for field, doubles bit for bit", "[records][sqlite]") {
    RecordStore store = RecordStore::open(freshSqliteUrl("roundtrip"));
    CHECK(store.schemaVersion() == RecordStore::latestSchemaVersion());
    const SessionRecord in = sampleSession(4);
    const std::int64_t id = store.addSession(in);
    const auto out = store.session(id);
    REQUIRE(out);
    CHECK(out->id == id);
    requireSameRecord(in, *out);
    CHECK_FALSE(store.session(id + 1));

    // Reopening finds the schema current and the session still there.
    RecordStore again = RecordStore::open("sqlite:" + store.describe());
    CHECK(again.list().size() == 1);
    CHECK(sqliteScalar("sqlite:" + store.describe(), "PRAGMA journal_mode") == "wal");
}

TEST_CASE("ratings, comments, trainees and the expert reference are stored with their sessions", "[records][sqlite]") {
    RecordStore store = RecordStore::open(freshSqliteUrl("ratings"));
    const auto all = fillStore(store, 6);
    REQUIRE(all.size() == 6);
    CHECK(all[2].ratings.size() == 2);
    CHECK(all[2].ratings[0].comment == "Confident catheter handling, \"good\" collimation,\nlate DSA.");
    CHECK(all[1].expertReference);
    CHECK(store.referenceFor(all[1].scenario) == 2);
    CHECK_FALSE(store.referenceFor("tace-right-hepatic"));

    // A reference for another scenario leaves this one's; a new one for the same scenario replaces it.
    store.markReference(5);
    CHECK(store.referenceFor("tace-right-hepatic") == 5);
    CHECK(store.referenceFor("vertebroplasty-l1") == 2);
    store.markReference(4);
    CHECK(store.referenceFor("vertebroplasty-l1") == 4);
    CHECK_FALSE(store.session(2)->expertReference);
    CHECK(store.session(4)->expertReference);
    store.clearReference("vertebroplasty-l1");
    CHECK_FALSE(store.referenceFor("vertebroplasty-l1"));
    CHECK_FALSE(store.session(4)->expertReference);

    // A trainee's attempts at one scenario in time order: the learning curve.
    const auto curve = store.list({"resident-0", "tace-right-hepatic"});
    REQUIRE(curve.size() == 1);  // sessions 0 (tace) and 3 (vertebroplasty) belong to resident-0
    CHECK(curve[0].id == 1);
    const auto trainees = store.trainees();
    REQUIRE(trainees.size() == 3);
    CHECK(trainees[0].id == "r.okafor@hospital.example");
    CHECK(trainees[1].name == "Asha Rao");

    CHECK_THROWS_AS(store.rate(3, {"dr.lee", 6, "", ""}), irsim::DataError);
    CHECK_THROWS_AS(store.rate(3, {"dr.lee", 0, "", ""}), irsim::DataError);
    CHECK_THROWS_AS(store.rate(99, {"dr.lee", 3, "", ""}), irsim::DataError);
    CHECK_THROWS_AS(store.markReference(99), irsim::DataError);
    CHECK(store.session(3)->ratings.size() == 2);  // the refused ratings left nothing
}

TEST_CASE("sessions come in order of their start instant whatever the UTC offset they were given in",
          "[records]") {
    RecordStore store = RecordStore::open(freshSqliteUrl("order"));
    SessionRecord a = sampleSession(0), b = sampleSession(1);
    a.startedAt = "2024-05-01T09:30:00+02:00";  // 07:30 UTC
    b.startedAt = "2024-05-01T08:00:00Z";       // later, though its text sorts first
    store.addSession(a);
    store.addSession(b);
    const auto rows = store.list();
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].startedAt == a.startedAt);  // kept as given
    CHECK(rows[1].startedAt == b.startedAt);
}

TEST_CASE("a session without a trainee or with a start time that is not ISO 8601 is refused", "[records]") {
    RecordStore store = RecordStore::open(freshSqliteUrl("refused"));
    SessionRecord r = sampleSession(0);
    r.startedAt = "01/05/2024 09:30";
    try {
        store.addSession(r);
        FAIL("accepted a non-ISO start time");
    } catch (const irsim::DataError& e) {
        CHECK(e.field() == "started_at");
    }
    r = sampleSession(0);
    r.trainee.clear();
    CHECK_THROWS_AS(store.addSession(r), irsim::DataError);
    CHECK(store.list().empty());
}

TEST_CASE("a records URL that is neither sqlite: nor postgresql:// is refused naming both forms", "[records]") {
    try {
        RecordStore::open("mysql://db/records");
        FAIL("accepted a mysql URL");
    } catch (const irsim::DataError& e) {
        CHECK(e.field() == "--records");
        CHECK(std::string(e.what()).find("sqlite:PATH") != std::string::npos);
        CHECK(std::string(e.what()).find("postgresql://") != std::string::npos);
    }
}

TEST_CASE("records at schema version 1 migrate to the latest version and keep their sessions", "[records][sqlite]") {
    const std::string url = freshSqliteUrl("migrate");
    const SessionRecord old = sampleSession(3);
    {
        RecordStore v1 = RecordStore::open(url, OpenOptions{1});
        CHECK(v1.schemaVersion() == 1);
        CHECK(v1.addSession(old) == 1);
    }
    CHECK(sqliteScalar(url, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'assessor_ratings'") == "0");
    RecordStore latest = RecordStore::open(url);
    CHECK(latest.schemaVersion() == RecordStore::latestSchemaVersion());
    CHECK(latest.schemaVersion() == 2);
    requireSameRecord(old, *latest.session(1));
    latest.rate(1, {"dr.lee", 5, "now possible", ""});
    CHECK(latest.session(1)->ratings.size() == 1);
}

TEST_CASE("records newer than this irsim are refused with both schema versions named", "[records][sqlite]") {
    const std::string url = freshSqliteUrl("newer");
    { RecordStore::open(url); }
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(sqlitePath(url).c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "UPDATE schema_version SET version = 99", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
    try {
        RecordStore::open(url);
        FAIL("opened records from the future");
    } catch (const irsim::DataError& e) {
        const std::string what = e.what();
        CHECK(what.find("99") != std::string::npos);
        CHECK(what.find(std::to_string(RecordStore::latestSchemaVersion())) != std::string::npos);
    }
}
