// The structure-material table: a label is read by the name its own label table gives it, so a
// liver-only map is liver and tumour, while TotalSegmentator's and the phantom's maps read as they
// did when imaging decided by label number and physics and patient by name.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>

#include "patient/labels.h"
#include "patient/materials.h"
#include "patient/phantom.h"

using namespace irsim::patient;

namespace {

const std::string kData = std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/";

bool inRange(uint16_t v, uint16_t lo, uint16_t hi) { return v >= lo && v <= hi; }

// The needle classes physics decided by name before the table (physics/tissue.cpp), by value of
// irsimLabels(). The skull (91) was missing from its bone list: it is bone now.
NeedleTissue needleBefore(uint16_t v) {
    using N = NeedleTissue;
    if (inRange(v, 25, 50) || inRange(v, 69, 78) || inRange(v, 91, 116) || v == labels::vertebral_metastasis)
        return N::Bone;
    if (v == labels::aorta || v == labels::inferior_vena_cava) return N::GreatVessel;
    if (v == 53 || v == 59 || v == 60 || v == 62 || v == 64 || v == 67 || v == 68 || v == labels::hepatic_vein)
        return N::Vein;
    if (inRange(v, 1, 3) || v == 5 || v == 7 || v == 23 || v == 24) return N::Parenchyma;  // and kidney cysts
    if (inRange(v, 80, 89) || v == labels::muscle) return N::Muscle;
    if (v == labels::spinal_cord || v == labels::spinal_canal) return N::SpinalCanal;
    if (v == labels::subcutaneous_fat || v == labels::visceral_fat) return N::Fat;
    if (v == labels::intervertebral_disc) return N::Disc;
    return N::ByHu;
}

}  // namespace

TEST_CASE("a liver-only label map with its own table reads as liver and tumour", "[patient][materials]") {
    const auto dir = std::filesystem::path(IRSIM_BINARY_DIR) / "test-tmp" / "patient_materials";
    std::filesystem::create_directories(dir);
    const std::string path = (dir / "liver_only.json").string();
    std::ofstream(path) << R"({"1": "liver", "2": "tumour"})";
    const MaterialTable m(loadLabelTable(path));

    // TotalSegmentator's 1 and 2 are spleen and right kidney: the old number rules would read those.
    CHECK(m[1].name == "liver");
    CHECK(m[1].xray == XrayMaterial::SoftTissue);
    CHECK(m[1].needle == NeedleTissue::Parenchyma);
    CHECK_FALSE(m[1].lesion);
    CHECK(m[1].thermal.conductivityWPerMK == 0.52);  // COMSOL table, liver
    CHECK(m[1].thermal.densityKgPerM3 == 1079);
    CHECK(m[1].thermal.heatCapacityJPerKgK == 3540);

    CHECK(m[2].name == "tumour");
    CHECK(m[2].known);
    CHECK(m[2].lesion);
    CHECK(m[2].xray == XrayMaterial::SoftTissue);
    CHECK_FALSE(m[2].bone);
    CHECK(m[2].needle == NeedleTissue::ByHu);  // no tumour force class: its HU decides

    // A value the table does not name, and 0, are read by HU.
    CHECK_FALSE(m[3].named);
    CHECK_FALSE(m[0].named);
    CHECK(m.rows().size() == 2);
}

