#include "assessment/csv.h"

#include <cmath>
#include <map>

#include "assessment/sql.h"
#include "core/error.h"

namespace irsim::assessment {

namespace {

std::string number(double v) { return std::isfinite(v) ? sql::formatDouble(v) : std::string(); }

void appendRow(std::string& out, const std::vector<std::string>& fields) {
    for (size_t i = 0; i < fields.size(); ++i) {
        if (i) out += ',';
        out += csvField(fields[i]);
    }
    out += "\r\n";
}

}  // namespace

std::string csvField(std::string_view v) {
    if (v.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(v);
    std::string q = "\"";
    for (char c : v) {
        if (c == '"') q += '"';
        q += c;
    }
    return q + '"';
}

std::string sessionsCsv(const std::vector<SessionRecord>& sessions) {
    std::map<std::string, std::string> metricUnits;  // name -> unit of its first appearance
    for (const auto& s : sessions)
        for (const auto& [name, m] : s.metrics) metricUnits.emplace(name, m.unit);

    std::vector<std::string> header = {"session",  "trainee",   "scenario",         "title",
                                       "procedure", "started_at", "duration_s",       "score",
                                       "passed",   "expert_reference", "ratings", "mean_rating", "reasons"};
    for (const auto& [name, unit] : metricUnits) header.push_back(unit.empty() ? name : name + " [" + unit + "]");

    std::string out;
    appendRow(out, header);
    for (const auto& s : sessions) {
        std::string reasons, mean;
        for (size_t i = 0; i < s.reasons.size(); ++i) reasons += (i ? "\n" : "") + s.reasons[i];
        if (!s.ratings.empty()) {
            double sum = 0.0;
            for (const auto& r : s.ratings) sum += r.rating;
            mean = number(sum / static_cast<double>(s.ratings.size()));
        }
        std::vector<std::string> row = {std::to_string(s.id),
                                        s.trainee,
                                        s.scenario,
                                        s.title,
                                        s.procedure,
                                        s.startedAt,
                                        number(s.duration_s),
                                        number(s.score),
                                        s.passed ? "true" : "false",
                                        s.expertReference ? "true" : "false",
                                        std::to_string(s.ratings.size()),
                                        mean,
                                        reasons};
        for (const auto& [name, unit] : metricUnits) {
            auto it = s.metrics.find(name);
            row.push_back(it == s.metrics.end() ? std::string() : number(it->second.value));
        }
        appendRow(out, row);
    }
    return out;
}

std::vector<std::vector<std::string>> parseCsv(std::string_view text, const std::string& source) {
    std::vector<std::vector<std::string>> rows;
    std::vector<std::string> row;
    std::string field;
    int line = 1;
    size_t i = 0;
    bool fieldStarted = false;
    auto endField = [&] {
        row.push_back(std::move(field));
        field.clear();
        fieldStarted = false;
    };
    auto endRow = [&] {
        endField();
        rows.push_back(std::move(row));
        row.clear();
    };
    while (i < text.size()) {
        const char c = text[i];
        if (c == '"' && !fieldStarted) {
            const int openedAt = line;
            ++i;
            for (;;) {
                if (i >= text.size()) throw DataError(source, openedAt, "", "a quoted field is not closed");
                if (text[i] == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        field += '"';
                        i += 2;
                        continue;
                    }
                    ++i;
                    break;
                }
                if (text[i] == '\n') ++line;
                field += text[i++];
            }
            fieldStarted = true;
            if (i < text.size() && text[i] != ',' && text[i] != '\r' && text[i] != '\n')
                throw DataError(source, line, "", "text after a closing quote (expected , or a line end)");
            continue;
        }
        if (c == '"') throw DataError(source, line, "", "a quote inside an unquoted field");
        if (c == ',') {
            endField();
            ++i;
        } else if (c == '\r' || c == '\n') {
            endRow();
            i += (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ? 2 : 1;
            ++line;
        } else {
            field += c;
            fieldStarted = true;
            ++i;
        }
    }
    if (fieldStarted || !row.empty()) endRow();
    return rows;
}

}  // namespace irsim::assessment
