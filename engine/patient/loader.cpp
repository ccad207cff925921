#include "patient/loader.h"

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/log.h"
#include "core/paths.h"
#include "patient/dicom.h"
#include "patient/dicom_stream.h"
#include "patient/labels.h"
#include "patient/nifti.h"
#include "patient/vessel_growth.h"

namespace irsim::patient {

CtVolume loadCt(const std::string& path, const ProgressFn& progress) {
    namespace fs = std::filesystem;
    if (path.empty()) throw DataError(path, 0, "", "no CT named (an empty path)");
    if (!fs::exists(path)) throw DataError(path, 0, "", "no such file or folder");
    if (fs::is_directory(path)) return loadDicomSeries(path, progress);
    requireRegularFile(path, "the CT");
    // One slice of a series names its series: read the folder it is in. Slices often have no
    // extension, so the file's first bytes decide, not its name.
    std::vector<unsigned char> head(132);
    {
        std::ifstream in(path, std::ios::binary);
        in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<size_t>(in.gcount()));
    }
    if (fs::path(path).extension() == ".dcm" || looksLikeDicom(head)) {
        const fs::path folder = fs::path(path).parent_path();
        return loadDicomSeries(folder.empty() ? "." : folder.string(), progress);
    }
    return loadNiftiCt(path, progress);
}

LabelMap resampleLabels(const LabelMap& source, const VolumeGeometry& target) {
    LabelMap out;
    out.allocate(target, 0);
    const VolumeGeometry& s = source.geometry;
    for (int k = 0; k < target.dims.z; ++k)
        for (int j = 0; j < target.dims.y; ++j)
            for (int i = 0; i < target.dims.x; ++i) {
                const glm::dvec3 q = s.patientToVoxel(target.voxelToPatient(glm::dvec3(i, j, k)));
                const glm::ivec3 n(static_cast<int>(std::floor(q.x + 0.5)), static_cast<int>(std::floor(q.y + 0.5)),
                                   static_cast<int>(std::floor(q.z + 0.5)));
                if (s.contains(n.x, n.y, n.z)) out.at(i, j, k) = source.at(n.x, n.y, n.z);
            }
    return out;
}

namespace {

// Every voxel of the lesion's sphere that the label map gives to its organ becomes liver_tumour; the
// centre and the six poles must lie in the organ, so the lesion is not cut by the organ's surface.
void paintLesion(Patient& p, const CtLesion& lesion, size_t index) {
    const std::string field = "patient.lesion[" + std::to_string(index) + "]";
    const auto organ = p.labelOf(lesion.organ);
    if (!organ) throw DataError(p.source, 0, field + ".organ", "the label map has no '" + lesion.organ + "'");
    const LabelMap& lm = p.labels;
    const VolumeGeometry& g = lm.geometry;
    const auto labelAt = [&](const glm::dvec3& lps) -> int {
        const glm::dvec3 f = g.patientToVoxel(lps);
        const glm::ivec3 v(static_cast<int>(std::lround(f.x)), static_cast<int>(std::lround(f.y)), static_cast<int>(std::lround(f.z)));
        return g.contains(v.x, v.y, v.z) ? lm.at(v.x, v.y, v.z) : -1;
    };
    const double r = 0.5 * lesion.diameterMm;
    for (int n = 0; n < 7; ++n) {
        glm::dvec3 q = lesion.centreLps;
        if (n > 0) q[(n - 1) / 2] += (n % 2 ? r : -r);
        if (labelAt(q) != *organ)
            throw DataError(p.source, 0, field + ".centre_mm",
                            "a " + std::to_string(static_cast<int>(lesion.diameterMm)) + " mm lesion there is not wholly inside " +
                                lesion.organ);
    }
    const auto tumourLabel = p.labelOf("liver_tumour");
    if (!tumourLabel) throw DataError(p.source, 0, field, "the label table names no liver_tumour to paint the lesion as");
    const uint16_t tumour = *tumourLabel;
    const glm::dvec3 lo = g.patientToVoxel(lesion.centreLps - glm::dvec3(r)), hi = g.patientToVoxel(lesion.centreLps + glm::dvec3(r));
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                // Only the box round the sphere (the grid may be flipped: test both bounds loosely).
                const glm::dvec3 v(i, j, k);
                bool near = true;
                for (int a = 0; a < 3; ++a)
                    near = near && v[a] >= std::min(lo[a], hi[a]) - 1.0 && v[a] <= std::max(lo[a], hi[a]) + 1.0;
                if (!near || lm.at(i, j, k) != *organ) continue;
                if (glm::length(g.voxelToPatient(v) - lesion.centreLps) <= r) p.labels.at(i, j, k) = tumour;
            }
}

}  // namespace

Patient loadPatient(const PatientSpec& spec, const ProgressFn& progress) {
    if (spec.ctPath.empty()) {
        if (!spec.phantom) throw DataError("", 0, "patient", "name either a CT or phantom options");
        return makePhantom(*spec.phantom, progress);
    }
    Patient p;
    p.source = spec.ctPath;
    p.ct = loadCt(spec.ctPath, progress);
    // irsimLabels() is TotalSegmentator's table (1-117) plus irsim's classes from 200 up, so it names both a
    // TotalSegmentator map and a written phantom.
    p.labelNames = spec.labelTablePath.empty() ? irsimLabels() : loadLabelTable(spec.labelTablePath);
    if (!spec.labelsPath.empty()) {
        p.labels = loadNiftiLabels(spec.labelsPath, progress);
        const VolumeGeometry& a = p.ct.geometry;
        const VolumeGeometry& b = p.labels.geometry;
        bool same = a.dims == b.dims && glm::length(a.spacing - b.spacing) < 1e-3 && glm::length(a.origin - b.origin) < 0.01;
        for (int c = 0; c < 3; ++c) same = same && glm::length(a.direction[c] - b.direction[c]) < 1e-3;
        if (!same) {
            p.labels = resampleLabels(p.labels, a);
            bool any = false;
            for (uint16_t v : p.labels.voxels) any = any || v != 0;
            if (!any) throw DataError(spec.labelsPath, 0, "geometry", "the label map does not overlap the CT (different patient frame?)");
        }
        for (size_t i = 0; i < spec.lesions.size(); ++i) paintLesion(p, spec.lesions[i], i);
        if (spec.growHepaticTree && p.labelOf("liver") && p.labelOf("aorta")) {
            HepaticGrowthOptions o;
            o.seed = spec.vesselSeed;
            try {
                p.vessels.push_back(growHepaticArteries(p, o, progress));
                addArterialLandmarks(p);
            } catch (const DataError& e) {
                // An empty liver or aorta label leaves the patient without grown vessels, not unloadable.
                log::warning(std::string("no hepatic arteries grown: ") + e.what());
            }
        }
    }
    return p;
}

}  // namespace irsim::patient
