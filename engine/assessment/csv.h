#pragma once
// Sessions as CSV (RFC 4180: comma-separated, CRLF line ends, fields with a comma, quote, CR or LF
// in double quotes with inner quotes doubled), one row per session, for a spreadsheet.
// Columns: session, trainee, scenario, title, procedure, started_at, duration_s, score, passed,
// expert_reference, ratings, mean_rating, reasons (joined by a line feed), then one column per
// metric ("name [unit]") over all sessions in name order; a session without it leaves it empty.
#include <string>
#include <string_view>
#include <vector>

#include "assessment/records.h"

namespace irsim::assessment {

std::string sessionsCsv(const std::vector<SessionRecord>& sessions);

// One field, quoted when RFC 4180 requires it.
std::string csvField(std::string_view value);

// Parses RFC 4180 text into rows of fields (a final line end is optional; LF alone is accepted).
// Throws DataError naming `source` and the line for an unterminated or misplaced quote.
std::vector<std::vector<std::string>> parseCsv(std::string_view text, const std::string& source = "CSV");

}  // namespace irsim::assessment
