// The scenario file an instructor's draft becomes, and back. The writer is `irsim scenario new`'s
// (commands/scenario.cpp builds a draft from its options); the reader is the run's loader.
#include "app/scenario_draft.h"

#include <filesystem>

#include "core/error.h"
#include "core/paths.h"
#include "core/text.h"
#include "sim/scenario.h"

namespace irsim::app {

namespace {

namespace fs = std::filesystem;

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
        text.replace(at, from.size(), to);
    return text;
}

// A text as TOML: a multi-line string when it has lines (as an instructor would write it), else
// a basic string.
std::string tomlText(const std::string& s) {
    const bool plainLines = s.find('\\') == std::string::npos && s.find("\"\"") == std::string::npos &&
                            (s.empty() || s.back() != '"');
    if (plainLines && s.find('\n') != std::string::npos) return "\"\"\"\n" + s + "\"\"\"";
    return replaceAll(sim::tomlString(s), "\n", "\\n");
}

std::string tumoursToml(const std::vector<sim::ScenarioTumour>& tumours, const std::string& target) {
    std::string s;
    if (!tumours.empty())
        s += "# site: liver_segment_1 .. liver_segment_8 or vertebrae_T10 .. vertebrae_L5; kind: hypervascular, lytic\n"
             "# (diameter_mm) or compression_fracture (height_loss, the fraction of the body's height lost, 0.05-0.8)\n";
    for (const sim::ScenarioTumour& t : tumours) {
        s += "[[patient.phantom.tumour]]\nsite = " + sim::tomlString(replaceAll(t.site, "{target}", target)) +
             "\nkind = " + sim::tomlString(t.kind) + "\n";
        if (t.kind == "compression_fracture") s += "height_loss = " + formatNumber(t.heightLoss) + "\n";
        else s += "diameter_mm = " + formatNumber(t.diameterMm) + "\n";
    }
    return s;
}

std::string patientSection(const ScenarioDraft& d, const sim::ScenarioTemplate& t) {
    if (d.phantomSeed < 0) {
        std::string s = "[patient]\n"
                        "# Relative to this file; a scenario reads data only from its own folder or the project's assets/.\n"
                        "ct = " + sim::tomlString(d.ct) + "\n";
        if (!d.labels.empty()) s += "labels = " + sim::tomlString(d.labels) + "   # TotalSegmentator's label map\n";
        if (!d.lesions.empty())
            s += "\n# Lesions the label map lacks, painted into their organ as liver_tumour (wholly inside it).\n";
        for (const sim::ScenarioLesion& l : d.lesions)
            s += "[[patient.lesion]]\ncentre_mm = [" + formatNumber(l.centreLps.x) + ", " + formatNumber(l.centreLps.y) + ", " +
                 formatNumber(l.centreLps.z) + "]   # LPS on the CT\ndiameter_mm = " + formatNumber(l.diameterMm) +
                 "\norgan = " + sim::tomlString(l.organ) + "\n";
        return s;
    }
    return "[patient.phantom]                # the procedural phantom (or ct = \"file\" under [patient])\n"
           "seed = " + std::to_string(d.phantomSeed) + "\n"
           "voxel_mm = " + formatNumber(d.phantomVoxelMm) + "                     # 1-5: finer is sharper and slower to build\n" +
           t.phantom + tumoursToml(t.tumours, d.target);
}

// What a rubric may name, from the declarations of the procedure on this scenario.
std::string namesComment(const sim::Scenario& s, const sim::ProcedureSpec& spec) {
    std::string c = "# Metrics a session of this scenario reports, for [[rubric.metric]] name, [[rubric.goal]] metric\n"
                    "# and [[rubric.critical]] metric (with above or below):\n";
    std::vector<sim::MetricSpec> metrics = sim::imagingMetrics();
    for (const sim::MetricSpec& m : s.definition->metrics()) metrics.push_back(m);
    for (const sim::MetricSpec& m : metrics)
        c += "#   " + m.name + (m.unit.empty() ? "" : " (" + m.unit + ")") + ": " + m.label + "\n";
    c += "# Events, for [[rubric.critical]] event:\n";
    std::vector<sim::EventSpec> events = sim::imagingEvents();
    events.insert(events.end(), spec.events.begin(), spec.events.end());
    for (const sim::EventSpec& e : events) c += "#   " + e.kind + ": " + e.label + "\n";
    return c;
}

bool sameLesion(const sim::ScenarioLesion& a, const sim::ScenarioLesion& b) {
    return a.centreLps == b.centreLps && a.diameterMm == b.diameterMm && a.organ == b.organ;
}

bool sameMetric(const assessment::RubricMetric& a, const assessment::RubricMetric& b) {
    return a.name == b.name && a.unit == b.unit && a.label == b.label && a.fullMarksAt == b.fullMarksAt &&
           a.zeroAt == b.zeroAt && a.weight == b.weight;
}

}  // namespace

