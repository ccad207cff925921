#include "sim/exposure.h"

#include <algorithm>
#include <cmath>

namespace irsim::sim {

namespace {
// Detector entrance air kerma per pulse the AEC aims for. Flat-panel fluoroscopy runs at about
// 20-60 nGy/pulse and cine/acquisition at 0.1-1 uGy/frame (AAPM Report 125, 2012; Balter,
// "Interventional Fluoroscopy", 2001).
constexpr double kFluoroDetectorNGy = 40.0;
constexpr double kCineDetectorNGy = 300.0;
// Effective broad-beam attenuation of water for a filtered 70-90 kVp beam behind a patient,
// primary plus the scatter the grid lets through: about 0.18-0.21 /cm (Bushberg et al., The
// Essential Physics of Medical Imaging, 3rd ed., ch. 3 and 9). Scaled with kVp as the beam hardens.
double waterMuPerMm(double kvp) { return 0.020 * std::pow(80.0 / kvp, 0.55); }
// 21 CFR 1020.32(d): air kerma rate at the reference point is limited to 88 mGy/min in normal mode.
constexpr double kMaxFluoroMGyPerMin = 88.0;
}  // namespace

PulseExposure exposeOnePulse(const imaging::CArmPose& pose, double kvp, double waterMm,
                             ExposureMode mode) {
    const double detectorMGy = (mode == ExposureMode::Cine ? kCineDetectorNGy : kFluoroDetectorNGy) * 1e-6;
    const double transmission = std::exp(-waterMuPerMm(kvp) * std::max(0.0, waterMm));
    const double irpFromSource = pose.sourceToIsocentreMm - 150.0;
    const double inverseSquare = std::pow(pose.sourceToImageMm / irpFromSource, 2.0);
    double kIrp = detectorMGy / transmission * inverseSquare;
    if (mode == ExposureMode::Fluoro) {
        // The AEC saturates at the regulatory limit (at 30 pulses/s, the worst case per pulse).
        kIrp = std::min(kIrp, kMaxFluoroMGyPerMin / 60.0 / 30.0);
    }
    // Field area at the reference point, cm2: detector field (after collimation) scaled back.
    const double scale = irpFromSource / pose.sourceToImageMm;
    const double areaCm2 = pose.detectorWidthMm * pose.collimationX * scale *
                           pose.detectorHeightMm * pose.collimationY * scale / 100.0;
    PulseExposure e;
    e.referenceAirKermaMGy = kIrp;
    e.kermaAreaProductGyCm2 = kIrp * 1e-3 * areaCm2;
    return e;
}

}  // namespace irsim::sim
