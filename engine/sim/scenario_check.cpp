#include "sim/scenario_check.h"

#include <algorithm>
#include <cmath>

#include "core/paths.h"
#include "core/text.h"
#include "patient/materials.h"
#include "patient/nifti.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"
#include "sim/session.h"

namespace irsim::sim {

namespace {

void warn(ScenarioCheck& check, const Scenario& s, const std::string& field, const std::string& what) {
    check.warnings.emplace_back(s.file, s.doc.lineOf(field), field, what);
}

// A rubric is there to tell a session that did the procedure from one that did not: the session
// that only starts and ends is the least that must fail.
void warnIfNothingPasses(ScenarioCheck& check, const Scenario& s, Session& session) {
    if (s.rubric.goals.empty())
        warn(check, s, "rubric", "no [[rubric.goal]]: nothing says what the procedure is for, so a session that skips "
                                 "its therapeutic goal can pass on its technique score (docs/scenarios.md)");
    Action start;
    start.kind = "session.start";
    start.args["scenario"] = s.id;
    session.play({start});
    const assessment::Assessment a = session.assess();
    if (a.passed)
        warn(check, s, "rubric",
             "a session that does nothing (only session.start) passes with " + formatted("%.1f", a.score) +
                 ": add a [[rubric.goal]] on what the procedure is for (e.g. a metric the procedure reports "
                 "only when it was done), or metrics that score zero when nothing was done");
}

// The target's voxels on one face of the volume and not the opposite one: the scan cut it off on
// that side, so its centre (where the C-arm starts) is pulled into the scan and the approaches from
// that side meet the cut plane. Cut on both opposite faces, the scan is a slab through a structure
// larger than it (a liver in a limited scan): centred along that axis, and not warned of.
void warnIfTargetAtEdge(ScenarioCheck& check, const Scenario& s, const patient::Patient& p) {
    if (s.target.empty() || p.labels.voxels.empty()) return;
    const std::optional<uint16_t> label = p.labelOf(s.target);
    if (!label) return;
    const glm::ivec3 n = p.labels.geometry.dims;
    const char* faceNames[3][2] = {{"first column (i = 0)", "last column"},
                                   {"first row (j = 0)", "last row"},
                                   {"first slice (k = 0)", "last slice"}};
    std::vector<std::string> faces;
    for (int axis = 0; axis < 3; ++axis) {
        bool touches[2] = {false, false};
        for (int side = 0; side < 2; ++side) {
            const int fixed = side == 0 ? 0 : n[axis] - 1;
            const int a = (axis + 1) % 3, b = (axis + 2) % 3;
            for (int u = 0; u < n[a] && !touches[side]; ++u)
                for (int v = 0; v < n[b] && !touches[side]; ++v) {
                    glm::ivec3 c;
                    c[axis] = fixed, c[a] = u, c[b] = v;
                    touches[side] = p.labels.voxels[(static_cast<size_t>(c.z) * n.y + c.y) * n.x + c.x] == *label;
                }
        }
        if (touches[0] != touches[1]) faces.push_back(faceNames[axis][touches[0] ? 0 : 1]);
    }
    if (!faces.empty())
        warn(check, s, "scenario.target",
             "'" + s.target + "' reaches the edge of the volume (" + joinWords(faces, "and") +
                 "): the scan cuts it off, so its centre is pulled into the scan and approaches from there meet the "
                 "cut plane; choose a structure inside the scan");
}

// A label map made for another CT (or another grid resampled onto this one) puts its bones over
// soft tissue: their mean CT number gives it away.
void warnIfBonesAreNotBone(ScenarioCheck& check, const Scenario& s, const patient::Patient& p) {
    if (s.patient.phantom || p.labels.voxels.empty() || p.labels.voxels.size() != p.ct.voxels.size()) return;
    const patient::MaterialTable materials = patient::materialsOf(p);
    std::vector<bool> bone(65536, false);
    for (const auto& [value, row] : materials.rows()) bone[value] = row.bone;
    double sum = 0.0;
    size_t count = 0;
    for (size_t i = 0; i < p.labels.voxels.size(); ++i)
        if (bone[p.labels.voxels[i]]) sum += p.ct.voxels[i], ++count;
    if (count == 0) return;
    const double mean = sum / static_cast<double>(count);
    if (mean < kMinBoneLabelMeanHu)
        warn(check, s, "patient.labels",
             "the bone labels average " + formatted("%.0f", mean) + " HU on the CT (bone is over " +
                 formatNumber(kMinBoneLabelMeanHu) + "): is this label map the CT's own?");
}

std::string gridText(const patient::VolumeGeometry& g) {
    return formatted("%d x %d x %d voxels of %g x %g x %g mm from (%.1f, %.1f, %.1f)", g.dims.x, g.dims.y, g.dims.z,
                     g.spacing.x, g.spacing.y, g.spacing.z, g.origin.x, g.origin.y, g.origin.z);
}

// A label map made on this CT (TotalSegmentator's output) has the CT's grid; one on another grid
// is resampled onto it in silence when it loads, and may belong to another scan.
void warnIfLabelGridDiffers(ScenarioCheck& check, const Scenario& s, const patient::Patient& p) {
    const std::string& path = s.patient.labelsPath;
    const auto endsWith = [&](const std::string& e) {
        return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
    };
    if (s.patient.phantom || path.empty() || !(endsWith(".nii") || endsWith(".nii.gz"))) return;
    const patient::VolumeGeometry labels = patient::readNiftiHeader(path).geometry;
    const patient::VolumeGeometry& ct = p.ct.geometry;
    // A tenth of a voxel: far above rounding in the headers, far below a misregistration that matters.
    const double tolerance = 0.1 * std::min({ct.spacing.x, ct.spacing.y, ct.spacing.z});
    bool same = labels.dims == ct.dims && glm::length(labels.origin - ct.origin) <= tolerance;
    for (int c = 0; c < 3; ++c) same = same && std::abs(labels.spacing[c] - ct.spacing[c]) <= tolerance;
    if (!same)
        warn(check, s, "patient.labels",
             "the label map's grid (" + gridText(labels) + ") is not the CT's (" + gridText(ct) +
                 "): it was resampled onto the CT; a label map made on this CT has its grid");
}

void addError(ScenarioCheck& check, const DataError& e) {
    if (const auto* all = dynamic_cast<const ScenarioErrors*>(&e))
        check.errors.insert(check.errors.end(), all->errors().begin(), all->errors().end());
    else
        check.errors.push_back(e);
}

}  // namespace

ScenarioCheck checkScenario(const std::string& path, const ProgressFn& progress) {
    std::string text;
    try {
        text = readTextFile(path);
    } catch (const DataError& e) {
        ScenarioCheck check;
        check.errors.push_back(e);
        return check;
    }
    return checkScenarioText(text, path, progress);
}

ScenarioCheck checkScenarioText(const std::string& text, const std::string& path, const ProgressFn& progress) {
    ScenarioCheck check;
    try {
        const Scenario s = parseScenario(text, path);
        // The patient and the procedure on it, as a run builds them: a level missing from the label
        // map, a tumour the procedure cannot find.
        const std::shared_ptr<const patient::Patient> patient = loadScenarioPatient(s, progress);
        Session session(s, patient);
        warnIfTargetAtEdge(check, s, *patient);
        warnIfLabelGridDiffers(check, s, *patient);
        warnIfBonesAreNotBone(check, s, *patient);
        warnIfNothingPasses(check, s, session);
    } catch (const DataError& e) {
        addError(check, e);
    }
    return check;
}

}  // namespace irsim::sim
