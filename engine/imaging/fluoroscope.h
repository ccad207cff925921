#pragma once
// Fluoroscopy images from physics, split for speed: the anatomy does not move while the C-arm
// stands still, devices and contrast do.
//
//  * FluoroscopeView (once per C-arm pose, detector grid and settings): for every detector pixel,
//    the path integrals (g/cm^2) of the tissue basis materials (tissue.h) along the ray march of
//    drr.h (same rays, segments and trilinear stencil; each corner voxel's composition comes from
//    the HU/label rule and is interpolated with the stencil's weights), the water-equivalent path
//    (mm, exactly waterEquivalentPathMm's sum), the anatomy's primary transmission and a scatter
//    field; plus the AEC's kVp and the quanta per pixel per Gy of detector air kerma.
//  * composeFluoroImage (every pulse): devices and agents (radiopaque.h), noise, log transform,
//    edge enhancement and display. Cheap: pixels no device or agent covers reuse the view's
//    transmission.
//
// Stages, exactly (a GPU port follows them; per pixel p of a cols x rows detector, drr.h's pixel
// centres and row order):
//  0. Spectrum: tubeSpectrum(kVp, beam.filtration) rebinned to spectrumBinKeV (spectrum.h), then
//     normalised to sum 1: weights phi_i at energies E_i. kVp = settings.kVp if > 0, else
//     aecKvp(W_c), W_c the water-equivalent path (mm) of the central ray (focal spot to
//     detectorCentre). mu_{m,i} = massAttenuation(m, E_i), cm^2/g.
//  1. Primary transmission (quanta, ideal photon-counting detector):
//       T(p) = sum_i phi_i exp(-(sum_b mu_{b,i} A_b(p) + sum_k mu_{k,i} M_k(p)))
//     A_b the basis path integrals, M_k the mass path (g/cm^2, massPathThrough / sphere chord x
//     density / 10) of frame primitive k of material k, summed in the order paths then spheres.
//     Doubles throughout; stored as float. A pixel no primitive touches keeps the view's T.
//  2. Scatter (view only, noiseless anatomy): S(p) = blur(SPR(W(p)) * T_anat(p)) with
//       SPR(W) = sprPerCmWater * (W / 10) * (1 - exp(-sqrt(fieldAreaCm2) / fieldSaturationCm))
//                * gridScatterTransmission / beam.gridPrimaryTransmission,
//     fieldAreaCm2 the open field projected to the isocentre plane; blur = two passes of a
//     normalised box of half-width round(scatterBlurFraction * cols) pixels, horizontal then
//     vertical each pass, over open-field pixels only (the window's mean of those it covers).
//  3. Quanta: N0 = mode.detectorKermaPerPulseGy * quantaPerGy() (unattenuated quanta per pixel),
//     expected N(p) = N0 * (T(p) + S(p)); with noise, N(p) = rng.poisson(expected), the rng of row
//     r being Rng::seeded(seed, r + 1), drawn left to right over the row's open-field pixels.
//  4. Log signal: s(p) = ln(N0) - ln(max(N(p), 1)).
//  5. Edge enhancement and latitude compression (the multi-scale processing of clinical systems,
//     reduced to two scales): s'(p) = s(p) + edgeGain * (s(p) - box_e(s)(p))
//                                      - latitudeCompression * (box_l(s)(p) - m),
//     box_e / box_l one horizontal-then-vertical pass of the open-field box mean of half-width
//     edgeRadiusPx / round(latitudeRadiusFraction * cols), box_l taken of s clamped to [lo, hi]
//     (stage 6; so direct beam beside the body does not darken the flanks), m as in stage 6. The second term
//     flattens large-area differences (flanks, gas-filled bowel) so that a narrow window can show
//     bone and contrast without burning out the periphery.
//  6. Display: g = 1 - clamp((s' - lo) / (hi - lo), 0, 1), lo = m - windowBelow, hi = m +
//     windowAbove, m the median of the view's noiseless s = -ln(T_anat + S) over the metering
//     field (the central half of the open field in each direction; the automatic brightness
//     control); g rounded to 1/255 (8-bit monitor). Dense (bone, contrast, metal) is dark, lung
//     and air bright.
//  7. Collimator shutters: pixel (c, r) is open iff |(c + 0.5) / cols - 0.5| <= collimationX / 2
//     and |(r + 0.5) / rows - 0.5| <= collimationY / 2 (a square field; flat panel); closed
//     pixels are 0 in every stage (no primary, and shown black).
#include <cstdint>
#include <memory>
#include <vector>

#include "core/image_io.h"
#include "imaging/carm.h"
#include "imaging/dose.h"
#include "imaging/drr.h"
#include "imaging/radiopaque.h"
#include "imaging/tissue.h"
#include "patient/patient.h"

