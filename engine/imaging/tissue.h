#pragma once
// What each CT voxel is made of, for X-ray attenuation: HU (and, when there is one, the voxel's
// label) -> partial densities, g/cm^3, of three basis materials whose NIST attenuation is known
// (attenuation.h): soft tissue (ICRU-44 skeletal muscle; also stands for lung tissue, blood and
// air, whose mu/rho differ from it by < 3% at 30-150 keV), adipose tissue and cortical bone.
//
// The rule (after Schneider, Bortfeld & Schlegel 2000, Phys Med Biol 45:459, who split the HU
// scale into intervals of two-component mixtures with mass density linear in HU):
//   HU <= -1000               air: soft-tissue basis at 0.0012 g/cm^3 (NIST dry air density)
//   -1000 < HU < -100         air + lung/soft tissue: soft tissue, rho linear from 0.0012 at -1000
//                             to 0.95 at -100 (lung at -850 HU gets 0.16 g/cm^3; whole inflated
//                             lung is 0.26, ICRU-44, its -700 to -900 HU mean included)
//   -100 <= HU <= 40          adipose (0.95 g/cm^3 at -100 HU) + soft tissue (1.05 g/cm^3 at
//                             +40 HU), volume fraction of soft tissue (HU + 100) / 140
//   40 < HU <= 1500           soft tissue + cortical bone (1.92 g/cm^3 at +1500 HU, ICRU-44),
//                             bone volume fraction (HU - 40) / 1460: cancellous bone (200-300 HU)
//                             is ~12-18% cortical bone by volume, as its ash density says
//   HU > 1500                 cortical bone, rho = 1.92 * (1000 + HU) / 2500 (capped at 3071 HU)
// Labels only correct what HU cannot tell: a voxel of a soft-tissue structure (organs, vessels,
// muscle; anything the patient's material table, patient/materials.h, does not make of bone)
// above +40 HU (contrast-enhanced CT) is soft tissue at the density its HU gives
// (1.05 + (HU - 40) / 1000) instead of a bone mix, so an enhanced aorta does not look like bone.
// Unlabelled voxels (0), label values the patient's label table does not name and CTs without
// labels use HU alone. Iodinated contrast, cement and devices added during a procedure are not in
// the CT; they come per frame (radiopaque.h).
//
// Every voxel also has its water-equivalent density 1 + max(HU, -1000) / 1000 (drr.h step 4), so
// the one march gives the AEC's water thickness too.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "imaging/attenuation.h"
#include "patient/materials.h"

namespace irsim::imaging {

enum class TissueBasis : uint8_t { SoftTissue = 0, Fat = 1, Bone = 2 };
constexpr int kTissueBasisCount = 3;
constexpr Material kTissueBasisMaterial[kTissueBasisCount] = {Material::SoftTissue, Material::Fat,
                                                              Material::BoneCortical};

// Densities of one voxel: g/cm^3 of each basis material, and the (dimensionless) water-equivalent
// density. Float: the lookup table is read 8 times per sample.
struct VoxelComposition {
    float basis[kTissueBasisCount] = {0.0f, 0.0f, 0.0f};
    float waterEquivalent = 0.0f;
};

enum class TissueClass : uint8_t {
    ByHu = 0,        // unlabelled or unnamed label: the HU rule alone
    Bone = 1,        // a structure of bone (patient::XrayMaterial): the HU rule (bone mix above +40 HU)
    SoftTissue = 2,  // any other named structure: never bone
};

// Class of a structure of the patient's material table (patient/materials.h).
TissueClass tissueClassOf(const patient::StructureMaterial& structure);
// Class of a label value in a map named by irsimLabels() (TotalSegmentator's values and irsim's):
// vertebrae, sacrum, ribs, sternum, hips, femurs, humeri, scapulae, clavicles, skull are Bone;
// costal cartilage, discs and everything else named are SoftTissue; 0 is ByHu.
TissueClass tissueClassOfLabel(uint16_t label);

// The rule above for one voxel.
VoxelComposition voxelComposition(int hu, TissueClass cls);

// The rule tabulated for every HU in [kMinHu, kMaxHu] and class (HU outside is clamped): what the
// ray march reads.
class TissueTable {
public:
    static constexpr int kMinHu = -1024, kMaxHu = 3071;
    TissueTable();
    const VoxelComposition& at(int16_t hu, TissueClass cls) const {
        const int h = hu < kMinHu ? kMinHu : (hu > kMaxHu ? kMaxHu : hu);
        return table_[static_cast<size_t>(cls) * kHuCount + static_cast<size_t>(h - kMinHu)];
    }

private:
    static constexpr int kHuCount = kMaxHu - kMinHu + 1;
    std::vector<VoxelComposition> table_;  // (3 classes x kHuCount)
};

// The class of every label value of one patient's material table, indexed by the voxel's label.
class LabelClasses {
public:
    explicit LabelClasses(const patient::MaterialTable& materials);
    TissueClass operator[](uint16_t label) const { return byLabel_[label]; }

private:
    std::vector<TissueClass> byLabel_;  // 65536 entries
};

}  // namespace irsim::imaging
