#include "assessment/xapi.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <stdexcept>

#include "assessment/iso8601.h"

namespace irsim::assessment {

using nlohmann::json;

namespace {

std::uint32_t rotl(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

// The namespace of irsim's statement and registration ids (a fixed random version-4 UUID).
const Uuid& irsimNamespace() {
    static const Uuid ns = parseUuid("6b1f2c9e-4a57-4d3b-9e20-7c84a1d5f036");
    return ns;
}

// RFC 3986 unreserved characters pass; everything else is %XX, so scenario and metric names
// make valid IRIs.
std::string percentEncode(std::string_view s) {
    static const char* kHex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

bool looksLikeEmail(const std::string& id) {
    const auto at = id.find('@');
    return at != std::string::npos && at > 0 && at + 1 < id.size() && id.find_first_of(" \t:<>") == std::string::npos;
}

json actorOf(const SessionRecord& s, const XapiOptions& o) {
    json a = {{"objectType", "Agent"}};
    if (looksLikeEmail(s.trainee)) a["mbox"] = "mailto:" + s.trainee;
    else a["account"] = {{"homePage", o.accountHomePage}, {"name", s.trainee}};
    return a;
}

json numberOrNull(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

}  // namespace

std::array<std::uint8_t, 20> sha1(std::string_view bytes) {
    // FIPS 180-4, section 6.1: pad to a multiple of 64 bytes with 0x80, zeros and the bit length.
    std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    std::string msg(bytes);
    const std::uint64_t bits = static_cast<std::uint64_t>(bytes.size()) * 8u;
    msg += static_cast<char>(0x80);
    while (msg.size() % 64 != 56) msg += '\0';
    for (int i = 7; i >= 0; --i) msg += static_cast<char>((bits >> (8 * i)) & 0xFFu);

    for (size_t block = 0; block < msg.size(); block += 64) {
        std::uint32_t w[80];
        for (int t = 0; t < 16; ++t) {
            const auto* p = reinterpret_cast<const unsigned char*>(msg.data() + block + 4 * t);
            w[t] = (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
        }
        for (int t = 16; t < 80; ++t) w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
        std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
        for (int t = 0; t < 80; ++t) {
            std::uint32_t f, k;
            if (t < 20) f = (b & c) | (~b & d), k = 0x5A827999u;       // Ch
            else if (t < 40) f = b ^ c ^ d, k = 0x6ED9EBA1u;          // Parity
            else if (t < 60) f = (b & c) ^ (b & d) ^ (c & d), k = 0x8F1BBCDCu;  // Maj
            else f = b ^ c ^ d, k = 0xCA62C1D6u;                       // Parity
            const std::uint32_t temp = rotl(a, 5) + f + e + k + w[t];
            e = d;
            d = c;
            c = rotl(b, 30);
            b = a;
            a = temp;
        }
        h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e;
    }
    std::array<std::uint8_t, 20> out{};
    for (int i = 0; i < 5; ++i)
        for (int j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
    return out;
}

std::string toHex(const std::uint8_t* bytes, size_t n) {
    static const char* kHex = "0123456789abcdef";
    std::string s;
    for (size_t i = 0; i < n; ++i) {
        s += kHex[bytes[i] >> 4];
        s += kHex[bytes[i] & 15];
    }
    return s;
}

Uuid parseUuid(std::string_view text) {
    Uuid u{};
    size_t k = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) continue;
        int v;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        else throw std::invalid_argument("not a UUID: " + std::string(text));
        if (k >= 32) throw std::invalid_argument("not a UUID: " + std::string(text));
        u[k / 2] = static_cast<std::uint8_t>(u[k / 2] | (k % 2 == 0 ? v << 4 : v));
        ++k;
    }
    if (k != 32 || text.size() != 36) throw std::invalid_argument("not a UUID: " + std::string(text));
    return u;
}

std::string uuidV5(const Uuid& nameSpace, std::string_view name) {
    std::string input(reinterpret_cast<const char*>(nameSpace.data()), nameSpace.size());
    input += name;
    const auto hash = sha1(input);
    Uuid u{};
    std::copy_n(hash.begin(), 16, u.begin());
    u[6] = static_cast<std::uint8_t>((u[6] & 0x0F) | 0x50);  // version 5
    u[8] = static_cast<std::uint8_t>((u[8] & 0x3F) | 0x80);  // RFC 4122 variant
    const std::string hex = toHex(u.data(), u.size());
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
           hex.substr(20);
}

std::string xapiVerbId(std::string_view verb) { return "http://adlnet.gov/expapi/verbs/" + std::string(verb); }

json xapiStatements(const std::vector<SessionRecord>& sessions, const XapiOptions& o) {
    json out = json::array();
    for (const SessionRecord& s : sessions) {
        const std::int64_t start = parseIso8601(s.startedAt).value_or(0);
        const double dur = std::isfinite(s.duration_s) ? std::max(0.0, s.duration_s) : 0.0;
        const std::int64_t end = start + static_cast<std::int64_t>(std::llround(dur * 1000.0));
        // The session's identity, independent of the store's row id.
        const std::string key = "irsim-session\n" + s.trainee + "\n" + s.scenario + "\n" + formatIso8601Utc(start);

        json object = {{"objectType", "Activity"},
                       {"id", o.activityBase + percentEncode(s.scenario)},
                       {"definition",
                        {{"name", {{"en-US", s.title.empty() ? s.scenario : s.title}}},
                         {"type", "http://adlnet.gov/expapi/activities/simulation"}}}};
        if (!s.procedure.empty()) object["definition"]["description"] = {{"en-US", s.procedure}};

        json sessionExt = {{"scenario", s.scenario}, {"started_at", s.startedAt},
                           {"expert_reference", s.expertReference}};
        if (!s.ratings.empty()) {
            json ratings = json::array();
            for (const auto& r : s.ratings)
                ratings.push_back({{"assessor", r.assessor}, {"rating", r.rating}, {"comment", r.comment},
                                   {"rated_at", r.ratedAt}});
            sessionExt["assessor_ratings"] = ratings;
        }
        const json context = {{"registration", uuidV5(irsimNamespace(), key)},
                              {"platform", "irsim"},
                              {"extensions", {{o.extensionBase + "session", sessionExt}}}};

        auto statement = [&](const std::string& verb, std::int64_t when) {
            return json{{"id", uuidV5(irsimNamespace(), key + "\n" + verb)},
                        {"actor", actorOf(s, o)},
                        {"verb", {{"id", xapiVerbId(verb)}, {"display", {{"en-US", verb}}}}},
                        {"object", object},
                        {"context", context},
                        {"timestamp", formatIso8601Utc(when)}};
        };

        out.push_back(statement("attempted", start));

        json completed = statement("completed", end);
        completed["result"] = {{"completion", true}, {"duration", isoDuration(dur)}};
        out.push_back(completed);

        const double raw = std::clamp(std::isfinite(s.score) ? s.score : 0.0, 0.0, 100.0);
        json extensions = json::object();
        for (const auto& [name, m] : s.metrics)
            extensions[o.extensionBase + "metric/" + percentEncode(name)] = {{"value", numberOrNull(m.value)},
                                                                             {"unit", m.unit}};
        json verdict = statement(s.passed ? "passed" : "failed", end);
        verdict["result"] = {{"score", {{"scaled", raw / 100.0}, {"raw", raw}, {"min", 0}, {"max", 100}}},
                             {"success", s.passed},
                             {"completion", true},
                             {"duration", isoDuration(dur)},
                             {"response", s.reasons.empty() ? std::string() : s.reasons.front()},
                             {"extensions", extensions}};
        out.push_back(verdict);
    }
    return out;
}

}  // namespace irsim::assessment
