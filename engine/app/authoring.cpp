// The authoring mode's model: edits with undo, the live check, saving, and the slices the target is
// picked on.
#include "app/authoring.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/paths.h"
#include "core/text.h"
#include "patient/loader.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"

namespace irsim::app {

namespace fs = std::filesystem;

AuthoringModel::AuthoringModel(ScenarioDraft draft, std::string file) : draft_(std::move(draft)), file_(std::move(file)) {
    if (fs::exists(file_)) savedText_ = text();
}

void AuthoringModel::edit(const ScenarioDraft& next, const std::string& what) {
    if (next == draft_) return;
    if (what.empty() || what != lastEdit_ || undo_.empty()) undo_.push_back(draft_);
    redo_.clear();
    draft_ = next;
    lastEdit_ = what;
}

// Undo and redo: the draft goes onto one list and comes off the other.
static bool step(std::vector<ScenarioDraft>& from, std::vector<ScenarioDraft>& to, ScenarioDraft& draft) {
    if (from.empty()) return false;
    to.push_back(draft);
    draft = from.back();
    from.pop_back();
    return true;
}

bool AuthoringModel::undo() {
    lastEdit_.clear();
    return step(undo_, redo_, draft_);
}

bool AuthoringModel::redo() {
    lastEdit_.clear();
    return step(redo_, undo_, draft_);
}

std::string AuthoringModel::pickTarget(const std::string& structure) {
    const std::vector<std::string>& choices = targetChoices(draft_.procedure);
    if (structure.empty()) return "no structure there";
    if (!choices.empty() && std::find(choices.begin(), choices.end(), structure) == choices.end())
        return structure + " is not a target of " + draft_.procedure + " (" + joinWords(choices, "or") + ")";
    ScenarioDraft next = draft_;
    // The title follows the target while it is the one newDraft gave.
    const std::string title = procedureSpec(draft_.procedure).title;
    if (next.title == title + ": " + next.target) next.title = title + ": " + structure;
    next.target = structure;
    edit(next, "");
    return "";
}

std::string AuthoringModel::placeLesion(const glm::dvec3& at, double diameterMm, const std::string& organ) {
    if (draft_.phantomSeed >= 0) return "lesions are placed on a CT (the phantom's come from [[patient.phantom.tumour]])";
    if (organ.empty()) return "no organ there";
    ScenarioDraft next = draft_;
    next.lesions.push_back({glm::round(at * 10.0) / 10.0, diameterMm, organ});
    edit(next, "");
    return "";
}

void AuthoringModel::removeLesion(size_t index) {
    if (index >= draft_.lesions.size()) return;
    ScenarioDraft next = draft_;
    next.lesions.erase(next.lesions.begin() + static_cast<long>(index));
    edit(next, "");
}

void AuthoringModel::save() {
    const std::string t = text();
    const fs::path dir = fs::path(file_).parent_path();
    std::error_code ec;
    if (!dir.empty()) fs::create_directories(dir, ec);
    std::ofstream out(file_, std::ios::binary);
    if (!out || !(out << t)) throw DataError(file_, 0, "", "cannot write the scenario file");
    savedText_ = t;
}

sim::ScenarioCheck AuthoringModel::check() const {
    try {
        return sim::checkScenarioText(text(), file_);
    } catch (const DataError& e) {  // the draft names no procedure the writer knows
        sim::ScenarioCheck c;
        c.errors.push_back(e);
        return c;
    }
}

std::vector<KnownPatient> knownPatients() {
    std::vector<fs::path> files;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(projectRoot() / "scenarios", ec))
        if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    std::vector<KnownPatient> known;
    for (const fs::path& f : files) {
        try {
            const sim::Scenario s = sim::loadScenario(f.string());
            if (s.patient.phantom) continue;
            const std::string ct = fs::weakly_canonical(s.patient.ctPath).string();
            const std::string labels = s.patient.labelsPath.empty() ? "" : fs::weakly_canonical(s.patient.labelsPath).string();
            if (std::none_of(known.begin(), known.end(), [&](const KnownPatient& k) { return k.ct == ct && k.labels == labels; }))
                known.push_back({ct, labels, s.id});
        } catch (const DataError&) {  // the library shows why it does not load
        }
    }
    return known;
}

AuthoringPatient::AuthoringPatient(std::shared_ptr<const patient::Patient> patient) : patient_(std::move(patient)) {
    const patient::VolumeGeometry& g = patient_->ct.geometry;
    cursor = g.voxelToPatient((glm::dvec3(g.dims) - 1.0) * 0.5);
}

