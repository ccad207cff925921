// CSV export: RFC 4180 quoting that a spreadsheet and our own parser read back exactly.
#include <catch2/catch.hpp>

#include "assessment/csv.h"
#include "assessment/sql.h"
#include "core/error.h"
#include "records_fixtures.h"

using namespace irsim::assessment;

TEST_CASE("CSV fields with commas, quotes and line ends round-trip through RFC 4180 quoting", "[records][csv]") {
    const std::vector<std::string> fields = {"plain", "a,b", "say \"when\"", "two\nlines", "cr\r\nlf", "", "\"", "caf\xc3\xa9"};
    std::string line;
    for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + csvField(fields[i]);
    CHECK(csvField("say \"when\"") == "\"say \"\"when\"\"\"");
    CHECK(csvField("plain") == "plain");
    const auto rows = parseCsv(line + "\r\n" + line);
    REQUIRE(rows.size() == 2);
    CHECK(rows[0] == fields);
    CHECK(rows[1] == fields);
}

TEST_CASE("sessions export as one CSV row each with a column per metric", "[records][csv]") {
    std::vector<SessionRecord> sessions;
    for (int i = 0; i < 5; ++i) {
        sessions.push_back(testing::sampleSession(i));
        sessions.back().id = i + 1;
    }
    sessions[1].ratings = {{"dr.lee", 4, "", ""}, {"dr.moreau", 3, "", ""}};
    const std::string csv = sessionsCsv(sessions);
    CHECK(csv.find("\r\n") != std::string::npos);
    const auto rows = parseCsv(csv);
    REQUIRE(rows.size() == 1 + sessions.size());
    const auto& header = rows[0];
    for (const auto& row : rows) CHECK(row.size() == header.size());
    auto column = [&](const std::string& name) {
        const auto it = std::find(header.begin(), header.end(), name);
        REQUIRE(it != header.end());
        return static_cast<size_t>(it - header.begin());
    };
    for (size_t i = 0; i < sessions.size(); ++i) {
        const auto& row = rows[i + 1];
        const SessionRecord& s = sessions[i];
        CHECK(row[column("title")] == s.title);  // quotes and a comma, read back whole
        CHECK(row[column("reasons")] == s.reasons[0] + "\n" + s.reasons[1]);
        CHECK(std::stod(row[column("score")]) == s.score);  // shortest round-trip digits
        CHECK(row[column("passed")] == (s.passed ? "true" : "false"));
        CHECK(std::stod(row[column("fluoro_time_min [min]")]) == s.metrics.at("fluoro_time_min").value);
        // Only sessions 0 and 4 measured a cement leak: the others leave the cell empty.
        CHECK(row[column("cement_leak_ml [mL]")] == (i % 4 == 0 ? sql::formatDouble(0.25 * i) : ""));
    }
    CHECK(rows[2][column("mean_rating")] == "3.5");
    CHECK(rows[2][column("ratings")] == "2");
}

TEST_CASE("malformed CSV is refused naming the line", "[records][csv]") {
    try {
        parseCsv("a,b\r\nc,\"open\r\nd\r\n", "export.csv");
        FAIL("accepted an unclosed quote");
    } catch (const irsim::DataError& e) {
        CHECK(e.file() == "export.csv");
        CHECK(e.line() == 2);
    }
    CHECK_THROWS_AS(parseCsv("a,b\"c\r\n"), irsim::DataError);
    CHECK_THROWS_AS(parseCsv("\"a\"b\r\n"), irsim::DataError);
}
