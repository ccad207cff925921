#include "patient/tissue.h"

#include <map>

namespace irsim::patient {

namespace {

// IT'IS v4.1 rounded means: density, conductivity, heat capacity, perfusion. Young's moduli: liver
// ~5 kPa and spleen ~6 kPa (transient elastography in healthy adults, e.g. Castera et al. 2008,
// J Hepatol 48:835), kidney ~10 kPa, muscle ~12 kPa, fat ~3 kPa; cortical bone ~17 GPa and
// vertebral cancellous bone ~0.3 GPa (Morgan, Bayraktar & Keaveny 2003, J Biomech 36:897);
// hypervascular liver tumours stiffer than liver (~10-20 kPa).
const std::map<std::string, TissueProperties>& table() {
    static const std::map<std::string, TissueProperties> t{
        {"air", {"air", 1.2, 0.026, 1006, 0, 0.0}},
        {"fat", {"adipose", 911, 0.21, 2348, 33, 3.0}},
        {"skin", {"soft_tissue", 1109, 0.37, 3391, 106, 100.0}},
        {"muscle", {"muscle", 1090, 0.49, 3421, 37, 12.0}},
        {"liver", {"soft_tissue", 1079, 0.52, 3540, 1030, 5.0}},
        {"liver_tumour", {"soft_tissue", 1079, 0.52, 3540, 2000, 15.0}},
        {"spleen", {"soft_tissue", 1089, 0.53, 3596, 1300, 6.0}},
        {"kidney", {"soft_tissue", 1066, 0.53, 3763, 3795, 10.0}},
        {"pancreas", {"soft_tissue", 1087, 0.51, 3164, 780, 2.0}},
        {"bowel", {"soft_tissue", 1088, 0.53, 3690, 400, 5.0}},
        {"stomach", {"soft_tissue", 1088, 0.53, 3690, 480, 5.0}},
        {"gallbladder", {"water", 1071, 0.52, 3716, 0, 1.0}},
        {"bladder", {"water", 1086, 0.52, 3581, 0, 1.0}},
        {"heart", {"blood", 1081, 0.56, 3686, 0, 10.0}},
        {"blood", {"blood", 1050, 0.52, 3617, 0, 0.0}},
        {"lung", {"lung", 394, 0.39, 3886, 401, 1.0}},
        {"cortical_bone", {"cortical_bone", 1908, 0.32, 1313, 10, 17.0e6}},
        {"cancellous_bone", {"cancellous_bone", 1178, 0.31, 2274, 30, 0.3e6}},
        {"cartilage", {"soft_tissue", 1100, 0.49, 3568, 0, 1.0e3}},
        {"disc", {"soft_tissue", 1100, 0.49, 3568, 0, 1.0e3}},
        {"csf", {"water", 1007, 0.57, 4096, 0, 0.0}},
        {"nerve", {"soft_tissue", 1075, 0.49, 3613, 160, 5.0}},
        {"soft_tissue", {"soft_tissue", 1050, 0.50, 3600, 50, 10.0}},
    };
    return t;
}

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }
bool has(const std::string& s, const char* p) { return s.find(p) != std::string::npos; }

}  // namespace

const TissueProperties& tissueOf(const std::string& n) {
    const auto& t = table();
    const char* key = "soft_tissue";
    if (n == "liver" || n == "liver_tumour" || n == "spleen" || n == "pancreas" || n == "gallbladder" || n == "stomach" ||
        n == "heart" || n == "skin" || n == "muscle" || n == "air")
        key = n.c_str();
    else if (startsWith(n, "kidney")) key = "kidney";
    else if (n == "subcutaneous_fat" || n == "visceral_fat") key = "fat";
    else if (n == "urinary_bladder") key = "bladder";
    else if (startsWith(n, "lung")) key = "lung";
    else if (n == "small_bowel" || n == "colon" || n == "duodenum" || n == "esophagus") key = "bowel";
    else if (n == "bowel_gas" || n == "trachea") key = "air";
    else if (startsWith(n, "vertebrae") || startsWith(n, "rib") || n == "sacrum" || startsWith(n, "hip") ||
             startsWith(n, "femur") || n == "sternum" || startsWith(n, "humerus") || startsWith(n, "scapula") ||
             startsWith(n, "clavicula") || n == "skull")
        key = "cancellous_bone";  // the bulk of a bone; its cortex shows in the CT numbers
    else if (n == "costal_cartilages") key = "cartilage";
    else if (n == "intervertebral_disc") key = "disc";
    else if (n == "spinal_canal") key = "csf";
    else if (n == "spinal_cord" || n == "brain") key = "nerve";
    else if (has(n, "artery") || has(n, "aorta") || has(n, "vein") || has(n, "vena") || has(n, "trunk") || n == "pulmonary_vein")
        key = "blood";
    else if (startsWith(n, "autochthon") || startsWith(n, "iliopsoas") || startsWith(n, "gluteus")) key = "muscle";
    else if (n == "vertebral_metastasis") key = "soft_tissue";
    return t.at(key);
}

}  // namespace irsim::patient
