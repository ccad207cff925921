// irsim info PATH: what a CT (NIfTI file or DICOM folder) and its label map hold: grid, spacing,
// orientation, HU range, and the structures found with their volumes. PATH may be a label map
// itself (TotalSegmentator's output): it is known by its integer, unscaled, non-negative voxels
// whose every value names a structure of the label table, or by --label-map; then its structures
// are listed by name with their volumes instead of a meaningless "HU range".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <vector>

#include "app/command.h"
#include "core/error.h"
#include "core/progress.h"
#include "patient/labels.h"
#include "patient/loader.h"
#include "patient/nifti.h"

namespace irsim::app {

namespace {

struct InfoArgs {
    std::string path, labels, labelTable;
    bool labelMap = false;
};
InfoArgs gInfo;

// The closest patient direction of an axis, e.g. "L" or "P" (LPS: + is left, posterior, superior).
std::string axisCode(const glm::dvec3& d) {
    int a = 0;
    for (int c = 1; c < 3; ++c)
        if (std::abs(d[c]) > std::abs(d[a])) a = c;
    const char* pos = "LPS";
    const char* neg = "RAI";
    return std::string(1, d[a] >= 0.0 ? pos[a] : neg[a]);
}

void printGeometry(const std::string& source, const patient::VolumeGeometry& g) {
    std::printf("source       %s\n", source.c_str());
    std::printf("dimensions   %d x %d x %d voxels\n", g.dims.x, g.dims.y, g.dims.z);
    std::printf("spacing      %.4g x %.4g x %.4g mm\n", g.spacing.x, g.spacing.y, g.spacing.z);
    std::printf("extent       %.1f x %.1f x %.1f mm\n", g.spacing.x * g.dims.x, g.spacing.y * g.dims.y, g.spacing.z * g.dims.z);
    std::printf("origin       (%.2f, %.2f, %.2f) mm LPS, centre of voxel (0,0,0)\n", g.origin.x, g.origin.y, g.origin.z);
    std::printf("orientation  %s%s%s (voxel axes i, j, k point towards)\n", axisCode(g.direction[0]).c_str(),
                axisCode(g.direction[1]).c_str(), axisCode(g.direction[2]).c_str());
    for (int c = 0; c < 3; ++c)
        std::printf("  axis %c     (%+.4f, %+.4f, %+.4f)\n", "ijk"[c], g.direction[c].x, g.direction[c].y, g.direction[c].z);
}

void printStructures(const patient::LabelMap& labels, const patient::LabelTable& names) {
    std::map<uint16_t, size_t> counts;
    for (uint16_t v : labels.voxels)
        if (v) ++counts[v];
    std::printf("labels       %zu structures\n", counts.size());
    for (const auto& [value, n] : counts) {
        auto it = names.find(value);
        // Two decimals: one voxel of a 3 mm grid is 0.03 ml.
        std::printf("  %5u  %-32s %10.2f ml %9zu voxels\n", value, it == names.end() ? "(unnamed)" : it->second.c_str(),
                    static_cast<double>(n) * labels.geometry.voxelVolumeMl(), n);
    }
}

bool isNiftiFile(const std::string& path) {
    const auto ends = [&](const std::string& e) {
        return path.size() >= e.size() && path.compare(path.size() - e.size(), e.size(), e) == 0;
    };
    return ends(".nii") || ends(".nii.gz");
}

// A NIfTI file whose voxels are stored as integers without rescaling: a label map, or a CT
// stored in raw HU (which has negative values: air is -1000).
bool integerVoxels(const patient::NiftiHeaderInfo& h) {
    const bool integer = h.datatype == 2 || h.datatype == 4 || h.datatype == 8 || h.datatype == 512;
    return integer && (h.sclSlope == 0.0 || h.sclSlope == 1.0) && h.sclInter == 0.0;
}

// A label map's values name structures; a CT's span hundreds of HU.
bool looksLikeLabelMap(const patient::LabelMap& map, const patient::LabelTable& table) {
    std::vector<bool> seen(65536, false);
    for (uint16_t v : map.voxels) seen[v] = true;
    for (size_t v = 1; v < seen.size(); ++v)
        if (seen[v] && table.find(static_cast<uint16_t>(v)) == table.end()) return false;
    return true;
}

// PATH as a label map, when it is one (or --label-map says so); prints it and returns true.
bool labelMapInfo() {
    if (!isNiftiFile(gInfo.path)) {
        if (gInfo.labelMap)
            throw DataError(gInfo.path, 0, "--label-map", "a label map is read from a NIfTI file (.nii or .nii.gz)");
        return false;
    }
    const patient::NiftiHeaderInfo h = patient::readNiftiHeader(gInfo.path);
    if (!gInfo.labelMap && !integerVoxels(h)) return false;
    const patient::LabelTable table =
        gInfo.labelTable.empty() ? patient::irsimLabels() : patient::loadLabelTable(gInfo.labelTable);
    patient::LabelMap map;
    try {
        map = patient::loadNiftiLabels(gInfo.path, terminalProgress());
    } catch (const DataError&) {
        if (gInfo.labelMap) throw;  // negative or fractional values: say which
        return false;               // a CT in raw HU
    }
    if (!gInfo.labelMap && !looksLikeLabelMap(map, table)) return false;
    printGeometry(gInfo.path, map.geometry);
    std::printf("kind         label map (%s; names from %s)\n",
                gInfo.labelMap ? "--label-map" : "integer voxels, every value a structure of the label table",
                gInfo.labelTable.empty() ? "TotalSegmentator's table and irsim's" : gInfo.labelTable.c_str());
    printStructures(map, table);
    return true;
}

int info() {
    if (!gInfo.labels.empty() && gInfo.labelMap)
        throw DataError(gInfo.path, 0, "--labels", "--labels names the label map of a CT; with --label-map PATH is the label map");
    if (gInfo.labels.empty() && labelMapInfo()) return 0;
    patient::PatientSpec spec;
    spec.ctPath = gInfo.path;
    spec.labelsPath = gInfo.labels;
    spec.labelTablePath = gInfo.labelTable;
    spec.growHepaticTree = false;
    const patient::Patient p = patient::loadPatient(spec, terminalProgress());
    printGeometry(p.source, p.ct.geometry);
    std::printf("kind         CT (Hounsfield units)\n");
    if (!p.ct.voxels.empty()) {
        const auto [lo, hi] = std::minmax_element(p.ct.voxels.begin(), p.ct.voxels.end());
        std::printf("HU range     %d .. %d\n", *lo, *hi);
    }
    if (!p.labels.voxels.empty()) printStructures(p.labels, p.labelNames);
    return 0;
}

}  // namespace

static const CommandRegistration kInfo{"info", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("info", "Describe a CT (NIfTI file or DICOM folder) and its label map");
    c->add_option("path", gInfo.path, "CT: .nii / .nii.gz file or a folder of DICOM slices")->required();
    c->add_option("--labels", gInfo.labels, "Label map (NIfTI) of the CT, e.g. TotalSegmentator's output");
    c->add_option("--label-table", gInfo.labelTable, "JSON {\"5\": \"liver\", ...} (default: TotalSegmentator's names)");
    c->add_flag("--label-map", gInfo.labelMap,
                "PATH is a label map: list its structures (found without this flag when every voxel value names one)");
    c->callback([] { setExitStatus(info()); });
}};

}  // namespace irsim::app