TEST_CASE("TotalSegmentator's and irsim's label values keep the materials they had", "[patient][materials]") {
    for (const auto& [v, name] : irsimLabels()) {
        const StructureMaterial& m = irsimMaterials()[v];
        INFO(v << " " << name);
        CHECK(m.named);
        CHECK(m.known);
        CHECK(m.name == name);
        // Imaging's number rule: sacrum and vertebrae 25-50, humerus..hip 69-78, skull 91, ribs 92-115,
        // sternum 116 were bone; costal cartilage (117), the metastasis and everything else were not.
        CHECK(isBone(m.xray) == (inRange(v, 25, 50) || inRange(v, 69, 78) || inRange(v, 91, 116)));
        CHECK(m.bone == isBone(m.xray));
        CHECK(m.needle == needleBefore(v));
        CHECK(m.vertebra == inRange(v, 26, 50));
        CHECK(m.lesion == (v == labels::liver_tumour || v == labels::vertebral_metastasis));
    }
    // The X-ray materials patient/tissue.cpp gave by name.
    const auto& t = irsimMaterials();
    CHECK(toString(t[labels::liver].xray) == std::string("soft_tissue"));
    CHECK(toString(t[labels::aorta].xray) == std::string("blood"));
    CHECK(toString(t[labels::heart].xray) == std::string("blood"));
    CHECK(toString(t[labels::lung_lower_lobe_left].xray) == std::string("lung"));
    CHECK(toString(t[16].xray) == std::string("air"));  // trachea
    CHECK(toString(t[labels::bowel_gas].xray) == std::string("air"));
    CHECK(toString(t[labels::subcutaneous_fat].xray) == std::string("adipose"));
    CHECK(toString(t[labels::autochthon_left].xray) == std::string("muscle"));
    CHECK(toString(t[labels::gallbladder].xray) == std::string("water"));
    CHECK(toString(t[labels::spinal_canal].xray) == std::string("water"));
    CHECK(toString(t[31].xray) == std::string("cancellous_bone"));
    // Flags.
    CHECK(t[labels::spinal_cord].critical);
    CHECK(t[labels::colon].critical);
    CHECK(t[labels::small_bowel].critical);
    CHECK_FALSE(t[labels::liver].critical);
    CHECK(t[labels::aorta].vessel);
    CHECK(t[labels::hepatic_artery].vessel);
    CHECK(t[labels::portal_vein_and_splenic_vein].vessel);
    CHECK_FALSE(t[labels::heart].vessel);
    CHECK(t[labels::patient_table].outsideBody);
    CHECK_FALSE(t[labels::skin].outsideBody);
}

TEST_CASE("every label of labels_total.json has a material of its own", "[patient][materials]") {
    const LabelTable names = loadLabelTable(kData + "labels_total.json");
    REQUIRE(names.size() == 117);
    CHECK(names == totalSegmentatorLabels());
    // Glands without properties of their own are generic soft tissue on purpose (known, listed here).
    const std::set<std::string> generic{"adrenal_gland_right", "adrenal_gland_left", "thyroid_gland", "prostate"};
    const MaterialTable m(names);
    for (const auto& [v, name] : names) {
        INFO(name);
        CHECK(m[v].known);
        const ThermalProperties& th = m[v].thermal;
        CHECK(th.densityKgPerM3 > 1.0);
        CHECK(th.densityKgPerM3 < 2000.0);
        CHECK(th.heatCapacityJPerKgK > 1000.0);
        CHECK(th.conductivityWPerMK > 0.0);
        CHECK(th.perfusionPerS >= 0.0);
        if (generic.count(name)) CHECK(th.conductivityWPerMK == 0.50);
    }
    // An unknown name falls through to generic soft tissue, and says so.
    CHECK_FALSE(structureMaterialOf("left_ear").known);
    CHECK(structureMaterialOf("left_ear").needle == NeedleTissue::ByHu);
}

TEST_CASE("every label the phantom paints is named and known", "[patient][materials]") {
    PhantomOptions o;
    o.seed = 3;
    o.voxelMm = 4.0;
    o.lesions = {{"liver_segment_8", LesionKind::HypervascularLiver, 20.0},
                 {"vertebrae_T12", LesionKind::LyticVertebral, 20.0}};
    const Patient p = makePhantom(o);
    const MaterialTable m = materialsOf(p);
    std::set<uint16_t> present(p.labels.voxels.begin(), p.labels.voxels.end());
    present.erase(0);
    CHECK(present.count(labels::liver_tumour) == 1);
    CHECK(present.count(labels::vertebral_metastasis) == 1);
    for (uint16_t v : present) {
        INFO(v);
        CHECK(m[v].named);
        CHECK(m[v].known);
    }
    // A lytic metastasis replaces bone: still bone to the trocar, never to X-rays.
    CHECK(m[labels::vertebral_metastasis].needle == NeedleTissue::Bone);
    CHECK_FALSE(isBone(m[labels::vertebral_metastasis].xray));
    CHECK(m[labels::liver_tumour].needle == NeedleTissue::ByHu);
    CHECK(m[labels::vertebra("L1").value()].vertebra);
}

TEST_CASE("a lesion is bone to the needle only when its name puts it in bone", "[patient][materials]") {
    CHECK(structureMaterialOf("vertebral_metastasis").needle == NeedleTissue::Bone);
    CHECK(structureMaterialOf("liver_metastasis").needle == NeedleTissue::ByHu);
    CHECK(structureMaterialOf("liver_metastasis").lesion);
    CHECK(structureMaterialOf("liver_tumour").thermal.heatCapacityJPerKgK == 3750);  // Go-Smart liver tumour
    CHECK(structureMaterialOf("tumour").thermal.heatCapacityJPerKgK == 3600);        // generic tumour
}