namespace irsim::imaging {

struct FluoroSettings {
    double stepMm = 1.0;           // ray-march step (drr.h)
    double kVp = 0.0;              // 0: the AEC's choice for the central ray
    double spectrumBinKeV = 5.0;
    BeamPath beam{};               // filtration and grid
    bool scatter = true;
    bool noise = true;
    // Scatter-to-primary ratio without a grid for a saturated field: 0.25 per cm of water (20 cm
    // of water, 30 x 30 cm: ~5, scatter fraction ~0.83; Bushberg et al., The Essential Physics of
    // Medical Imaging, 3rd ed. 2012, ch. 7; Sorenson & Floch 1985, Med Phys 12:308). Field-size
    // dependence saturating over ~10 cm of field side (same sources; Siewerdsen & Jaffray 2001,
    // Med Phys 28:220 for the shape). A 10:1-12:1 grid passes 0.10-0.15 of scatter (Aichinger et
    // al. 2012, ch. 5): with 0.70 of primary, 20 cm / 30 x 30 cm gives SPR ~0.9 at the detector.
    double sprPerCmWater = 0.25;
    double fieldSaturationCm = 10.0;
    double gridScatterTransmission = 0.12;
    double scatterBlurFraction = 0.08;  // scatter is smooth over ~5 cm at the detector
    double edgeGain = 0.7;         // unsharp mask gain (vendors' "edge enhancement" 0.5-1.5)
    int edgeRadiusPx = 0;          // 0: max(1, round(0.012 * cols))
    double latitudeCompression = 0.6;      // 0: none; 1: large areas flattened completely
    double latitudeRadiusFraction = 0.06;  // ~2 cm at the isocentre on a 30 cm field
    double windowBelow = 1.0;      // ln units below the metered median shown white
    double windowAbove = 0.8;      // ln units above it shown black
    unsigned threads = 0;          // 0: hardware concurrency (the image does not depend on it)
};

class FluoroscopeView {
public:
    // labels may be null or empty (HU rule alone); else same geometry as ct. materials says what each
    // label is made of (patient::materialsOf(patient)).
    FluoroscopeView(const patient::CtVolume& ct, const patient::LabelMap* labels,
                    const patient::MaterialTable& materials, const CArmPose& pose, const DetectorGrid& grid,
                    const FluoroSettings& settings = {});
    // labels named by patient::irsimLabels() (a phantom, or a CT loaded without a label table).
    FluoroscopeView(const patient::CtVolume& ct, const patient::LabelMap* labels, const CArmPose& pose,
                    const DetectorGrid& grid, const FluoroSettings& settings = {});

    const CArmPose& pose() const { return pose_; }
    const DetectorGrid& grid() const { return grid_; }
    const CArmFrame& frame() const { return frame_; }
    const FluoroSettings& settings() const { return settings_; }
    double kVp() const { return kVp_; }
    double centralWaterMm() const { return centralWaterMm_; }
    const std::vector<double>& binKeV() const { return energy_; }
    const std::vector<double>& binWeight() const { return weight_; }
    // Unattenuated quanta per pixel per Gy of detector air kerma behind the central ray (the AEC
    // holds the kerma there; quantaPerGy = pixel area / (kerma per quantum of the spectrum behind
    // the central ray) / T(central ray)).
    double quantaPerGy() const { return quantaPerGy_; }
    bool isOpen(int c, int r) const;
    int openColBegin() const { return c0_; }
    int openColEnd() const { return c1_; }
    int openRowBegin() const { return r0_; }
    int openRowEnd() const { return r1_; }
    double meteredLogSignal() const { return metered_; }  // m of stage 6
    double displayLow() const { return lo_; }
    double displayHigh() const { return hi_; }

    // Per pixel (rows x cols, row 0 at the top): g/cm^2 of basis b, water-equivalent mm, primary
    // transmission and scatter (fraction of N0).
    float basisPath(int b, int c, int r) const { return basis_[b][idx(c, r)]; }
    float waterMm(int c, int r) const { return water_[idx(c, r)]; }
    float transmission(int c, int r) const { return transmission_[idx(c, r)]; }
    float scatter(int c, int r) const { return scatter_[idx(c, r)]; }

private:
    size_t idx(int c, int r) const { return static_cast<size_t>(r) * grid_.cols + c; }

    CArmPose pose_;
    DetectorGrid grid_;
    CArmFrame frame_;
    FluoroSettings settings_;
    double kVp_ = 0.0, centralWaterMm_ = 0.0, quantaPerGy_ = 0.0, metered_ = 0.0, lo_ = 0.0, hi_ = 1.0;
    int c0_ = 0, c1_ = 0, r0_ = 0, r1_ = 0;
    std::vector<double> energy_, weight_;
    std::vector<float> basis_[kTissueBasisCount], water_, transmission_, scatter_;
};

// The intermediate images of one pulse (stages 1, 3, 4, 6 above), for tests and the GPU port.
struct FluoroStages {
    GreyImage primaryTransmission;  // T
    GreyImage quanta;               // N after noise
    GreyImage logSignal;            // s
    GreyImage display;              // the returned image
};

// One pulse: the display image in [0,1] (8-bit steps). seed: the pulse's noise seed (from the
// simulation state). Deterministic; rows on up to settings.threads workers.
GreyImage composeFluoroImage(const FluoroscopeView& view, const FrameContents& frame, const FluoroMode& mode,
                             uint64_t seed, FluoroStages* stages = nullptr);

// The whole image taken, building the view (use Fluoroscope to keep it between pulses).
GreyImage takeFluoroImage(const patient::Patient& patient, const CArmPose& pose, const DetectorGrid& grid,
                          const FrameContents& frame, const FluoroMode& mode, uint64_t seed,
                          const FluoroSettings& settings = {});

// Keeps the view while the C-arm, detector and settings stay as they were.
class Fluoroscope {
public:
    GreyImage takeImage(const patient::Patient& patient, const CArmPose& pose, const DetectorGrid& grid,
                        const FrameContents& frame, const FluoroMode& mode, uint64_t seed,
                        const FluoroSettings& settings = {}, FluoroStages* stages = nullptr);
    const FluoroscopeView* view() const { return view_.get(); }
    int viewsBuilt() const { return viewsBuilt_; }

private:
    std::unique_ptr<FluoroscopeView> view_;
    const patient::Patient* patient_ = nullptr;
    int viewsBuilt_ = 0;
};

}  // namespace irsim::imaging
