#pragma once
// What each structure of a patient is made of: one row per label value, built from the names of the
// patient's own label table (TotalSegmentator's, the phantom's, or a custom map's), so that a
// liver-only map {1: "liver", 2: "tumour"} reads as liver and tumour, not as TotalSegmentator's
// spleen and right kidney. Imaging (X-ray material), physics (needle tissue class) and therapy
// (thermal properties) read this table; no other code decides a label's tissue.
#include <cstdint>
#include <map>
#include <string>

#include "patient/patient.h"

namespace irsim::patient {

// What the imaging code attenuates a structure as. Whole bones are their bulk, cancellous bone: the
// cortex shows in the CT numbers, which imaging and physics read voxel by voxel.
enum class XrayMaterial : uint8_t { Air, Lung, Fat, SoftTissue, Muscle, Water, Blood, CancellousBone, CorticalBone };
const char* toString(XrayMaterial m);  // NIST SRD 126 / ICRU 44 names: "adipose", "cortical_bone", ...
inline bool isBone(XrayMaterial m) { return m == XrayMaterial::CancellousBone || m == XrayMaterial::CorticalBone; }

// The class a needle meets (physics/tissue.h turns it into its force model's tissue). ByHu: the
// structure has no force class of its own; the needle reads the voxel's HU (air, fat or muscle).
enum class NeedleTissue : uint8_t { ByHu, Fat, Muscle, Parenchyma, Bone, Disc, SpinalCanal, GreatVessel, Vein, Gel };

// Pennes bioheat-equation inputs.
struct ThermalProperties {
    double conductivityWPerMK = 0.0;   // k, W/(m K)
    double densityKgPerM3 = 0.0;       // rho, kg/m^3
    double heatCapacityJPerKgK = 0.0;  // c, J/(kg K)
    double perfusionPerS = 0.0;        // Pennes' omega_b, 1/s (blood volume per tissue volume per s)
};

struct StructureMaterial {
    std::string name;  // the label table's name; empty for 0 and for values the table does not name
    XrayMaterial xray = XrayMaterial::SoftTissue;
    NeedleTissue needle = NeedleTissue::ByHu;
    ThermalProperties thermal;
    bool named = false;     // the label table names it (false: imaging and physics use HU alone)
    bool known = true;      // the name matched a rule (false: generic soft tissue, by fall-through)
    bool bone = false;      // part of the skeleton
    bool vertebra = false;  // "vertebrae_*": a level a procedure can target
    bool vessel = false;    // a blood vessel's lumen
    bool lesion = false;    // tumour or metastasis; with needle == Bone it replaces bone
    bool critical = false;  // to be spared by needles and heat: spinal cord and canal, brain, bowel, heart
    bool outsideBody = false;  // not the patient (the table top): no skin there
};

// The rule: what a structure of this name is made of. Unknown names get generic soft tissue with
// known = false.
StructureMaterial structureMaterialOf(const std::string& name);

// One row per label value of a patient.
class MaterialTable {
public:
    MaterialTable() = default;  // no names: every label is read by HU
    explicit MaterialTable(const LabelTable& names);
    // The row of a label; 0 and values the label table does not name get an unnamed row.
    const StructureMaterial& operator[](uint16_t label) const;
    const std::map<uint16_t, StructureMaterial>& rows() const { return rows_; }

private:
    std::map<uint16_t, StructureMaterial> rows_;
};

// The table of a label map named by irsimLabels() (every phantom; a CT loaded without a table).
const MaterialTable& irsimMaterials();
// The table of a patient's labels; an empty label table reads as irsimLabels(), as loadPatient
// names a label map that comes without its own table.
MaterialTable materialsOf(const Patient& patient);

}  // namespace irsim::patient
