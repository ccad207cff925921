#pragma once
// A scenario: a human-editable TOML file in scenarios/ naming the procedure, the patient, the
// starting C-arm, the goals and the rubric (docs/scenarios.md). Loading a wrong one throws a
// DataError naming the file, the line and the field.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assessment/rubric.h"
#include "core/error.h"
#include "imaging/carm.h"
#include "sim/procedure.h"

namespace irsim::sim {

// The parsed TOML as JSON, with the line of every field, so procedures can read their own
// sections and still report "file:line: field: what".
struct ScenarioDocument {
    std::string file;
    nlohmann::json root;
    std::map<std::string, int> lines;  // dotted path ("carm.lao_deg", "goal.view[1].name") -> line

    int lineOf(const std::string& path) const;
    // Every path asked for is remembered (found or not): the keys nobody asked for are the
    // unknown ones (unreadKeysError), and the ones asked for are what "did you mean" offers.
    const nlohmann::json* find(const std::string& path) const;
    [[noreturn]] void fail(const std::string& path, const std::string& what) const;

    double number(const std::string& path, double fallback, double lo, double hi) const;
    double requireNumber(const std::string& path, double lo, double hi) const;
    std::string text(const std::string& path, const std::string& fallback) const;
    std::string requireText(const std::string& path) const;
    bool flag(const std::string& path, bool fallback) const;
    size_t arraySize(const std::string& path) const;  // 0 when absent

    // A file or folder the scenario reads (a CT, a label map): the text at `path`, relative to the
    // scenario's folder. A scenario reads data only from its own folder (and below) or the
    // project's assets/: a path that leaves them ("../../etc/passwd", an absolute path elsewhere,
    // a link out of the folder) is an error naming the field.
    std::string dataPath(const std::string& path) const;

    // Every key of the file that nothing read, each with the nearest key asked for in the same
    // table; keys under `skip` (sections whose reading stopped at an error) are left out.
    std::vector<DataError> unreadKeys(const std::set<std::string>& skip = {}) const;

    mutable std::set<std::string> asked;  // paths asked for, array indices as "[]"
    mutable std::set<std::string> read;   // paths found, and their parents
};

// A lesion placed on a real CT whose labels name no tumour ([[patient.lesion]]): a sphere painted
// into the label map as liver_tumour (patient::CtLesion).
struct ScenarioLesion {
    glm::dvec3 centreLps{0.0};
    double diameterMm = 20.0;
    std::string organ = "liver";
};

struct ScenarioPatient {
    // Either a CT (NIfTI file or DICOM folder, path relative to the scenario file) ...
    std::string ctPath;
    std::string labelsPath;
    // ... or the procedural phantom.
    bool phantom = true;
    uint64_t phantomSeed = 1;
    double phantomVoxelMm = 1.5;
    std::string michelsType;  // "" = chosen by the seed
    bool osteoporotic = false;
    double bodySize = 1.0;
    std::vector<ScenarioTumour> tumours;
    std::vector<ScenarioLesion> lesions;  // a CT's [[patient.lesion]]
};

// The phantom's voxel size a scenario may ask for (patient.phantom.voxel_mm), mm.
inline constexpr double kMinPhantomVoxelMm = 1.0;
inline constexpr double kMaxPhantomVoxelMm = 5.0;

struct Scenario {
    std::string file;
    std::string contentHash; // FNV-1a 64 of the file's bytes, 16 hex digits: which version a report ran on
    std::string id;          // file name without extension
    std::string title;
    std::string procedure;   // a registered procedure's name (engine/procedures)
    std::string description; // shown to the trainee at start
    std::string difficulty;  // "introductory", "intermediate" or "advanced" (kDifficulties); "" unstated
    std::string target;      // structure the C-arm starts centred on ("vertebrae_L1")
    ScenarioPatient patient;
    imaging::CArmPose carm;  // starting pose; isocentre filled from `target` once the patient loads
    glm::dvec3 isocentreOffsetMm{0.0};  // where the isocentre starts relative to the target (LPS)
    double pulseRatePps = 15.0;
    double timeLimitS = 3600.0;  // the session ends by itself here
    assessment::Rubric rubric;
    ScenarioDocument doc;    // for errors that need the patient (file, line, field)
    // The procedure's sections, typed (its ProcedureSpec::parse).
    std::shared_ptr<const ProcedureDefinition> definition;
};

// What [scenario] difficulty may say, easiest first: the scenario library sorts by it.
inline const char* const kDifficulties[] = {"introductory", "intermediate", "advanced"};

// The longest scenario line and the deepest nesting of tables (dotted keys, [a.b.c] headers and
// inline tables) a scenario may have; the shipped ones reach about 110 bytes and 4 levels. Checked
// before and after the TOML parser, whose recursion a 200,000-part dotted key overflows.
inline constexpr size_t kMaxScenarioLineBytes = 4096;
inline constexpr int kMaxScenarioNesting = 32;

// Every problem one load found, in the order of their lines, so that `irsim scenario check` lists
// them all at once. what() is the first, with how many more there are: the one line `irsim run`
// prints.
class ScenarioErrors : public DataError {
public:
    explicit ScenarioErrors(std::vector<DataError> errors);
    const std::vector<DataError>& errors() const { return errors_; }

private:
    std::vector<DataError> errors_;
};

// What a DataError says without its "file:line: field: " (what() has them all).
std::string messageOf(const DataError& e);

// Both throw ScenarioErrors (a DataError) listing every problem found: all the unknown keys, all the
// rubric's unknown names, each section's first wrong field. A TOML syntax error stops at itself.
Scenario loadScenario(const std::string& path);
Scenario parseScenario(const std::string& tomlText, const std::string& file);

// A text as a TOML string in quotes (quotes and backslashes escaped).
std::string tomlString(const std::string& s);
// The rubric as a scenario's TOML ([rubric], then its goals, metrics and critical errors, each
// kind under a comment saying what it does); parseScenario reads it back to the same rubric.
std::string rubricToml(const assessment::Rubric& rubric);

// The scenario named on the command line: a path, or a name looked up in scenarios/.
std::string resolveScenarioPath(const std::string& nameOrPath);
std::string defaultScenarioName();

}  // namespace irsim::sim
