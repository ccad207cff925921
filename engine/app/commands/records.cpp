// irsim records list|show|export|add|rate|reference|trainee: the trainee records (SQLite by
// default, or a programme's PostgreSQL server with --records postgresql://...). docs/records.md.
#include <chrono>
#include <cstdio>
#include <fstream>

#include "app/command.h"
#include "assessment/csv.h"
#include "assessment/iso8601.h"
#include "assessment/record_import.h"
#include "assessment/records.h"
#include "assessment/sql.h"
#include "assessment/xapi.h"
#include "core/error.h"

namespace irsim::app {

namespace {

namespace as = irsim::assessment;

struct RecordsArgs {
    std::string url;
    std::string trainee, scenario;
    std::int64_t session = 0;
    bool showLog = false;
    std::string format = "xapi", out;
    std::string homePage = as::XapiOptions{}.accountHomePage;
    std::string activityBase = as::XapiOptions{}.activityBase;
    std::string report, actions, startedAt;
    std::string assessor, comment, name, markedBy, clearScenario;
    int rating = 0;
};
RecordsArgs gRec;

// The app, unlike the engine, may read the clock: it stamps what the user does now.
std::string nowUtc() {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    return as::formatIso8601Utc(ms);
}

void addUrlOption(CLI::App* c) {
    c->add_option("--records", gRec.url,
                  "Records database: sqlite:PATH or postgresql://USER@HOST/DB (default: " +
                      std::string("sqlite:<user data dir>/records.sqlite)"))
        ->envname("IRSIM_RECORDS");
}

void addFilterOptions(CLI::App* c) {
    c->add_option("--trainee", gRec.trainee, "Only this trainee's sessions");
    c->add_option("--scenario", gRec.scenario, "Only sessions of this scenario");
}

void writeOut(const std::string& text) {
    if (gRec.out.empty()) {
        std::fwrite(text.data(), 1, text.size(), stdout);
        return;
    }
    std::ofstream f(gRec.out, std::ios::binary);
    if (!f) throw DataError(gRec.out, 0, "--out", "cannot write the export");
    f << text;
    if (!f) throw DataError(gRec.out, 0, "--out", "short write of the export");
}

std::string valueText(double v, const std::string& unit) {
    std::string s = as::sql::formatDouble(v);
    return unit.empty() ? s : s + " " + unit;
}

void listCommand() {
    as::RecordStore store = as::RecordStore::open(gRec.url);
    const auto rows = store.list({gRec.trainee, gRec.scenario, false});
    std::printf("%6s  %-24s  %-20s  %-28s  %6s  %-6s  %s\n", "ID", "STARTED", "TRAINEE", "SCENARIO", "SCORE",
                "RESULT", "NOTES");
    for (const auto& r : rows) {
        std::string notes;
        if (r.expertReference) notes += "expert reference";
        if (r.ratingCount) notes += (notes.empty() ? "" : ", ") + std::to_string(r.ratingCount) + " rating" + (r.ratingCount > 1 ? "s" : "");
        std::printf("%6lld  %-24s  %-20s  %-28s  %6.1f  %-6s  %s\n", static_cast<long long>(r.id), r.startedAt.c_str(),
                    r.trainee.c_str(), r.scenario.c_str(), r.score, r.passed ? "passed" : "failed", notes.c_str());
    }
    std::printf("%zu session%s in %s\n", rows.size(), rows.size() == 1 ? "" : "s", store.describe().c_str());
}

void showCommand() {
    as::RecordStore store = as::RecordStore::open(gRec.url);
    const auto s = store.session(gRec.session);
    if (!s) throw DataError(store.describe(), 0, "SESSION", "no session " + std::to_string(gRec.session));
    std::printf("Session %lld: %s (%s)\n", static_cast<long long>(s->id), s->title.c_str(), s->scenario.c_str());
    std::printf("  trainee    %s\n  started    %s\n  duration   %s\n  patient    %s\n  ended      %s\n",
                s->trainee.c_str(), s->startedAt.c_str(), as::isoDuration(s->duration_s).c_str(),
                s->patient.c_str(), s->endReason.c_str());
    std::printf("  score      %.1f, %s%s\n", s->score, s->passed ? "passed" : "failed",
                s->expertReference ? " (expert reference for this scenario)" : "");
    for (const auto& r : s->reasons) std::printf("    %s\n", r.c_str());
    std::printf("Metrics:\n");
    for (const auto& [name, m] : s->metrics) std::printf("  %-32s %s\n", name.c_str(), valueText(m.value, m.unit).c_str());
    std::printf("Events (%zu):\n", s->events.size());
    for (const auto& e : s->events)
        std::printf("  %9.2f s  %-20s %s\n", e.time_s, e.kind.c_str(), e.details.c_str());
    std::printf("Assessor ratings (%zu):\n", s->ratings.size());
    for (const auto& r : s->ratings)
        std::printf("  %d/%d by %s%s%s%s\n", r.rating, as::kMaxRating, r.assessor.c_str(),
                    r.ratedAt.empty() ? "" : (" at " + r.ratedAt).c_str(), r.comment.empty() ? "" : ": ",
                    r.comment.c_str());
    std::printf("Action log: %s (%zu bytes)\n", s->actionLogPath.c_str(), s->actionLog.size());
    if (gRec.showLog) std::fwrite(s->actionLog.data(), 1, s->actionLog.size(), stdout);
}

void exportCommand() {
    as::RecordStore store = as::RecordStore::open(gRec.url);
    const auto sessions = store.sessions({gRec.trainee, gRec.scenario, false});
    if (gRec.format == "csv") {
        writeOut(as::sessionsCsv(sessions));
    } else {
        as::XapiOptions o;
        o.accountHomePage = gRec.homePage;
        o.activityBase = gRec.activityBase;
        writeOut(as::xapiStatements(sessions, o).dump(2) + "\n");
    }
    if (!gRec.out.empty())
        std::fprintf(stderr, "irsim: exported %zu session%s as %s to %s\n", sessions.size(),
                     sessions.size() == 1 ? "" : "s", gRec.format.c_str(), gRec.out.c_str());
}

void addCommand() {
    as::RecordStore store = as::RecordStore::open(gRec.url);
    const std::string started = gRec.startedAt.empty() ? nowUtc() : gRec.startedAt;
    const auto id = as::addSessionFromFiles(store, gRec.trainee, started, gRec.report, gRec.actions);
    std::printf("stored session %lld for %s in %s\n", static_cast<long long>(id), gRec.trainee.c_str(),
                store.describe().c_str());
}

void rateCommand() {
    as::RecordStore store = as::RecordStore::open(gRec.url);
    store.rate(gRec.session, {gRec.assessor, gRec.rating, gRec.comment, nowUtc()});
    std::printf("session %lld rated %d/%d by %s\n", static_cast<long long>(gRec.session), gRec.rating,
                as::kMaxRating, gRec.assessor.c_str());
}

void referenceCommand() {
    as::RecordStore store = as::RecordStore::open(gRec.url);
    if (!gRec.clearScenario.empty()) {
        store.clearReference(gRec.clearScenario);
        std::printf("scenario %s has no expert reference now\n", gRec.clearScenario.c_str());
        return;
    }
    if (gRec.session <= 0) throw DataError("", 0, "SESSION", "give the session to mark, or --clear SCENARIO");
    store.markReference(gRec.session, gRec.markedBy);
    const auto s = store.session(gRec.session);
    std::printf("session %lld (%s) is the expert reference of %s\n", static_cast<long long>(gRec.session),
                s->trainee.c_str(), s->scenario.c_str());
}

void traineeCommand() {
    as::RecordStore store = as::RecordStore::open(gRec.url);
    store.addTrainee({gRec.trainee, gRec.name});
    std::printf("trainee %s: %s\n", gRec.trainee.c_str(), gRec.name.c_str());
}

}  // namespace

static const CommandRegistration kRecords{"records", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("records", "Trainee records: list, show, export (xAPI, CSV), add, rate");
    c->require_subcommand(1);

    CLI::App* list = c->add_subcommand("list", "Sessions in time order");
    addUrlOption(list);
    addFilterOptions(list);
    list->callback(listCommand);

    CLI::App* show = c->add_subcommand("show", "One session: score, reasons, metrics, events, ratings");
    addUrlOption(show);
    show->add_option("session", gRec.session, "Session id (from list)")->required();
    show->add_flag("--log", gRec.showLog, "Also print the action log");
    show->callback(showCommand);

    CLI::App* exp = c->add_subcommand("export", "xAPI statements (a JSON array) or CSV");
    addUrlOption(exp);
    addFilterOptions(exp);
    exp->add_option("--format", gRec.format, "xapi or csv")->check(CLI::IsMember({"xapi", "csv"}));
    exp->add_option("--out", gRec.out, "Write here instead of standard output");
    exp->add_option("--home-page", gRec.homePage, "xAPI account homePage for trainee ids");
    exp->add_option("--activity-base", gRec.activityBase, "xAPI activity id prefix for scenarios");
    exp->callback(exportCommand);

    CLI::App* add = c->add_subcommand("add", "Store a session from its report and action log");
    addUrlOption(add);
    add->add_option("--trainee", gRec.trainee, "Trainee id")->required();
    add->add_option("--report", gRec.report, "Session report (JSON, irsim run --report)")->required();
    add->add_option("--actions", gRec.actions, "Action log (JSON Lines)");
    add->add_option("--started-at", gRec.startedAt, "Start time, ISO 8601 (default: now)");
    add->callback(addCommand);

    CLI::App* rate = c->add_subcommand("rate", "Add an assessor's global rating and comment to a session");
    addUrlOption(rate);
    rate->add_option("session", gRec.session, "Session id")->required();
    rate->add_option("--assessor", gRec.assessor, "Assessor id")->required();
    rate->add_option("--rating", gRec.rating, "Global rating, 1 (poor) to 5 (expert)")->required();
    rate->add_option("--comment", gRec.comment, "Comment for the trainee");
    rate->callback(rateCommand);

    CLI::App* ref = c->add_subcommand("reference", "Mark a session as its scenario's expert reference");
    addUrlOption(ref);
    ref->add_option("session", gRec.session, "Session id");
    ref->add_option("--by", gRec.markedBy, "Instructor marking it");
    ref->add_option("--clear", gRec.clearScenario, "Remove the reference of this scenario instead");
    ref->callback(referenceCommand);

    CLI::App* trainee = c->add_subcommand("trainee", "Add a trainee or set their name");
    addUrlOption(trainee);
    trainee->add_option("id", gRec.trainee, "Trainee id")->required();
    trainee->add_option("--name", gRec.name, "Full name");
    trainee->callback(traineeCommand);
}};

}  // namespace irsim::app
