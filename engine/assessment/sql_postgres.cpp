// PostgreSQL backend of the records store (libpq), for a programme whose simulators share one
// server. Parameters go as text and the server infers their types from the statement.
#include <libpq-fe.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <regex>

#include "assessment/sql.h"
#include "core/error.h"

namespace irsim::assessment::sql {

namespace {

// Type oids from PostgreSQL's pg_type catalogue (src/include/catalog/pg_type.dat).
constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23, kFloat4Oid = 700,
              kFloat8Oid = 701, kNumericOid = 1700;

// An arbitrary constant naming the irsim schema lock among the server's advisory locks.
constexpr long long kSchemaLockKey = 0x6972'7369'6d00LL;  // "irsim"

// `?` placeholders become $1, $2, ... (our statements carry no `?` inside literals).
std::string numberPlaceholders(const std::string& s) {
    std::string out;
    out.reserve(s.size() + 16);
    int n = 0;
    for (char c : s) {
        if (c == '?') out += "$" + std::to_string(++n);
        else out += c;
    }
    return out;
}

// libpq's messages span lines ("...failed: X\n\tIs the server running..."): one line for the user.
std::string oneLine(std::string msg) {
    for (char& c : msg)
        if (c == '\n' || c == '\t') c = ' ';
    while (!msg.empty() && msg.back() == ' ') msg.pop_back();
    return msg;
}

// The URL without its password, for messages.
std::string redact(const std::string& url) {
    return std::regex_replace(url, std::regex("(://[^:/@]*):[^@]*@"), "$1:***@");
}

void ignoreNotice(void*, const char*) {}  // "relation already exists, skipping" and the like

class PostgresConnection final : public Connection {
public:
    explicit PostgresConnection(const std::string& conninfo) : name_(redact(conninfo)) {
        conn_ = PQconnectdb(conninfo.c_str());
        if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
            const std::string msg = oneLine(conn_ ? PQerrorMessage(conn_) : "out of memory");
            PQfinish(conn_);
            conn_ = nullptr;
            throw DataError(name_, 0, "--records", "cannot connect to the PostgreSQL records server: " + msg);
        }
        PQsetNoticeProcessor(conn_, ignoreNotice, nullptr);
        exec("SET client_min_messages = warning");
    }
    ~PostgresConnection() override { PQfinish(conn_); }

    std::vector<Row> run(const std::string& statement, const std::vector<Value>& params) override {
        std::vector<std::string> text(params.size());
        std::vector<const char*> ptrs(params.size(), nullptr);
        for (size_t i = 0; i < params.size(); ++i) {
            const Value& v = params[i];
            if (auto p = std::get_if<std::int64_t>(&v)) text[i] = std::to_string(*p);
            else if (auto d = std::get_if<double>(&v)) {
                if (!std::isfinite(*d)) continue;  // NULL, as in SQLite
                text[i] = formatDouble(*d + 0.0);
            } else if (auto s = std::get_if<std::string>(&v)) text[i] = *s;
            else continue;
            ptrs[i] = text[i].c_str();
        }
        PGresult* res = PQexecParams(conn_, numberPlaceholders(statement).c_str(),
                                     static_cast<int>(params.size()), nullptr, ptrs.data(), nullptr,
                                     nullptr, 0);
        struct Clear {
            PGresult* r;
            ~Clear() { PQclear(r); }
        } clear{res};
        const ExecStatusType st = PQresultStatus(res);
        if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
            std::string msg = PQresultErrorMessage(res);
            if (msg.empty()) msg = PQerrorMessage(conn_);
            msg = oneLine(msg);
            throw DataError(name_, 0, "", "records server: " + msg + " (in: " + statement.substr(0, 80) + ")");
        }
        std::vector<Row> rows;
        const int nr = PQntuples(res), nc = PQnfields(res);
        rows.reserve(nr);
        for (int r = 0; r < nr; ++r) {
            Row row;
            row.cells.reserve(nc);
            for (int c = 0; c < nc; ++c) {
                if (PQgetisnull(res, r, c)) {
                    row.cells.emplace_back(std::monostate{});
                    continue;
                }
                const char* s = PQgetvalue(res, r, c);
                const int len = PQgetlength(res, r, c);
                switch (PQftype(res, c)) {
                    case kInt2Oid:
                    case kInt4Oid:
                    case kInt8Oid: {
                        std::int64_t i = 0;
                        std::from_chars(s, s + len, i);
                        row.cells.emplace_back(i);
                        break;
                    }
                    case kFloat4Oid:
                    case kFloat8Oid:
                    case kNumericOid: {
                        // PostgreSQL 12+ prints the shortest text that reads back exactly.
                        double d = std::numeric_limits<double>::quiet_NaN();
                        std::from_chars(s, s + len, d);
                        row.cells.emplace_back(d);
                        break;
                    }
                    case kBoolOid: row.cells.emplace_back(std::int64_t{s[0] == 't' ? 1 : 0}); break;
                    default: row.cells.emplace_back(std::string(s, len));
                }
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    void beginWrite() override { exec("BEGIN"); }
    void beginRead() override { exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"); }
    void lockSchema() override { exec("SELECT pg_advisory_xact_lock(" + std::to_string(kSchemaLockKey) + ")"); }

    std::string dialect(const std::string& ddl) const override {
        return replaceAll(ddl, "{{id}}", "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY");
    }

    std::string describe() const override { return name_; }

private:
    std::string name_;
    PGconn* conn_ = nullptr;
};

}  // namespace

std::unique_ptr<Connection> openPostgres(const std::string& conninfo) {
    return std::make_unique<PostgresConnection>(conninfo);
}

}  // namespace irsim::assessment::sql
