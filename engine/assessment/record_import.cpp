#include "assessment/record_import.h"

#include "core/error.h"
#include "core/paths.h"

namespace irsim::assessment {

namespace {

using nlohmann::json;

const json& field(const json& j, const char* name, json::value_t type, const std::string& file,
                  const std::string& prefix = "") {
    auto it = j.find(name);
    const bool numberWanted = type == json::value_t::number_float;
    if (it == j.end()) throw DataError(file, 0, prefix + name, "missing from the session report");
    if (numberWanted ? !it->is_number() : it->type() != type)
        throw DataError(file, 0, prefix + name,
                        std::string("expected ") + (numberWanted ? "a number" : json(type).type_name()) +
                            ", got " + it->type_name());
    return *it;
}

std::string text(const json& j, const char* name, const std::string& file, const std::string& prefix = "") {
    return field(j, name, json::value_t::string, file, prefix).get<std::string>();
}

double number(const json& j, const char* name, const std::string& file, const std::string& prefix = "") {
    return field(j, name, json::value_t::number_float, file, prefix).get<double>();
}

}  // namespace

SessionRecord recordFromReport(const json& report, const SessionSource& src) {
    const std::string& file = src.reportPath;
    if (!report.is_object()) throw DataError(file, 0, "", "expected a session report (a JSON object)");
    const std::string schema = text(report, "schema", file);
    if (schema != "irsim.report/1" && schema != "irsim.report/2")
        throw DataError(file, 0, "schema", "expected irsim.report/1 or /2, got '" + schema + "'");

    SessionRecord r;
    r.trainee = src.trainee;
    r.startedAt = src.startedAt;
    r.actionLogPath = src.actionLogPath;
    r.actionLog = src.actionLog;
    r.reportJson = report.dump();
    r.scenario = text(report, "scenario", file);
    r.title = report.value("title", std::string());
    r.procedure = report.value("procedure", std::string());
    r.patient = report.value("patient", std::string());
    r.endReason = report.value("end_reason", std::string());
    r.duration_s = number(report, "duration_s", file);
    r.score = number(report, "score", file);
    r.passed = field(report, "passed", json::value_t::boolean, file).get<bool>();

    const json& reasons = field(report, "reasons", json::value_t::array, file);
    for (size_t i = 0; i < reasons.size(); ++i) {
        if (!reasons[i].is_string())
            throw DataError(file, 0, "reasons[" + std::to_string(i) + "]", "expected a sentence (string)");
        r.reasons.push_back(reasons[i].get<std::string>());
    }
    const json& metrics = field(report, "metrics", json::value_t::object, file);
    for (const auto& [name, m] : metrics.items()) {
        const std::string prefix = "metrics." + name + ".";
        if (!m.is_object()) throw DataError(file, 0, "metrics." + name, "expected {\"value\", \"unit\"}");
        r.metrics[name] = MetricValue{number(m, "value", file, prefix), m.value("unit", std::string())};
    }
    const json& events = field(report, "events", json::value_t::array, file);
    for (size_t i = 0; i < events.size(); ++i) {
        const std::string prefix = "events[" + std::to_string(i) + "].";
        const json& e = events[i];
        if (!e.is_object()) throw DataError(file, 0, "events[" + std::to_string(i) + "]", "expected an object");
        r.events.push_back(SessionEvent{number(e, "time_s", file, prefix), text(e, "kind", file, prefix),
                                        e.value("details", std::string())});
    }
    return r;
}

std::int64_t addSessionFromFiles(RecordStore& store, const std::string& trainee, const std::string& startedAt,
                                 const std::string& reportPath, const std::string& actionLogPath) {
    const std::string reportText = readTextFile(reportPath);
    json report = json::parse(reportText, nullptr, false);
    if (report.is_discarded()) throw DataError(reportPath, 0, "", "not valid JSON");
    SessionSource src{trainee, startedAt, reportPath, actionLogPath,
                      actionLogPath.empty() ? std::string() : readTextFile(actionLogPath)};
    return store.addSession(recordFromReport(report, src));
}

}  // namespace irsim::assessment
