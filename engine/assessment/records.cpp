#include "assessment/records.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "assessment/iso8601.h"
#include "assessment/sql.h"
#include "core/error.h"
#include "core/paths.h"

namespace irsim::assessment {

namespace {

using sql::Value;

// The schema's history. Each step runs in one transaction with the schema lock held; a database
// at version N gets steps N+1.. on open. Never edit a shipped step: add one.
struct Migration {
    int version;
    const char* what;
    std::vector<const char*> statements;
};

const std::vector<Migration>& migrations() {
    static const std::vector<Migration> kMigrations = {
        {1,
         "trainees, sessions, action logs, metrics, events, reasons",
         {
             "CREATE TABLE trainees (id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '')",
             "CREATE TABLE sessions ("
             " id {{id}},"
             " trainee_id TEXT NOT NULL REFERENCES trainees(id),"
             " scenario TEXT NOT NULL,"
             " title TEXT NOT NULL,"
             " procedure_name TEXT NOT NULL,"
             " patient TEXT NOT NULL,"
             " started_at TEXT NOT NULL,"
             " started_ms BIGINT NOT NULL,"  // started_at in ms since 1970 UTC: orders mixed offsets
             " duration_s DOUBLE PRECISION,"
             " end_reason TEXT NOT NULL,"
             " score DOUBLE PRECISION,"
             " passed INTEGER NOT NULL,"
             " report_json TEXT NOT NULL)",
             "CREATE INDEX sessions_by_trainee ON sessions (trainee_id, scenario, started_ms)",
             "CREATE INDEX sessions_by_scenario ON sessions (scenario, started_ms)",
             "CREATE TABLE action_logs ("
             " session_id BIGINT PRIMARY KEY REFERENCES sessions(id),"
             " path TEXT NOT NULL,"
             " content TEXT NOT NULL)",
             "CREATE TABLE metrics ("
             " session_id BIGINT NOT NULL REFERENCES sessions(id),"
             " name TEXT NOT NULL,"
             " value DOUBLE PRECISION,"
             " unit TEXT NOT NULL,"
             " PRIMARY KEY (session_id, name))",
             "CREATE TABLE events ("
             " session_id BIGINT NOT NULL REFERENCES sessions(id),"
             " seq INTEGER NOT NULL,"
             " time_s DOUBLE PRECISION,"
             " kind TEXT NOT NULL,"
             " details TEXT NOT NULL,"
             " PRIMARY KEY (session_id, seq))",
             "CREATE TABLE reasons ("
             " session_id BIGINT NOT NULL REFERENCES sessions(id),"
             " seq INTEGER NOT NULL,"
             " text TEXT NOT NULL,"
             " PRIMARY KEY (session_id, seq))",
         }},
        {2,
         "assessor ratings and comments, expert reference per scenario",
         {
             "CREATE TABLE assessor_ratings ("
             " id {{id}},"
             " session_id BIGINT NOT NULL REFERENCES sessions(id),"
             " assessor TEXT NOT NULL,"
             " rating INTEGER NOT NULL,"
             " comment TEXT NOT NULL,"
             " rated_at TEXT NOT NULL)",
             "CREATE INDEX ratings_by_session ON assessor_ratings (session_id, id)",
             "CREATE TABLE scenario_references ("
             " scenario TEXT PRIMARY KEY,"
             " session_id BIGINT NOT NULL REFERENCES sessions(id),"
             " marked_by TEXT NOT NULL)",
         }},
    };
    return kMigrations;
}

std::string where(const SessionFilter& f, std::vector<Value>& params) {
    std::string w;
    auto add = [&](const char* clause, const std::string& v) {
        if (v.empty()) return;
        w += w.empty() ? " WHERE " : " AND ";
        w += clause;
        params.emplace_back(v);
    };
    add("s.trainee_id = ?", f.trainee);
    add("s.scenario = ?", f.scenario);
    return w;
}

const char* kSessionColumns =
    "s.id, s.trainee_id, s.scenario, s.title, s.procedure_name, s.patient, s.started_at, s.duration_s,"
    " s.end_reason, s.score, s.passed,"
    " (SELECT COUNT(*) FROM scenario_references r WHERE r.session_id = s.id),"
    " (SELECT COUNT(*) FROM assessor_ratings a WHERE a.session_id = s.id)";

void fillHeader(const sql::Row& r, SessionRecord& s) {
    s.id = r.integer(0);
    s.trainee = r.text(1);
    s.scenario = r.text(2);
    s.title = r.text(3);
    s.procedure = r.text(4);
    s.patient = r.text(5);
    s.startedAt = r.text(6);
    s.duration_s = r.real(7);
    s.endReason = r.text(8);
    s.score = r.real(9);
    s.passed = r.integer(10) != 0;
    s.expertReference = r.integer(11) != 0;
}

}  // namespace

std::string defaultRecordsUrl() { return "sqlite:" + (userDataDir() / "records.sqlite").string(); }

RecordStore RecordStore::open(const std::string& urlIn, const OpenOptions& options) {
    const std::string url = urlIn.empty() ? defaultRecordsUrl() : urlIn;
    std::unique_ptr<sql::Connection> db;
    if (url.rfind("sqlite:", 0) == 0) {
        std::string path = url.substr(7);
        if (path.rfind("//", 0) == 0) path = path.substr(2);  // sqlite:///abs/path
        if (path.empty()) throw DataError(url, 0, "--records", "expected sqlite:PATH with a file path");
        const auto parent = std::filesystem::path(path).parent_path();
        if (!parent.empty()) std::filesystem::create_directories(parent);
        db = sql::openSqlite(path);
    } else if (url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0) {
        db = sql::openPostgres(url);
    } else {
        throw DataError(url, 0, "--records", "expected sqlite:PATH or postgresql://USER@HOST/DATABASE");
    }
    RecordStore store(std::move(db));
    store.migrate(options.schemaVersion > 0 ? options.schemaVersion : latestSchemaVersion());
    return store;
}

RecordStore::RecordStore(std::unique_ptr<sql::Connection> db) : db_(std::move(db)) {}
RecordStore::RecordStore(RecordStore&&) noexcept = default;
RecordStore& RecordStore::operator=(RecordStore&&) noexcept = default;
RecordStore::~RecordStore() = default;

int RecordStore::latestSchemaVersion() { return migrations().back().version; }

std::string RecordStore::describe() const { return db_->describe(); }

int RecordStore::schemaVersion() {
    const auto rows = db_->query("SELECT version FROM schema_version");
    return rows.empty() ? 0 : static_cast<int>(rows[0].integer(0));
}

void RecordStore::migrate(int target) {
    if (target > latestSchemaVersion())
        throw DataError(describe(), 0, "schema_version", "no migration to version " + std::to_string(target));
    // Most opens find the schema current: skip the write lock then.
    try {
        if (schemaVersion() == target) return;
    } catch (const DataError&) {
        // No schema_version table yet: a new database.
    }
    sql::WriteTransaction tx(*db_);
    db_->lockSchema();
    db_->exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
    auto rows = db_->query("SELECT version FROM schema_version");
    int version = 0;
    if (rows.empty()) db_->exec("INSERT INTO schema_version (version) VALUES (0)");
    else version = static_cast<int>(rows[0].integer(0));
    if (version > latestSchemaVersion())
        throw DataError(describe(), 0, "schema_version",
                        "the records are at schema version " + std::to_string(version) +
                            ", newer than this irsim knows (" + std::to_string(latestSchemaVersion()) +
                            "): update irsim");
    // All steps in the one transaction: a crash during a migration leaves the old version whole.
    for (const Migration& m : migrations()) {
        if (m.version <= version || m.version > target) continue;
        for (const char* st : m.statements) db_->exec(db_->dialect(st));
        db_->exec("UPDATE schema_version SET version = ?", {std::int64_t{m.version}});
    }
    tx.commit();
}

std::int64_t RecordStore::addSession(const SessionRecord& r) {
    if (r.trainee.empty()) throw DataError(describe(), 0, "trainee", "a session needs a trainee id");
    if (r.scenario.empty()) throw DataError(describe(), 0, "scenario", "a session needs a scenario id");
    const auto startedMs = parseIso8601(r.startedAt);
    if (!startedMs)
        throw DataError(describe(), 0, "started_at",
                        "expected an ISO 8601 time such as 2024-05-01T09:30:00Z, got '" + r.startedAt + "'");

    sql::WriteTransaction tx(*db_);
    db_->exec("INSERT INTO trainees (id, name) VALUES (?, '') ON CONFLICT (id) DO NOTHING", {r.trainee});
    const auto ids = db_->query(
        "INSERT INTO sessions (trainee_id, scenario, title, procedure_name, patient, started_at, started_ms,"
        " duration_s, end_reason, score, passed, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " RETURNING id",
        {r.trainee, r.scenario, r.title, r.procedure, r.patient, r.startedAt, *startedMs, r.duration_s, r.endReason,
         r.score, std::int64_t{r.passed ? 1 : 0}, r.reportJson});
    const std::int64_t id = ids.at(0).integer(0);
    db_->exec("INSERT INTO action_logs (session_id, path, content) VALUES (?, ?, ?)",
              {id, r.actionLogPath, r.actionLog});
    for (const auto& [name, v] : r.metrics)
        db_->exec("INSERT INTO metrics (session_id, name, value, unit) VALUES (?, ?, ?, ?)",
                  {id, name, v.value, v.unit});
    for (size_t i = 0; i < r.events.size(); ++i) {
        const SessionEvent& e = r.events[i];
        db_->exec("INSERT INTO events (session_id, seq, time_s, kind, details) VALUES (?, ?, ?, ?, ?)",
                  {id, static_cast<std::int64_t>(i), e.time_s, e.kind, e.details});
    }
    for (size_t i = 0; i < r.reasons.size(); ++i)
        db_->exec("INSERT INTO reasons (session_id, seq, text) VALUES (?, ?, ?)",
                  {id, static_cast<std::int64_t>(i), r.reasons[i]});
    tx.commit();
    return id;
}

SessionRecord RecordStore::readSession(std::int64_t id, bool withLogs) {
    const auto head = db_->query(std::string("SELECT ") + kSessionColumns + " FROM sessions s WHERE s.id = ?", {id});
    SessionRecord s;
    fillHeader(head.at(0), s);
    for (const auto& row : db_->query("SELECT name, value, unit FROM metrics WHERE session_id = ? ORDER BY name", {id}))
        s.metrics[row.text(0)] = MetricValue{row.real(1), row.text(2)};
    for (const auto& row :
         db_->query("SELECT time_s, kind, details FROM events WHERE session_id = ? ORDER BY seq", {id}))
        s.events.push_back(SessionEvent{row.real(0), row.text(1), row.text(2)});
    for (const auto& row : db_->query("SELECT text FROM reasons WHERE session_id = ? ORDER BY seq", {id}))
        s.reasons.push_back(row.text(0));
    for (const auto& row : db_->query(
             "SELECT assessor, rating, comment, rated_at FROM assessor_ratings WHERE session_id = ? ORDER BY id",
             {id}))
        s.ratings.push_back(AssessorRating{row.text(0), static_cast<int>(row.integer(1)), row.text(2), row.text(3)});
    const auto log = db_->query(withLogs ? "SELECT path, content FROM action_logs WHERE session_id = ?"
                                         : "SELECT path, '' FROM action_logs WHERE session_id = ?",
                                {id});
    if (!log.empty()) {
        s.actionLogPath = log[0].text(0);
        s.actionLog = log[0].text(1);
    }
    if (withLogs) {
        const auto rep = db_->query("SELECT report_json FROM sessions WHERE id = ?", {id});
        s.reportJson = rep.at(0).text(0);
    }
    return s;
}

std::optional<SessionRecord> RecordStore::session(std::int64_t id) {
    // One read transaction, so a session being written by another simulator is seen whole or not.
    db_->beginRead();
    try {
        const bool found = !db_->query("SELECT id FROM sessions WHERE id = ?", {id}).empty();
        std::optional<SessionRecord> out;
        if (found) out = readSession(id, true);
        db_->commit();
        return out;
    } catch (...) {
        db_->rollback();
        throw;
    }
}

std::vector<SessionRecord> RecordStore::sessions(const SessionFilter& filter) {
    std::vector<Value> params;
    const std::string sql = "SELECT s.id FROM sessions s" + where(filter, params) + " ORDER BY s.started_ms, s.id";
    db_->beginRead();
    try {
        std::vector<SessionRecord> out;
        for (const auto& row : db_->query(sql, params)) out.push_back(readSession(row.integer(0), filter.withLogs));
        db_->commit();
        return out;
    } catch (...) {
        db_->rollback();
        throw;
    }
}

std::vector<SessionSummary> RecordStore::list(const SessionFilter& filter) {
    std::vector<Value> params;
    const std::string sql = std::string("SELECT ") + kSessionColumns + " FROM sessions s" + where(filter, params) +
                            " ORDER BY s.started_ms, s.id";
    std::vector<SessionSummary> out;
    for (const auto& row : db_->query(sql, params)) {
        SessionRecord h;
        fillHeader(row, h);
        out.push_back(SessionSummary{h.id, h.trainee, h.scenario, h.title, h.startedAt, h.duration_s, h.score,
                                     h.passed, h.expertReference, static_cast<int>(row.integer(12))});
    }
    return out;
}

void RecordStore::addTrainee(const Trainee& t) {
    if (t.id.empty()) throw DataError(describe(), 0, "trainee", "a trainee needs an id");
    sql::WriteTransaction tx(*db_);
    db_->exec("INSERT INTO trainees (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name",
              {t.id, t.name});
    tx.commit();
}

std::vector<Trainee> RecordStore::trainees() {
    std::vector<Trainee> out;
    for (const auto& row : db_->query("SELECT id, name FROM trainees ORDER BY id"))
        out.push_back(Trainee{row.text(0), row.text(1)});
    return out;
}

void RecordStore::rate(std::int64_t sessionId, const AssessorRating& r) {
    if (r.assessor.empty()) throw DataError(describe(), 0, "assessor", "a rating needs the assessor's id");
    if (r.rating < kMinRating || r.rating > kMaxRating)
        throw DataError(describe(), 0, "rating",
                        "expected a global rating from " + std::to_string(kMinRating) + " to " +
                            std::to_string(kMaxRating) + ", got " + std::to_string(r.rating));
    if (!r.ratedAt.empty() && !parseIso8601(r.ratedAt))
        throw DataError(describe(), 0, "rated_at", "expected an ISO 8601 time, got '" + r.ratedAt + "'");
    sql::WriteTransaction tx(*db_);
    if (db_->query("SELECT id FROM sessions WHERE id = ?", {sessionId}).empty())
        throw DataError(describe(), 0, "session", "no session " + std::to_string(sessionId));
    db_->exec("INSERT INTO assessor_ratings (session_id, assessor, rating, comment, rated_at) VALUES (?, ?, ?, ?, ?)",
              {sessionId, r.assessor, std::int64_t{r.rating}, r.comment, r.ratedAt});
    tx.commit();
}

void RecordStore::markReference(std::int64_t sessionId, const std::string& markedBy) {
    sql::WriteTransaction tx(*db_);
    const auto rows = db_->query("SELECT scenario FROM sessions WHERE id = ?", {sessionId});
    if (rows.empty()) throw DataError(describe(), 0, "session", "no session " + std::to_string(sessionId));
    db_->exec("INSERT INTO scenario_references (scenario, session_id, marked_by) VALUES (?, ?, ?)"
              " ON CONFLICT (scenario) DO UPDATE SET session_id = excluded.session_id, marked_by = excluded.marked_by",
              {rows[0].text(0), sessionId, markedBy});
    tx.commit();
}

void RecordStore::clearReference(const std::string& scenario) {
    sql::WriteTransaction tx(*db_);
    db_->exec("DELETE FROM scenario_references WHERE scenario = ?", {scenario});
    tx.commit();
}

std::optional<std::int64_t> RecordStore::referenceFor(const std::string& scenario) {
    const auto rows = db_->query("SELECT session_id FROM scenario_references WHERE scenario = ?", {scenario});
    if (rows.empty()) return std::nullopt;
    return rows[0].integer(0);
}

}  // namespace irsim::assessment
