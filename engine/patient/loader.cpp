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
        if (spec.growHepaticTree && p.labelOf("liver") && p.labelOf("aorta")) {
            HepaticGrowthOptions o;
            o.seed = spec.vesselSeed;
            try {
                p.vessels.push_back(growHepaticArteries(p, o, progress));
            } catch (const DataError& e) {
                // An empty liver or aorta label leaves the patient without grown vessels, not unloadable.
                log::warning(std::string("no hepatic arteries grown: ") + e.what());
            }
        }
    }
    return p;
}

}  // namespace irsim::patient
