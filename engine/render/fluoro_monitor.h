#pragma once
// The physics fluoroscope on the GPU: imaging/fluoroscope.h stage by stage, split as the CPU
// splits it (docs/rendering.md).
//  * Per pose (the C-arm stands still): the view. fluoro_view.comp marches the patient's basis
//    composition (a 3D texture of soft-tissue, fat and bone g/cm^3 and water-equivalent density
//    per voxel, from imaging::TissueTable) along drr.h's rays: basis path integrals, water path,
//    anatomy transmission T and the scatter source; box_filter.comp blurs the scatter (stage 2);
//    the metering field's median log signal is read back (stage 6's m). The AEC's kVp, the
//    spectrum and the quanta per Gy come from imaging::FluoroscopeView on a one-pixel grid (its
//    central ray is this view's central ray), so they are the CPU's numbers.
//  * Per pulse: fluoro_compose.comp adds the frame's devices and agents (imaging/radiopaque.h
//    FrameContents, binned on the CPU into spans of 8 pixels of a row that the band around each
//    projected device reaches) per pixel; fluoro_noise.comp draws
//    the Poisson counts with irsim::Rng per row as the CPU does (one invocation per row) and
//    takes the log, then the edge and latitude box means along its row; fluoro_present.comp
//    the means down each column, the display window, 8-bit steps and shutters,
//    or under a roadmap (setRoadmap) the log signal minus the DSA run's mask with the run's
//    arteries white, as sim::roadmapDisplay composes it on the CPU.
// While the C-arm moves, a lower-resolution chain (previewResolution, previewStepMm, rays clipped
// to the body's box, a volume of 2x2x2-voxel means for CTs finer than 2 mm) does the same and is
// upscaled into the display image. When it stops at a new pose and the full view is built
// progressively, a half-resolution chain (the CT's own voxels, a step of one voxel, rays clipped to
// the body) gives the first image at once: at 1024^2 its pixels still sample the patient finer
// than the CT's voxels, so it shows what the full view will show, at a fraction of its cost.
//
// Units: mm, patient LPS (volume.h); image row 0 at the top (drr.h). The display image is RGBA8,
// VK_IMAGE_LAYOUT_GENERAL, ready for a fragment shader after recordPulse(). The CT and labels
// passed to the constructor must outlive the monitor.
#include <array>
#include <cstdint>
#include <memory>

#include "core/image_io.h"
#include "imaging/dose.h"
#include "imaging/fluoroscope.h"
#include "imaging/radiopaque.h"
#include "patient/materials.h"
#include "patient/volume.h"
#include "render/context.h"
#include "render/kernel.h"
#include "shared.h"
#include "sim/frames.h"

namespace irsim::render {

struct FluoroMonitorDef {
    int resolution = 1024;        // display and full-quality view, pixels a side
    int previewResolution = 192;  // view while the C-arm moves
    double previewStepMm = 2.5;
    imaging::FluoroSettings settings{};  // physics; settings.stepMm is the full-quality step
    // > 0: when the C-arm stops at a new pose, recordPulse builds the half-resolution view at once
    // (when that is finer than the preview) and shows it, and marches the full view this many rows
    // per pulse meanwhile (the window: no frame waits for a whole view).
    // 0: the whole view at once (tests, benchmarks, takeImage).
    int progressiveRows = 0;
    int roadmapResolution = sim::kReportImagePixels;  // side of the roadmap layers setRoadmap takes
};

struct FluoroPulse {
    imaging::CArmPose pose;
    imaging::FrameContents contents;  // devices and agents of this frame
    imaging::FluoroMode mode = imaging::FluoroMode::fluoroNormal();
    uint64_t seed = 0;                // the pulse's noise seed (sim::imageNoiseSeed)
    bool moving = false;              // the C-arm or table is moving: preview view
};

// The intermediate images of one pulse read back from the GPU (imaging::FluoroStages's
// counterparts), for tests.
struct GpuFluoroStages {
    GreyImage primaryTransmission, quanta, logSignal, display;
    GreyImage viewTransmission, viewScatter;  // the per-pose cache: T of the anatomy, S
};

class FluoroMonitor {
public:
    // labels may be null or empty (HU rule alone); else the same geometry as ct. materials says what
    // each label is made of (patient::materialsOf(patient)); the default reads labels named by
    // patient::irsimLabels().
    FluoroMonitor(Context& ctx, const patient::CtVolume& ct, const patient::LabelMap* labels,
                  const FluoroMonitorDef& def = {},
                  const patient::MaterialTable& materials = patient::irsimMaterials());
    ~FluoroMonitor();
    FluoroMonitor(const FluoroMonitor&) = delete;
    FluoroMonitor& operator=(const FluoroMonitor&) = delete;

