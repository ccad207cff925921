#pragma once
// An isocentric C-arm in the patient frame (LPS, mm; docs/conventions.md).
//
// Angles as a real system shows them: LAO positive / RAO negative is the rotation of the image
// detector toward the patient's left / right about the patient's long axis; CRAN positive / CAUD
// negative tilts the detector toward the head. At LAO 0 CRAN 0 (AP) the source is under the table
// (posterior) and the detector anterior; the image shows the patient as seen from the front:
// patient's left on the image's right, head at the top.
#include <glm/glm.hpp>

namespace irsim::imaging {

struct CArmPose {
    double laoDeg = 0.0;            // + LAO, - RAO
    double cranDeg = 0.0;           // + cranial, - caudal
    glm::dvec3 isocentre{0.0};      // LPS mm: where the patient's anatomy sits at the isocentre
                                    // (table pan and height move this point in the patient)
    double sourceToIsocentreMm = 750.0;  // SAD
    double sourceToImageMm = 1100.0;     // SID
    double detectorWidthMm = 300.0;      // active field of view at the detector (zoom mode)
    double detectorHeightMm = 300.0;
    double collimationX = 1.0;      // open fraction of the field, 0..1, left-right shutters
    double collimationY = 1.0;      // open fraction, top-bottom shutters
};

struct CArmFrame {
    glm::dvec3 source;        // focal spot, LPS mm
    glm::dvec3 detectorCentre;
    glm::dvec3 beam;          // unit, source -> detector
    glm::dvec3 imageRight;    // unit, detector's +u (image column increases)
    glm::dvec3 imageUp;       // unit, detector's +v (image row decreases)
};

CArmFrame frameOf(const CArmPose& pose);

// The interventional reference point (IEC 60601-2-43): on the central ray, 15 cm from the
// isocentre toward the source.
glm::dvec3 interventionalReferencePoint(const CArmPose& pose);

// True when every field of the two poses is equal (an image or dose footprint of one serves the other).
bool sameGeometry(const CArmPose& a, const CArmPose& b);
// The same projection whatever the shutters: angles, isocentre, distances and zoom (a roadmap stays
// registered while the shutters move).
bool sameProjection(const CArmPose& a, const CArmPose& b);

}  // namespace irsim::imaging
