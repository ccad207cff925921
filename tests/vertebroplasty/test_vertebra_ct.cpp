// Vertebral geometry where the label map marks only the spinal cord, as TotalSegmentator's does:
// on the real CT's L1 (the 3 mm series, which holds all of it) and on the phantom with its canal
// label set aside. Pedicles against published adult morphometry (Zindrick et al. 1987, Spine
// 12:160; Panjabi et al. 1991, Spine 16:888 and 1992, Spine 17:299), and the transpedicular path
// derived from them.
#include <cmath>
#include <memory>

#include <catch2/catch.hpp>

#include "fixture.h"
#include "patient/loader.h"
#include "patient/phantom.h"
#include "physics/needle.h"
#include "physics/vertebra.h"

using namespace irsim;
using namespace irsim::test;

namespace {

// The 3 mm NIfTI series and its TotalSegmentator labels, loaded once.
struct RealCt {
    patient::Patient patient;
    physics::TissueMap tissue;
};

const RealCt& realCt() {
    static std::unique_ptr<RealCt> c;
    if (!c) {
        const std::string data = std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/";
        patient::PatientSpec spec;
        spec.ctPath = data + "example_ct_sm.nii.gz";
        spec.labelsPath = data + "example_seg.nii.gz";
        spec.growHepaticTree = false;  // bone geometry only
        c = std::make_unique<RealCt>();
        c->patient = patient::loadPatient(spec);
        c->tissue = physics::TissueMap(c->patient.ct, c->patient.labels, c->patient.labelNames);
    }
    return *c;
}

physics::VertebraGeometry derive(const physics::TissueMap& map, const std::string& level, uint16_t canal) {
    const uint16_t label = map.labelNamed(level);
    REQUIRE(label != 0);
    REQUIRE(canal != 0);
    auto v = physics::deriveVertebra(map, label, canal);
    REQUIRE(v);
    return *v;
}

// Widest LR extent (mm) of `label` in the axial slices between z0 and z1.
double widthInSlicesMm(const physics::TissueMap& map, uint16_t label, double z0, double z1) {
    const auto& l = *map.labels();
    const auto& g = l.geometry;
    double widest = 0.0;
    for (int k = 0; k < g.dims.z; ++k) {
        const double z = g.voxelToPatient(glm::dvec3(0, 0, k)).z;
        if (z < z0 || z > z1) continue;
        double lo = 1e300, hi = -1e300;
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i)
                if (l.at(i, j, k) == label) {
                    const double x = g.voxelToPatient(glm::dvec3(i, j, k)).x;
                    lo = std::min(lo, x);
                    hi = std::max(hi, x);
                }
        if (hi >= lo) widest = std::max(widest, hi - lo + g.spacing.x);
    }
    return widest;
}

// Unit vector from a pedicle's centre toward its posterior entry (along the axis, posterior).
glm::dvec3 posteriorAlongAxis(const physics::PedicleGeometry& p) {
    return glm::normalize(glm::dvec3(p.axisSlopeXPerY, 1.0, 0.0));
}

// What a pedicle derived from labels must satisfy whatever the map: found, convergent, a width in
// the published adult range for the level, and an entry on the posterior surface of the bone.
void checkPedicle(const physics::TissueMap& map, const physics::VertebraGeometry& v, int side, double minWidthMm,
                  double maxWidthMm, double maxAngleDeg) {
    INFO((side > 0 ? "left" : "right") << " pedicle");
    const physics::PedicleGeometry& p = v.pedicle(side);
    REQUIRE(p.found);
    CHECK(2.0 * p.halfWidthMm >= minWidthMm);
    CHECK(2.0 * p.halfWidthMm <= maxWidthMm);
    // The axis converges toward the midline going anterior (-y): dx/dy has the side's sign (or
    // is within 3 degrees of sagittal, as at T11-T12, Zindrick 1987).
    CHECK(side * p.axisSlopeXPerY > -std::tan(3.0 * 3.14159265358979323846 / 180.0));
    CHECK(p.transverseAngleDeg() <= maxAngleDeg);
    // Lateral to the canal and beside it, on its own side.
    CHECK(side * (p.centreLps.x - v.midlineXMm) > v.canalHalfWidthMm - 1.0);
    // The entry is bone, the last of it along the axis: a voxel further posterior is outside.
    const glm::dvec3 back = posteriorAlongAxis(p);
    const double voxel = map.labels()->geometry.spacing.x;
    CHECK(map.labelAt(p.entryLps) == v.label);
    CHECK(map.labelAt(p.entryLps + back * voxel) != v.label);
    CHECK(p.entryLps.y > p.centreLps.y);
    CHECK(side * (p.entryLps.x - v.midlineXMm) > v.canalHalfWidthMm);
    // Cortical or cancellous bone there on the CT, not soft tissue (partial volume of a 3 mm
    // voxel: the densest of the entry and the voxel in front of it along the axis).
    CHECK(std::max(map.huAt(p.entryLps), map.huAt(p.entryLps - back * voxel)) > 150);
}

