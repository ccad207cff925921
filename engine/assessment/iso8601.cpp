#include "assessment/iso8601.h"

#include <cmath>
#include <cstdio>

namespace irsim::assessment {

namespace {

bool leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int daysInMonth(std::int64_t y, int m) {
    static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : kDays[m - 1];
}

// Leap years in [1, y): every 4th year, except centuries, except every 4th century.
std::int64_t leapYearsBefore(std::int64_t y) { return (y - 1) / 4 - (y - 1) / 100 + (y - 1) / 400; }

// Days since 1970-01-01 of a Gregorian date in years 1..9999.
std::int64_t daysFromCivil(std::int64_t y, int m, int d) {
    std::int64_t days = 365 * (y - 1970) + leapYearsBefore(y) - leapYearsBefore(1970);
    for (int k = 1; k < m; ++k) days += daysInMonth(y, k);
    return days + d - 1;
}

void civilFromDays(std::int64_t z, std::int64_t& y, int& m, int& d) {
    y = 1970 + z / 366;  // an underestimate for z >= 0 and an overestimate below: walk to the year
    while (daysFromCivil(y + 1, 1, 1) <= z) ++y;
    while (daysFromCivil(y, 1, 1) > z) --y;
    std::int64_t rest = z - daysFromCivil(y, 1, 1);
    m = 1;
    while (rest >= daysInMonth(y, m)) rest -= daysInMonth(y, m++);
    d = static_cast<int>(rest) + 1;
}

// Reads exactly n digits at s[pos].
bool digits(std::string_view s, size_t& pos, int n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (int i = 0; i < n; ++i) {
        const char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    pos += n;
    return true;
}

bool expect(std::string_view s, size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

}  // namespace

std::optional<std::int64_t> parseIso8601(std::string_view s) {
    size_t p = 0;
    int year, mon, day, hh, mm, ss;
    if (!digits(s, p, 4, year) || !expect(s, p, '-') || !digits(s, p, 2, mon) || !expect(s, p, '-') ||
        !digits(s, p, 2, day))
        return std::nullopt;
    if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return std::nullopt;
    ++p;
    if (!digits(s, p, 2, hh) || !expect(s, p, ':') || !digits(s, p, 2, mm) || !expect(s, p, ':') ||
        !digits(s, p, 2, ss))
        return std::nullopt;
    if (year < 1 || mon < 1 || mon > 12 || day < 1 || day > daysInMonth(year, mon) || hh > 23 || mm > 59 || ss > 59)
        return std::nullopt;
    std::int64_t ms = 0;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
        ++p;
        int scale = 100, n = 0;
        while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
            ms += (s[p] - '0') * scale;  // digits beyond milliseconds are dropped
            scale /= 10;
            ++p;
            ++n;
        }
        if (n == 0) return std::nullopt;
    }
    int offsetMin = 0;
    if (p < s.size()) {
        if (s[p] == 'Z' || s[p] == 'z') {
            ++p;
        } else if (s[p] == '+' || s[p] == '-') {
            const int sign = s[p] == '-' ? -1 : 1;
            ++p;
            int oh, om;
            if (!digits(s, p, 2, oh)) return std::nullopt;
            if (p < s.size() && s[p] == ':') ++p;
            if (!digits(s, p, 2, om) || oh > 23 || om > 59) return std::nullopt;
            offsetMin = sign * (oh * 60 + om);
        } else {
            return std::nullopt;
        }
    }
    if (p != s.size()) return std::nullopt;
    const std::int64_t secs = daysFromCivil(year, mon, day) * 86400 + hh * 3600 + mm * 60 + ss -
                              std::int64_t{offsetMin} * 60;
    return secs * 1000 + ms;
}

std::string formatIso8601Utc(std::int64_t epochMs) {
    std::int64_t days = epochMs >= 0 ? epochMs / 86400000 : -((-epochMs + 86399999) / 86400000);
    std::int64_t msOfDay = epochMs - days * 86400000;
    std::int64_t y;
    int m, d;
    civilFromDays(days, y, m, d);
    char buf[96];
    std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d,
                  static_cast<int>(msOfDay / 3600000), static_cast<int>(msOfDay / 60000 % 60),
                  static_cast<int>(msOfDay / 1000 % 60), static_cast<int>(msOfDay % 1000));
    return buf;
}

std::string isoDuration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0.0) seconds = 0.0;
    const auto cs = static_cast<std::int64_t>(std::llround(seconds * 100.0));  // centiseconds
    const std::int64_t h = cs / 360000, m = cs / 6000 % 60, s = cs / 100 % 60, frac = cs % 100;
    std::string out = "PT";
    if (h > 0) out += std::to_string(h) + "H";
    if (h > 0 || m > 0) out += std::to_string(m) + "M";
    out += std::to_string(s);
    if (frac != 0) {
        char buf[16];
        std::snprintf(buf, sizeof buf, ".%02d", static_cast<int>(frac));
        std::string f = buf;
        if (f.back() == '0') f.pop_back();
        out += f;
    }
    return out + "S";
}

}  // namespace irsim::assessment
