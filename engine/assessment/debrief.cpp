#include "assessment/debrief.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>

#include "core/error.h"

namespace irsim::assessment {

namespace {

using nlohmann::json;

const json& need(const json& j, const char* name, const std::string& file, const std::string& prefix = "") {
    auto it = j.find(name);
    if (it == j.end()) throw DataError(file, 0, prefix + name, "missing from the session report");
    return *it;
}

double number(const json& j, const char* name, const std::string& file, const std::string& prefix = "") {
    const json& v = need(j, name, file, prefix);
    if (!v.is_number()) throw DataError(file, 0, prefix + name, std::string("expected a number, got ") + v.type_name());
    return v.get<double>();
}

std::string text(const json& j, const char* name, const std::string& fallback = "") {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : fallback;
}

std::string requiredText(const json& j, const char* name, const std::string& file, const std::string& prefix) {
    auto it = j.find(name);
    if (it == j.end() || !it->is_string() || it->get<std::string>().empty())
        throw DataError(file, 0, prefix + name, "expected a text");
    return it->get<std::string>();
}

const json& array(const json& j, const char* name, const std::string& file) {
    const json& v = need(j, name, file);
    if (!v.is_array()) throw DataError(file, 0, name, std::string("expected an array, got ") + v.type_name());
    return v;
}

// The report's cumulative quantities, in the order the debrief plots them.
struct SeriesDef {
    std::string key;
    std::string label;
    std::string unit;
};
const SeriesDef kDoseSeries[] = {
    {"reference_air_kerma_mGy", "Reference air kerma", "mGy"},
    {"kerma_area_product_Gycm2", "Kerma-area product", "Gy cm2"},
    {"fluoro_time_s", "Fluoroscopy time", "s"},
};
const SeriesDef kReport1Quantities[] = {
    {"contrast_ml", "Contrast injected", "ml"},
    {"activity_GBq", "Y-90 activity delivered", "GBq"},
    {"cement_ml", "Cement injected", "ml"},
};

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }
bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

const char* toString(MarksBand band) {
    switch (band) {
        case MarksBand::Full: return "full";
        case MarksBand::Partial: return "partial";
        case MarksBand::Zero: return "zero";
        case MarksBand::Critical: return "critical";
        case MarksBand::Unscored: return "unscored";
    }
    return "unscored";
}

MarksBand bandFor(double marks, bool critical) {
    if (critical) return MarksBand::Critical;
    // Marks are a linear ramp (rubric.h): only exactly 1 and 0 are the ends.
    if (marks >= 1.0) return MarksBand::Full;
    if (marks <= 0.0) return MarksBand::Zero;
    return MarksBand::Partial;
}

std::string eventLabel(const std::string& kind) {
    static const std::map<std::string, std::string> known = {
        {"fluoro.on", "Fluoroscopy on"},    {"fluoro.off", "Fluoroscopy off"},
        {"cine.run", "Cine/DSA run"},       {"cine.end", "Cine/DSA run ends"},
        {"image.store", "Image stored"},    {"session.end", "Session ends"},
        {"ct.scan", "CT scan"},             {"needle.step", "Needle advanced"},
        {"cement.leak", "Cement leak"},     {"breach.medial", "Medial pedicle breach"},
    };
    if (auto it = known.find(kind); it != known.end()) return it->second;
    // "needle.advance" -> "Needle advance": readable without a table for every procedure.
    std::string s = kind;
    for (char& c : s)
        if (c == '.' || c == '_') c = ' ';
    if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
    return s;
}

double DebriefSeries::maxValue() const {
    double m = 0.0;
    for (double v : value)
        if (std::isfinite(v)) m = std::max(m, v);
    return m;
}

json rubricToJson(const Rubric& r) {
    json metrics = json::array(), goals = json::array(), critical = json::array();
    for (const RubricMetric& m : r.metrics)
        metrics.push_back({{"name", m.name}, {"label", m.label}, {"unit", m.unit}, {"full_marks_at", m.fullMarksAt},
                           {"zero_at", m.zeroAt}, {"weight", m.weight}});
    for (const Goal& g : r.goals) {
        json j = {{"metric", g.metric}, {"reason", g.reason}};
        if (g.atLeast) j["at_least"] = *g.atLeast;
        if (g.atMost) j["at_most"] = *g.atMost;
        goals.push_back(j);
    }
    for (const CriticalError& c : r.critical) {
        json j = {{"reason", c.reason}};
        if (!c.eventKind.empty()) j["event"] = c.eventKind;
        if (!c.metric.empty()) j["metric"] = c.metric;
        if (c.above) j["above"] = *c.above;
        if (c.below) j["below"] = *c.below;
        critical.push_back(j);
    }
    return {{"pass_score", r.passScore}, {"metrics", metrics}, {"goals", goals}, {"critical", critical}};
}

Rubric rubricFromJson(const json& j, const std::string& file) {
    if (!j.is_object()) throw DataError(file, 0, "rubric", "expected an object");
    Rubric r;
    r.passScore = number(j, "pass_score", file, "rubric.");
    const auto optional = [&](const json& item, const char* name, const std::string& prefix) -> std::optional<double> {
        if (!item.contains(name)) return std::nullopt;
        return number(item, name, file, prefix);
    };
    const auto items = [&](const char* name) {
        const json& a = need(j, name, file, "rubric.");
        if (!a.is_array()) throw DataError(file, 0, std::string("rubric.") + name, "expected an array");
        return a;
    };
    const json metrics = items("metrics"), goals = items("goals"), critical = items("critical");
    for (size_t i = 0; i < metrics.size(); ++i) {
        const std::string p = "rubric.metrics[" + std::to_string(i) + "].";
        const json& m = metrics[i];
        r.metrics.push_back({requiredText(m, "name", file, p), text(m, "unit"), text(m, "label"),
                             number(m, "full_marks_at", file, p), number(m, "zero_at", file, p), number(m, "weight", file, p)});
    }
    for (size_t i = 0; i < goals.size(); ++i) {
        const std::string p = "rubric.goals[" + std::to_string(i) + "].";
        r.goals.push_back({text(goals[i], "reason"), requiredText(goals[i], "metric", file, p),
                           optional(goals[i], "at_least", p), optional(goals[i], "at_most", p)});
    }
    for (size_t i = 0; i < critical.size(); ++i) {
        const std::string p = "rubric.critical[" + std::to_string(i) + "].";
        r.critical.push_back({text(critical[i], "reason"), text(critical[i], "event"), text(critical[i], "metric"),
                              optional(critical[i], "above", p), optional(critical[i], "below", p)});
    }
    return r;
}

Debrief debriefFromReport(const json& report, const Rubric* rubric, const std::string& file) {
    if (!report.is_object()) throw DataError(file, 0, "", "expected a session report (a JSON object)");
    // Without the scenario, the rubric the session was scored with, as the report carries it.
    std::optional<Rubric> carried;
    if (!rubric && report.contains("rubric")) {
        carried = rubricFromJson(report["rubric"], file);
        rubric = &*carried;
    }
    const std::string schema = text(report, "schema");
    if (schema != "irsim.report/1" && schema != "irsim.report/2")
        throw DataError(file, 0, "schema", "expected irsim.report/1 or /2, got '" + schema + "'");
    Debrief d;
    d.scenario = text(report, "scenario");
    if (d.scenario.empty()) throw DataError(file, 0, "scenario", "missing from the session report");
    d.title = text(report, "title", d.scenario);
    d.procedure = text(report, "procedure");
    d.patient = text(report, "patient");
    d.endReason = text(report, "end_reason");
    d.duration_s = number(report, "duration_s", file);
    d.score = number(report, "score", file);
    const json& passed = need(report, "passed", file);
    if (!passed.is_boolean()) throw DataError(file, 0, "passed", "expected true or false");
    d.passed = passed.get<bool>();
    if (rubric) d.passScore = rubric->passScore;
    for (const json& r : array(report, "reasons", file))
        if (r.is_string()) d.reasons.push_back(r.get<std::string>());

    const json& events = array(report, "events", file);
    for (size_t i = 0; i < events.size(); ++i) {
        const std::string prefix = "events[" + std::to_string(i) + "].";
        // The category the session declared with the event; reports written before events
        // carried one are shown as device events.
        const auto category = eventCategoryNamed(text(events[i], "category"));
        d.events.push_back({number(events[i], "time_s", file, prefix), text(events[i], "kind"),
                            text(events[i], "details"), category.value_or(EventCategory::Device)});
    }

    // Values and units, then the marks the session was scored with.
    std::map<std::string, MetricValue> values;
    const json& metrics = need(report, "metrics", file);
    if (!metrics.is_object()) throw DataError(file, 0, "metrics", "expected an object of {value, unit}");
    for (const auto& [name, m] : metrics.items()) {
        const std::string prefix = "metrics." + name + ".";
        values[name] = {number(m, "value", file, prefix), text(m, "unit")};
    }
    std::map<std::string, const json*> marks;
    if (auto it = report.find("marks"); it != report.end() && it->is_array())
        for (const json& m : *it) marks[text(m, "metric")] = &m;

    auto criticalLimit = [&](const std::string& name, double value, bool& fired) -> std::optional<double> {
        std::optional<double> limit;
        if (!rubric) return limit;
        for (const CriticalError& c : rubric->critical) {
            if (c.metric != name) continue;
            if (c.above) {
                limit = *c.above;
                fired = fired || value > *c.above;
            }
            if (c.below) {
                limit = *c.below;
                fired = fired || value < *c.below;
            }
        }
        return limit;
    };
    auto row = [&](const std::string& name) {
        DebriefMetric m;
        m.name = name;
        m.label = name;
        if (auto v = values.find(name); v != values.end()) {
            m.value = v->second.value;
            m.unit = v->second.unit;
        } else {
            m.missing = true;
        }
        return m;
    };
    std::vector<std::string> shown;
    if (rubric) {
        for (const RubricMetric& rm : rubric->metrics) {
            DebriefMetric m = row(rm.name);
            if (!rm.label.empty()) m.label = rm.label;
            if (m.unit.empty()) m.unit = rm.unit;
            m.target = rm.fullMarksAt;
            m.limit = rm.zeroAt;
            m.weight = rm.weight;
            // The report's marks are what the session was scored with; the rubric's ramp gives the
            // same for a report of this scenario version, and covers reports without marks.
            auto mk = marks.find(rm.name);
            m.marks = mk != marks.end() ? mk->second->value("marks", 0.0) : (m.missing ? 0.0 : marksFor(rm, m.value));
            bool fired = false;
            m.critical = criticalLimit(rm.name, m.value, fired);
            m.band = bandFor(m.marks, fired);
            d.metrics.push_back(m);
            shown.push_back(rm.name);
        }
    } else {
        for (const auto& [name, mk] : marks) {
            DebriefMetric m = row(name);
            m.marks = mk->value("marks", 0.0);
            m.weight = mk->value("weight", 0.0);
            m.missing = m.missing || mk->value("missing", false);
            m.band = bandFor(m.marks, false);
            d.metrics.push_back(m);
            shown.push_back(name);
        }
    }
    for (const auto& [name, v] : values) {
        if (std::find(shown.begin(), shown.end(), name) != shown.end()) continue;
        DebriefMetric m = row(name);
        bool fired = false;
        m.critical = criticalLimit(name, m.value, fired);
        if (fired) m.band = MarksBand::Critical;
        d.metrics.push_back(m);
    }

    if (auto it = report.find("images"); it != report.end() && it->is_array()) {
        for (size_t i = 0; i < it->size(); ++i) {
            const json& j = (*it)[i];
            const std::string prefix = "images[" + std::to_string(i) + "].";
            d.images.push_back({number(j, "time_s", file, prefix), text(j, "kind"), text(j, "label"), text(j, "file"),
                                j.value("lao_deg", 0.0), j.value("cran_deg", 0.0)});
        }
    }

    if (auto it = report.find("timeline"); it != report.end() && it->is_array()) {
        // The dose series every session has, then the running quantities the report declares
        // (irsim.report/2); a /1 report had a fixed set.
        std::vector<SeriesDef> defs(std::begin(kDoseSeries), std::end(kDoseSeries));
        if (auto q = report.find("quantities"); q != report.end() && q->is_array()) {
            for (size_t i = 0; i < q->size(); ++i) {
                const std::string prefix = "quantities[" + std::to_string(i) + "].";
                defs.push_back({requiredText((*q)[i], "key", file, prefix), text((*q)[i], "label"), text((*q)[i], "unit")});
            }
        } else {
            defs.insert(defs.end(), std::begin(kReport1Quantities), std::end(kReport1Quantities));
        }
        for (const SeriesDef& s : defs) {
            DebriefSeries series{s.key, s.label.empty() ? s.key : s.label, s.unit, {}, {}};
            for (size_t i = 0; i < it->size(); ++i) {
                const json& sample = (*it)[i];
                const std::string prefix = "timeline[" + std::to_string(i) + "].";
                series.time_s.push_back(number(sample, "time_s", file, prefix));
                series.value.push_back(number(sample, s.key.c_str(), file, prefix));
            }
            d.series.push_back(std::move(series));
        }
    }
    return d;
}

void addExpertReference(Debrief& d, const SessionRecord& expert) {
    d.expertSessionId = expert.id;
    d.expertTrainee = expert.trainee;
    d.expertScore = expert.score;
    for (DebriefMetric& m : d.metrics) {
        auto it = expert.metrics.find(m.name);
        if (it != expert.metrics.end()) m.expert = it->second.value;
    }
}

void addAttempts(Debrief& d, const std::vector<SessionSummary>& sessions) {
    for (const SessionSummary& s : sessions)
        d.attempts.push_back({s.id, s.startedAt, s.score, s.passed, d.sessionId != 0 && s.id == d.sessionId});
}

int lastImageAtOrBefore(const Debrief& d, double time_s) {
    int last = -1;
    for (size_t i = 0; i < d.images.size(); ++i)
        if (d.images[i].time_s <= time_s) last = static_cast<int>(i);
    return last;
}

}  // namespace irsim::assessment