struct Drive {
    std::vector<physics::NeedleEvent> breaches;
    glm::dvec3 tip{0.0};
};

// A trocar from outside the skin along `dir` through `entry`: pushed by hand, a 0.5 J mallet tap
// whenever it stalls, until the tip has gone `depthMm` past the entry, a breach goes 5 mm deep or
// the hub meets the skin.
Drive drive(const physics::TissueMap& map, const std::vector<physics::VertebraGeometry>& vertebrae,
            const glm::dvec3& entry, glm::dvec3 dir, double depthMm) {
    physics::NeedleModel m;
    m.device = physics::NeedleDef::trocar11G();
    m.tissue = &map;
    m.vertebrae = vertebrae;
    dir = glm::normalize(dir);
    // On the skin where the line leaves the back: back from the entry to 5 mm of air.
    glm::dvec3 start = entry;
    double air = 0.0;
    for (int n = 1; n <= 2400 && air < 5.0; ++n) {
        start = entry - dir * (0.25 * n);
        air = map.tissueAt(start) == physics::Tissue::Air ? air + 0.25 : 0.0;
    }
    REQUIRE(air >= 5.0);
    physics::NeedleState s;
    physics::placeNeedle(m, s, start, dir);
    physics::NeedleInput push, tap;
    push.advanceMmPerS = 10.0;
    tap.malletTapJ = 0.5;
    bool deep = false;
    for (int i = 0; i < 40000 && glm::dot(s.tipLps - entry, dir) < depthMm && !deep &&
                    s.insertedMm < m.device.lengthMm - 0.5;
         ++i) {
        physics::stepNeedle(m, s, s.stalled ? tap : push);
        for (const auto& e : s.events) deep |= e.kind == physics::NeedleEventKind::Breach && e.beyondWallMm > 5.0;
    }
    Drive d;
    d.tip = s.tipLps;
    for (const auto& e : s.events)
        if (e.kind == physics::NeedleEventKind::Breach) d.breaches.push_back(e);
    return d;
}

}  // namespace

TEST_CASE("on a real CT whose labels mark only the spinal cord, L1's canal is found from its arch and is as wide as a lumbar canal",
          "[vertebroplasty][ct]") {
    const physics::TissueMap& map = realCt().tissue;
    const uint16_t cord = map.labelNamed("spinal_cord");
    REQUIRE(physics::canalLabelOf(map) == cord);  // no spinal_canal in a TotalSegmentator map
    const physics::VertebraGeometry v = derive(map, "vertebrae_L1", cord);
    // Interpedicular distance at L1: ~20-24 mm in adults (Panjabi 1992; the phantom uses 22 mm);
    // 3 mm voxels, so a voxel's tolerance either side of a 16-28 mm range.
    CHECK(2.0 * v.canalHalfWidthMm >= 13.0);
    CHECK(2.0 * v.canalHalfWidthMm <= 31.0);
    // The canal holds the cord and is wider than it by at least a voxel (the epidural space).
    const auto& l = v.pedicle(-1), &r = v.pedicle(+1);
    REQUIRE(l.found);
    REQUIRE(r.found);
    const double z0 = std::min(l.inferiorZMm, r.inferiorZMm), z1 = std::max(l.superiorZMm, r.superiorZMm);
    CHECK(2.0 * v.canalHalfWidthMm >= widthInSlicesMm(map, cord, z0, z1) + 3.0 - 1e-9);
    // The midline lies between the pedicles, near halfway.
    CHECK(v.midlineXMm > v.pedicle(-1).centreLps.x);
    CHECK(v.midlineXMm < v.pedicle(+1).centreLps.x);
    CHECK(v.midlineXMm == Approx(0.5 * (v.pedicle(-1).centreLps.x + v.pedicle(+1).centreLps.x)).margin(3.0));
    // The body is in front of the canal, 25-40 mm deep at L1 (Panjabi 1992: ~33 mm).
    CHECK(v.canalAnteriorYMm - v.bodyAnteriorYMm >= 22.0);
    CHECK(v.canalAnteriorYMm - v.bodyAnteriorYMm <= 43.0);
}

