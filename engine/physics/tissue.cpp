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

Tissue tissueOf(patient::NeedleTissue t) {
    using N = patient::NeedleTissue;
    switch (t) {
        case N::ByHu: return Tissue::Air;
        case N::Fat: return Tissue::Fat;
        case N::Muscle: return Tissue::Muscle;
        case N::Parenchyma: return Tissue::Liver;
        case N::Bone: return Tissue::CancellousBone;  // cortical or cancellous is decided by HU
        case N::Disc: return Tissue::Disc;
        case N::SpinalCanal: return Tissue::SpinalCanal;
        case N::GreatVessel: return Tissue::GreatVessel;
        case N::Vein: return Tissue::Vein;
        case N::Gel: return Tissue::Gel;
    }
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
    const patient::MaterialTable materials(names);
    for (const auto& [label, m] : materials.rows()) {
        const Tissue t = tissueOf(m.needle);
        labelClass_[label] = t;
        isBoneLabel_[label] = isBone(t) ? 1 : 0;
        isVertebra_[label] = m.vertebra ? 1 : 0;
        isLesion_[label] = m.lesion && isBone(t) ? 1 : 0;
        names_[label] = m.name;
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

bool TissueMap::scanned(const glm::dvec3& lps) const {
    glm::ivec3 v;
    return ct_ && nearestVoxel(ct_->geometry, lps, v);
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
