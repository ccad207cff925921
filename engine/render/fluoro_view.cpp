// Building a pose's view for the GPU fluoroscope: the ray march through the patient's composition
// (in one submit, or row bands for progressive refinement) and the scatter estimate that follows
// it. The pulse ring (fluoro_monitor.cpp) calls it when the pose is not cached.
#include <cmath>
#include <cstring>

#include "render/fluoro_monitor_parts.h"

namespace irsim::render {

void FluoroMonitor::buildView(Chain& c, const imaging::CArmPose& pose, double stepMm, bool clipToBody) {
    prepareView(c, pose, stepMm, clipToBody);
    ctx_.submitAndWait([&](VkCommandBuffer cmd) { recordViewRows(cmd, c, 0, c.r1 - c.r0); });
    finishView(c);
}

void FluoroMonitor::prepareView(Chain& c, const imaging::CArmPose& pose, double stepMm, bool clipToBody) {
    uploadVolumes();
    const imaging::FluoroSettings& st = def_.settings;
    const int n = c.size;
    const imaging::DetectorGrid grid{n, n};
    // The AEC, spectrum and quanta: the CPU view of the central ray alone (a 1x1 grid's only pixel
    // is the detector centre).
    imaging::FluoroSettings probeSettings = st;
    probeSettings.stepMm = def_.settings.stepMm;
    probeSettings.threads = 1;
    const imaging::FluoroscopeView probe(ct_, labels_, materials_, pose, {1, 1}, probeSettings);
    c.kVp = probe.kVp();
    c.quantaPerGy = probe.quantaPerGy() / (pose.detectorWidthMm * pose.detectorHeightMm / 100.0) *
                    (pose.detectorWidthMm / n * pose.detectorHeightMm / n / 100.0);
    c.bins = static_cast<int>(std::min<size_t>(probe.binKeV().size(), FLUORO_MAX_BINS));
    // Open field (stage 7).
    c.c0 = n, c.c1 = 0, c.r0 = n, c.r1 = 0;
    for (int i = 0; i < n; ++i) {
        if (std::abs((i + 0.5) / n - 0.5) <= 0.5 * pose.collimationX) c.c0 = std::min(c.c0, i), c.c1 = i + 1;
        if (std::abs((i + 0.5) / n - 0.5) <= 0.5 * pose.collimationY) c.r0 = std::min(c.r0, i), c.r1 = i + 1;
    }
    if (c.c1 <= c.c0 || c.r1 <= c.r0) c.c0 = c.c1 = c.r0 = c.r1 = 0;

    // The spectrum buffer may be read by a pulse still in flight.
    vkQueueWaitIdle(ctx_.queue());
    auto* spec = static_cast<gpu::FluoroSpectrum*>(c.spectrum.mapped);
    std::memset(spec, 0, sizeof(*spec));
    const patient::VolumeGeometry& g = c.preview ? previewGeometry_ : ct_.geometry;
    const bool coarse = c.preview && previewComposition_.image;
    spec->clipLo = clipToBody ? glm::vec4(coarse ? previewBodyLoQ_ : bodyLoQ_, 0.0f) : glm::vec4(-0.5f, -0.5f, -0.5f, 0.0f);
    spec->clipHi = clipToBody ? glm::vec4(coarse ? previewBodyHiQ_ : bodyHiQ_, 0.0f) : v4(glm::dvec3(g.dims) - 0.5);
    for (int i = 0; i < c.bins; ++i) {
        const double e = probe.binKeV()[i];
        spec->bin[i] = glm::vec4(static_cast<float>(probe.binWeight()[i]),
                                 static_cast<float>(imaging::massAttenuation(imaging::kTissueBasisMaterial[0], e)),
                                 static_cast<float>(imaging::massAttenuation(imaging::kTissueBasisMaterial[1], e)),
                                 static_cast<float>(imaging::massAttenuation(imaging::kTissueBasisMaterial[2], e)));
        for (int m = 0; m < FLUORO_MATERIALS; ++m)
            spec->mu[4 * i + m / 4][m % 4] =
                static_cast<float>(imaging::massAttenuation(static_cast<imaging::Material>(m), e));
    }

    // Scatter (stage 2): SPR per cm of water for this field.
    double perCm = 0.0;
    if (st.scatter && c.c1 > c.c0) {
        const double toIso = pose.sourceToIsocentreMm / pose.sourceToImageMm;
        const double fieldCm2 = pose.detectorWidthMm * (c.c1 - c.c0) / n * toIso * pose.detectorHeightMm *
                                (c.r1 - c.r0) / n * toIso / 100.0;
        perCm = st.sprPerCmWater * (1.0 - std::exp(-std::sqrt(fieldCm2) / st.fieldSaturationCm)) *
                st.gridScatterTransmission / st.beam.gridPrimaryTransmission;
    }
    const imaging::CArmFrame frame = imaging::frameOf(pose);
    const glm::dvec3 q0 = g.patientToVoxel(frame.source);
    gpu::FluoroViewPush push{};
    push.sourceQ = v4(q0, stepMm);
    push.firstPixelDq = v4(g.patientToVoxel(imaging::detectorPixelCentre(frame, pose, grid, 0.0, 0.0)) - q0);
    push.colStepQ = v4(voxelDelta(g, frame.imageRight * (pose.detectorWidthMm / n)));
    push.rowStepQ = v4(voxelDelta(g, -frame.imageUp * (pose.detectorHeightMm / n)));
    push.spacingMm = v4(g.spacing, perCm);
    push.dims = v4(glm::dvec3(g.dims), c.bins);
    push.open = {c.c0, c.c1, c.r0, c.r1};
    c.viewPush = push;
    c.perCm = perCm;
    c.valid = false;
    c.pose = pose;
    ctx_.submitAndWait([&](VkCommandBuffer cmd) {
        barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
                VK_ACCESS_TRANSFER_WRITE_BIT);
        VkClearColorValue zero{};
        VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        for (Image* im : {&c.basis, &c.transmission, &c.scatterA})
            vkCmdClearColorImage(cmd, im->image, VK_IMAGE_LAYOUT_GENERAL, &zero, 1, &range);
        barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    });
}