TEST_CASE("a real L1's pedicles fall in the published adult ranges and their entries lie on the posterior bone",
          "[vertebroplasty][ct]") {
    const physics::TissueMap& map = realCt().tissue;
    const physics::VertebraGeometry v = derive(map, "vertebrae_L1", physics::canalLabelOf(map));
    // Zindrick 1987: L1 pedicle width 8.7 mm on average, adults ~5-12 mm; widened by one 3 mm
    // voxel of partial volume at the top. Transverse angle ~11 degrees, individually up to ~25;
    // a 3 mm grid quantises the axis, so up to 30.
    for (int side : {-1, 1}) checkPedicle(map, v, side, 5.0, 13.0, 30.0);
}

TEST_CASE("the phantom's canal and pedicles come out the same from its spinal cord alone as from its canal label",
          "[vertebroplasty][ct]") {
    for (const auto& [scenario, level] : {std::pair<std::string, std::string>{"vertebroplasty-l1", "L1"},
                                          {"vertebroplasty-t12-metastasis", "T12"}}) {
        INFO(level);
        const auto patient = scenarioPatient(scenario);
        const physics::TissueMap map(patient->ct, patient->labels, patient->labelNames);
        const double voxel = patient->labels.geometry.spacing.x;
        const auto withCanal = derive(map, "vertebrae_" + level, map.labelNamed("spinal_canal"));
        const auto withCord = derive(map, "vertebrae_" + level, map.labelNamed("spinal_cord"));
        CHECK(withCord.midlineXMm == Approx(withCanal.midlineXMm).margin(voxel));
        CHECK(withCord.canalHalfWidthMm == Approx(withCanal.canalHalfWidthMm).margin(voxel));
        CHECK(withCord.canalAnteriorYMm == Approx(withCanal.canalAnteriorYMm).margin(voxel));
        for (int side : {-1, 1}) {
            const auto& a = withCanal.pedicle(side);
            const auto& b = withCord.pedicle(side);
            REQUIRE(b.found);
            CHECK(b.halfWidthMm == Approx(a.halfWidthMm).margin(voxel));
            CHECK(b.transverseAngleDeg() == Approx(a.transverseAngleDeg()).margin(3.0));
            CHECK(glm::length(b.entryLps - a.entryLps) < 2.0 * voxel);
            // Zindrick 1987: T12 7.8 mm and L1 8.7 mm on average, adults ~4-12 mm; the phantom
            // builds the means (patient/phantom/anatomy.cpp), measured here with its 1.5 mm voxels.
            checkPedicle(map, withCord, side, 4.0, 12.0, 20.0);
        }
    }
}

TEST_CASE("on the real CT a trocar along the derived transpedicular path reaches the anterior third without breach, and 15 degrees more medial breaches",
          "[vertebroplasty][ct]") {
    const auto a = irsim::procedures::vertebroplasty::buildAnatomy(*scenarioPatient("vertebroplasty-ct"), "vertebrae_L1",
                                                     sim::loadScenario(scenarioPath("vertebroplasty-ct")).doc,
                                                     "vertebroplasty.level");
    const physics::VertebraGeometry& v = a.level;
    for (const auto& path : a.ideal) {
        INFO((path.side > 0 ? "left" : "right") << " path, medial " << path.medialDeg << ", caudal " << path.caudalDeg);
        REQUIRE(path.found);
        // The target is in the anterior third of the body, near the midline.
        const double depth = (v.canalAnteriorYMm - path.targetLps.y) / (v.canalAnteriorYMm - v.bodyAnteriorYMm);
        CHECK(depth == Approx(0.75).margin(0.02));
        CHECK(std::fabs(path.targetLps.x - v.midlineXMm) < 8.0);
        CHECK(a.tissue.labelAt(path.targetLps) == v.label);
        // Converging toward the midline at a plausible angle, tilted with the vertebra by < 25 degrees.
        CHECK(path.medialDeg > 0.0);
        CHECK(path.medialDeg < 30.0);
        CHECK(std::fabs(path.caudalDeg) < 25.0);
        const Drive on = drive(a.tissue, a.vertebrae, path.entryLps, path.direction,
                               glm::length(path.targetLps - path.entryLps));
        CHECK(on.breaches.empty());
        CHECK(on.tip.y < v.canalAnteriorYMm);
        CHECK(a.tissue.labelAt(on.tip) == v.label);
    }
    // 15 degrees more medial from the left pedicle's entry: into the canal.
    const auto& left = a.ideal[1];
    const glm::dvec3 medial = irsim::procedures::vertebroplasty::headingFromAngles(+1, left.medialDeg + 15.0, left.caudalDeg);
    const Drive off = drive(a.tissue, a.vertebrae, left.entryLps, medial, 45.0);
    REQUIRE(!off.breaches.empty());
    bool medialBreach = false;
    for (const auto& e : off.breaches) medialBreach |= e.breach == physics::BreachKind::PedicleMedial;
    CHECK(medialBreach);
}
