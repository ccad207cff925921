#pragma once
// How one fluoroscopy pulse turns a water-path image into the grey image on the monitor. The GPU
// does it in shaders/fluoro_display.comp; this is the CPU mirror the tests compare it with, and the
// place the parameters are chosen. No Vulkan here.
//
// Model (per pixel, W = water-equivalent path in mm):
//   detected quanta N = N0 exp(-mu W), mu the water attenuation of the tube spectrum hardened by
//   the patient's central thickness (imaging/spectrum.h), N0 set by the automatic exposure control
//   so that kAecQuantaPerPixel quanta reach the detector behind the central ray;
//   quantum noise: N + sqrt(N) g, g a standard normal from a hash of (pixel, pulse number);
//   log transform s = ln(N0 / max(N, 1)); grey = 1 - clamp((s - lo) / (hi - lo)) so dense anatomy
//   is dark and air bright, with lo/hi around the central ray's signal (automatic brightness);
//   outside the collimator shutters the detector gets no primary beam and shows kShutterGrey.
#include <cstdint>

#include "core/image_io.h"
#include "imaging/carm.h"

namespace irsim::render {

struct FluoroDisplayParams {
    float muWaterPerMm = 0.02f;       // effective water attenuation, 1/mm
    float quantaUnattenuated = 1e5f;  // N0, quanta per detector pixel without a patient
    float windowWhite = 0.0f;         // log signal shown white
    float windowBlack = 1.0f;         // log signal shown black
    float halfOpenX = 0.5f;           // half the open field, fraction of the image width
    float halfOpenY = 0.5f;
    float shutterGrey = 0.06f;
    bool noise = true;
    uint32_t seed = 0;                // the pulse number: a new noise pattern every pulse
    int cols = 512, rows = 512;       // the display image
};

// Quanta per pixel behind the central ray at 512x512 over the field (fewer per pixel at finer
// grids, as the same dose is spread over more pixels). Chosen so the noise looks like low-dose
// pulsed fluoroscopy; the imaging engineer's dose model will replace it.
constexpr double kAecQuantaPerPixel512 = 400.0;

// Parameters for a pulse: the pose (collimation), kVp, the water path along the central ray (mm;
// SimState::centralRayWaterMm), the display size and the pulse number.
FluoroDisplayParams fluoroDisplayParams(const imaging::CArmPose& pose, double kvp, double centralWaterMm,
                                        int cols, int rows, uint32_t pulseNumber, bool noise = true);

// The display image for a water-path image of the same size (the GPU samples a smaller preview
// bilinearly; this mirror is exact only at equal size).
GreyImage fluoroDisplayReference(const GreyImage& waterPathMm, const FluoroDisplayParams& params);

}  // namespace irsim::render