bool ScenarioDraft::operator==(const ScenarioDraft& o) const {
    if (metrics.size() != o.metrics.size() || lesions.size() != o.lesions.size()) return false;
    for (size_t i = 0; i < lesions.size(); ++i)
        if (!sameLesion(lesions[i], o.lesions[i])) return false;
    for (size_t i = 0; i < metrics.size(); ++i)
        if (!sameMetric(metrics[i], o.metrics[i])) return false;
    return procedure == o.procedure && title == o.title && description == o.description && difficulty == o.difficulty &&
           target == o.target && ct == o.ct && labels == o.labels && phantomSeed == o.phantomSeed &&
           phantomVoxelMm == o.phantomVoxelMm && timeLimitS == o.timeLimitS && laoDeg == o.laoDeg &&
           cranDeg == o.cranDeg && fieldOfViewMm == o.fieldOfViewMm && pulseRatePps == o.pulseRatePps &&
           passScore == o.passScore;
}

const sim::ProcedureSpec& procedureSpec(const std::string& name, const std::string& field) {
    const sim::ProcedureSpec* spec = sim::findProcedure(name);
    if (spec) return *spec;
    const std::string near = closestWord(name, sim::procedureNames());
    throw DataError("", 0, field, "unknown procedure '" + name + "'" + (near.empty() ? "" : "; did you mean '" + near + "'?") +
                                      " (expected " + joinWords(sim::procedureNames(), "or") + ")");
}

std::string defaultAuthoringProcedure() {
    std::string withTemplate;
    for (const std::string& name : sim::procedureNames()) {
        const sim::ScenarioTemplate& t = sim::findProcedure(name)->scenarioTemplate;
        if (!t.targetChoices.empty()) return name;
        if (withTemplate.empty() && !t.target.empty()) withTemplate = name;
    }
    return withTemplate.empty() ? sim::procedureNames().front() : withTemplate;
}

ScenarioDraft newDraft(const std::string& procedure, const std::string& target) {
    const sim::ProcedureSpec& spec = procedureSpec(procedure, "--procedure");
    const sim::ScenarioTemplate& t = spec.scenarioTemplate;
    ScenarioDraft d;
    d.procedure = spec.name;
    d.target = target.empty() ? t.target : target;
    d.title = spec.title + (d.target.empty() ? "" : ": " + d.target);
    d.description = "Describe the patient and the task as the trainee should read it at the start.";
    for (assessment::RubricMetric m : t.rubric.metrics) {
        m.name = replaceAll(m.name, "{target}", d.target);
        m.label = replaceAll(m.label, "{target}", d.target);
        d.metrics.push_back(m);
    }
    // Every session's dose: the one metric every procedure shares.
    d.metrics.push_back({"fluoro_time_s", "s", "Fluoroscopy time", 60.0, 300.0, 1.0});
    return d;
}

