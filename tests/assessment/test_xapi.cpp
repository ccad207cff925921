// xAPI export: statements that a learning record store accepts (xAPI 1.0.3, Data section 2.4),
// with ids and hashes checked against published test vectors.
#include <catch2/catch.hpp>

#include <regex>
#include <set>

#include "assessment/iso8601.h"
#include "assessment/xapi.h"
#include "records_fixtures.h"

using namespace irsim::assessment;
using nlohmann::json;

namespace {

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
// xAPI 1.0.3 section 4.5: ISO 8601 timestamps (we require the zone, as an LRS stores them).
const std::regex kTimestamp(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
const std::regex kDuration(R"(^P(\d+D)?T(\d+H)?(\d+M)?(\d+(\.\d+)?S)$)");
const std::regex kIri(R"(^[a-z][a-z0-9+.-]*:[^\s]+$)");

// The structure of a statement, independent of how the exporter builds it. Returns the problems.
std::vector<std::string> statementProblems(const json& s) {
    std::vector<std::string> p;
    auto need = [&](bool ok, const std::string& what) {
        if (!ok) p.push_back(what);
    };
    need(s.is_object(), "statement is an object");
    if (!s.is_object()) return p;
    need(s.contains("id") && s["id"].is_string() && std::regex_match(s["id"].get<std::string>(), kUuid),
         "id is an RFC 4122 UUID");
    // Actor: an Agent identified by exactly one inverse functional identifier.
    const json& a = s.value("actor", json());
    need(a.is_object() && a.value("objectType", "Agent") == "Agent", "actor is an Agent");
    int ifis = 0;
    for (const char* k : {"mbox", "mbox_sha1sum", "openid", "account"}) ifis += a.is_object() && a.contains(k);
    need(ifis == 1, "actor has exactly one identifier");
    if (a.contains("mbox")) need(a["mbox"].get<std::string>().rfind("mailto:", 0) == 0, "mbox is a mailto IRI");
    if (a.contains("account"))
        need(std::regex_match(a["account"].value("homePage", ""), kIri) && !a["account"].value("name", "").empty(),
             "account has homePage IRL and name");
    // Verb: an IRI id and a language map display.
    const json& v = s.value("verb", json());
    need(v.is_object() && std::regex_match(v.value("id", ""), kIri), "verb.id is an IRI");
    need(v.contains("display") && v["display"].is_object() && !v["display"].empty(), "verb.display is a language map");
    // Object: an Activity with an IRI id.
    const json& o = s.value("object", json());
    need(o.is_object() && o.value("objectType", "Activity") == "Activity" && std::regex_match(o.value("id", ""), kIri),
         "object is an Activity with an IRI id");
    need(s.contains("timestamp") && std::regex_match(s["timestamp"].get<std::string>(), kTimestamp),
         "timestamp is ISO 8601");
    if (s.contains("result")) {
        const json& r = s["result"];
        if (r.contains("score")) {
            const json& sc = r["score"];
            const double scaled = sc.value("scaled", 0.0), raw = sc.value("raw", 0.0);
            const double mn = sc.value("min", raw), mx = sc.value("max", raw);
            need(scaled >= -1.0 && scaled <= 1.0, "score.scaled in [-1, 1]");
            need(mn <= raw && raw <= mx, "score.raw within [min, max]");
        }
        if (r.contains("success")) need(r["success"].is_boolean(), "result.success is boolean");
        if (r.contains("completion")) need(r["completion"].is_boolean(), "result.completion is boolean");
        if (r.contains("duration")) need(std::regex_match(r["duration"].get<std::string>(), kDuration), "duration is ISO 8601");
        if (r.contains("extensions"))
            for (const auto& [k, val] : r["extensions"].items()) need(std::regex_match(k, kIri), "extension key " + k + " is an IRI");
    }
    if (s.contains("context") && s["context"].contains("registration"))
        need(std::regex_match(s["context"]["registration"].get<std::string>(), kUuid), "registration is a UUID");
    return p;
}

}  // namespace

TEST_CASE("SHA-1 and version-5 UUIDs match the published test vectors", "[records][xapi]") {
    // FIPS 180-4 examples (NIST CSRC "SHA1.pdf"): "abc" and the two-block message.
    auto hex = [](std::string_view s) { auto h = sha1(s); return toHex(h.data(), h.size()); };
    CHECK(hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    CHECK(hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") == "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    // RFC 4122 Appendix C DNS namespace; "python.org" is the Python uuid module's documented example.
    CHECK(uuidV5(parseUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c8"), "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    CHECK_THROWS(parseUuid("6ba7b810-9dad-11d1-80b4-00c04fd430c"));
}

TEST_CASE("ISO 8601 times convert between offsets, and durations keep 0.01 s", "[records][xapi]") {
    CHECK(parseIso8601("1970-01-01T00:00:00Z") == 0);
    CHECK(parseIso8601("2000-03-01T00:00:00Z") == std::int64_t{951868800} * 1000);
    // 2024 is a leap year: 29 February exists, and +01:00 is an hour ahead of UTC.
    CHECK(parseIso8601("2024-02-29T23:59:59.5+01:00") == std::int64_t{1709247599} * 1000 + 500);
    CHECK(formatIso8601Utc(*parseIso8601("2024-02-29T23:59:59.5+01:00")) == "2024-02-29T22:59:59.500Z");
    CHECK_FALSE(parseIso8601("2023-02-29T00:00:00Z"));
    CHECK_FALSE(parseIso8601("2024-05-01 9:30"));
    CHECK_FALSE(parseIso8601("2024-05-01T09:30:00+2"));
    CHECK(formatIso8601Utc(-1) == "1969-12-31T23:59:59.999Z");
    CHECK(isoDuration(754.25) == "PT12M34.25S");
    CHECK(isoDuration(3600.0) == "PT1H0M0S");
    CHECK(isoDuration(0.004) == "PT0S");
    CHECK(isoDuration(59.999) == "PT1M0S");
}

TEST_CASE("each session exports as attempted, completed and passed or failed statements that validate",
          "[records][xapi]") {
    std::vector<SessionRecord> sessions;
    for (int i = 0; i < 6; ++i) {
        sessions.push_back(testing::sampleSession(i));
        sessions.back().id = i + 1;
    }
    sessions[2].ratings.push_back({"dr.lee", 4, "good", "2024-05-02T08:00:00Z"});
    const json out = xapiStatements(sessions);
    REQUIRE(out.is_array());
    REQUIRE(out.size() == 3 * sessions.size());

    std::set<std::string> ids;
    for (const json& s : out) {
        INFO(s.dump(2));
        CHECK(statementProblems(s).empty());
        for (const auto& p : statementProblems(s)) WARN(p);
        ids.insert(s["id"].get<std::string>());
    }
    CHECK(ids.size() == out.size());  // every statement its own id

    for (size_t i = 0; i < sessions.size(); ++i) {
        const SessionRecord& r = sessions[i];
        const json& attempted = out[3 * i];
        const json& completed = out[3 * i + 1];
        const json& verdict = out[3 * i + 2];
        CHECK(attempted["verb"]["id"] == "http://adlnet.gov/expapi/verbs/attempted");
        CHECK(completed["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed");
        CHECK(verdict["verb"]["id"] == std::string("http://adlnet.gov/expapi/verbs/") + (r.passed ? "passed" : "failed"));
        CHECK(verdict["result"]["success"] == r.passed);
        CHECK(verdict["result"]["score"]["scaled"].get<double>() == Approx(r.score / 100.0).epsilon(1e-15));
        CHECK(verdict["result"]["score"]["raw"].get<double>() == r.score);
        // The end is the start plus the duration (600 s + i/3 s, to the millisecond).
        const auto start = *parseIso8601(attempted["timestamp"].get<std::string>());
        const auto end = *parseIso8601(verdict["timestamp"].get<std::string>());
        CHECK(start == *parseIso8601(r.startedAt));
        CHECK(end - start == std::llround(r.duration_s * 1000.0));
        // One extension per metric, with its value and unit.
        const json& ext = verdict["result"]["extensions"];
        CHECK(ext.size() == r.metrics.size());
        CHECK(ext["https://irsim.example/xapi/metric/fluoro_time_min"]["value"].get<double>() ==
              r.metrics.at("fluoro_time_min").value);
        CHECK(ext["https://irsim.example/xapi/metric/fluoro_time_min"]["unit"] == "min");
        // The three statements of a session share its registration.
        CHECK(attempted["context"]["registration"] == verdict["context"]["registration"]);
    }
    // An e-mail trainee id is an mbox, any other an account.
    CHECK(out[3 * 2]["actor"]["mbox"] == "mailto:r.okafor@hospital.example");
    CHECK(out[0]["actor"]["account"]["name"] == "resident-0");
    CHECK(out[3 * 2 + 2]["context"]["extensions"]["https://irsim.example/xapi/session"]["assessor_ratings"][0]["rating"] == 4);

    // The ids depend on the session, not on the store's row id: re-exports de-duplicate in an LRS.
    std::vector<SessionRecord> renumbered = sessions;
    for (auto& r : renumbered) r.id += 100;
    CHECK(xapiStatements(renumbered) == out);
    std::vector<SessionRecord> later = sessions;
    later[0].startedAt = "2024-05-01T07:30:00.001Z";
    CHECK(xapiStatements(later)[0]["id"] != out[0]["id"]);
}
