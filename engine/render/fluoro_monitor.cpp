#include "render/fluoro_monitor.h"

#include "shared.h"

namespace irsim::render {

namespace {

const uint32_t kDisplaySpirv[] =
#include "fluoro_display.comp.inc"
    ;

static_assert(sizeof(gpu::FluoroDisplayPush) == 48, "FluoroDisplayPush must match shaders/shared.h");

}  // namespace

bool samePose(const imaging::CArmPose& a, const imaging::CArmPose& b) {
    return a.laoDeg == b.laoDeg && a.cranDeg == b.cranDeg && a.isocentre == b.isocentre &&
           a.sourceToIsocentreMm == b.sourceToIsocentreMm && a.sourceToImageMm == b.sourceToImageMm &&
           a.detectorWidthMm == b.detectorWidthMm && a.detectorHeightMm == b.detectorHeightMm;
}

FluoroMonitor::FluoroMonitor(Context& ctx, GpuDrr& drr, const FluoroMonitorDef& def)
    : ctx_(ctx),
      drr_(drr),
      def_(def),
      kernel_(ctx, kDisplaySpirv, sizeof(kDisplaySpirv),
              {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE},
              sizeof(gpu::FluoroDisplayPush)) {
    full_ = drr.makeTarget({def.resolution, def.resolution});
    preview_ = drr.makeTarget({def.previewResolution, def.previewResolution});
    const auto n = static_cast<uint32_t>(def.resolution);
    display_ = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {n, n, 1},
                               VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_SAMPLED_BIT |
                                   VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    ctx.submitAndWait([&](VkCommandBuffer cmd) {
        transitionImage(cmd, display_.image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                        VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_TRANSFER_WRITE_BIT);
        // A dark monitor until the first pulse.
        VkClearColorValue black{};
        black.float32[3] = 1.0f;
        VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        vkCmdClearColorImage(cmd, display_.image, VK_IMAGE_LAYOUT_GENERAL, &black, 1, &range);
    });
    for (auto [target, set] : {std::pair{full_.get(), &fullSet_}, std::pair{preview_.get(), &previewSet_}}) {
        *set = kernel_.allocateSet();
        writeImageDescriptor(ctx.device(), *set, DISPLAY_BINDING_PATH, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
                             target->image().view, drr.linearSampler(), VK_IMAGE_LAYOUT_GENERAL);
        writeImageDescriptor(ctx.device(), *set, DISPLAY_BINDING_OUT, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,
                             display_.view, VK_NULL_HANDLE, VK_IMAGE_LAYOUT_GENERAL);
    }
}

FluoroMonitor::~FluoroMonitor() { ctx_.release(display_); }

void FluoroMonitor::invalidate() { fullValid_ = previewValid_ = false; }

void FluoroMonitor::recordPulse(VkCommandBuffer cmd, const FluoroPulse& pulse) {
    VkDescriptorSet set = fullSet_;
    if (pulse.moving) {
        if (!previewValid_ || !samePose(previewPose_, pulse.pose)) {
            drr_.recordPath(cmd, *preview_, pulse.pose, def_.previewStepMm, 0, def_.previewResolution);
            previewPose_ = pulse.pose;
            previewValid_ = true;
            ++previewMarches_;
        }
        set = previewSet_;
    } else if (!fullValid_ || !samePose(fullPose_, pulse.pose)) {
        drr_.recordPath(cmd, *full_, pulse.pose, def_.stepMm, 0, def_.resolution);
        fullPose_ = pulse.pose;
        fullValid_ = true;
        ++fullMarches_;
    }
    const FluoroDisplayParams p = fluoroDisplayParams(pulse.pose, pulse.kvp, pulse.centralWaterMm,
                                                      def_.resolution, def_.resolution, pulse.pulseNumber,
                                                      pulse.noise);
    gpu::FluoroDisplayPush push{};
    push.transfer = {p.muWaterPerMm, p.quantaUnattenuated, p.windowWhite, p.windowBlack};
    push.shutter = {p.halfOpenX, p.halfOpenY, p.shutterGrey, p.noise ? 1.0f : 0.0f};
    push.size = {p.cols, p.rows, static_cast<int>(p.seed), 0};
    // The previous frame's monitor draw (fragment) and any read-back finish before we overwrite.
    VkMemoryBarrier before{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    before.srcAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
    before.dstAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &before, 0, nullptr, 0, nullptr);
    kernel_.bind(cmd, set, &push);
    vkCmdDispatch(cmd, (p.cols + DISPLAY_GROUP - 1) / DISPLAY_GROUP, (p.rows + DISPLAY_GROUP - 1) / DISPLAY_GROUP, 1);
    VkMemoryBarrier after{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    after.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    after.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &after,
                         0, nullptr, 0, nullptr);
}

}  // namespace irsim::render
