// Imaging reads a label by what the patient's own label table names it (patient/materials.h), not by
// TotalSegmentator's numbers: value 30 is vertebrae_L2 there, but "liver" in a custom map.
#include <catch2/catch.hpp>

#include "imaging/fluoroscope.h"

using namespace irsim;
using namespace irsim::imaging;

namespace {

// A 60 mm cube at the isocentre, 300 HU (enhanced liver or cancellous bone: HU cannot tell), all
// labelled `label`.
struct Cube {
    patient::CtVolume ct;
    patient::LabelMap labels;
};

Cube cube(uint16_t label) {
    Cube c;
    patient::VolumeGeometry g;
    g.dims = {30, 30, 30};
    g.spacing = glm::dvec3(2.0);
    g.origin = glm::dvec3(-29.0);
    c.ct.allocate(g, 300);
    c.labels.allocate(g, label);
    return c;
}

double bonePath(const FluoroscopeView& v) {
    double sum = 0.0;
    for (int r = 0; r < v.grid().rows; ++r)
        for (int c = 0; c < v.grid().cols; ++c) sum += v.basisPath(static_cast<int>(TissueBasis::Bone), c, r);
    return sum;
}

}  // namespace

TEST_CASE("a custom label table decides which labels are bone to X-rays", "[imaging][materials]") {
    const patient::MaterialTable liverOnly(patient::LabelTable{{1, "liver"}, {2, "tumour"}, {30, "liver"}});
    const LabelClasses classes(liverOnly);
    CHECK(classes[1] == TissueClass::SoftTissue);
    CHECK(classes[2] == TissueClass::SoftTissue);
    CHECK(classes[30] == TissueClass::SoftTissue);
    CHECK(classes[31] == TissueClass::ByHu);  // not in this table
    CHECK(classes[0] == TissueClass::ByHu);
    CHECK(tissueClassOfLabel(30) == TissueClass::Bone);  // vertebrae_L2 in irsimLabels()

    const Cube c = cube(30);
    const CArmPose pose;
    FluoroSettings s;
    s.threads = 1;
    const FluoroscopeView asLiver(c.ct, &c.labels, liverOnly, pose, {8, 8}, s);
    const FluoroscopeView asVertebra(c.ct, &c.labels, pose, {8, 8}, s);
    CHECK(bonePath(asLiver) == 0.0);
    CHECK(bonePath(asVertebra) > 0.0);
}
