// Vertebral geometry from real TotalSegmentator labels, whose canal is only the spinal cord, and
// from the phantom, checked against published adult pedicle dimensions.
#include <cmath>

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <tuple>
#include "patient/loader.h"
#include "physics/vertebra.h"

using namespace irsim;

namespace {

const std::string kData = std::string(IRSIM_SHARED_DIR) + "/data/totalseg-example/";

struct RealCase {
    patient::Patient patient;
    physics::TissueMap tissue;
};

// The two real series, loaded once: the 3 mm NIfTI (all of L1) and the DICOM series (T12).
const RealCase& realCt(const std::string& ct, const std::string& labels) {
    static std::map<std::string, std::unique_ptr<RealCase>> cache;
    auto& c = cache[ct];
    if (!c) {
        patient::PatientSpec spec;
        spec.ctPath = kData + ct;
        spec.labelsPath = kData + labels;
        spec.growHepaticTree = false;  // bone geometry only
        c = std::make_unique<RealCase>();
        c->patient = patient::loadPatient(spec);
        c->tissue = physics::TissueMap(c->patient.ct, c->patient.labels, c->patient.labelNames);
    }
    return *c;
}

physics::VertebraGeometry derive(const physics::TissueMap& map, const std::string& level) {
    const uint16_t label = map.labelNamed(level);
    REQUIRE(label != 0);
    auto v = physics::deriveVertebra(map, label, physics::canalLabelOf(map));
    REQUIRE(v);
    return *v;
}

// Width of the spinal_cord label at the vertebra's level (LR extent, mm).
double cordWidthMm(const physics::TissueMap& map, const physics::VertebraGeometry& v) {
    const auto& l = *map.labels();
    const auto& g = l.geometry;
    const uint16_t cord = map.labelNamed("spinal_cord");
    double lo = 1e300, hi = -1e300;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                if (l.at(i, j, k) != cord) continue;
                const glm::dvec3 p = g.voxelToPatient(glm::dvec3(i, j, k));
                if (p.z < v.bodyInferiorZMm || p.z > v.bodySuperiorZMm) continue;
                lo = std::min(lo, p.x);
                hi = std::max(hi, p.x);
            }
    return hi - lo + g.spacing.x;
}

}  // namespace

TEST_CASE("diag", "[diag]") {
    for (auto [ct, lab, level] : {std::tuple<std::string, std::string, std::string>{"example_ct_sm.nii.gz", "example_seg.nii.gz", "vertebrae_L1"},
                                  {"example_ct_sm.nii.gz", "example_seg.nii.gz", "vertebrae_T12"},
                                  {"example_ct_dicom", "example_seg_dicom.nii.gz", "vertebrae_T12"}}) {
        const auto& c = realCt(ct, lab);
        auto v = derive(c.tissue, level);
        WARN(ct << " " << level << " mid " << v.midlineXMm << " canal y " << v.canalAnteriorYMm << ".." << v.canalPosteriorYMm
                << " hw " << v.canalHalfWidthMm << " cord w " << cordWidthMm(c.tissue, v) << " body y " << v.bodyAnteriorYMm
                << " z " << v.bodyInferiorZMm << ".." << v.bodySuperiorZMm << " vol " << v.bodyVolumeMl);
        for (const auto& p : v.pedicles)
            WARN(" side " << p.side << " found " << p.found << " w " << 2 * p.halfWidthMm << " h " << p.superiorZMm - p.inferiorZMm
                  << " ang " << p.transverseAngleDeg() << " slope " << p.axisSlopeXPerY << " c " << p.centreLps.x << "," << p.centreLps.y << "," << p.centreLps.z
                  << " entry " << p.entryLps.x << "," << p.entryLps.y << "," << p.entryLps.z << " hu " << c.tissue.huAt(p.entryLps));
    }
}
