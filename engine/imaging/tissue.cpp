#include "imaging/tissue.h"

#include <algorithm>

namespace irsim::imaging {

namespace {

// Reference points of the rule (tissue.h): HU and g/cm^3.
constexpr double kAirDensity = 1.205e-3;  // NIST SRD 126 Table 2, dry air
// Densities: ICRU-44 adipose 0.950 and cortical bone 1.920 g/cm^3 as in the NIST material files
// kept by kingtaurus/CTSim (physicsdata/materials; in open-source code); skeletal muscle 1.05
// (ICRU-44, estimated: not in the reference tables). The HU of each point is estimated.
constexpr double kFatHu = -100.0, kFatDensity = 0.95;    // ICRU-44 adipose tissue
constexpr double kSoftHu = 40.0, kSoftDensity = 1.05;    // ICRU-44 skeletal muscle
constexpr double kBoneHu = 1500.0, kBoneDensity = 1.92;  // ICRU-44 cortical bone

}  // namespace

TissueClass tissueClassOf(const patient::StructureMaterial& structure) {
    if (!structure.named) return TissueClass::ByHu;
    return patient::isBone(structure.xray) ? TissueClass::Bone : TissueClass::SoftTissue;
}

TissueClass tissueClassOfLabel(uint16_t label) { return tissueClassOf(patient::irsimMaterials()[label]); }

VoxelComposition voxelComposition(int hu, TissueClass cls) {
    VoxelComposition v;
    const double h = std::clamp(hu, TissueTable::kMinHu, TissueTable::kMaxHu);
    v.waterEquivalent = static_cast<float>(1.0 + std::max(h, -1000.0) / 1000.0);
    double soft = 0.0, fat = 0.0, bone = 0.0;
    if (h <= -1000.0) {
        soft = kAirDensity;
    } else if (h < kFatHu) {
        soft = kAirDensity + (h + 1000.0) / (kFatHu + 1000.0) * (kFatDensity - kAirDensity);
    } else if (h <= kSoftHu) {
        const double f = (h - kFatHu) / (kSoftHu - kFatHu);  // soft-tissue volume fraction
        soft = f * kSoftDensity;
        fat = (1.0 - f) * kFatDensity;
    } else if (cls == TissueClass::SoftTissue) {
        soft = kSoftDensity + (h - kSoftHu) / 1000.0;
    } else if (h <= kBoneHu) {
        const double f = (h - kSoftHu) / (kBoneHu - kSoftHu);  // cortical-bone volume fraction
        soft = (1.0 - f) * kSoftDensity;
        bone = f * kBoneDensity;
    } else {
        bone = kBoneDensity * (1000.0 + h) / (1000.0 + kBoneHu);
    }
    v.basis[0] = static_cast<float>(soft);
    v.basis[1] = static_cast<float>(fat);
    v.basis[2] = static_cast<float>(bone);
    return v;
}

TissueTable::TissueTable() : table_(3 * kHuCount) {
    for (int c = 0; c < 3; ++c)
        for (int h = kMinHu; h <= kMaxHu; ++h)
            table_[static_cast<size_t>(c) * kHuCount + static_cast<size_t>(h - kMinHu)] =
                voxelComposition(h, static_cast<TissueClass>(c));
}

LabelClasses::LabelClasses(const patient::MaterialTable& materials) : byLabel_(65536, TissueClass::ByHu) {
    for (const auto& [label, structure] : materials.rows()) byLabel_[label] = tissueClassOf(structure);
}

}  // namespace irsim::imaging
