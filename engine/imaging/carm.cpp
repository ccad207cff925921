#include "imaging/carm.h"

#include <cmath>

namespace irsim::imaging {

CArmFrame frameOf(const CArmPose& pose) {
    const double a = glm::radians(pose.laoDeg);
    const double b = glm::radians(pose.cranDeg);
    // Unit vector from the isocentre to the detector: anterior (-y) at AP, toward the patient's
    // left (+x) with LAO, toward the head (+z) with CRAN.
    const glm::dvec3 toDetector{std::sin(a) * std::cos(b), -std::cos(a) * std::cos(b), std::sin(b)};
    CArmFrame f;
    f.beam = toDetector;
    f.source = pose.isocentre - toDetector * pose.sourceToIsocentreMm;
    f.detectorCentre = f.source + toDetector * pose.sourceToImageMm;
    // Head up on the image; right of the image is the patient's left in AP.
    const glm::dvec3 superior{0.0, 0.0, 1.0};
    glm::dvec3 right = glm::cross(superior, toDetector);
    if (glm::length(right) < 1e-9) right = {1.0, 0.0, 0.0};  // beam along the long axis
    f.imageRight = glm::normalize(right);
    f.imageUp = glm::normalize(glm::cross(toDetector, f.imageRight));
    return f;
}

glm::dvec3 interventionalReferencePoint(const CArmPose& pose) {
    const CArmFrame f = frameOf(pose);
    return pose.isocentre - f.beam * 150.0;
}

bool sameProjection(const CArmPose& a, const CArmPose& b) {
    return a.laoDeg == b.laoDeg && a.cranDeg == b.cranDeg && a.isocentre == b.isocentre &&
           a.sourceToIsocentreMm == b.sourceToIsocentreMm && a.sourceToImageMm == b.sourceToImageMm &&
           a.detectorWidthMm == b.detectorWidthMm && a.detectorHeightMm == b.detectorHeightMm;
}

bool sameGeometry(const CArmPose& a, const CArmPose& b) {
    return sameProjection(a, b) && a.collimationX == b.collimationX && a.collimationY == b.collimationY;
}

}  // namespace irsim::imaging
