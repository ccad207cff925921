#pragma once
// Tissue classes the needle and the cement see, and TissueMap: a read-only view over a patient's
// label map and CT that answers "what tissue is at this LPS point". The patient's material table
// (patient/materials.h) decides each label's class; within bone labels the CT decides cortical
// versus cancellous bone.
#include <cstdint>
#include <string>
#include <vector>

#include <glm/glm.hpp>

#include "patient/materials.h"
#include "patient/patient.h"
#include "patient/volume.h"

namespace irsim::physics {

enum class Tissue : uint8_t {
    Air,             // outside the body, lung
    Skin,            // the first few mm entered from air (see TissueMap::skinThicknessMm)
    Fat,
    Muscle,          // skeletal muscle and unlabelled soft tissue
    Liver,           // liver and other parenchymal organs (kidney, spleen)
    CancellousBone,
    CorticalBone,
    Disc,            // intervertebral disc
    SpinalCanal,     // dura, CSF, cord
    GreatVessel,     // aorta, inferior vena cava
    Vein,            // other named veins (basivertebral, epidural plexus where labelled)
    Gel,             // homogeneous tissue simulant (validation against bench experiments)
    Count
};
constexpr int kTissueCount = static_cast<int>(Tissue::Count);

const char* toString(Tissue t);
inline bool isBone(Tissue t) { return t == Tissue::CancellousBone || t == Tissue::CorticalBone; }
inline bool isSoft(Tissue t) { return !isBone(t) && t != Tissue::Air; }

struct TissueMapOptions {
    // HU at and above which a voxel inside a bone label is cortical bone. Cortical shell of
    // vertebrae reads 400-1500 HU on clinical CT after partial-volume blurring; cancellous bone
    // 100-300 HU (osteoporotic 0-150). Estimated split.
    double corticalHu = 400.0;
    // Unlabelled voxels: below airHu is air/lung, below fatHu is fat, else muscle/soft tissue.
    // Fat is -150..-50 HU, muscle 10..60 HU (standard CT values).
    double airHu = -400.0;
    double fatHu = -30.0;
    // Epidermis plus dermis, 1.5-3 mm over the back (estimated typical value).
    double skinThicknessMm = 2.0;
};

// A per-label tissue class plus the CT. The view keeps pointers: the patient must outlive it.
class TissueMap {
public:
    TissueMap() = default;
    TissueMap(const patient::CtVolume& ct, const patient::LabelMap& labels,
              const patient::LabelTable& names, const TissueMapOptions& options = {});

    // Tissue at an LPS point (nearest voxel); Air outside the volume. Skin is not a voxel class:
    // the needle model applies it to the first skinThicknessMm after entering from air.
    Tissue tissueAt(const glm::dvec3& lps) const;
    // Whether the point lies in the CT's volume (its nearest voxel exists). Beyond it the patient
    // goes on (a CT is cropped to the region scanned) but nothing is known of the anatomy there.
    bool scanned(const glm::dvec3& lps) const;
    uint16_t labelAt(const glm::dvec3& lps) const;  // 0 outside or unlabelled
    int16_t huAt(const glm::dvec3& lps) const;      // -1000 outside
    Tissue tissueOfVoxel(int i, int j, int k) const;

    const TissueMapOptions& options() const { return options_; }
    const patient::CtVolume* ct() const { return ct_; }
    const patient::LabelMap* labels() const { return labels_; }
    // Label classes from the material table of `names` ("vertebrae_L1" -> bone).
    Tissue classOfLabel(uint16_t label) const;
    bool isVertebraLabel(uint16_t label) const;
    // A lesion that replaces bone inside a vertebra ("vertebral_metastasis"): the tip or cement
    // there is still within the vertebra, not through its wall.
    bool isVertebralLesionLabel(uint16_t label) const;
    const std::string& nameOf(uint16_t label) const;
    std::vector<uint16_t> vertebraLabels() const;  // ascending
    uint16_t labelNamed(const std::string& name) const;  // 0 when absent

private:
    const patient::CtVolume* ct_ = nullptr;
    const patient::LabelMap* labels_ = nullptr;
    TissueMapOptions options_;
    std::vector<Tissue> labelClass_;   // indexed by label; Air means "decide from HU"
    std::vector<uint8_t> isBoneLabel_; // indexed by label
    std::vector<uint8_t> isVertebra_;  // indexed by label
    std::vector<uint8_t> isLesion_;    // indexed by label
    std::vector<std::string> names_;   // indexed by label
};

// The force model's class of a structure's needle tissue; Air means "decide from HU".
Tissue tissueOf(patient::NeedleTissue t);

}  // namespace irsim::physics
