#pragma once
// The authoring mode's model (`irsim author`), without a window: the draft being edited with its
// undo and redo, the live check (the loader and patient build `irsim scenario check` runs), saving,
// and the patient's CT and label map in axial, coronal and sagittal slices on which the author
// picks the target. The ImGui panel (window/author_window.cpp) only draws it and feeds it edits.
#include <memory>
#include <string>
#include <vector>

#include "app/scenario_draft.h"
#include "core/image_io.h"
#include "imaging/ct_slice.h"
#include "patient/patient.h"
#include "sim/scenario_check.h"

namespace irsim::app {

class AuthoringModel {
public:
    AuthoringModel(ScenarioDraft draft, std::string file);

    const ScenarioDraft& draft() const { return draft_; }
    const std::string& file() const { return file_; }

    // One edit. Edits of the same `what` in a row (typing a title, dragging a weight) are one
    // undo step. An edit equal to the draft does nothing. Clears the redo list.
    void edit(const ScenarioDraft& next, const std::string& what);
    bool canUndo() const { return !undo_.empty(); }
    bool canRedo() const { return !redo_.empty(); }
    bool undo();
    bool redo();

    // The structure `structure` (a label name) as the target, when the procedure offers it; else
    // the draft is unchanged and the reason is returned ("" when it was set).
    std::string pickTarget(const std::string& structure);

    // A lesion of `diameterMm` centred at `at` (rounded to 0.1 mm, as the file keeps it) in the
    // organ `organ` (the structure there); the reason when it is refused ("" when placed). The
    // checker says whether it lies wholly in the organ.
    std::string placeLesion(const glm::dvec3& at, double diameterMm, const std::string& organ);
    void removeLesion(size_t index);

    // The file's text as save() writes it.
    std::string text() const { return scenarioToml(draft_, file_); }
    // Writes text() to file() (its folder made on demand); DataError when it cannot.
    void save();
    bool unsaved() const { return text() != savedText_; }

    // What `irsim scenario check` would say of the draft saved as file(); the draft need not be saved.
    sim::ScenarioCheck check() const;

private:
    ScenarioDraft draft_;
    std::string file_;
    std::vector<ScenarioDraft> undo_, redo_;
    std::string lastEdit_;  // what the last edit changed, for merging
    std::string savedText_;
};

// A CT an author may start from: one a shipped scenario uses, with its label map.
struct KnownPatient {
    std::string ct, labels;  // paths as found (absolute)
    std::string usedBy;      // the scenario's id
};
// The CTs of the project's scenarios/ (each once, in the order of the files' names), so a new
// author finds the real CT without knowing where it lies.
std::vector<KnownPatient> knownPatients();

enum class SliceView { Axial, Coronal, Sagittal };
inline const char* const kSliceViewNames[] = {"Axial", "Coronal", "Sagittal"};

// A patient's CT and labels as the author looks through them: a cursor (LPS mm) that the three
// slices pass through, and the structure under any point.
class AuthoringPatient {
public:
    explicit AuthoringPatient(std::shared_ptr<const patient::Patient> patient);
    // The draft's patient, its paths resolved from `file`'s folder as the loader resolves them
    // (only the CT and labels: no vessels are grown). DataError naming the field when it cannot.
    static AuthoringPatient load(const ScenarioDraft& draft, const std::string& file);

    const patient::Patient& patient() const { return *patient_; }
    glm::dvec3 cursor{0.0};  // starts at the CT's centre, or on the target when it has labels

    // The slice through the cursor, square, covering the CT's extent in its plane.
    imaging::SlicePlane plane(SliceView view, int pixels) const;
    // The CT in a bone window (0-0.85 grey) with the structure `outlined` drawn around in white.
    GreyImage slice(SliceView view, int pixels, const std::string& outlined) const;
    // The label's name at a point, "" for none (or no label map).
    std::string structureAt(const glm::dvec3& lps) const;
    // The point of a slice's pixel (c, r), pixel centres at +0.5.
    glm::dvec3 pointAt(SliceView view, int pixels, double c, double r) const;
    // Centres the cursor on a structure (its centroid); false when the labels lack it.
    bool centreOn(const std::string& structure);

private:
    std::shared_ptr<const patient::Patient> patient_;
};

}  // namespace irsim::app