void FluoroMonitor::recordViewRows(VkCommandBuffer cmd, Chain& c, int firstRow, int rowCount) {
    const int openW = c.c1 - c.c0;
    rowCount = std::min(rowCount, c.r1 - c.r0 - firstRow);
    if (openW <= 0 || rowCount <= 0) return;
    gpu::FluoroViewPush push = c.viewPush;
    push.firstPixelDq.w = static_cast<float>(firstRow);
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_WRITE_BIT);
    view_.bind(cmd, c.viewSet, &push);
    vkCmdDispatch(cmd, (openW + DRR_GROUP - 1) / DRR_GROUP, (rowCount + DRR_GROUP - 1) / DRR_GROUP, 1);
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
}

void FluoroMonitor::finishView(Chain& c) {
    const imaging::FluoroSettings& st = def_.settings;
    const int openW = c.c1 - c.c0, openH = c.r1 - c.r0;
    const double perCm = c.perCm;
    const int radius = static_cast<int>(std::lround(st.scatterBlurFraction * c.size));
    if (perCm > 0.0 && radius > 0 && openW > 0) {
        ctx_.submitAndWait([&](VkCommandBuffer cmd) {
            for (int pass = 0; pass < 2; ++pass) {
                for (int vertical = 0; vertical < 2; ++vertical) {
                    computeToCompute(cmd);
                    gpu::BoxFilterPush bp{{c.c0, c.c1, c.r0, c.r1}, {radius, 0, vertical, 0}};
                    box_.bind(cmd, vertical ? c.scatterV : c.scatterH, &bp);
                    vkCmdDispatch(cmd, ((vertical ? openW : openH) + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
                }
            }
            barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
        });
    }

    // Automatic brightness (stage 6): the median noiseless log signal of the metering field.
    const GreyImage t = readChannel(ctx_, c.transmission, 0);
    const GreyImage s = readChannel(ctx_, c.scatterA, 0);
    std::vector<float> metered;
    const int mc0 = c.c0 + openW / 4, mc1 = c.c1 - openW / 4, mr0 = c.r0 + openH / 4, mr1 = c.r1 - openH / 4;
    for (int r = mr0; r < mr1; ++r)
        for (int col = mc0; col < mc1; ++col)
            metered.push_back(static_cast<float>(
                -std::log(std::max(1e-30, double(t.at(col, r)) + (perCm > 0.0 ? s.at(col, r) : 0.0f)))));
    double median = 0.0;
    if (!metered.empty()) {
        std::nth_element(metered.begin(), metered.begin() + metered.size() / 2, metered.end());
        median = metered[metered.size() / 2];
    }
    c.median = median;
    c.lo = median - st.windowBelow;
    c.hi = median + st.windowAbove;
    c.valid = true;
}

}  // namespace irsim::render
