#pragma once
// Sessions as xAPI (Experience API 1.0.3) statements for a learning record store. Each session
// gives three statements, each with the ADL verb (http://adlnet.gov/expapi/verbs/):
//   attempted        at the session's start;
//   completed        at its end, with the duration;
//   passed | failed  at its end, with the score (scaled 0..1, raw 0..100), success, completion,
//                    duration and one result extension per metric.
// Statement ids are name-based UUIDs (version 5) of the session's trainee, scenario, start and
// verb, so exporting the same session twice, from SQLite or PostgreSQL, gives the same ids and an
// LRS drops the repeats.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "assessment/records.h"

namespace irsim::assessment {

struct XapiOptions {
    // actor.account.homePage for trainee ids that are not e-mail addresses (those become mbox).
    std::string accountHomePage = "https://irsim.example/trainees";
    // object.id = activityBase + the scenario id (percent-encoded).
    std::string activityBase = "https://irsim.example/scenarios/";
    // Extension keys: extensionBase + "metric/" + the metric's name, extensionBase + "session".
    std::string extensionBase = "https://irsim.example/xapi/";
};

// The statements of the sessions, in session order: a JSON array.
nlohmann::json xapiStatements(const std::vector<SessionRecord>& sessions, const XapiOptions& options = {});

// The verbs, in the ADL vocabulary.
std::string xapiVerbId(std::string_view verb);  // "passed" -> "http://adlnet.gov/expapi/verbs/passed"

// SHA-1 (FIPS 180-4) of the bytes; lower-case hex.
std::array<std::uint8_t, 20> sha1(std::string_view bytes);
std::string toHex(const std::uint8_t* bytes, size_t n);

using Uuid = std::array<std::uint8_t, 16>;
// RFC 4122 section 4.3: name-based UUID, version 5 (SHA-1), e.g. "886313e1-3b8a-5372-9b90-0c9aee199e5d"
// for the DNS namespace and "python.org".
std::string uuidV5(const Uuid& nameSpace, std::string_view name);
Uuid parseUuid(std::string_view text);  // throws std::invalid_argument when malformed

}  // namespace irsim::assessment
