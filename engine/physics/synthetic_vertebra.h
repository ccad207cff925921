#pragma once
// A synthetic lumbar vertebra in a block of soft tissue, for analytic tests, benchmarks and
// demos before (or beside) the procedural phantom: a cylindrical body with a cortical shell, two
// elliptic pedicle cylinders converging anteriorly at a chosen transverse angle, a canal holding
// the cord, a posterior arch, discs above and below, and the aorta to the front left.
// Labels follow TotalSegmentator: vertebrae_L1 = 31, spinal_cord = 79, aorta = 52; the disc and
// the basivertebral vein, which TotalSegmentator lacks, use 201 and 202.
// Frame: LPS mm, body centre at the origin, canal behind it (+y), skin at y = skinYMm.
#include <glm/glm.hpp>

#include "patient/patient.h"

namespace irsim::physics {

struct SyntheticVertebraOptions {
    double spacingMm = 0.5;
    double bodyRadiusMm = 20.0;
    double bodyHalfHeightMm = 12.0;
    double corticalThicknessMm = 1.5;
    double canalCentreYMm = 30.0;
    double canalRadiusMm = 8.5;
    double pedicleCentreXMm = 13.0;     // |x| of the pedicle axis at the canal centre's y
    double pedicleHalfWidthMm = 4.5;    // L1: pedicle width ~8-9 mm (Zindrick et al. 1987)
    double pedicleHalfHeightMm = 7.0;   // L1: pedicle height ~14-15 mm (Zindrick et al. 1987)
    double pedicleTransverseAngleDeg = 12.0;  // L1 ~11-12 degrees (Zindrick et al. 1987)
    double pedicleAnteriorYMm = 14.0;   // pedicle cylinders run from here (inside the body) ...
    double pedicleEndYMm = 44.0;        // ... to here (posterior elements)
    int16_t cancellousHu = 200;         // osteoporotic bodies read 50-150 HU, normal 150-250
    int16_t corticalHu = 1000;
    int16_t softTissueHu = 40;
    double skinYMm = 80.0;              // posterior skin surface; fat 10 mm deep under it
    bool posteriorWallDefect = false;   // lytic defect of the posterior body wall (5 x 5 mm)
    bool basivertebralVein = false;     // vein channel from the body centre through the posterior wall
};

struct SyntheticVertebra {
    patient::CtVolume ct;
    patient::LabelMap labels;
    patient::LabelTable names;
    glm::dvec3 pedicleAxisPoint[2];   // [0] right, [1] left: a point on each pedicle axis (LPS)
    glm::dvec3 pedicleAxisDir[2];     // unit, pointing anteriorly along the axis
};

SyntheticVertebra makeSyntheticVertebra(const SyntheticVertebraOptions& options = {});

}  // namespace irsim::physics
