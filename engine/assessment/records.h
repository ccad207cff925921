#pragma once
// Trainee records: sessions with their action logs, metrics, events, scores, assessor ratings and
// the expert reference of each scenario, in SQLite (default, one file in the user's data
// directory) or PostgreSQL (a programme's shared server). Both backends hold the same schema and
// run the same SQL, so a record reads back the same from either.
//
// Every session is written in one transaction: a simulator killed half-way leaves either the whole
// session or none of it (the action log on disk is the other half of the safety net).
// Times are ISO 8601 text given by the caller (the engine reads no clock); durations in seconds.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assessment/record_types.h"
#include "assessment/rubric.h"

namespace irsim::assessment {

namespace sql {
class Connection;
}

// Empty fields match everything. Sessions come in (startedAt, id) order: a learning curve.
struct SessionFilter {
    std::string trainee;
    std::string scenario;
    bool withLogs = false;  // also load actionLog and reportJson (large)
};

struct Trainee {
    std::string id;
    std::string name;  // may be empty
};

struct OpenOptions {
    // Migrate the schema up to this version (0: the latest). Only tools and tests of migrations
    // stop short; a store below the latest version cannot read ratings or references.
    int schemaVersion = 0;
};

class RecordStore {
public:
    // url: "" (the default: sqlite:<userDataDir()>/records.sqlite), "sqlite:PATH",
    // "postgresql://..." or "postgres://..." (a libpq URI). Creates the schema or migrates it
    // to the latest version. Throws DataError naming the URL for a bad URL, an unreachable server
    // or records newer than this program.
    static RecordStore open(const std::string& url, const OpenOptions& options = {});

    RecordStore(RecordStore&&) noexcept;
    RecordStore& operator=(RecordStore&&) noexcept;
    ~RecordStore();

    static int latestSchemaVersion();
    int schemaVersion();
    std::string describe() const;  // the file or server, without a password

    // Stores the session, its log, metrics, events and reasons in one transaction and returns
    // its id. Creates the trainee on first sight. Throws DataError for an empty trainee or
    // scenario or a startedAt that is not ISO 8601.
    std::int64_t addSession(const SessionRecord& record);

    std::optional<SessionRecord> session(std::int64_t id);  // everything, logs included
    std::vector<SessionRecord> sessions(const SessionFilter& filter = {});
    std::vector<SessionSummary> list(const SessionFilter& filter = {});

    void addTrainee(const Trainee& trainee);  // inserts or renames
    std::vector<Trainee> trainees();          // in id order

    // Throws DataError for an unknown session or a rating outside kMinRating..kMaxRating.
    void rate(std::int64_t sessionId, const AssessorRating& rating);

    // Marks the session as its scenario's expert reference (replacing any earlier one).
    void markReference(std::int64_t sessionId, const std::string& markedBy = "");
    void clearReference(const std::string& scenario);
    std::optional<std::int64_t> referenceFor(const std::string& scenario);

private:
    explicit RecordStore(std::unique_ptr<sql::Connection> db);
    void migrate(int target);
    SessionRecord readSession(std::int64_t id, bool withLogs);

    std::unique_ptr<sql::Connection> db_;
};

// The default records URL: sqlite:<userDataDir()>/records.sqlite.
std::string defaultRecordsUrl();

}  // namespace irsim::assessment
