// Vessels for a real CT: a hepatic arterial tree grown into the liver of a TotalSegmentator-labelled
// CT, and the centrelines of its big vessels.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "patient/labels.h"
#include "patient/loader.h"
#include "patient/vessel_growth.h"

using namespace irsim;
using namespace irsim::patient;

namespace {
const std::string kData = std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/";

const Patient& exampleCt() {
    static const Patient p = [] {
        PatientSpec spec;
        spec.ctPath = kData + "example_ct_sm.nii.gz";
        spec.labelsPath = kData + "example_seg.nii.gz";
        spec.vesselSeed = 4;
        return loadPatient(spec);
    }();
    return p;
}
}  // namespace

TEST_CASE("a hepatic arterial tree grows inside the liver of example_ct_sm, fed from the aorta", "[patient][vessels][real]") {
    const Patient& p = exampleCt();
    const VesselTree* t = p.vesselTree("arterial");
    REQUIRE(t != nullptr);
    REQUIRE(t->nodes.size() > 1000);
    // Rooted in the aorta's centreline, the celiac trunk leaving it, then CHA -> PHA -> RHA / LHA.
    CHECK(t->nodes.front().branch == "aorta");
    CHECK(t->nodes.front().parent == -1);
    for (const char* b : {"celiac_trunk", "common_hepatic", "proper_hepatic", "right_hepatic", "left_hepatic", "gastroduodenal"})
        CHECK(t->firstNodeOf(b) >= 0);
    const VesselNode& celiac = t->nodes[static_cast<size_t>(t->firstNodeOf("celiac_trunk"))];
    // The celiac trunk begins at its ostium on the aortic wall: the stretch of its axis from the
    // aortic centreline to the wall is aorta.
    const VesselNode& ostium = t->nodes[static_cast<size_t>(celiac.parent)];
    CHECK(ostium.branch == "aorta");
    const VesselNode& aortaAt = t->nodes[static_cast<size_t>(ostium.parent)];
    CHECK(aortaAt.branch == "aorta");
    CHECK(glm::length(ostium.position - aortaAt.position) == Approx(aortaAt.radiusMm).margin(0.01));
    CHECK(glm::length(celiac.position - aortaAt.position) > aortaAt.radiusMm + 10.0);
    // The grown terminals lie in the liver label (a few may graze its surface).
    const auto liver = *p.labelOf("liver");
    int terminals = 0, inside = 0;
    std::vector<int> kids(t->nodes.size(), 0);
    for (const auto& n : t->nodes)
        if (n.parent >= 0) ++kids[static_cast<size_t>(n.parent)];
    const VolumeGeometry& g = p.labels.geometry;
    for (size_t i = 0; i < t->nodes.size(); ++i) {
        if (kids[i] || t->nodes[i].branch == "gastroduodenal" || t->nodes[i].branch == "aorta") continue;
        ++terminals;
        const glm::ivec3 v(glm::floor(g.patientToVoxel(t->nodes[i].position) + 0.5));
        if (g.contains(v.x, v.y, v.z) && p.labels.at(v.x, v.y, v.z) == liver) ++inside;
    }
    CHECK(inside > 0.95 * terminals);
    // Every liver voxel is within a few mm of a branch; radii never grow down the tree.
    std::vector<double> d = distancesToTree(p.labels, liver, *t);
    std::sort(d.begin(), d.end());
    std::printf("example CT liver: %zu voxels, %d terminals, 95th %.1f mm, max %.1f mm\n", d.size(), terminals,
                d[d.size() * 95 / 100], d.back());
    CHECK(d[d.size() * 95 / 100] < 5.0);
    CHECK(d.back() < 9.0);
    for (const auto& n : t->nodes)
        if (n.parent >= 0 && n.branch != "aorta") CHECK(n.radiusMm <= t->nodes[static_cast<size_t>(n.parent)].radiusMm + 1e-9);
    // The hepatic arterial inflow (~350 ml/min) reaches the PHA.
    CHECK(t->nodes[static_cast<size_t>(t->firstNodeOf("proper_hepatic"))].flowMlPerMin == Approx(350.0).epsilon(1e-6));
}

TEST_CASE("the same seed grows the same tree", "[patient][vessels][real]") {
    HepaticGrowthOptions o;
    o.seed = 4;
    const VesselTree a = growHepaticArteries(exampleCt(), o);
    const VesselTree& b = *exampleCt().vesselTree("arterial");
    REQUIRE(a.nodes.size() == b.nodes.size());
    bool same = true;
    for (size_t i = 0; i < a.nodes.size(); ++i) same = same && a.nodes[i].position == b.nodes[i].position;
    CHECK(same);
}

TEST_CASE("the aorta's centreline follows its label with its radius", "[patient][vessels][real]") {
    const Patient& p = exampleCt();
    const VesselTree c = extractCentrelines(p, {"aorta", "iliac_artery_left"});
    const auto nodes = c.nodesOf("aorta");
    REQUIRE(nodes.size() >= 20);  // the aorta runs through most of the 30 slices
    const auto aorta = *p.labelOf("aorta");
    double area = 0.0;
    std::vector<double> radii;
    for (int n : nodes) {
        const VesselNode& v = c.nodes[static_cast<size_t>(n)];
        const glm::ivec3 q(glm::floor(p.labels.geometry.patientToVoxel(v.position) + 0.5));
        CHECK(p.labels.at(q.x, q.y, q.z) == aorta);  // the centroid of a round lumen lies in it
        radii.push_back(v.radiusMm);
        area += 3.14159265358979 * v.radiusMm * v.radiusMm;
    }
    // Abdominal aorta lumen radius ~8-12 mm (the slab's end slices may catch a sliver).
    std::sort(radii.begin(), radii.end());
    CHECK(radii[radii.size() / 2] > 7.0);
    CHECK(radii[radii.size() / 2] < 14.0);
    // Sum of the largest component's area per slice x 3 mm: the label's volume, bar stray voxels.
    CHECK(area * 3.0 / 1000.0 <= p.volumeMlOf("aorta") + 1e-9);
    CHECK(area * 3.0 / 1000.0 > 0.98 * p.volumeMlOf("aorta"));
    for (size_t k = 1; k < nodes.size(); ++k)
        CHECK(c.nodes[static_cast<size_t>(nodes[k])].position.z < c.nodes[static_cast<size_t>(nodes[k - 1])].position.z);
}
