#include "assessment/rubric.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace irsim::assessment {

const char* toString(EventCategory category) {
    switch (category) {
        case EventCategory::Imaging: return "imaging";
        case EventCategory::Device: return "device";
        case EventCategory::Therapy: return "therapy";
        case EventCategory::Complication: return "complication";
        case EventCategory::Session: return "session";
    }
    return "device";
}

std::optional<EventCategory> eventCategoryNamed(const std::string& name) {
    for (EventCategory c : {EventCategory::Imaging, EventCategory::Device, EventCategory::Therapy,
                            EventCategory::Complication, EventCategory::Session})
        if (name == toString(c)) return c;
    return std::nullopt;
}

namespace {
std::string fmt(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3g", v);
    return buf;
}
std::string withUnit(double v, const std::string& unit) {
    return unit.empty() ? fmt(v) : fmt(v) + " " + unit;
}

// "no cement in the vertebral body (cement_in_bone_ml 0 ml, at least 1.5 needed)" for a goal the
// session missed, nothing for one it reached.
std::optional<std::string> missedGoal(const Goal& g, const Metrics& metrics) {
    auto it = metrics.find(g.metric);
    std::string needed;
    if (g.atLeast) needed = "at least " + fmt(*g.atLeast);
    if (g.atMost) needed += (needed.empty() ? "" : " and ") + ("at most " + fmt(*g.atMost));
    if (it == metrics.end()) return g.reason + " (" + g.metric + " was not measured; " + needed + " needed)";
    const double v = it->second.value;
    const bool reached = std::isfinite(v) && (!g.atLeast || v >= *g.atLeast) && (!g.atMost || v <= *g.atMost);
    if (reached) return std::nullopt;
    return g.reason + " (" + g.metric + " " + withUnit(v, it->second.unit) + ", " + needed + " needed)";
}
}  // namespace

double marksFor(const RubricMetric& m, double value) {
    if (!std::isfinite(value)) return 0.0;
    const double span = m.zeroAt - m.fullMarksAt;
    if (span == 0.0) return value == m.fullMarksAt ? 1.0 : 0.0;
    const double t = (value - m.fullMarksAt) / span;  // 0 at full marks, 1 at zero
    return std::clamp(1.0 - t, 0.0, 1.0);
}

Assessment assess(const Rubric& rubric, const Metrics& metrics,
                  const std::vector<SessionEvent>& events) {
    Assessment a;
    std::vector<std::string> missed;
    for (const Goal& g : rubric.goals)
        if (auto m = missedGoal(g, metrics)) missed.push_back(*m);

    std::vector<std::string> critical;
    for (const CriticalError& c : rubric.critical) {
        if (!c.eventKind.empty()) {
            auto it = std::find_if(events.begin(), events.end(),
                                   [&](const SessionEvent& e) { return e.kind == c.eventKind; });
            if (it != events.end()) {
                std::string s = "Critical error: " + c.reason + " at " + fmt(it->time_s) + " s";
                if (!it->details.empty()) s += " (" + it->details + ")";
                critical.push_back(s + ".");
            }
        }
        if (!c.metric.empty()) {
            auto it = metrics.find(c.metric);
            if (it == metrics.end()) continue;
            const double v = it->second.value;
            if (c.above && v > *c.above)
                critical.push_back("Critical error: " + c.reason + ": " + c.metric + " " +
                                   withUnit(v, it->second.unit) + " is above the limit " +
                                   withUnit(*c.above, it->second.unit) + ".");
            if (c.below && v < *c.below)
                critical.push_back("Critical error: " + c.reason + ": " + c.metric + " " +
                                   withUnit(v, it->second.unit) + " is below the limit " +
                                   withUnit(*c.below, it->second.unit) + ".");
        }
    }

    double weighted = 0.0, totalWeight = 0.0;
    std::vector<std::string> shortfalls;
    for (const RubricMetric& m : rubric.metrics) {
        MetricScore s;
        s.name = m.name;
        s.weight = m.weight;
        auto it = metrics.find(m.name);
        if (it == metrics.end()) {
            s.missing = true;
            shortfalls.push_back((m.label.empty() ? m.name : m.label) +
                                 " was not achieved in this session.");
        } else {
            s.value = it->second.value;
            s.marks = marksFor(m, s.value);
            if (s.marks < 1.0) {
                const bool lowerBetter = m.fullMarksAt < m.zeroAt;
                shortfalls.push_back((m.label.empty() ? m.name : m.label) + " " +
                                     withUnit(s.value, m.unit) + " is " +
                                     (lowerBetter ? "above" : "below") + " the target " +
                                     withUnit(m.fullMarksAt, m.unit) + " (marks " +
                                     fmt(100.0 * s.marks) + "%).");
            }
        }
        weighted += s.marks * m.weight;
        totalWeight += m.weight;
        a.perMetric.push_back(s);
    }
    a.score = totalWeight > 0.0 ? 100.0 * weighted / totalWeight : 0.0;
    // Rounded to 0.1 so the stored score reads the same in every export.
    a.score = std::round(a.score * 10.0) / 10.0;

    // A session that misses the procedure's goal ranks below every session that reached it with a
    // passing technique, as an assessor ranks them: its score is held just under the pass mark.
    const double techniqueScore = a.score;
    if (!missed.empty()) a.score = std::min(a.score, std::max(0.0, std::round(rubric.passScore * 10.0 - 1.0) / 10.0));

    a.passed = missed.empty() && critical.empty() && a.score >= rubric.passScore;
    if (!missed.empty()) {
        std::string s = "Failed: goal not reached: ";
        for (size_t i = 0; i < missed.size(); ++i) s += (i ? "; " : "") + missed[i];
        a.reasons.push_back(s + ".");
        if (a.score < techniqueScore)
            a.reasons.push_back("The technique scored " + fmt(techniqueScore) +
                                "; without the goal the score is held below the pass mark " +
                                fmt(rubric.passScore) + ", at " + fmt(a.score) + ".");
    }
    if (a.passed) {
        a.reasons.push_back("Passed: score " + fmt(a.score) + " is at or above the pass mark " +
                            fmt(rubric.passScore) + " and no critical error occurred.");
    } else if (!critical.empty()) {
        a.reasons.push_back("Failed: " + std::to_string(critical.size()) + " critical error" +
                            (critical.size() > 1 ? "s" : "") + ".");
        a.reasons.insert(a.reasons.end(), critical.begin(), critical.end());
    } else if (missed.empty()) {
        a.reasons.push_back("Failed: score " + fmt(a.score) + " is below the pass mark " +
                            fmt(rubric.passScore) + ".");
    }
    a.reasons.insert(a.reasons.end(), shortfalls.begin(), shortfalls.end());
    return a;
}

}  // namespace irsim::assessment
