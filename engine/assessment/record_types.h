#pragma once
// What a stored session is, as plain data: the record, the summary a list shows, an assessor's
// rating. The scoring library (rubric, debrief) reads these without linking the stores
// (records.h: SQLite, PostgreSQL).
#include <cstdint>
#include <string>
#include <vector>

#include "assessment/rubric.h"

namespace irsim::assessment {

// A global rating by an assessor (e.g. an OSATS-style overall judgement).
struct AssessorRating {
    std::string assessor;  // the assessor's id
    int rating = 0;        // kMinRating (poor) .. kMaxRating (expert)
    std::string comment;
    std::string ratedAt;  // ISO 8601, may be empty
};
constexpr int kMinRating = 1;
constexpr int kMaxRating = 5;

// One simulator session as stored. The caller fills it from the session report
// (record_import.h); `id`, `ratings` and `expertReference` come back from the store.
struct SessionRecord {
    std::int64_t id = 0;  // assigned by the store; 0 before it is stored
    std::string trainee;  // trainee id (a programme's id, or an e-mail address)
    std::string scenario;  // scenario id ("tace-right-hepatic")
    std::string title;
    std::string procedure;
    std::string patient;    // the CT or phantom the session ran on
    std::string startedAt;  // ISO 8601 with offset: "2024-05-01T09:30:00Z"
    double duration_s = 0.0;
    std::string endReason;
    std::string actionLogPath;  // where the log lay on the simulator
    std::string actionLog;      // its text (JSON Lines)
    std::string reportJson;     // the session report (irsim.report/1 or /2)
    double score = 0.0;         // 0-100
    bool passed = false;
    std::vector<std::string> reasons;
    Metrics metrics;  // a non-finite value is stored as NULL and reads back as NaN; -0 reads back 0
    std::vector<SessionEvent> events;  // in time order as given

    std::vector<AssessorRating> ratings;  // in the order they were added
    bool expertReference = false;         // this session is its scenario's expert reference
};

// A row of `irsim records list`.
struct SessionSummary {
    std::int64_t id = 0;
    std::string trainee, scenario, title, startedAt;
    double duration_s = 0.0;
    double score = 0.0;
    bool passed = false;
    bool expertReference = false;
    int ratingCount = 0;
};

}  // namespace irsim::assessment
