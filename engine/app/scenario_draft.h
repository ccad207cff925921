#pragma once
// A scenario as an instructor writes it, field by field: what `irsim scenario new` fills from its
// options and the authoring mode (`irsim author`) edits, written as the commented TOML the loader
// reads. The parts an author does not set (the procedure's own sections, its goals and critical
// errors) come from the procedure's declarations (ProcedureSpec::scenarioTemplate), so a file
// written here checks clean whenever the fields do.
#include <cstdint>
#include <string>
#include <vector>

#include "assessment/rubric.h"
#include "sim/procedure.h"
#include "sim/scenario.h"

namespace irsim::app {

struct ScenarioDraft {
    std::string procedure;    // a registered procedure's name
    std::string title;
    std::string description;  // what the trainee reads at the start
    std::string difficulty;   // "" (unstated), or one of sim::kDifficulties
    std::string target;       // the structure the scenario is about ("vertebrae_L1")
    // The patient: a CT (paths as the file names them, relative to the scenario's folder) ...
    std::string ct, labels;
    std::vector<sim::ScenarioLesion> lesions;  // [[patient.lesion]]: tumours a CT's labels lack
    // ... or, when phantomSeed >= 0, the procedural phantom.
    int64_t phantomSeed = -1;
    double phantomVoxelMm = 2.0;
    double timeLimitS = 3600.0;
    // The starting C-arm.
    double laoDeg = 0.0, cranDeg = 0.0, fieldOfViewMm = 300.0, pulseRatePps = 7.5;
    // The rubric's scored part; its goals and critical errors are the procedure's.
    double passScore = 70.0;
    std::vector<assessment::RubricMetric> metrics;

    bool operator==(const ScenarioDraft& o) const;
    bool operator!=(const ScenarioDraft& o) const { return !(*this == o); }
};

// The procedure's starting draft: its default target and usual metrics (with "{target}" filled),
// plus the fluoroscopy time every session reports. Throws DataError (field "--procedure") for an
// unknown procedure, with "did you mean".
ScenarioDraft newDraft(const std::string& procedure, const std::string& target = "");

// The procedure a new draft starts on when none is named: the first registered one that declares
// what an author picks (ScenarioTemplate::targetChoices), else the first with a template.
std::string defaultAuthoringProcedure();

// The procedure's spec; throws DataError naming `field` when none has that name.
const sim::ProcedureSpec& procedureSpec(const std::string& name, const std::string& field = "scenario.procedure");

// The scenario file's text for `file` (its name appears in the header comment): commented TOML
// that the loader reads back to the same draft (numbers as formatNumber writes them). Ends with
// the metrics and events a rubric may name, from the procedure's definition when the draft parses.
std::string scenarioToml(const ScenarioDraft& draft, const std::string& file);

// The draft a scenario file holds (any file the loader accepts: fields the draft does not cover,
// such as another procedure section's keys, are not kept). Throws the loader's ScenarioErrors.
ScenarioDraft loadDraft(const std::string& file);
ScenarioDraft parseDraft(const std::string& text, const std::string& file);

// A data file (a CT, a label map; given from the working folder) as a scenario at `scenarioFile`
// names it: relative to the scenario's folder.
std::string pathFromScenario(const std::string& data, const std::string& scenarioFile);

// The label names an author may pick as the target of `procedure`, in order (its template's
// targetChoices); empty: any structure of the label map.
const std::vector<std::string>& targetChoices(const std::string& procedure);

}  // namespace irsim::app