AuthoringPatient AuthoringPatient::load(const ScenarioDraft& draft, const std::string& file) {
    if (draft.phantomSeed >= 0) {
        // The phantom as the scenario builds it (its tumours and fractures included).
        const sim::Scenario s = sim::parseScenario(scenarioToml(draft, file), file);
        AuthoringPatient p(sim::loadScenarioPatient(s));
        p.centreOn(draft.target);
        return p;
    }
    const fs::path dir = fs::path(file).parent_path();
    patient::PatientSpec spec;
    if (draft.ct.empty()) throw DataError(file, 0, "patient.ct", "name a CT (a NIfTI file or a DICOM folder) or the phantom");
    spec.ctPath = (dir / draft.ct).lexically_normal().string();
    if (!draft.labels.empty()) spec.labelsPath = (dir / draft.labels).lexically_normal().string();
    spec.growHepaticTree = false;  // the author looks at the CT; the run grows them
    for (const sim::ScenarioLesion& l : draft.lesions) spec.lesions.push_back({l.centreLps, l.diameterMm, l.organ});
    std::shared_ptr<const patient::Patient> loaded;
    try {
        loaded = std::make_shared<const patient::Patient>(patient::loadPatient(spec));
    } catch (const DataError&) {
        if (spec.lesions.empty()) throw;
        // A lesion that does not fit its organ: the CT is still shown, and the checker says why.
        spec.lesions.clear();
        loaded = std::make_shared<const patient::Patient>(patient::loadPatient(spec));
    }
    AuthoringPatient p(loaded);
    p.centreOn(draft.target);
    return p;
}

bool AuthoringPatient::centreOn(const std::string& structure) {
    const std::optional<glm::dvec3> c = structure.empty() ? std::nullopt : patient_->centroidOf(structure);
    if (c) cursor = *c;
    return c.has_value();
}

imaging::SlicePlane AuthoringPatient::plane(SliceView view, int pixels) const {
    const patient::VolumeGeometry& g = patient_->ct.geometry;
    const glm::dvec3 centre = g.voxelToPatient((glm::dvec3(g.dims) - 1.0) * 0.5);
    // The extent along x, y, z (the grid's axes may be any permutation of them).
    const glm::dvec3 extent = glm::abs(g.direction * (glm::dvec3(g.dims) * g.spacing));
    switch (view) {
        case SliceView::Axial:
            return imaging::axialPlane({centre.x, centre.y, cursor.z}, std::max(extent.x, extent.y), pixels);
        case SliceView::Coronal:
            return imaging::coronalPlane({centre.x, cursor.y, centre.z}, std::max(extent.x, extent.z), pixels);
        case SliceView::Sagittal: break;
    }
    return imaging::sagittalPlane({cursor.x, centre.y, centre.z}, std::max(extent.y, extent.z), pixels);
}

glm::dvec3 AuthoringPatient::pointAt(SliceView view, int pixels, double c, double r) const {
    return plane(view, pixels).pixelCentre(c - 0.5, r - 0.5);
}

std::string AuthoringPatient::structureAt(const glm::dvec3& lps) const {
    const patient::LabelMap& labels = patient_->labels;
    if (labels.voxels.empty()) return "";
    const glm::dvec3 v = labels.geometry.patientToVoxel(lps);
    const glm::ivec3 i(static_cast<int>(std::lround(v.x)), static_cast<int>(std::lround(v.y)), static_cast<int>(std::lround(v.z)));
    if (!labels.geometry.contains(i.x, i.y, i.z)) return "";
    const auto name = patient_->labelNames.find(labels.at(i.x, i.y, i.z));
    return name == patient_->labelNames.end() ? "" : name->second;
}

GreyImage AuthoringPatient::slice(SliceView view, int pixels, const std::string& outlined) const {
    const imaging::SlicePlane pl = plane(view, pixels);
    GreyImage image = imaging::applyWindow(imaging::resampleSlice(patient_->ct, pl), imaging::WindowLevel::bone());
    // White is kept for the outline.
    for (float& p : image.pixels) p *= 0.85f;
    if (outlined.empty() || patient_->labels.voxels.empty()) return image;
    std::vector<uint8_t> inside(image.pixels.size(), 0);
    for (int r = 0; r < pixels; ++r)
        for (int c = 0; c < pixels; ++c)
            inside[static_cast<size_t>(r) * pixels + c] = structureAt(pl.pixelCentre(c, r)) == outlined;
    const auto in = [&](int c, int r) {
        return c >= 0 && r >= 0 && c < pixels && r < pixels && inside[static_cast<size_t>(r) * pixels + c];
    };
    for (int r = 0; r < pixels; ++r)
        for (int c = 0; c < pixels; ++c)
            if (in(c, r) && !(in(c - 1, r) && in(c + 1, r) && in(c, r - 1) && in(c, r + 1))) image.at(c, r) = 1.0f;
    return image;
}

}  // namespace irsim::app
