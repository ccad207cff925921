// A hepatic arterial tree for a real CT: the CT's segmentation rarely holds more than the aorta and
// the liver, so the celiac axis is placed from anatomy (the celiac trunk leaves the anterior aorta
// at about T12-L1, where the liver's hilum lies a little above) and the intrahepatic tree is grown.
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "patient/materials.h"
#include "patient/vessel_growth.h"

namespace irsim::patient {

namespace {
using glm::dvec3;

}  // namespace

VesselTree growHepaticArteries(const Patient& patient, const HepaticGrowthOptions& o, const ProgressFn& progress) {
    const auto liver = patient.labelOf("liver");
    if (!liver) throw DataError(patient.source, 0, "labels.liver", "the label map has no liver; cannot grow hepatic arteries");
    if (!patient.labelOf("aorta"))
        throw DataError(patient.source, 0, "labels.aorta", "the label map has no aorta; cannot connect hepatic arteries");
    // Tumours the material table knows by name ("liver_tumour", or "tumour" of a liver-only map), not
    // lesions of bone.
    const MaterialTable materials = materialsOf(patient);
    std::vector<uint8_t> isTumour(65536, 0);
    for (const auto& [label, m] : materials.rows())
        isTumour[label] = m.lesion && m.needle != NeedleTissue::Bone ? 1 : 0;
    if (progress) progress("hepatic arteries", 0.0);

    VesselTree tree = extractCentrelines(patient, {"aorta"}, "arterial");
    if (tree.nodes.empty()) throw DataError(patient.source, 0, "labels.aorta", "the aorta label is empty");

    // Liver samples on a ~3 mm lattice; weight = ml of tissue x relative arterial perfusion.
    const LabelMap& lm = patient.labels;
    const VolumeGeometry& g = lm.geometry;
    glm::ivec3 stride;
    for (int a = 0; a < 3; ++a) stride[a] = std::max(1, static_cast<int>(std::lround(3.0 / g.spacing[a])));
    const double ml = g.voxelVolumeMl() * stride.x * stride.y * stride.z;
    std::vector<PerfusionSample> samples;
    dvec3 centroid(0.0);
    double total = 0.0;
    for (int k = 0; k < g.dims.z; k += stride.z)
        for (int j = 0; j < g.dims.y; j += stride.y)
            for (int i = 0; i < g.dims.x; i += stride.x) {
                const uint16_t l = lm.at(i, j, k);
                const bool tumour = isTumour[l] != 0;
                if (l != *liver && !tumour) continue;
                PerfusionSample s{g.voxelToPatient(dvec3(i, j, k)), ml * (tumour ? o.tumourRelativePerfusion : 1.0)};
                samples.push_back(s);
                centroid += s.position * s.weight;
                total += s.weight;
            }
    if (samples.empty()) throw DataError(patient.source, 0, "labels.liver", "the liver label is empty");
    centroid /= total;
    double zLo = 1e300, zHi = -1e300;
    for (const auto& s : samples) {
        zLo = std::min(zLo, s.position.z);
        zHi = std::max(zHi, s.position.z);
    }

    // Celiac origin: on the anterior aortic wall at the level of the lower third of the liver (or
    // the nearest level the aorta label reaches).
    const double zCeliac = zLo + 0.3 * (zHi - zLo);
    int origin = 0;
    for (size_t i = 0; i < tree.nodes.size(); ++i)
        if (std::abs(tree.nodes[i].position.z - zCeliac) < std::abs(tree.nodes[static_cast<size_t>(origin)].position.z - zCeliac))
            origin = static_cast<int>(i);
    const VesselNode aortaAt = tree.nodes[static_cast<size_t>(origin)];
    const dvec3 wall = aortaAt.position + dvec3(0.0, -aortaAt.radiusMm, 0.0);  // LPS: -y is anterior
    const dvec3 celiacEnd = wall + dvec3(0.0, -15.0, 2.0);
    // Hilum: the liver sample nearest the celiac trunk, moved 10 mm towards the liver's centroid and
    // snapped back onto the nearest sample so that it lies in the liver.
    dvec3 nearest = samples.front().position;
    for (const auto& s : samples)
        if (glm::length(s.position - celiacEnd) < glm::length(nearest - celiacEnd)) nearest = s.position;
    const dvec3 towards = nearest + glm::normalize(centroid - nearest) * 10.0;
    dvec3 hilum = nearest;
    for (const auto& s : samples)
        if (glm::length(s.position - towards) < glm::length(hilum - towards)) hilum = s.position;

    // Calibres: celiac ~7 mm, CHA ~5-6 mm, PHA ~4-5 mm, GDA ~3 mm diameter (angiographic values,
    // e.g. Covey et al. 2002, Radiology 224:542; Sandgren-type normal ranges).
    // The aortic end of the celiac's axis lies in the aortic lumen: that stretch is named aorta, so
    // a catheter tip near the aorta's front wall is in the aorta, and the celiac trunk begins at its
    // ostium. The aorta's last (most caudal) node is where the aorta leaves the scan.
    const int aortaLast = static_cast<int>(tree.nodes.size()) - 1;
    const int ostium = tree.add(origin, wall, "aorta", 3.5);
    const int celiac1 = tree.add(ostium, celiacEnd, "celiac_trunk", 3.4);
    const dvec3 gdaOrigin = celiacEnd + (hilum - celiacEnd) * 0.65;
    const int cha = tree.add(celiac1, gdaOrigin, "common_hepatic", 2.6);
    tree.add(cha, gdaOrigin + dvec3(0.0, -8.0, -35.0), "gastroduodenal", 1.5, 90.0);
    const int pha = tree.add(cha, hilum, "proper_hepatic", o.properHepaticRadiusMm);

    // The right liver (to the patient's right, -x) takes ~60% of the volume.
    std::sort(samples.begin(), samples.end(), [](const PerfusionSample& a, const PerfusionSample& b) {
        if (a.position.x != b.position.x) return a.position.x < b.position.x;
        if (a.position.y != b.position.y) return a.position.y < b.position.y;
        return a.position.z < b.position.z;
    });
    double acc = 0.0;
    size_t cut = 0;
    while (cut < samples.size() && acc < 0.6 * total) acc += samples[cut++].weight;
    std::vector<PerfusionSample> right(samples.begin(), samples.begin() + static_cast<long>(cut));
    std::vector<PerfusionSample> left(samples.begin() + static_cast<long>(cut), samples.end());
    const double flowPerWeight = o.hepaticArteryFlowMlPerMin / total;
    TreeGrowthOptions go;
    go.seed = o.seed;
    go.terminalWeight = o.terminalVolumeMl;
    go.firstBranchName = "right_hepatic";
    growPerfusionTree(tree, pha, std::move(right), flowPerWeight, go);
    if (progress) progress("hepatic arteries", 0.6);
    go.firstBranchName = "left_hepatic";
    go.seed = o.seed + 1;
    growPerfusionTree(tree, pha, std::move(left), flowPerWeight, go);

    // The aorta's own flow is what leaves through its branches modelled here plus the rest of the
    // body below (~2.5 l/min to the kidneys, gut and legs at rest; Williams & Leggett 1989, Clin Phys
    // Physiol Meas 10:187).
    for (auto& n : tree.nodes)
        if (n.branch == "aorta") n.flowMlPerMin = 0.0;
    tree.nodes[static_cast<size_t>(aortaLast)].flowMlPerMin = 2500.0;
    accumulateFlows(tree);
    assignMurrayRadii(tree, pha);
    if (progress) progress("hepatic arteries", 1.0);
    return tree;
}

void addArterialLandmarks(Patient& patient) {
    const VesselTree* tree = patient.vesselTree("arterial");
    if (!tree) return;
    // The scan's edge slice may catch only a sliver of the aorta (a lumen of a few mm): the access
    // is the most caudal node whose lumen is at least 60% of the aorta's median radius.
    std::vector<double> radii;
    for (const VesselNode& n : tree->nodes)
        if (n.branch == "aorta" && n.parent >= 0) radii.push_back(n.radiusMm);
    if (radii.empty()) return;
    std::sort(radii.begin(), radii.end());
    const double full = 0.6 * radii[radii.size() / 2];
    int last = -1;
    for (size_t i = 0; i < tree->nodes.size(); ++i)
        if (tree->nodes[i].branch == "aorta" && tree->nodes[i].parent >= 0 && tree->nodes[i].radiusMm >= full &&
            (last < 0 || tree->nodes[i].position.z < tree->nodes[static_cast<size_t>(last)].position.z))
            last = static_cast<int>(i);
    if (last >= 0) patient.landmarks["aorta.access"] = tree->nodes[static_cast<size_t>(last)].position;
    const int celiac = tree->firstNodeOf("celiac_trunk");
    if (celiac >= 0 && tree->nodes[static_cast<size_t>(celiac)].parent >= 0)
        patient.landmarks["celiac_trunk.origin"] =
            tree->nodes[static_cast<size_t>(tree->nodes[static_cast<size_t>(celiac)].parent)].position;
}

}  // namespace irsim::patient
