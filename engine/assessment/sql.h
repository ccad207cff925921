#pragma once
// The small SQL layer under the records store. Both backends run the same statements: they are
// written with `?` placeholders (PostgreSQL's backend numbers them $1, $2, ...) and the only
// dialect difference, the auto-numbered key, is the token {{id}} in table definitions.
// Internal to assessment: callers use records.h.
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace irsim::assessment::sql {

// NULL, integer, double or text. A non-finite double is stored as NULL (SQLite keeps no NaN) and
// -0 as 0 (SQLite stores whole reals as integers): the same in both backends.
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

struct Row {
    std::vector<Value> cells;

    bool isNull(size_t i) const;
    std::int64_t integer(size_t i) const;  // NULL reads 0
    double real(size_t i) const;           // NULL reads NaN; an integer is widened
    std::string text(size_t i) const;      // NULL reads ""
};

class Connection {
public:
    virtual ~Connection() = default;

    // Runs one statement with its parameters and returns every row it produced.
    std::vector<Row> query(const std::string& statement, const std::vector<Value>& params = {}) {
        return run(statement, params);
    }
    void exec(const std::string& statement, const std::vector<Value>& params = {}) { query(statement, params); }

    // A write transaction. SQLite takes the write lock at once (BEGIN IMMEDIATE) so two writers
    // never deadlock on an upgrade; PostgreSQL's BEGIN is enough.
    virtual void beginWrite() = 0;
    // A read transaction that sees one snapshot across its statements.
    virtual void beginRead() = 0;
    void commit() { exec("COMMIT"); }
    void rollback() { exec("ROLLBACK"); }

    // Inside a write transaction: serialises schema migrations between processes sharing the
    // database (PostgreSQL: an advisory lock; SQLite: already held by BEGIN IMMEDIATE).
    virtual void lockSchema() = 0;

    // The table definition text with the dialect tokens replaced.
    virtual std::string dialect(const std::string& ddl) const = 0;

    virtual std::string describe() const = 0;  // for messages: the file or the server

protected:
    virtual std::vector<Row> run(const std::string& statement, const std::vector<Value>& params) = 0;
};

// Opens `path` (created if missing) in WAL mode with full sync and foreign keys on.
std::unique_ptr<Connection> openSqlite(const std::string& path);
// `conninfo` is a libpq connection URI (postgresql://...).
std::unique_ptr<Connection> openPostgres(const std::string& conninfo);

// Rolls back unless committed: an exception half-way through a session's rows leaves nothing.
class WriteTransaction {
public:
    explicit WriteTransaction(Connection& db) : db_(db) { db_.beginWrite(); }
    ~WriteTransaction();
    void commit();
    WriteTransaction(const WriteTransaction&) = delete;
    WriteTransaction& operator=(const WriteTransaction&) = delete;

private:
    Connection& db_;
    bool done_ = false;
};

std::string replaceAll(std::string s, const std::string& from, const std::string& to);

// Shortest text that reads back as the same double (std::to_chars).
std::string formatDouble(double v);

}  // namespace irsim::assessment::sql
