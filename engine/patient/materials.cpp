#include "patient/materials.h"

#include "patient/labels.h"

namespace irsim::patient {

namespace {

// IT'IS perfusion, ml/(min kg), as Pennes' omega_b in 1/s: divide by 60 000, multiply by
// rho / 1000 (ablation.md, section 2).
constexpr double perfusionPerS(double mlPerMinPerKg, double densityKgPerM3) {
    return mlPerMinPerKg / 60000.0 * densityKgPerM3 / 1000.0;
}

// Liver perfusion: the middle of Hall 2015's liver RFA sensitivity range of rho_b c_b omega_b,
// 34 020-68 040 W/(m^3 K) (ablation.md section 2, in open-source code), over the blood rho_b c_b
// the solver uses (Go-Smart's 1060 kg/m^3 x 3639 J/(kg K), section 3): 0.0132 1/s, about 0.8
// ml/(min g), under whole-liver blood flow (IT'IS 860-1030 ml/(min kg), unverified). It replaces
// the COMSOL microwave model's 0.0036 1/s, the lowest liver value in the reference, with which
// every in vivo zone was too large: the Cool-tip RF short axis 35.6 mm against 30.2 +- 2.0
// (PMC3438625), the clinical microwave volume 69 ml against 44 +- 25 (JVIR 2016), the NeuWave
// short axis 44 mm against 35-40 (docs/ablation.md, "Published zone sizes").
constexpr double kLiverPerfusionPerS = 0.5 * (34020.0 + 68040.0) / (1060.0 * 3639.0);
// {k W/(m K), rho kg/m^3, c J/(kg K), omega_b 1/s}. "ablation.md" is the project's reference page on
// thermal ablation (section 1: tissue properties, 2: perfusion, 3: blood) with each value's status.
// k, rho, c: COMSOL Bioheat Materials table (published).
constexpr ThermalProperties kLiver{0.52, 1079, 3540, kLiverPerfusionPerS};
// Go-Smart constants-liver.xml, tumour: k 0.5, c 3750, rho 1079 (in open-source code); its perfusion
// equals the liver's there, so it takes the liver's above.
constexpr ThermalProperties kLiverTumour{0.5, 1079, 3750, kLiverPerfusionPerS};
// Generic tumour of an uncited MATLAB hyperthermia code (in open-source code).
constexpr ThermalProperties kTumour{0.527, 1045, 3600, 0.009};
// Whole bones are their bulk, cancellous bone (the cortex, COMSOL's 0.32 / 1908 / 1313, published,
// is a voxel's HU, not a label). IT'IS database, k, rho, c and ~30 ml/(min kg) (unverified).
constexpr ThermalProperties kCancellousBone{0.31, 1178, 2274, perfusionPerS(30, 1178)};
// k, rho, c: COMSOL table (published); perfusion 37 ml/(min kg): IT'IS v4.1, not in ablation.md
// (unverified).
constexpr ThermalProperties kMuscle{0.49, 1090, 3421, perfusionPerS(37, 1090)};
// k, rho, c: COMSOL table (published); perfusion 33 ml/(min kg): IT'IS v4.1, not in ablation.md
// (unverified).
constexpr ThermalProperties kFat{0.21, 911, 2348, perfusionPerS(33, 911)};
// IT'IS "Blood" k 0.52, rho 1050-1060, c 3617-3840 (unverified). A lumen has no Pennes perfusion: its
// flow carries the heat away (ablation.md section 9, heat sink).
constexpr ThermalProperties kBlood{0.52, 1050, 3617, 0.0};
// Not in ablation.md: rounded means of the IT'IS database v4.1 (Hasgall et al. 2022,
// doi:10.13099/VIP21000-04-1), perfusion in ml/(min kg) converted (unverified).
constexpr ThermalProperties kAir{0.026, 1.2, 1006, 0.0};
constexpr ThermalProperties kSkin{0.37, 1109, 3391, perfusionPerS(106, 1109)};
constexpr ThermalProperties kSpleen{0.53, 1089, 3596, perfusionPerS(1300, 1089)};
constexpr ThermalProperties kKidney{0.53, 1066, 3763, perfusionPerS(3795, 1066)};
constexpr ThermalProperties kPancreas{0.51, 1087, 3164, perfusionPerS(780, 1087)};
constexpr ThermalProperties kBowel{0.53, 1088, 3690, perfusionPerS(400, 1088)};
constexpr ThermalProperties kStomach{0.53, 1088, 3690, perfusionPerS(480, 1088)};
constexpr ThermalProperties kGallbladder{0.52, 1071, 3716, 0.0};
constexpr ThermalProperties kBladder{0.52, 1086, 3581, 0.0};
constexpr ThermalProperties kHeart{0.56, 1081, 3686, 0.0};  // its blood, as kBlood
constexpr ThermalProperties kLung{0.39, 394, 3886, perfusionPerS(401, 394)};
constexpr ThermalProperties kCartilage{0.49, 1100, 3568, 0.0};  // also intervertebral disc
constexpr ThermalProperties kCsf{0.57, 1007, 4096, 0.0};
constexpr ThermalProperties kNerve{0.49, 1075, 3613, perfusionPerS(160, 1075)};  // also brain, cord
constexpr ThermalProperties kSoftTissue{0.50, 1050, 3600, perfusionPerS(50, 1050)};

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
bool has(const std::string& s, const char* p) { return s.find(p) != std::string::npos; }

StructureMaterial make(const std::string& name, XrayMaterial x, NeedleTissue n, const ThermalProperties& t) {
    return {.name = name, .xray = x, .needle = n, .thermal = t, .named = true};
}

}  // namespace

const char* toString(XrayMaterial m) {
    switch (m) {
        case XrayMaterial::Air: return "air";
        case XrayMaterial::Lung: return "lung";
        case XrayMaterial::Fat: return "adipose";
        case XrayMaterial::SoftTissue: return "soft_tissue";
        case XrayMaterial::Muscle: return "muscle";
        case XrayMaterial::Water: return "water";
        case XrayMaterial::Blood: return "blood";
        case XrayMaterial::CancellousBone: return "cancellous_bone";
        case XrayMaterial::CorticalBone: return "cortical_bone";
    }
    return "?";
}

StructureMaterial structureMaterialOf(const std::string& n) {
    using X = XrayMaterial;
    using N = NeedleTissue;
    // Lesions first: "liver_tumour" is a tumour, not liver. A lesion in bone stays bone for the
    // trocar (its low HU makes it soft, physics' boneDensityFactor, and cement fills it) but is
    // never bone to X-rays: lytic tumour has replaced the mineral.
    if (has(n, "tumour") || has(n, "tumor") || has(n, "metasta") || has(n, "lesion")) {
        const bool inBone = has(n, "vertebra") || has(n, "bone") || has(n, "osseous");
        StructureMaterial m = make(n, X::SoftTissue, inBone ? N::Bone : N::ByHu,
                                   has(n, "liver") || has(n, "hepat") ? kLiverTumour : kTumour);
        m.lesion = true;
        return m;
    }
    if (startsWith(n, "vertebrae_") || n == "sacrum" || startsWith(n, "rib_") || startsWith(n, "hip_") ||
        startsWith(n, "femur") || n == "sternum" || startsWith(n, "humerus") || startsWith(n, "scapula") ||
        startsWith(n, "clavicula") || n == "skull") {
        StructureMaterial m = make(n, X::CancellousBone, N::Bone, kCancellousBone);
        m.bone = true;
        m.vertebra = startsWith(n, "vertebrae_");
        return m;
    }
    if (has(n, "cartilage")) return make(n, X::SoftTissue, N::ByHu, kCartilage);
    if (has(n, "disc")) return make(n, X::SoftTissue, N::Disc, kCartilage);
    StructureMaterial m;
    if (n == "spinal_cord") m = make(n, X::SoftTissue, N::SpinalCanal, kNerve);
    else if (n == "spinal_canal") m = make(n, X::Water, N::SpinalCanal, kCsf);  // dura, CSF and cord
    else if (has(n, "epidural")) m = make(n, X::SoftTissue, N::SpinalCanal, kSoftTissue);
    else if (n == "brain" || has(n, "nerve")) m = make(n, X::SoftTissue, N::ByHu, kNerve);
    else if (n == "heart" || startsWith(n, "atrial_appendage")) m = make(n, X::Blood, N::ByHu, kHeart);
    else if (n == "stomach") m = make(n, X::SoftTissue, N::ByHu, kStomach);
    else if (n == "small_bowel" || n == "colon" || n == "duodenum" || n == "esophagus")
        m = make(n, X::SoftTissue, N::ByHu, kBowel);
    if (m.named) {
        m.critical = true;
        return m;
    }
    if (n == "aorta" || n == "inferior_vena_cava") m = make(n, X::Blood, N::GreatVessel, kBlood);
    else if (has(n, "vein") || has(n, "vena")) m = make(n, X::Blood, N::Vein, kBlood);
    // Arteries have no force class of their own yet: the needle reads their HU.
    else if (has(n, "artery") || has(n, "trunk")) m = make(n, X::Blood, N::ByHu, kBlood);
    if (m.named) {
        m.vessel = true;
        return m;
    }
    if (n == "liver") return make(n, X::SoftTissue, N::Parenchyma, kLiver);
    if (startsWith(n, "kidney")) return make(n, X::SoftTissue, N::Parenchyma, kKidney);  // cysts too
    if (n == "spleen") return make(n, X::SoftTissue, N::Parenchyma, kSpleen);
    if (n == "pancreas") return make(n, X::SoftTissue, N::Parenchyma, kPancreas);
    if (n == "gallbladder") return make(n, X::Water, N::ByHu, kGallbladder);
    if (n == "urinary_bladder") return make(n, X::Water, N::ByHu, kBladder);
    if (startsWith(n, "lung")) return make(n, X::Lung, N::ByHu, kLung);
    if (n == "trachea" || n == "bowel_gas" || n == "air") return make(n, X::Air, N::ByHu, kAir);
    if (startsWith(n, "autochthon") || startsWith(n, "iliopsoas") || startsWith(n, "gluteus") || has(n, "muscle"))
        return make(n, X::Muscle, N::Muscle, kMuscle);
    if (has(n, "fat")) return make(n, X::Fat, N::Fat, kFat);
    if (n == "skin") return make(n, X::SoftTissue, N::ByHu, kSkin);  // the needle model adds skin itself
    // A homogeneous tissue simulant for bench validation of the needle model.
    if (n == "gel" || has(n, "tissue_simulant")) return make(n, X::SoftTissue, N::Gel, kSoftTissue);
    // The carbon-fibre table top: imaging attenuates it as its HU says.
    if (n == "patient_table") {
        m = make(n, X::SoftTissue, N::ByHu, kSoftTissue);
        m.outsideBody = true;
        return m;
    }
    // Generic soft tissue on purpose: glands without properties of their own here.
    if (has(n, "thyroid") || has(n, "adrenal") || n == "prostate") return make(n, X::SoftTissue, N::ByHu, kSoftTissue);
    m = make(n, X::SoftTissue, N::ByHu, kSoftTissue);
    m.known = false;
    return m;
}

MaterialTable::MaterialTable(const LabelTable& names) {
    for (const auto& [label, name] : names) rows_[label] = structureMaterialOf(name);
}

const StructureMaterial& MaterialTable::operator[](uint16_t label) const {
    static const StructureMaterial kUnnamed = [] {
        StructureMaterial m;
        m.known = false;
        return m;
    }();
    const auto it = rows_.find(label);
    return it == rows_.end() ? kUnnamed : it->second;
}

const MaterialTable& irsimMaterials() {
    static const MaterialTable table(irsimLabels());
    return table;
}

MaterialTable materialsOf(const Patient& patient) {
    return patient.labelNames.empty() ? irsimMaterials() : MaterialTable(patient.labelNames);
}

}  // namespace irsim::patient
