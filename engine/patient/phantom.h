#pragma once
// The procedural phantom: a deterministic synthetic adult torso (mid-thorax to the groins) built
// from analytic shapes, with its CT in HU, label map (labels.h), Couinaud segments, arterial tree
// and landmarks. The same options give the same bytes on every run and platform (no clocks, a
// seeded irsim::Rng, fixed iteration order). Frame: LPS mm, x = 0 on the midline, z = 0 at the
// centre of the L5 body; the grid is axis-aligned (direction = identity).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "patient/patient.h"

namespace irsim::patient {

// Michels 1966 (Am J Surg 112:337) types of the hepatic arterial supply.
enum class MichelsType {
    I = 1,  // normal: CHA from the celiac trunk, PHA -> RHA + LHA
    II,     // replaced LHA from the left gastric artery
    III,    // replaced RHA from the SMA
    IV,     // replaced RHA (SMA) and replaced LHA (left gastric)
    V,      // accessory LHA from the left gastric artery
    VI,     // accessory RHA from the SMA
    VII,    // accessory RHA (SMA) and accessory LHA (left gastric)
    VIII,   // replaced RHA (SMA) and accessory LHA (left gastric)
    IX,     // CHA from the SMA
    X,      // CHA from the left gastric artery
};
// "I".."X" (also "1".."10", "type III"); nullopt otherwise.
std::optional<MichelsType> parseMichelsType(const std::string& text);
std::string michelsName(MichelsType t);  // "III"

enum class LesionKind {
    HypervascularLiver,      // "hypervascular": arterially fed liver lesion (HCC, NET metastasis)
    LyticVertebral,          // "lytic": vertebral body metastasis breaching the posterior wall
    CompressionFracture,     // "compression_fracture": wedge fracture of the vertebral body
};
std::optional<LesionKind> parseLesionKind(const std::string& text);

struct PhantomLesion {
    std::string site;          // "liver_segment_1".."liver_segment_8", or "vertebrae_T10".."vertebrae_L5"
    LesionKind kind = LesionKind::HypervascularLiver;
    double diameterMm = 20.0;  // tumours: sphere diameter, mm; fractures: ignored
    double heightLossFraction = 0.3;  // fractures: anterior body height lost, 0-0.8
};

struct PhantomOptions {
    uint64_t seed = 1;              // varies organ sizes and positions slightly, bowel, noise, variant
    double voxelMm = 1.5;           // isotropic voxel size, mm (tests use 3)
    double bodySize = 1.0;          // habitus: subcutaneous fat thickness x this (0.3 thin - 3 obese)
    std::optional<MichelsType> michels;  // nullopt: drawn from the seed with Michels' frequencies
    bool osteoporotic = false;      // cancellous bone ~100 HU instead of ~220 HU
    double ctNoiseHu = 8.0;         // standard deviation of the CT's quantum noise, HU
    std::vector<PhantomLesion> lesions;
    // When set, only this LPS box (mm) is voxelised (a fine grid around one vertebra, say); the
    // anatomy, vessels and landmarks are the same as for the whole torso.
    std::optional<std::pair<glm::dvec3, glm::dvec3>> regionMm;
};

// Builds the phantom. Throws DataError (field "phantom.<name>") for options out of range or a
// lesion site that does not exist.
Patient makePhantom(const PhantomOptions& options, const ProgressFn& progress = {});

// Per-level vertebral dimensions the phantom uses (mm, degrees), from published morphometry:
// pedicle width and height (Zindrick et al. 1987, Spine 12:160; Panjabi et al. 1991, Spine 16:888
// (thoracic) and 1992, Spine 17:299 (lumbar)), body sizes (Panjabi 1991/1992).
struct VertebraDimensions {
    std::string level;          // "T10".."L5"
    double bodyWidthMm;         // transverse width of the endplate
    double bodyDepthMm;         // anteroposterior depth of the endplate
    double bodyHeightMm;        // posterior body height
    double discHeightMm;        // disc below this vertebra
    double pedicleWidthMm;      // transverse outer width at the isthmus
    double pedicleHeightMm;     // sagittal outer height
    double pedicleMedialDeg;    // transverse angle: convergence of the axis towards the midline
    double canalWidthMm;        // interpedicular distance
};
const std::vector<VertebraDimensions>& phantomVertebrae();  // T6..L5, top to bottom

}  // namespace irsim::patient
