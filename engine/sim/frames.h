#pragma once
// Pixels of the images a session takes, on the CPU (the reference the GPU monitor is tested
// against): the physics fluoroscopy of imaging/fluoroscope.h with the procedure's devices and the
// contrast in the arteries; DSA frames as log subtractions of the run's mask; the roadmap as a
// subtracted last-image-hold (white vessels, dark devices); CT acquisitions as an axial slice with the devices drawn in (frames.cpp).
#include <algorithm>
#include <map>

#include "core/image_io.h"
#include "imaging/ct_slice.h"
#include "imaging/fluoroscope.h"
#include "sim/session.h"

namespace irsim::sim {

constexpr int kReportImagePixels = 512;

// DSA display: a flat grey background, iodine dark. Log-signal difference d (ln units, live - mask)
// maps to grey = clamp(background - d / dsaBlackAtLn * background, 0, 1): d = dsaBlackAtLn is
// black. 0.4 ln units is about 13 mg/cm^2 of iodine at 70 kVp (a 3 mm hepatic artery at 150 mg/ml
// shows near-black, a 1 mm branch mid-grey).
constexpr double kDsaBackground = 0.8;
constexpr double kDsaBlackAtLn = 0.4;
// Roadmap display: a mid-grey subtracted background, the stored run's iodine white, what the live
// pulses add over the run's mask (a wire, a microcatheter) dark, black at kRoadmapBlackAtLn: twice
// DSA's gain, as roadmap programmes raise the device contrast (a display choice, estimated).
constexpr double kRoadmapBackground = 0.5;
constexpr double kRoadmapBlackAtLn = 0.2;
constexpr int kRoadmapPulsesAveraged = 4;
// A roadmap's stored layers, what the live pulses are composed with: the DSA run's mask (log
// signal) and its peak-opacification frame (DSA display greys).
struct RoadmapLayers {
    GreyImage maskLog, peak;
};
// The roadmap's grey of a log-signal difference d = live - mask where the peak DSA frame shows
// `peakGrey` (its iodine: 0 on the flat background, 1 where black), before clamping and 8-bit
// steps. shaders/fluoro_present.comp computes the same on the GPU.
inline double roadmapGrey(double d, double peakGrey) {
    const double iodine = std::clamp(1.0 - peakGrey / kDsaBackground, 0.0, 1.0);
    return kRoadmapBackground * (1.0 - d / kRoadmapBlackAtLn) + (1.0 - kRoadmapBackground) * iodine;
}
// The roadmap display of a live log signal: closed shutters black, elsewhere roadmapGrey in 8-bit steps.
GreyImage roadmapDisplay(const imaging::FluoroscopeView& view, const GreyImage& liveLog, const RoadmapLayers& layers);
// CT numbers drawn for what the CT does not hold: steel saturates the 12-bit CT scale (3071 HU);
// bone cement with ~30% BaSO4 shows ~2000-3000 HU; iodine adds ~26 HU per mg/ml at 120 kVp (Bae
// 2010, Radiology 256:32).
constexpr float kCtMetalHu = 3071.0f;
constexpr float kCtCementHu = 2500.0f;
constexpr double kCtHuPerMgIodinePerMl = 26.0;
constexpr double kCtFieldOfViewMm = 400.0;

class ImageRenderer {
public:
    // Renders image `index` of the session as it is now (call it when the image is taken).
    // A stored image repeats the image it stores; a recalled one the image it recalls (when this
    // renderer rendered it).
    GreyImage render(const Session& session, size_t index);

    // The log signal (stage 4 of imaging/fluoroscope.h) of a DSA mask this renderer took.
    const GreyImage* maskLogSignal(size_t index) const;
    // The layers of a roadmap on DSA frame `dsaIndex` (the GPU monitor composes its live pulses
    // with them); false when this renderer did not render that frame.
    bool roadmapLayers(const Session& session, size_t dsaIndex, RoadmapLayers& out);

private:
    GreyImage renderDsa(const Session& session, size_t index);
    GreyImage renderRoadmap(const Session& session, size_t index);
    bool roadmapLayers(const Session& session, size_t dsaIndex, const ImageTaken& at, RoadmapLayers& out);
    // The log signal of a DSA run's mask; one taken now of `unseen` (into fallback) when this
    // renderer did not see it.
    const GreyImage& runMask(const Session& session, const ImageTaken& taken, int maskIndex,
                             const imaging::FrameContents& unseen, GreyImage& fallback);
    GreyImage renderCt(const Session& session, size_t index);

    imaging::Fluoroscope fluoroscope_;
    GreyImage last_;
    std::map<size_t, GreyImage> kept_;     // images that may be recalled or overlaid
    std::map<size_t, GreyImage> maskLog_;  // DSA masks' log signals
};

// The noise seed of an image: a function of the scenario's seed and the image's index only.
uint64_t imageNoiseSeed(const Session& session, size_t index);

// A CT acquisition's window by its name ("liver", "bone", "lung"; soft tissue otherwise).
imaging::WindowLevel ctWindowNamed(const std::string& name);
// The plane of the slice a CT acquisition shows (axial, through its ctSliceZMm).
imaging::SlicePlane ctSlicePlane(const Session& session, const ImageTaken& ct);
// The axial slice of a CT acquisition (HU), devices and contrast drawn in, and its plane.
GreyImage ctSliceHu(const Session& session, const ImageTaken& ct, imaging::SlicePlane* plane = nullptr);

// A piece of a contour on a slice, in the plane's pixel units: x along its columns, y along its
// rows, pixel (c, r) covering [c, c+1) x [r, r+1).
struct SliceSegment {
    glm::dvec2 a{0.0}, b{0.0};
};
// Where the contour crosses its level on the plane: marching squares over the plane sampled at
// the contour's spacing, the crossing placed by linear interpolation between samples.
std::vector<SliceSegment> contourOnSlice(const CtOverlayContour& contour, const imaging::SlicePlane& plane);

}  // namespace irsim::sim
