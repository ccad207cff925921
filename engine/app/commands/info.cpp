// irsim info PATH: what a CT (NIfTI file or DICOM folder) and its label map hold: grid, spacing,
// orientation, HU range, and the structures found with their volumes.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "app/command.h"
#include "core/progress.h"
#include "patient/labels.h"
#include "patient/loader.h"

namespace irsim::app {

namespace {

struct InfoArgs {
    std::string path, labels, labelTable;
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

int info() {
    patient::PatientSpec spec;
    spec.ctPath = gInfo.path;
    spec.labelsPath = gInfo.labels;
    spec.labelTablePath = gInfo.labelTable;
    spec.growHepaticTree = false;
    const patient::Patient p = patient::loadPatient(spec, terminalProgress());
    const patient::VolumeGeometry& g = p.ct.geometry;
    std::printf("source       %s\n", p.source.c_str());
    std::printf("dimensions   %d x %d x %d voxels\n", g.dims.x, g.dims.y, g.dims.z);
    std::printf("spacing      %.4g x %.4g x %.4g mm\n", g.spacing.x, g.spacing.y, g.spacing.z);
    std::printf("extent       %.1f x %.1f x %.1f mm\n", g.spacing.x * g.dims.x, g.spacing.y * g.dims.y, g.spacing.z * g.dims.z);
    std::printf("origin       (%.2f, %.2f, %.2f) mm LPS, centre of voxel (0,0,0)\n", g.origin.x, g.origin.y, g.origin.z);
    std::printf("orientation  %s%s%s (voxel axes i, j, k point towards)\n", axisCode(g.direction[0]).c_str(),
                axisCode(g.direction[1]).c_str(), axisCode(g.direction[2]).c_str());
    for (int c = 0; c < 3; ++c)
        std::printf("  axis %c     (%+.4f, %+.4f, %+.4f)\n", "ijk"[c], g.direction[c].x, g.direction[c].y, g.direction[c].z);
    if (!p.ct.voxels.empty()) {
        const auto [lo, hi] = std::minmax_element(p.ct.voxels.begin(), p.ct.voxels.end());
        std::printf("HU range     %d .. %d\n", *lo, *hi);
    }
    if (p.labels.voxels.empty()) return 0;
    std::map<uint16_t, size_t> counts;
    for (uint16_t v : p.labels.voxels)
        if (v) ++counts[v];
    std::printf("labels       %zu structures\n", counts.size());
    for (const auto& [value, n] : counts) {
        auto it = p.labelNames.find(value);
        std::printf("  %5u  %-32s %10.1f ml\n", value, it == p.labelNames.end() ? "(unnamed)" : it->second.c_str(),
                    static_cast<double>(n) * p.labels.geometry.voxelVolumeMl());
    }
    return 0;
}

}  // namespace

static const CommandRegistration kInfo{"info", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("info", "Describe a CT (NIfTI file or DICOM folder) and its label map");
    c->add_option("path", gInfo.path, "CT: .nii / .nii.gz file or a folder of DICOM slices")->required();
    c->add_option("--labels", gInfo.labels, "Label map (NIfTI) of the CT, e.g. TotalSegmentator's output");
    c->add_option("--label-table", gInfo.labelTable, "JSON {\"5\": \"liver\", ...} (default: TotalSegmentator's names)");
    c->callback([] { setExitStatus(info()); });
}};

}  // namespace irsim::app
