#pragma once
// Vertebral geometry derived from a label map, for breach detection and for scoring the
// transpedicular path. Method (docs/needles.md):
//  - the spinal canal is the vertebral foramen: in each axial slice, the bone-free region that the
//    vertebra's own label encloses around the canal label (a whole-canal label such as the
//    phantom's "spinal_canal", or only "spinal_cord" as TotalSegmentator gives, which is much
//    narrower than the canal), plus the canal label's own voxels; its centroid gives the midline,
//    its AP extent the canal;
//  - the body is the vertebra's voxels anterior to the canal;
//  - a pedicle is the bony bridge between body and posterior elements: on each side, in every
//    axial row (fixed AP and SI position) that crosses the canal and whose AP position lies in the
//    anterior half of the canal's AP extent, the first contiguous run of bone going laterally from
//    the canal's edge in that row. The runs give the pedicle's medial and lateral walls, its
//    superior and inferior extent and its axis (least-squares line through the run centres, AP
//    against LR).
// Frame: LPS with the vertebra taken as aligned to the patient axes (AP = y, SI = z) and a voxel
// grid whose axes are the patient axes (either sign); the sagittal tilt of lordosis (< 20
// degrees) is not corrected for.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <glm/glm.hpp>

#include "physics/tissue.h"

namespace irsim::physics {

struct PedicleGeometry {
    bool found = false;
    int side = 0;                      // +1 patient left (+x in LPS), -1 right
    glm::dvec3 centreLps{0.0};         // centroid of the pedicle's bone voxels
    double anteriorYMm = 0.0;          // AP range of the isthmus used
    double posteriorYMm = 0.0;
    double halfWidthMm = 0.0;          // widest row's half-width (LR), as pedicle width is measured on axial CT
    double inferiorZMm = 0.0;          // SI extent
    double superiorZMm = 0.0;
    double axisSlopeXPerY = 0.0;       // dx/dy of the pedicle axis (medial convergence)
    glm::dvec3 entryLps{0.0};          // posterior entry on the axis (or the landmark if given)
    // Pedicle axis centre x at an AP position y.
    double centreXAt(double y) const { return centreLps.x + axisSlopeXPerY * (y - centreLps.y); }
    // Transverse (medial) angle of the axis from the sagittal plane, degrees.
    double transverseAngleDeg() const;
};

struct VertebraGeometry {
    uint16_t label = 0;
    std::string name;                  // "vertebrae_L1"
    double midlineXMm = 0.0;           // canal centroid x
    double canalAnteriorYMm = 0.0;     // canal AP extent (LPS y grows posteriorly)
    double canalPosteriorYMm = 0.0;
    double canalHalfWidthMm = 0.0;
    glm::dvec3 bodyCentroidLps{0.0};
    double bodyAnteriorYMm = 0.0;      // most anterior body voxel
    double bodyInferiorZMm = 0.0;
    double bodySuperiorZMm = 0.0;
    double bodyVolumeMl = 0.0;
    PedicleGeometry pedicles[2];       // [0] right (-x), [1] left (+x)
    const PedicleGeometry& pedicle(int side) const { return pedicles[side > 0 ? 1 : 0]; }
};

// Landmarks by name, e.g. "vertebrae_L1.pedicle_left.entry" (LPS mm); optional.
using Landmarks = std::map<std::string, glm::dvec3>;

// Derives one vertebra's geometry; nullopt when the label or the canal is absent there.
std::optional<VertebraGeometry> deriveVertebra(const TissueMap& map, uint16_t vertebraLabel,
                                               uint16_t canalLabel, const Landmarks& landmarks = {});
// The label that marks the canal in this map: "spinal_canal" where the map holds any, else
// "spinal_cord" where it holds any, else 0.
uint16_t canalLabelOf(const TissueMap& map);
// All vertebrae in the map with a canal beside them, ascending label.
std::vector<VertebraGeometry> deriveVertebrae(const TissueMap& map, const Landmarks& landmarks = {});

enum class BreachKind : uint8_t {
    PedicleMedial,     // into the spinal canal
    PedicleInferior,   // into the neural foramen
    PedicleSuperior,
    PedicleLateral,
    BodyAnterior,      // through the anterior cortex of the body
    BodyLateral,
    Endplate,          // through an endplate into the disc
    GreatVessel,       // the tip in the aorta or IVC
};
const char* toString(BreachKind k);

// Which wall a tip leaving vertebra `v` at `exitLps` has crossed, with the tip now at `tipLps`
// in tissue `tipTissue`.
BreachKind classifyBreach(const VertebraGeometry& v, const glm::dvec3& exitLps, const glm::dvec3& tipLps,
                          Tissue tipTissue);

}  // namespace irsim::physics
