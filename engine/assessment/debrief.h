#pragma once
// What the debrief shows of one session, gathered from its report (irsim.report/1, docs/report.md),
// the scenario's rubric, the trainee's earlier attempts and the scenario's expert reference. Plain
// data that both the ImGui debrief (app/window/debrief_view.h) and the HTML export
// (debrief_html.h) draw, so the two never disagree. No clock, no window, no Vulkan.
// Units are those of the report: seconds, mGy, Gy cm2, ml, GBq, degrees, mm.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assessment/record_types.h"
#include "assessment/rubric.h"

namespace irsim::assessment {

// How a metric scored, for its colour: green full marks, amber partial, red none or a critical
// error; grey when the rubric does not score it.
enum class MarksBand { Full, Partial, Zero, Critical, Unscored };
const char* toString(MarksBand band);  // "full", "partial", "zero", "critical", "unscored"
MarksBand bandFor(double marks, bool critical);

struct DebriefMetric {
    std::string name;   // report key ("fluoro_time_s")
    std::string label;  // the rubric's words ("Fluoroscopy time"), else the name
    std::string unit;
    double value = std::numeric_limits<double>::quiet_NaN();
    bool missing = false;            // scored by the rubric but absent from the session
    std::optional<double> target;    // full marks at (rubric)
    std::optional<double> limit;     // zero marks at (rubric)
    std::optional<double> critical;  // a critical error beyond this value (rubric)
    double marks = 0.0;              // 0..1
    double weight = 0.0;             // 0 for metrics the rubric does not score
    MarksBand band = MarksBand::Unscored;
    std::optional<double> expert;    // the expert reference session's value
};

struct DebriefImage {
    double time_s = 0.0;
    std::string kind;   // fluoro, stored, cine, ct
    std::string label;
    std::string file;   // PNG name in the run's --frames folder, may be empty
    double laoDeg = 0.0, cranDeg = 0.0;
};

// A cumulative quantity over the session (the report's timeline, one sample per simulated second).
struct DebriefSeries {
    std::string key;    // timeline field ("reference_air_kerma_mGy")
    std::string label;  // "Reference air kerma"
    std::string unit;   // "mGy"
    std::vector<double> time_s;
    std::vector<double> value;
    double maxValue() const;
};

// One attempt of the learning curve (this trainee, this scenario), in time order.
struct DebriefAttempt {
    std::int64_t sessionId = 0;
    std::string startedAt;
    double score = 0.0;
    bool passed = false;
    bool current = false;  // the session being debriefed
};

// The clinic's words for an event kind.
std::string eventLabel(const std::string& kind);  // "fluoro.on" -> "Fluoroscopy on"

struct Debrief {
    std::string title, scenario, procedure, patient, endReason;
    std::string trainee, startedAt;  // empty when the session is not in the records
    std::int64_t sessionId = 0;      // 0 when not stored
    double duration_s = 0.0;
    double score = 0.0;  // 0-100
    bool passed = false;
    double passScore = 0.0;  // 0 when the rubric is unknown
    std::vector<std::string> reasons;
    std::vector<DebriefMetric> metrics;  // rubric metrics in rubric order, then the others by name
    std::vector<SessionEvent> events;    // time order
    std::vector<DebriefImage> images;    // time order
    std::vector<DebriefSeries> series;   // air kerma, KAP, fluoro time, contrast, activity, cement
    std::vector<DebriefAttempt> attempts;
    std::optional<std::int64_t> expertSessionId;
    std::string expertTrainee;
    double expertScore = 0.0;
    std::vector<AssessorRating> ratings;
};

// Reads the report (throws DataError naming `file` and the field for a missing or mistyped one).
// rubric: the scenario's, for targets and limits; null when the scenario cannot be found (marks
// then come from the report alone).
// `rubric`: the scenario's, when its file was found and is the one the session ran on; nullptr
// uses the rubric the report carries (its `rubric` field), when it has one.
Debrief debriefFromReport(const nlohmann::json& report, const Rubric* rubric, const std::string& file);

// The rubric as a report carries it, and back (DataError naming the field): the debrief shows the
// targets and limits the session was scored with when the scenario file is gone or has changed.
nlohmann::json rubricToJson(const Rubric& rubric);
Rubric rubricFromJson(const nlohmann::json& j, const std::string& file);

// The expert reference's values beside the trainee's, metric by metric.
void addExpertReference(Debrief& debrief, const SessionRecord& expert);
// The learning curve: the trainee's sessions of this scenario (RecordStore::list order).
void addAttempts(Debrief& debrief, const std::vector<SessionSummary>& sessions);

// The last image taken at or before time_s (index into images), or -1.
int lastImageAtOrBefore(const Debrief& debrief, double time_s);

}  // namespace irsim::assessment
