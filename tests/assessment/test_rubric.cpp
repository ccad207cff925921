// Rubric edge cases against assessment/rubric.h: marks at and beyond the limits, critical errors by
// event and by metric, and scoring as a pure function (the same record twice, or after the store).
#include <catch2/catch.hpp>

#include "assessment/records.h"
#include "assessment/rubric.h"
#include "records_fixtures.h"

using namespace irsim::assessment;

namespace {

// Fluoroscopy time: <= 8 min full marks, >= 15 min none (lower is better); contrast: <= 60 mL
// full, >= 120 mL none; coverage: >= 95 % full, <= 80 % none (higher is better).
Rubric taceRubric() {
    Rubric r;
    r.metrics = {{"fluoro_time_min", "min", "Fluoroscopy time", 8.0, 15.0, 2.0},
                 {"contrast_ml", "mL", "Contrast", 60.0, 120.0, 1.0},
                 {"coverage_pct", "%", "Tumour coverage", 95.0, 80.0, 1.0}};
    CriticalError breach;
    breach.reason = "medial pedicle breach";
    breach.eventKind = "breach.medial";
    CriticalError nonTarget;
    nonTarget.reason = "non-target embolization above the limit";
    nonTarget.metric = "non_target_fraction";
    nonTarget.above = 0.05;
    CriticalError underTreated;
    underTreated.reason = "tumour under-treated";
    underTreated.metric = "coverage_pct";
    underTreated.below = 50.0;
    r.critical = {breach, nonTarget, underTreated};
    r.passScore = 70.0;
    return r;
}

Metrics perfect() {
    return {{"fluoro_time_min", {8.0, "min"}}, {"contrast_ml", {60.0, "mL"}}, {"coverage_pct", {95.0, "%"}},
            {"non_target_fraction", {0.0, ""}}};
}

}  // namespace

TEST_CASE("marks are full at the target, zero at and beyond the limit, and linear between", "[rubric]") {
    const RubricMetric fluoro{"fluoro_time_min", "min", "", 8.0, 15.0, 1.0};
    CHECK(marksFor(fluoro, 8.0) == 1.0);
    CHECK(marksFor(fluoro, 5.0) == 1.0);   // better than the target earns no more than full marks
    CHECK(marksFor(fluoro, 11.5) == 0.5);  // halfway
    CHECK(marksFor(fluoro, 15.0) == 0.0);
    CHECK(marksFor(fluoro, 40.0) == 0.0);  // beyond the limit: zero, never negative
    const RubricMetric coverage{"coverage_pct", "%", "", 95.0, 80.0, 1.0};  // higher is better
    CHECK(marksFor(coverage, 100.0) == 1.0);
    CHECK(marksFor(coverage, 87.5) == 0.5);
    CHECK(marksFor(coverage, 60.0) == 0.0);
    CHECK(marksFor(fluoro, std::nan("")) == 0.0);
}

TEST_CASE("the score is the weighted mean of marks and the pass mark is inclusive", "[rubric]") {
    Rubric r = taceRubric();
    Metrics m = perfect();
    m["fluoro_time_min"].value = 11.5;  // marks 0.5, weight 2
    const Assessment a = assess(r, m, {});
    // (0.5 * 2 + 1 + 1) / 4 = 75 %
    CHECK(a.score == 75.0);
    CHECK(a.passed);
    r.passScore = 75.0;
    CHECK(assess(r, m, {}).passed);
    r.passScore = 75.1;
    const Assessment below = assess(r, m, {});
    CHECK_FALSE(below.passed);
    CHECK(below.reasons.front().find("below the pass mark") != std::string::npos);
    // A metric the session never produced scores zero and is named.
    m.erase("contrast_ml");
    const Assessment missing = assess(taceRubric(), m, {});
    CHECK(missing.score == 50.0);
    REQUIRE(missing.perMetric.size() == 3);
    CHECK(missing.perMetric[1].missing);
    bool named = false;
    for (const auto& s : missing.reasons) named |= s.find("Contrast was not achieved") != std::string::npos;
    CHECK(named);
}

TEST_CASE("a critical event fails a session with full marks", "[rubric]") {
    const std::vector<SessionEvent> events = {{12.0, "fluoro.on", ""}, {251.5, "breach.medial", "trocar 3 mm medial"}};
    const Assessment a = assess(taceRubric(), perfect(), events);
    CHECK(a.score == 100.0);
    CHECK_FALSE(a.passed);
    REQUIRE(a.reasons.size() >= 2);
    CHECK(a.reasons[0] == "Failed: 1 critical error.");
    CHECK(a.reasons[1].find("medial pedicle breach at 252 s") != std::string::npos);
    CHECK(a.reasons[1].find("trocar 3 mm medial") != std::string::npos);
}

