// The PostgreSQL store against a real server (tools/pg-test-server, started once for this test
// program): the same schema and SQL as SQLite, so the same records, exports and crash safety.
#include <catch2/catch.hpp>

#include "assessment/csv.h"
#include "assessment/records.h"
#include "assessment/xapi.h"
#include "records_fixtures.h"

using namespace irsim::assessment;
using namespace irsim::assessment::testing;

TEST_CASE("PostgreSQL records read back, export and survive a killed writer exactly as SQLite ones",
          "[records][postgres]") {
    const TestPostgres& pg = testPostgres();
    if (!pg.skipReason.empty()) {
        WARN("SKIP: PostgreSQL records tests: " << pg.skipReason);
        return;
    }
    INFO(pg.error);
    REQUIRE(pg.error.empty());

    SECTION("the same sessions, ratings and reference read back the same from both") {
        RecordStore lite = RecordStore::open(freshSqliteUrl("same"));
        RecordStore post = RecordStore::open(freshPostgresUrl("irsim_same"));
        CHECK(post.schemaVersion() == RecordStore::latestSchemaVersion());
        const auto a = fillStore(lite, 8);
        const auto b = fillStore(post, 8);
        REQUIRE(a.size() == 8);
        REQUIRE(b.size() == 8);
        for (size_t i = 0; i < a.size(); ++i) requireSameRecord(a[i], b[i], true);

        const auto la = lite.list({"resident-1", ""}), lb = post.list({"resident-1", ""});
        REQUIRE(la.size() == lb.size());
        for (size_t i = 0; i < la.size(); ++i) {
            CHECK(la[i].id == lb[i].id);
            CHECK(la[i].score == lb[i].score);
            CHECK(la[i].ratingCount == lb[i].ratingCount);
            CHECK(la[i].expertReference == lb[i].expertReference);
        }
        const auto ta = lite.trainees(), tb = post.trainees();
        REQUIRE(ta.size() == tb.size());
        for (size_t i = 0; i < ta.size(); ++i) CHECK((ta[i].id == tb[i].id && ta[i].name == tb[i].name));

        CHECK(xapiStatements(a) == xapiStatements(b));
        CHECK(sessionsCsv(a) == sessionsCsv(b));
        CHECK_THROWS(post.rate(99, {"dr.lee", 3, "", ""}));
        CHECK(post.session(3)->ratings.size() == 2);
    }

    SECTION("records at schema version 1 migrate to the latest and keep their sessions") {
        const std::string url = freshPostgresUrl("irsim_migrate");
        { CHECK(RecordStore::open(url, OpenOptions{1}).addSession(sampleSession(3)) == 1); }
        RecordStore latest = RecordStore::open(url);
        CHECK(latest.schemaVersion() == RecordStore::latestSchemaVersion());
        requireSameRecord(sampleSession(3), *latest.session(1));
    }

    SECTION("a writer killed with SIGKILL mid-session leaves only whole sessions") {
        CHECK(killWriterMidSession(freshPostgresUrl("irsim_killed"), 5, 300) <= 6);
    }

    SECTION("a writer killed with SIGKILL at random moments keeps every acknowledged session") {
        for (const KillMoment& m : randomKillMoments(15, 6, 20000)) {
            INFO("killed " << m.delayUs << " us into session " << m.session);
            killWriterMidSession(freshPostgresUrl("irsim_killed_random"), m.session, 300, m.delayUs);
        }
    }
}
