#pragma once
// The dose of one X-ray pulse as the system's automatic exposure control (AEC) sets it.
#include "imaging/carm.h"

namespace irsim::sim {

enum class ExposureMode { Fluoro, Cine };

struct PulseExposure {
    double referenceAirKermaMGy = 0.0;    // at the interventional reference point
    double kermaAreaProductGyCm2 = 0.0;
};

// kvp: tube voltage; waterMm: water-equivalent thickness on the central ray (0 = no patient).
PulseExposure exposeOnePulse(const imaging::CArmPose& pose, double kvp, double waterMm,
                             ExposureMode mode);

}  // namespace irsim::sim
