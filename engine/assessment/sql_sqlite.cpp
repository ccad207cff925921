// SQLite backend of the records store: one file, write-ahead log, full sync.
#include <sqlite3.h>

#include <cmath>
#include <limits>

#include "assessment/sql.h"
#include "core/error.h"

namespace irsim::assessment::sql {

namespace {

class SqliteConnection final : public Connection {
public:
    explicit SqliteConnection(std::string path) : path_(std::move(path)) {
        if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
            SQLITE_OK) {
            const std::string msg = db_ ? sqlite3_errmsg(db_) : "out of memory";
            sqlite3_close(db_);
            db_ = nullptr;
            throw DataError(path_, 0, "", "cannot open the records database: " + msg);
        }
        // Another simulator or an `irsim records` may hold the write lock for a moment.
        sqlite3_busy_timeout(db_, 10000);
        // WAL: a killed writer leaves its uncommitted frames in the log, which readers ignore;
        // synchronous=FULL: a committed session survives a power cut too.
        query("PRAGMA journal_mode=WAL");
        exec("PRAGMA synchronous=FULL");
        exec("PRAGMA foreign_keys=ON");
    }
    ~SqliteConnection() override { sqlite3_close(db_); }

    std::vector<Row> run(const std::string& statement, const std::vector<Value>& params) override {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db_, statement.c_str(), -1, &st, nullptr) != SQLITE_OK) fail(statement);
        struct Finalize {
            sqlite3_stmt* s;
            ~Finalize() { sqlite3_finalize(s); }
        } fin{st};
        for (size_t i = 0; i < params.size(); ++i) {
            const int k = static_cast<int>(i) + 1;
            const Value& v = params[i];
            int rc = SQLITE_OK;
            if (auto p = std::get_if<std::int64_t>(&v)) rc = sqlite3_bind_int64(st, k, *p);
            else if (auto d = std::get_if<double>(&v))
                rc = std::isfinite(*d) ? sqlite3_bind_double(st, k, *d + 0.0) : sqlite3_bind_null(st, k);
            else if (auto s = std::get_if<std::string>(&v))
                rc = sqlite3_bind_text(st, k, s->data(), static_cast<int>(s->size()), SQLITE_TRANSIENT);
            else rc = sqlite3_bind_null(st, k);
            if (rc != SQLITE_OK) fail(statement);
        }
        std::vector<Row> rows;
        for (;;) {
            const int rc = sqlite3_step(st);
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) fail(statement);
            Row row;
            const int n = sqlite3_column_count(st);
            row.cells.reserve(n);
            for (int c = 0; c < n; ++c) {
                switch (sqlite3_column_type(st, c)) {
                    case SQLITE_INTEGER: row.cells.emplace_back(std::int64_t{sqlite3_column_int64(st, c)}); break;
                    case SQLITE_FLOAT: row.cells.emplace_back(sqlite3_column_double(st, c)); break;
                    case SQLITE_NULL: row.cells.emplace_back(std::monostate{}); break;
                    default: {
                        const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(st, c));
                        row.cells.emplace_back(std::string(t ? t : "", sqlite3_column_bytes(st, c)));
                    }
                }
            }
            rows.push_back(std::move(row));
        }
        return rows;
    }

    void beginWrite() override { exec("BEGIN IMMEDIATE"); }
    void beginRead() override { exec("BEGIN"); }  // WAL: the snapshot is fixed at the first read
    void lockSchema() override {}

    std::string dialect(const std::string& ddl) const override {
        return replaceAll(ddl, "{{id}}", "INTEGER PRIMARY KEY");
    }

    std::string describe() const override { return path_; }

private:
    [[noreturn]] void fail(const std::string& statement) {
        throw DataError(path_, 0, "", std::string("records database: ") + sqlite3_errmsg(db_) +
                                          " (in: " + statement.substr(0, 80) + ")");
    }

    std::string path_;
    sqlite3* db_ = nullptr;
};

}  // namespace

std::unique_ptr<Connection> openSqlite(const std::string& path) {
    return std::make_unique<SqliteConnection>(path);
}

}  // namespace irsim::assessment::sql
