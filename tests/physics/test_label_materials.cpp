// The needle reads a label by what the patient's own label table names it (patient/materials.h).
#include <catch2/catch.hpp>

#include "physics/tissue.h"

using namespace irsim;
using namespace irsim::physics;

TEST_CASE("a liver-only label map gives the needle liver and a tumour read by its HU", "[physics][materials]") {
    patient::VolumeGeometry g;
    g.dims = {3, 1, 1};
    patient::CtVolume ct;
    ct.allocate(g, 60);
    patient::LabelMap labels;
    labels.allocate(g, 0);
    labels.at(0, 0, 0) = 1;
    labels.at(1, 0, 0) = 2;
    labels.at(2, 0, 0) = 30;
    const TissueMap map(ct, labels, {{1, "liver"}, {2, "tumour"}, {30, "vertebral_metastasis"}});
    CHECK(map.tissueOfVoxel(0, 0, 0) == Tissue::Liver);
    CHECK(map.tissueOfVoxel(1, 0, 0) == Tissue::Muscle);  // soft tissue by HU: no tumour force class
    CHECK_FALSE(map.isVertebralLesionLabel(2));
    CHECK(map.isVertebralLesionLabel(30));
    CHECK(isBone(map.tissueOfVoxel(2, 0, 0)));
    CHECK(map.vertebraLabels().empty());
}
