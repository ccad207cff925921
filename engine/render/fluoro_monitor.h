#pragma once
// The fluoroscopy monitor on the GPU: the anatomy (water path, render/drr_gpu.h) is cached per
// C-arm pose, so a pulse with the C-arm standing still costs only the display pass (noise, log,
// window; render/fluoro_display.h); while the C-arm moves the anatomy is marched at a lower
// preview resolution and upscaled. The display image is RGBA8, in VK_IMAGE_LAYOUT_GENERAL, ready
// to be sampled by a fragment shader after recordPulse().
#include <memory>

#include "render/drr_gpu.h"
#include "render/fluoro_display.h"

namespace irsim::render {

struct FluoroMonitorDef {
    int resolution = 1024;        // display and full-quality anatomy, pixels a side
    int previewResolution = 256;  // anatomy while the C-arm moves
    double stepMm = 1.0;          // ray-march step at full quality
    double previewStepMm = 2.0;
};

struct FluoroPulse {
    imaging::CArmPose pose;
    double kvp = 80.0;
    double centralWaterMm = 200.0;  // water path along the central ray (SimState::centralRayWaterMm)
    uint32_t pulseNumber = 0;       // noise seed
    bool noise = true;
    bool moving = false;            // the C-arm or table is moving: preview anatomy
};

class FluoroMonitor {
public:
    FluoroMonitor(Context& ctx, GpuDrr& drr, const FluoroMonitorDef& def = {});
    ~FluoroMonitor();

    // Records the anatomy march when the pose is not cached, then the display pass.
    void recordPulse(VkCommandBuffer cmd, const FluoroPulse& pulse);
    // Forget the cached anatomy (after GpuDrr::setVolume).
    void invalidate();

    const Image& display() const { return display_; }
    const FluoroMonitorDef& def() const { return def_; }
    // Anatomy marches recorded so far (full, preview): the cache at work.
    int fullMarches() const { return fullMarches_; }
    int previewMarches() const { return previewMarches_; }

private:
    Context& ctx_;
    GpuDrr& drr_;
    FluoroMonitorDef def_;
    ComputeKernel kernel_;
    std::unique_ptr<PathTarget> full_, preview_;
    VkDescriptorSet fullSet_ = VK_NULL_HANDLE, previewSet_ = VK_NULL_HANDLE;
    Image display_;
    bool fullValid_ = false, previewValid_ = false;
    imaging::CArmPose fullPose_, previewPose_;
    int fullMarches_ = 0, previewMarches_ = 0;
};

// True when two poses give the same projection (every geometric field equal).
bool samePose(const imaging::CArmPose& a, const imaging::CArmPose& b);

}  // namespace irsim::render