    // Builds the view when the pose is not cached (submits and waits: a pose change costs one
    // view, or with def.progressiveRows a band per pulse while the preview shows), then records
    // the pulse into cmd. Call at most once per frame slot.
    void recordPulse(VkCommandBuffer cmd, const FluoroPulse& pulse);
    // With def.progressiveRows: call every frame without a new pulse. Marches the next band of a
    // pending full view; when the view is complete, records the last pulse again at full quality
    // and returns true (the display changed).
    bool refine(VkCommandBuffer cmd);
    // One pulse computed and read back at full resolution (tests, benchmarks).
    GreyImage takeImage(const FluoroPulse& pulse, GpuFluoroStages* stages = nullptr);

    // The subtracted roadmap: from now every pulse is shown as sim::roadmapDisplay shows it on
    // the CPU (live log signal minus the layers' mask, the peak frame's iodine white), until
    // clearRoadmap. The layers are def.roadmapResolution a side (sampled bilinearly by other chain
    // sizes); uploaded once here (waits for the GPU).
    void setRoadmap(const sim::RoadmapLayers& layers);
    void clearRoadmap() { roadmapOn_ = false; }
    bool roadmapOn() const { return roadmapOn_; }

    // The CT's composition volumes are made at the first view, or here, earlier: the window makes
    // them after its first frame, which needs none (a 1.5 mm phantom's is ~0.2 s of CPU).
    void uploadVolumes();

    const Image& display() const;
    const FluoroMonitorDef& def() const { return def_; }
    // Views built so far (full, preview, half-resolution first images): the cache at work.
    int fullViews() const { return fullViews_; }
    int previewViews() const { return previewViews_; }
    int firstViews() const { return firstViews_; }
    double kVp() const;  // of the full view last built (0 before)
    // GPU timestamps around the per-pulse stages (benchmarks): ms of devices (T), noise, log and
    // row box means, the barrier after them, display, for the last pulse recorded after
    // enableProfiling().
    void enableProfiling();
    std::array<double, 4> lastPulseStageMs() const;

    struct Chain;  // the images and descriptor sets of one resolution (fluoro_monitor.cpp)

private:
    void buildView(Chain& chain, const imaging::CArmPose& pose, double stepMm, bool clipToBody);
    // buildView in three parts: the CPU's numbers and cleared images; rows of the march (open-field
    // rows from firstRow); the scatter blur and the metered median.
    void prepareView(Chain& chain, const imaging::CArmPose& pose, double stepMm, bool clipToBody);
    void recordViewRows(VkCommandBuffer cmd, Chain& chain, int firstRow, int rowCount);
    void finishView(Chain& chain);
    void recordChain(VkCommandBuffer cmd, Chain& chain, const FluoroPulse& pulse, bool writeStages);
    void uploadComposition();

    Context& ctx_;
    const patient::CtVolume& ct_;
    const patient::LabelMap* labels_;
    patient::MaterialTable materials_;
    FluoroMonitorDef def_;
    ComputeKernel view_, box_, compose_, noise_, present_;
    VkSampler linear_ = VK_NULL_HANDLE;
    Image roadmap_;  // rg32f: mask log signal, peak grey (setRoadmap)
    bool roadmapOn_ = false;
    Image composition_, previewComposition_;   // the preview's is 2x2x2 means, for CTs under 2 mm
    bool volumesUploaded_ = false;             // the two above are bound from the start, filled by uploadVolumes
    patient::VolumeGeometry previewGeometry_;  // of the volume the preview marches
    glm::vec3 bodyLoQ_{0.0f}, bodyHiQ_{0.0f};  // voxel-coordinate box of the body (HU > -500)
    glm::vec3 previewBodyLoQ_{0.0f}, previewBodyHiQ_{0.0f};  // the same in previewGeometry_
    std::unique_ptr<Chain> full_, preview_, first_;  // first_: only with progressiveRows
    std::unique_ptr<FluoroPulse> lastPulse_;  // for refine()
    int fullViews_ = 0, previewViews_ = 0, firstViews_ = 0;
    VkQueryPool profile_ = VK_NULL_HANDLE;
};


}  // namespace irsim::render
