#pragma once
// ISO 8601 times and durations as records and xAPI statements write them. The engine reads no
// clock: times come from the caller as text and are only parsed, compared and shifted here.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace irsim::assessment {

// "YYYY-MM-DDThh:mm:ss[.fff][Z|+hh:mm|-hh:mm]" (also "hhmm" offsets and a space for 'T').
// Returns milliseconds since 1970-01-01T00:00:00Z; no offset means UTC. Nullopt when malformed.
std::optional<std::int64_t> parseIso8601(std::string_view text);

// "YYYY-MM-DDThh:mm:ss.fffZ" (UTC, milliseconds), the form xAPI timestamps use.
std::string formatIso8601Utc(std::int64_t epochMs);

// An ISO 8601 duration to 0.01 s, the precision an xAPI learning record store keeps:
// 754.25 s -> "PT12M34.25S", 3600 s -> "PT1H0M0S".
std::string isoDuration(double seconds);

}  // namespace irsim::assessment
