#pragma once
// A SessionRecord from what a session leaves on disk: the report (irsim.report/1, written by
// sim/report.cpp) and the action log. `irsim records add` and `irsim run --trainee` both use it.
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "assessment/records.h"

namespace irsim::assessment {

struct SessionSource {
    std::string trainee;
    std::string startedAt;      // ISO 8601, from the caller's clock
    std::string reportPath;     // for messages and the record
    std::string actionLogPath;  // stored as given
    std::string actionLog;      // the log's text
};

// Reads the report's fields (schema "irsim.report/1"); throws DataError naming reportPath and the
// field for a missing or mistyped one. Unknown fields are kept in reportJson only.
SessionRecord recordFromReport(const nlohmann::json& report, const SessionSource& source);

// Reads both files, builds the record and stores it; returns the new session id.
std::int64_t addSessionFromFiles(RecordStore& store, const std::string& trainee, const std::string& startedAt,
                                 const std::string& reportPath, const std::string& actionLogPath);

}  // namespace irsim::assessment