std::string scenarioToml(const ScenarioDraft& d, const std::string& file) {
    const sim::ProcedureSpec& spec = procedureSpec(d.procedure);
    const sim::ScenarioTemplate& t = spec.scenarioTemplate;
    const auto filled = [&](const std::string& s) { return replaceAll(s, "{target}", d.target); };
    std::string text;
    text += "# " + replaceAll(d.title, "\n", " ") + "\n"
            "# docs/scenarios.md explains every field, " + spec.docs + " the procedure, its actions and metrics.\n"
            "# Check it after each change: irsim scenario check " + fs::path(file).filename().string() + "\n\n";
    text += "[scenario]\n"
            "title = " + sim::tomlString(d.title) + "\n"
            "procedure = " + sim::tomlString(spec.name) + "\n"
            "target = " + sim::tomlString(d.target) + "         # the structure the C-arm starts centred on\n";
    if (!d.difficulty.empty()) text += "difficulty = " + sim::tomlString(d.difficulty) + "    # introductory, intermediate or advanced\n";
    text += "description = " + tomlText(d.description) + "\n"
            "time_limit_s = " + formatNumber(d.timeLimitS) + "             # the session ends by itself here\n\n";
    text += patientSection(d, t) + "\n";
    if (!t.sections.empty()) text += filled(t.sections) + "\n";
    text += "[carm]\n"
            "lao_deg = " + formatNumber(d.laoDeg) + "                      # +LAO / -RAO, -120..120\n"
            "cran_deg = " + formatNumber(d.cranDeg) + "                     # +CRAN / -CAUD, -50..50\n"
            "field_of_view_mm = " + formatNumber(d.fieldOfViewMm) + "           # 100-480\n"
            "pulse_rate = " + formatNumber(d.pulseRatePps) + "                 # pulses/s: 7.5, 15 or 30\n\n";
    assessment::Rubric rubric = t.rubric;
    rubric.passScore = d.passScore;
    for (assessment::Goal& g : rubric.goals) g.metric = filled(g.metric), g.reason = filled(g.reason);
    for (assessment::CriticalError& c : rubric.critical) c.metric = filled(c.metric), c.reason = filled(c.reason);
    rubric.metrics = d.metrics;
    text += sim::rubricToml(rubric);
    // The names are listed when the draft parses (the procedure's definition says which it
    // reports); a draft that does not is still written, for the checker to show why.
    try {
        const sim::Scenario parsed = sim::parseScenario(text, file);
        text += namesComment(parsed, spec);
    } catch (const DataError&) {
    }
    return text;
}

ScenarioDraft parseDraft(const std::string& text, const std::string& file) {
    const sim::Scenario s = sim::parseScenario(text, file);
    ScenarioDraft d;
    d.procedure = s.procedure;
    d.title = s.title;
    d.description = s.description;
    d.difficulty = s.difficulty;
    d.target = s.target;
    if (s.patient.phantom) {
        d.phantomSeed = static_cast<int64_t>(s.patient.phantomSeed);
        d.phantomVoxelMm = s.patient.phantomVoxelMm;
    } else {
        // As the file names them (s.patient holds them resolved).
        d.ct = s.doc.text("patient.ct", "");
        d.labels = s.doc.text("patient.labels", "");
        d.lesions = s.patient.lesions;
    }
    d.timeLimitS = s.timeLimitS;
    d.laoDeg = s.carm.laoDeg;
    d.cranDeg = s.carm.cranDeg;
    d.fieldOfViewMm = s.carm.detectorWidthMm;
    d.pulseRatePps = s.pulseRatePps;
    d.passScore = s.rubric.passScore;
    d.metrics = s.rubric.metrics;
    return d;
}

ScenarioDraft loadDraft(const std::string& file) { return parseDraft(readTextFile(file), file); }

std::string pathFromScenario(const std::string& data, const std::string& scenarioFile) {
    const fs::path dir = fs::path(scenarioFile).parent_path();
    const fs::path from = fs::absolute(dir.empty() ? fs::path(".") : dir).lexically_normal();
    return fs::absolute(data).lexically_normal().lexically_relative(from).generic_string();
}

const std::vector<std::string>& targetChoices(const std::string& procedure) {
    return procedureSpec(procedure).scenarioTemplate.targetChoices;
}

}  // namespace irsim::app