TEST_CASE("a metric critical limit fails only strictly beyond it, above or below", "[rubric]") {
    Metrics m = perfect();
    m["non_target_fraction"].value = 0.05;  // at the limit: allowed
    CHECK(assess(taceRubric(), m, {}).passed);
    m["non_target_fraction"].value = 0.0501;
    const Assessment above = assess(taceRubric(), m, {});
    CHECK_FALSE(above.passed);
    CHECK(above.reasons[1].find("above the limit") != std::string::npos);

    m = perfect();
    m["coverage_pct"].value = 50.0;
    const Assessment atLow = assess(taceRubric(), m, {});
    CHECK(atLow.reasons.front().rfind("Failed: 1 critical", 0) != 0);
    m["coverage_pct"].value = 49.9;
    const Assessment low = assess(taceRubric(), m, {});
    CHECK_FALSE(low.passed);
    CHECK(low.reasons[1].find("below the limit") != std::string::npos);
    // Two critical errors are both reported, first the count.
    m["non_target_fraction"].value = 0.2;
    CHECK(assess(taceRubric(), m, {}).reasons[0] == "Failed: 2 critical errors.");
}

TEST_CASE("the same record scored twice, and again after the store, gives the same assessment", "[rubric][records]") {
    SessionRecord rec = testing::sampleSession(4);
    rec.events.push_back({599.0, "breach.medial", "late breach"});
    const Rubric r = taceRubric();
    const Assessment first = assess(r, rec.metrics, rec.events);
    RecordStore store = RecordStore::open(testing::freshSqliteUrl("rescore"));
    const SessionRecord back = *store.session(store.addSession(rec));
    for (const Assessment& again : {assess(r, rec.metrics, rec.events), assess(r, back.metrics, back.events)}) {
        CHECK(again.score == first.score);
        CHECK(again.passed == first.passed);
        CHECK(again.reasons == first.reasons);
        REQUIRE(again.perMetric.size() == first.perMetric.size());
        for (size_t i = 0; i < first.perMetric.size(); ++i) {
            CHECK(again.perMetric[i].marks == first.perMetric[i].marks);
            CHECK(again.perMetric[i].missing == first.perMetric[i].missing);
        }
    }
    CHECK_FALSE(first.passed);  // the breach
}

TEST_CASE("a missed goal fails the session first, whatever the score, and holds the score below the pass mark", "[rubric]") {
    Rubric r = taceRubric();
    Goal covered;
    covered.reason = "the tumour is not covered";
    covered.metric = "coverage_pct";
    covered.atLeast = 90.0;
    r.goals = {covered};
    Metrics m = perfect();
    CHECK(assess(r, m, {}).passed);

    m["coverage_pct"].value = 89.0;  // marks 0.6 of 1 on coverage: a score of 90 without the goal
    const Assessment a = assess(r, m, {});
    CHECK_FALSE(a.passed);
    CHECK(a.score == 69.9);
    REQUIRE(a.reasons.size() >= 2);
    CHECK(a.reasons[0] == "Failed: goal not reached: the tumour is not covered (coverage_pct 89 %, at least 90 needed).");
    CHECK(a.reasons[1].find("technique scored 90") != std::string::npos);

    // What was not measured was not shown: a missing metric misses the goal.
    m.erase("coverage_pct");
    const Assessment missing = assess(r, m, {});
    CHECK_FALSE(missing.passed);
    CHECK(missing.reasons[0].find("coverage_pct was not measured") != std::string::npos);

    // An upper bound, and a score already under the pass mark stays where it is.
    Goal fast;
    fast.reason = "too slow";
    fast.metric = "fluoro_time_min";
    fast.atMost = 9.0;
    r.goals = {fast};
    m = perfect();
    m["fluoro_time_min"].value = 15.0;  // marks 0 of weight 2: 50
    const Assessment slow = assess(r, m, {});
    CHECK_FALSE(slow.passed);
    CHECK(slow.score == 50.0);
    CHECK(slow.reasons[0] == "Failed: goal not reached: too slow (fluoro_time_min 15 min, at most 9 needed).");

    // A goal and a critical error: both are listed, the goal first.
    m = perfect();
    m["fluoro_time_min"].value = 10.0;
    const Assessment both = assess(r, m, {{3.0, "breach.medial", ""}});
    CHECK_FALSE(both.passed);
    CHECK(both.reasons[0].rfind("Failed: goal not reached", 0) == 0);
    bool critical = false;
    for (const auto& s : both.reasons) critical |= s.find("Critical error: medial pedicle breach") != std::string::npos;
    CHECK(critical);
}
