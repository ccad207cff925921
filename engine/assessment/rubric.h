#pragma once
// A scenario's rubric and the scoring of a session against it. Scoring is a pure function of the
// metrics and events of a session and the rubric: no clock, no file, no window.
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace irsim::assessment {

struct MetricValue {
    double value = 0.0;
    std::string unit;
};
using Metrics = std::map<std::string, MetricValue>;  // name -> value, ordered for stable output

// What kind of moment an event marks, declared with the event's kind (sim/procedure.h): the
// debrief's colours and groupings.
enum class EventCategory { Imaging, Device, Therapy, Complication, Session };
const char* toString(EventCategory category);  // "imaging", "device", ...
// From the report's text; nullopt for an unknown word.
std::optional<EventCategory> eventCategoryNamed(const std::string& name);

struct SessionEvent {
    double time_s = 0.0;
    std::string kind;     // e.g. "fluoro.on", "breach.medial"
    std::string details;  // a sentence for people
    EventCategory category = EventCategory::Device;
};

// One scored metric. Marks fall linearly from full at `fullMarksAt` to zero at `zeroAt`; whether
// lower or higher is better follows from their order (fullMarksAt < zeroAt: lower is better).
struct RubricMetric {
    std::string name;
    std::string unit;
    std::string label;       // how the debrief names it ("Fluoroscopy time")
    double fullMarksAt = 0.0;
    double zeroAt = 1.0;
    double weight = 1.0;
};

// A critical error fails the session whatever the score: either any event of a kind, or a metric
// beyond a limit.
struct CriticalError {
    std::string reason;              // "medial pedicle breach"
    std::string eventKind;           // fails when an event of this kind occurred, or
    std::string metric;              // fails when this metric is
    std::optional<double> above;     //   > above, or
    std::optional<double> below;     //   < below
};

// What the procedure is for (the therapeutic goal: cement in the vertebral body; or an exercise's:
// a lateral view stored): a session that does not reach it fails whatever else went well. A goal
// whose metric the session did not produce is not reached: what was not measured was not shown.
// (A critical error is harm that happened, so an unmeasured one does not fire.)
struct Goal {
    std::string reason;              // "no cement in the vertebral body"
    std::string metric;              // reached when this metric is
    std::optional<double> atLeast;   //   >= atLeast, and
    std::optional<double> atMost;    //   <= atMost
};

struct Rubric {
    std::vector<RubricMetric> metrics;
    std::vector<CriticalError> critical;
    std::vector<Goal> goals;
    double passScore = 70.0;  // 0-100
};

struct MetricScore {
    std::string name;
    double value = 0.0;
    double marks = 0.0;   // 0..1
    double weight = 0.0;
    bool missing = false;  // the session did not produce this metric (scored 0)
};

struct Assessment {
    double score = 0.0;  // 0-100, weighted mean of marks; below the pass mark when a goal is missed
    bool passed = false;
    std::vector<std::string> reasons;  // sentences, missed goals first, then critical errors
    std::vector<MetricScore> perMetric;
};

double marksFor(const RubricMetric& m, double value);

Assessment assess(const Rubric& rubric, const Metrics& metrics,
                  const std::vector<SessionEvent>& events);

}  // namespace irsim::assessment
