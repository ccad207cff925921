#include "physics/tissue.h"

#include <cmath>

namespace irsim::physics {

const char* toString(Tissue t) {
    switch (t) {
        case Tissue::Air: return "air";
        case Tissue::Skin: return "skin";
        case Tissue::Fat: return "fat";
        case Tissue::Muscle: return "muscle";
        case Tissue::Liver: return "liver";
        case Tissue::CancellousBone: return "cancellous bone";
        case Tissue::CorticalBone: return "cortical bone";
        case Tissue::Disc: return "intervertebral disc";
        case Tissue::SpinalCanal: return "spinal canal";
        case Tissue::GreatVessel: return "great vessel";
        case Tissue::Vein: return "vein";
        case Tissue::Gel: return "gel";
        case Tissue::Count: break;
    }
    return "?";
}

namespace {
bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }
}  // namespace

Tissue tissueOfStructureName(const std::string& n) {
    // Bone: vertebrae_*, sacrum, rib_*, hip, femur... cortical/cancellous is decided by HU.
    if (has(n, "vertebrae_") || n == "sacrum" || has(n, "rib_") || has(n, "hip_") ||
        has(n, "femur") || n == "sternum" || has(n, "scapula") || has(n, "clavicula") ||
        has(n, "humerus"))
        return Tissue::CancellousBone;
    // A lytic metastasis is bone replaced by tumour: still bone for the trocar (its low HU makes
    // it very soft, boneDensityFactor) and a space the cement fills.
    if (has(n, "metastasis")) return Tissue::CancellousBone;
    if (has(n, "disc")) return Tissue::Disc;
    if (has(n, "spinal_cord") || has(n, "spinal_canal") || has(n, "epidural")) return Tissue::SpinalCanal;
    if (n == "aorta" || n == "inferior_vena_cava") return Tissue::GreatVessel;
    if (has(n, "vein") || has(n, "vena")) return Tissue::Vein;
    if (n == "liver" || has(n, "kidney") || n == "spleen" || n == "pancreas") return Tissue::Liver;
    if (has(n, "autochthon") || has(n, "iliopsoas") || has(n, "gluteus") || has(n, "muscle"))
        return Tissue::Muscle;
    if (has(n, "fat")) return Tissue::Fat;
    if (n == "gel" || has(n, "tissue_simulant")) return Tissue::Gel;
    if (has(n, "lung")) return Tissue::Air;
    return Tissue::Air;
}

TissueMap::TissueMap(const patient::CtVolume& ct, const patient::LabelMap& labels,
                     const patient::LabelTable& names, const TissueMapOptions& options)
    : ct_(&ct), labels_(&labels), options_(options) {
    labelClass_.assign(65536, Tissue::Air);
    isBoneLabel_.assign(65536, 0);
    isVertebra_.assign(65536, 0);
    isLesion_.assign(65536, 0);
    names_.assign(65536, std::string());
    for (const auto& [label, name] : names) {
        Tissue t = tissueOfStructureName(name);
        labelClass_[label] = t;
        isBoneLabel_[label] = isBone(t) ? 1 : 0;
        isVertebra_[label] = name.rfind("vertebrae_", 0) == 0 ? 1 : 0;
        isLesion_[label] = has(name, "metastasis") ? 1 : 0;
        names_[label] = name;
    }
}

Tissue TissueMap::classOfLabel(uint16_t label) const {
    return labelClass_.empty() ? Tissue::Air : labelClass_[label];
}
bool TissueMap::isVertebraLabel(uint16_t label) const {
    return !isVertebra_.empty() && isVertebra_[label] != 0;
}
bool TissueMap::isVertebralLesionLabel(uint16_t label) const {
    return !isLesion_.empty() && isLesion_[label] != 0;
}
const std::string& TissueMap::nameOf(uint16_t label) const {
    static const std::string kNone;
    return names_.empty() ? kNone : names_[label];
}
std::vector<uint16_t> TissueMap::vertebraLabels() const {
    std::vector<uint16_t> out;
    for (size_t l = 1; l < isVertebra_.size(); ++l)
        if (isVertebra_[l]) out.push_back(static_cast<uint16_t>(l));
    return out;
}
uint16_t TissueMap::labelNamed(const std::string& name) const {
    for (size_t l = 1; l < names_.size(); ++l)
        if (names_[l] == name) return static_cast<uint16_t>(l);
    return 0;
}

Tissue TissueMap::tissueOfVoxel(int i, int j, int k) const {
    size_t idx = ct_->geometry.index(i, j, k);
    double hu = ct_->voxels[idx];
    uint16_t label = labels_->voxels.empty() ? 0 : labels_->voxels[idx];
    if (label != 0) {
        Tissue t = labelClass_[label];
        if (isBoneLabel_[label]) return hu >= options_.corticalHu ? Tissue::CorticalBone : Tissue::CancellousBone;
        if (t != Tissue::Air) return t;
    }
    if (hu < options_.airHu) return Tissue::Air;
    if (hu < options_.fatHu) return Tissue::Fat;
    return Tissue::Muscle;
}

namespace {
bool nearestVoxel(const patient::VolumeGeometry& g, const glm::dvec3& lps, glm::ivec3& ijk) {
    glm::dvec3 v = g.patientToVoxel(lps);
    ijk = glm::ivec3(static_cast<int>(std::floor(v.x + 0.5)), static_cast<int>(std::floor(v.y + 0.5)),
                     static_cast<int>(std::floor(v.z + 0.5)));
    return g.contains(ijk.x, ijk.y, ijk.z);
}
}  // namespace

Tissue TissueMap::tissueAt(const glm::dvec3& lps) const {
    glm::ivec3 v;
    if (!ct_ || !nearestVoxel(ct_->geometry, lps, v)) return Tissue::Air;
    return tissueOfVoxel(v.x, v.y, v.z);
}

uint16_t TissueMap::labelAt(const glm::dvec3& lps) const {
    glm::ivec3 v;
    if (!labels_ || labels_->voxels.empty() || !nearestVoxel(labels_->geometry, lps, v)) return 0;
    return labels_->at(v.x, v.y, v.z);
}

int16_t TissueMap::huAt(const glm::dvec3& lps) const {
    glm::ivec3 v;
    if (!ct_ || !nearestVoxel(ct_->geometry, lps, v)) return -1000;
    return ct_->at(v.x, v.y, v.z);
}

}  // namespace irsim::physics
