#include "render/fluoro_monitor.h"


#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "imaging/parallel.h"
#include "imaging/tissue.h"
#include "render/drr_gpu.h"
#include "render/fluoro_monitor_parts.h"
#include "render/volume_upload.h"
#include "shared.h"

namespace irsim::render {

namespace {

const uint32_t kViewSpirv[] =
#include "fluoro_view.comp.inc"
    ;
const uint32_t kBoxSpirv[] =
#include "box_filter.comp.inc"
    ;
const uint32_t kComposeSpirv[] =
#include "fluoro_compose.comp.inc"
    ;
const uint32_t kNoiseSpirv[] =
#include "fluoro_noise.comp.inc"
    ;
const uint32_t kPresentSpirv[] =
#include "fluoro_present.comp.inc"
    ;

static_assert(sizeof(gpu::FluoroViewPush) == 112, "FluoroViewPush must match shaders/shared.h");
static_assert(sizeof(gpu::BoxFilterPush) == 32, "BoxFilterPush must match shaders/shared.h");
static_assert(sizeof(gpu::FluoroSpectrum) == 32 + 16 * FLUORO_MAX_BINS + 64 * FLUORO_MAX_BINS,
              "FluoroSpectrum must match shaders/shared.h (std430)");
static_assert(sizeof(gpu::FluoroPulseHeader) == 288, "FluoroPulseHeader must match shaders/shared.h");
static_assert(sizeof(gpu::FluoroPrimitive) == 416, "FluoroPrimitive must match shaders/shared.h");
static_assert(static_cast<int>(imaging::Material::Count) == FLUORO_MATERIALS && FLUORO_MATERIALS <= 16,
              "FLUORO_MATERIALS");

}  // namespace


FluoroMonitor::FluoroMonitor(Context& ctx, const patient::CtVolume& ct, const patient::LabelMap* labels,
                             const FluoroMonitorDef& def, const patient::MaterialTable& materials)
    : ctx_(ctx),
      ct_(ct),
      labels_(labels && labels->voxels.size() == ct.voxels.size() && !labels->voxels.empty() ? labels : nullptr),
      materials_(materials),
      def_(def),
      view_(ctx, kViewSpirv, sizeof(kViewSpirv),
            {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,
             VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
            sizeof(gpu::FluoroViewPush)),
      box_(ctx, kBoxSpirv, sizeof(kBoxSpirv), {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE},
           sizeof(gpu::BoxFilterPush)),
      compose_(ctx, kComposeSpirv, sizeof(kComposeSpirv),
               {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,
                VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
               0),
      noise_(ctx, kNoiseSpirv, sizeof(kNoiseSpirv),
             {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,
              VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
             sizeof(gpu::BoxFilterPush)),
      present_(ctx, kPresentSpirv, sizeof(kPresentSpirv),
               {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,
                VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE},
               sizeof(gpu::BoxFilterPush)) {
    if (ct.geometry.voxelCount() == 0 || ct.voxels.size() != ct.geometry.voxelCount())
        throw VulkanError("FluoroMonitor: empty CT or voxel count does not match its dims",
                          VK_ERROR_INITIALIZATION_FAILED);
    linear_ = ctx.createSampler(VK_FILTER_LINEAR);
    // The volumes the views march, bound to the chains below and filled by uploadVolumes.
    const auto& g = ct.geometry;
    composition_ = createVolume(ctx, VK_FORMAT_R32G32B32A32_SFLOAT, g.dims);
    previewGeometry_ = g;
    if (std::min({g.spacing.x, g.spacing.y, g.spacing.z}) < 2.0) {
        // Block (I, J, K) averages voxels 2I..2I+1 (fewer at an odd edge); its centre is the mean
        // of theirs, at continuous index 2I + 0.5 of the CT.
        previewGeometry_.dims = (g.dims + 1) / 2;
        previewGeometry_.spacing = g.spacing * 2.0;
        previewGeometry_.origin = g.voxelToPatient(glm::dvec3(0.5));
        previewComposition_ = createVolume(ctx, VK_FORMAT_R32G32B32A32_SFLOAT, previewGeometry_.dims);
    }
    if (def.roadmapResolution < 1)
        throw VulkanError("FluoroMonitor: roadmapResolution must be at least 1", VK_ERROR_INITIALIZATION_FAILED);
    const uint32_t roadmapSide = static_cast<uint32_t>(def.roadmapResolution);
    roadmap_ = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32G32_SFLOAT, {roadmapSide, roadmapSide, 1},
                               VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    ctx.submitAndWait([&](VkCommandBuffer cmd) {
        transitionImage(cmd, roadmap_.image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                        VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT);
        VkClearColorValue zero{};
        VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        vkCmdClearColorImage(cmd, roadmap_.image, VK_IMAGE_LAYOUT_GENERAL, &zero, 1, &range);
        barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT);
    });
    auto makeChain = [&](int size, bool preview) {
        auto c = std::make_unique<Chain>();
        c->size = size;
        c->preview = preview;
        const Image& volume = preview && previewComposition_.image ? previewComposition_ : composition_;
        const VkExtent3D e{static_cast<uint32_t>(size), static_cast<uint32_t>(size), 1};
        const VkImageUsageFlags usage = VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT |
                                        VK_IMAGE_USAGE_TRANSFER_DST_BIT;
        c->basis = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32G32B32A32_SFLOAT, e, usage);
        for (Image* im : {&c->transmission, &c->primary})
            *im = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32_SFLOAT, e, usage);
        for (Image* im : {&c->scatterA, &c->scatterB, &c->signal, &c->boxTemp})
            *im = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32G32_SFLOAT, e, usage);
        c->display = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, e,
                                     usage | VK_IMAGE_USAGE_SAMPLED_BIT);
        ctx.submitAndWait([&](VkCommandBuffer cmd) {
            for (Image* im : {&c->basis, &c->transmission, &c->scatterA, &c->scatterB, &c->signal, &c->boxTemp,
                              &c->primary, &c->display}) {
                transitionImage(cmd, im->image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                                VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                                VK_ACCESS_TRANSFER_WRITE_BIT);
                VkClearColorValue zero{};
                zero.float32[3] = 1.0f;  // the display: black, opaque, until the first pulse
                VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
                vkCmdClearColorImage(cmd, im->image, VK_IMAGE_LAYOUT_GENERAL, &zero, 1, &range);
            }
            barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                    VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                    VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        });
        c->spectrum = ctx.createBuffer(sizeof(gpu::FluoroSpectrum), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, true);
        VkDevice d = ctx.device();
        c->viewSet = view_.allocateSet();
        writeImageDescriptor(d, c->viewSet, VIEW_BINDING_COMPOSITION, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
                             volume.view, linear_, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
        writeStorage(d, c->viewSet, VIEW_BINDING_BASIS, c->basis);
        writeStorage(d, c->viewSet, VIEW_BINDING_TRANSMISSION, c->transmission);
        writeStorage(d, c->viewSet, VIEW_BINDING_SCATTER, c->scatterA);
        writeBuffer(d, c->viewSet, VIEW_BINDING_SPECTRUM, c->spectrum.buffer, 0, sizeof(gpu::FluoroSpectrum));
        auto boxSet = [&](const Image& in, const Image& out) {
            VkDescriptorSet s = box_.allocateSet();
            writeStorage(d, s, BOX_BINDING_IN, in);
            writeStorage(d, s, BOX_BINDING_OUT, out);
            return s;
        };
        c->scatterH = boxSet(c->scatterA, c->scatterB);
        c->scatterV = boxSet(c->scatterB, c->scatterA);
        for (int k = 0; k < kPulseSlots; ++k) {
            c->composeSet[k] = compose_.allocateSet();
            writeStorage(d, c->composeSet[k], COMPOSE_BINDING_BASIS, c->basis);
            writeStorage(d, c->composeSet[k], COMPOSE_BINDING_PRIMARY, c->primary);
            c->noiseSet[k] = noise_.allocateSet();
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_PRIMARY, c->primary);
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_SCATTER, c->scatterA);
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_SIGNAL, c->signal);
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_ROW_MEANS, c->boxTemp);
            writeBuffer(d, c->composeSet[k], COMPOSE_BINDING_SPECTRUM, c->spectrum.buffer, 0,
                        sizeof(gpu::FluoroSpectrum));
            c->presentSet[k] = present_.allocateSet();
            writeStorage(d, c->presentSet[k], PRESENT_BINDING_SIGNAL, c->signal);
            writeStorage(d, c->presentSet[k], PRESENT_BINDING_BLURRED, c->boxTemp);
            writeStorage(d, c->presentSet[k], PRESENT_BINDING_OUT, c->display);
            writeStorage(d, c->presentSet[k], PRESENT_BINDING_ROADMAP, roadmap_);
        }
        return c;
    };
    full_ = makeChain(def.resolution, false);
    preview_ = makeChain(std::min(def.previewResolution, def.resolution), true);
    if (def.progressiveRows > 0 && def.resolution / 2 > preview_->size) first_ = makeChain(def.resolution / 2, false);
}

FluoroMonitor::~FluoroMonitor() {
    for (Chain* c : {full_.get(), preview_.get(), first_.get()}) {
        if (!c) continue;
        for (Image* im : {&c->basis, &c->transmission, &c->scatterA, &c->scatterB, &c->signal, &c->boxTemp,
                          &c->primary, &c->display})
            ctx_.release(*im);
        ctx_.release(c->spectrum);
        for (Buffer& b : c->pulse)
            if (b.buffer) ctx_.release(b);
    }
    ctx_.release(composition_);
    ctx_.release(roadmap_);
    if (previewComposition_.image) ctx_.release(previewComposition_);
    VkDevice d = ctx_.device();
    VkSampler s = linear_;
    VkQueryPool q = profile_;
    ctx_.releaseLater([d, s, q] {
        vkDestroySampler(d, s, nullptr);
        if (q) vkDestroyQueryPool(d, q, nullptr);
    });
}

void FluoroMonitor::enableProfiling() {
    if (profile_) return;
    VkQueryPoolCreateInfo qi{VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO};
    qi.queryType = VK_QUERY_TYPE_TIMESTAMP;
    qi.queryCount = 5;
    check(vkCreateQueryPool(ctx_.device(), &qi, nullptr, &profile_), "vkCreateQueryPool");
}

std::array<double, 4> FluoroMonitor::lastPulseStageMs() const {
    std::array<double, 4> ms{0.0, 0.0, 0.0, 0.0};
    uint64_t t[5] = {};
    if (!profile_ || vkGetQueryPoolResults(ctx_.device(), profile_, 0, 5, sizeof t, t, sizeof(uint64_t),
                                           VK_QUERY_RESULT_64_BIT) != VK_SUCCESS)
        return ms;
    const double period = ctx_.properties().limits.timestampPeriod * 1e-6;
    for (int i = 0; i < 4; ++i) ms[i] = (t[i + 1] - t[i]) * period;
    return ms;
}

void FluoroMonitor::setRoadmap(const sim::RoadmapLayers& layers) {
    const int n = def_.roadmapResolution;
    const size_t count = static_cast<size_t>(n) * static_cast<size_t>(n);
    if (layers.maskLog.width != n || layers.maskLog.height != n || layers.peak.width != n || layers.peak.height != n ||
        layers.maskLog.pixels.size() != count || layers.peak.pixels.size() != count)
        throw VulkanError("FluoroMonitor::setRoadmap: the layers must be roadmapResolution (" + std::to_string(n) +
                              ") pixels a side",
                          VK_ERROR_INITIALIZATION_FAILED);
    Buffer staging = ctx_.createBuffer(count * 2 * sizeof(float), VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
    auto* dst = static_cast<float*>(staging.mapped);
    for (size_t i = 0; i < count; ++i) dst[2 * i] = layers.maskLog.pixels[i], dst[2 * i + 1] = layers.peak.pixels[i];
    ctx_.waitIdle();  // frames in flight may still read the last roadmap
    ctx_.submitAndWait([&](VkCommandBuffer cmd) {
        VkBufferImageCopy region{};
        region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        region.imageExtent = {static_cast<uint32_t>(n), static_cast<uint32_t>(n), 1};
        vkCmdCopyBufferToImage(cmd, staging.buffer, roadmap_.image, VK_IMAGE_LAYOUT_GENERAL, 1, &region);
        barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT);
    });
    ctx_.release(staging);
    roadmapOn_ = true;
}

const Image& FluoroMonitor::display() const { return full_->display; }
double FluoroMonitor::kVp() const { return full_->kVp; }

void FluoroMonitor::uploadVolumes() {
    if (volumesUploaded_) return;
    uploadComposition();
    volumesUploaded_ = true;
}

void FluoroMonitor::uploadComposition() {
    const auto& g = ct_.geometry;
    const imaging::TissueTable table;
    const imaging::LabelClasses classes(materials_);
    const size_t sliceVoxels = static_cast<size_t>(g.dims.x) * g.dims.y;
    // The preview reads a volume of 2x2x2-voxel means when the CT is finer than 2 mm: fewer
    // samples miss the cache (the full view always reads the CT's own grid).
    const bool coarse = previewComposition_.image != VK_NULL_HANDLE;
    const glm::ivec3 cdims = (g.dims + 1) / 2;
    std::vector<glm::vec4> coarseSum(coarse ? static_cast<size_t>(cdims.x) * cdims.y * cdims.z : 0, glm::vec4(0.0f));
    glm::ivec3 lo = g.dims, hi(-1);
    fillVolume(ctx_, composition_, 4, g.dims, [&](int k0, int nk, float* dst) {
        // The slab's slices in pairs (2K, 2K+1) on the CPU's threads: each pair is one slice of
        // preview blocks, so every block's sum is added by one thread in the voxels' order, the
        // floats those of one thread (a pair cut by the slab's start had its first slice added
        // by the slab before).
        const int pair0 = k0 / 2, pairs = (k0 + nk + 1) / 2 - pair0;
        std::vector<glm::ivec3> pairLo(static_cast<size_t>(pairs), g.dims), pairHi(static_cast<size_t>(pairs), glm::ivec3(-1));
        imaging::forEachRow(pairs, [&](int r) {
            const int kFirst = std::max(k0, 2 * (pair0 + r)), kEnd = std::min(k0 + nk, 2 * (pair0 + r) + 2);
            glm::ivec3& bodyLo = pairLo[static_cast<size_t>(r)];
            glm::ivec3& bodyHi = pairHi[static_cast<size_t>(r)];
            size_t n = static_cast<size_t>(kFirst) * sliceVoxels;
            for (glm::ivec3 ijk(0, 0, kFirst); ijk.z < kEnd; ++ijk.z)
                for (ijk.y = 0; ijk.y < g.dims.y; ++ijk.y)
                    for (ijk.x = 0; ijk.x < g.dims.x; ++ijk.x, ++n) {
                        const int16_t hu = ct_.voxels[n];
                        const imaging::TissueClass cls = labels_ ? classes[labels_->voxels[n]] : imaging::TissueClass::ByHu;
                        const imaging::VoxelComposition& v = table.at(hu, cls);
                        const glm::vec4 c(v.basis[0], v.basis[1], v.basis[2],
                                          static_cast<float>(1.0 + std::max<double>(hu, -1000.0) / 1000.0));
                        float* out = dst + 4 * (n - static_cast<size_t>(k0) * sliceVoxels);
                        out[0] = c.x, out[1] = c.y, out[2] = c.z, out[3] = c.w;
                        if (hu > -500) bodyLo = glm::min(bodyLo, ijk), bodyHi = glm::max(bodyHi, ijk);
                        if (coarse) {
                            const glm::ivec3 b = ijk / 2;
                            coarseSum[(static_cast<size_t>(b.z) * cdims.y + b.y) * cdims.x + b.x] += c;
                        }
                    }
        });
        for (int r = 0; r < pairs; ++r) lo = glm::min(lo, pairLo[static_cast<size_t>(r)]), hi = glm::max(hi, pairHi[static_cast<size_t>(r)]);
    });
    // The preview's rays start one voxel before the body (trilinear reach) and end one after.
    if (hi.x < 0) lo = glm::ivec3(0), hi = g.dims - 1;
    bodyLoQ_ = glm::vec3(lo) - 1.5f;
    bodyHiQ_ = glm::vec3(hi) + 1.5f;
    if (!coarse) return;
    const size_t cslice = static_cast<size_t>(cdims.x) * cdims.y;
    fillVolume(ctx_, previewComposition_, 4, cdims, [&](int k0, int nk, float* dst) {
        for (size_t i = 0; i < static_cast<size_t>(nk) * cslice; ++i) {
            const size_t n = static_cast<size_t>(k0) * cslice + i;
            const glm::ivec3 b(static_cast<int>(n % cdims.x), static_cast<int>(n / cdims.x % cdims.y),
                               static_cast<int>(n / cslice));
            const glm::ivec3 count = glm::min(g.dims - 2 * b, glm::ivec3(2));
            const glm::vec4 mean = coarseSum[n] / static_cast<float>(count.x * count.y * count.z);
            dst[4 * i + 0] = mean.x, dst[4 * i + 1] = mean.y, dst[4 * i + 2] = mean.z, dst[4 * i + 3] = mean.w;
        }
    });
    previewBodyLoQ_ = (bodyLoQ_ - 0.5f) * 0.5f - 0.5f;
    previewBodyHiQ_ = (bodyHiQ_ - 0.5f) * 0.5f + 0.5f;
}

bool FluoroMonitor::refine(VkCommandBuffer cmd) {
    Chain& f = *full_;
    if (f.pendingRow < 0) return false;
    if (f.pendingRow < f.r1 - f.r0) {
        recordViewRows(cmd, f, f.pendingRow, def_.progressiveRows);
        f.pendingRow += def_.progressiveRows;
        return false;
    }
    vkQueueWaitIdle(ctx_.queue());  // the last band, recorded in an earlier frame
    finishView(f);
    f.pendingRow = -1;
    ++fullViews_;
    // The image on the monitor is the preview of this pose: show the pulse again at full quality.
    if (!lastPulse_ || lastPulse_->moving || !imaging::sameGeometry(lastPulse_->pose, f.pose)) return false;
    recordChain(cmd, f, *lastPulse_, false);
    return true;
}

void FluoroMonitor::recordPulse(VkCommandBuffer cmd, const FluoroPulse& pulse) {
    lastPulse_ = std::make_unique<FluoroPulse>(pulse);
    Chain* shown = pulse.moving && preview_->size < full_->size ? preview_.get() : full_.get();
    if (shown == full_.get() && def_.progressiveRows > 0 && preview_->size < full_->size &&
        (!full_->valid || !imaging::sameGeometry(full_->pose, pulse.pose))) {
        // The C-arm has stopped at a new pose: march the full view a band of rows per pulse and
        // show the half-resolution view of this pose (or the preview) until it is complete.
        Chain& f = *full_;
        if (f.pendingRow < 0 || !imaging::sameGeometry(f.pose, pulse.pose)) {
            prepareView(f, pulse.pose, def_.settings.stepMm, false);
            f.pendingRow = 0;
        }
        if (f.pendingRow < f.r1 - f.r0) {
            shown = first_ ? first_.get() : preview_.get();
            // The frame that builds the first image marches no band: it is the one the trainee waits for.
            if (shown->valid && imaging::sameGeometry(shown->pose, pulse.pose)) {
                recordViewRows(cmd, f, f.pendingRow, def_.progressiveRows);
                f.pendingRow += def_.progressiveRows;
            }
        } else {
            vkQueueWaitIdle(ctx_.queue());  // the last band, recorded in an earlier frame
            finishView(f);
            f.pendingRow = -1;
            ++fullViews_;
        }
    }
    Chain& c = *shown;
    const bool preview = shown != full_.get();
    if (!c.valid || !imaging::sameGeometry(c.pose, pulse.pose)) {
        // The first image steps a voxel at a time: the sampling density of one sample per voxel
        // plane, which the full-quality DRR shows to be as exact as a finer march (docs/rendering.md).
        const glm::dvec3 spacing = ct_.geometry.spacing;
        const double step = shown == preview_.get() ? def_.previewStepMm
                            : shown == first_.get()
                                ? std::max(def_.settings.stepMm, std::min({spacing.x, spacing.y, spacing.z}))
                                : def_.settings.stepMm;
        buildView(c, pulse.pose, step, preview);
        ++(shown == full_.get() ? fullViews_ : shown == first_.get() ? firstViews_ : previewViews_);
    }
    recordChain(cmd, c, pulse, false);
    if (!preview) return;
    // The preview or first image, upscaled bilinearly onto the monitor.
    const VkImageSubresourceLayers layers{VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    VkImageBlit blit{};
    blit.srcSubresource = layers;
    blit.srcOffsets[1] = {c.size, c.size, 1};
    blit.dstSubresource = layers;
    blit.dstOffsets[1] = {full_->size, full_->size, 1};
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
            VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT);
    vkCmdBlitImage(cmd, c.display.image, VK_IMAGE_LAYOUT_GENERAL, full_->display.image, VK_IMAGE_LAYOUT_GENERAL, 1,
                   &blit, VK_FILTER_LINEAR);
    barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
            VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
}

GreyImage FluoroMonitor::takeImage(const FluoroPulse& pulse, GpuFluoroStages* stages) {
    Chain& c = *full_;
    if (!c.valid || !imaging::sameGeometry(c.pose, pulse.pose)) {
        buildView(c, pulse.pose, def_.settings.stepMm, false);
        ++fullViews_;
    }
    ctx_.submitAndWait([&](VkCommandBuffer cmd) { recordChain(cmd, c, pulse, stages != nullptr); });
    if (stages) {
        stages->primaryTransmission = readChannel(ctx_, c.primary, 0);
        stages->quanta = readChannel(ctx_, c.signal, 1);
        stages->logSignal = readChannel(ctx_, c.signal, 0);
        stages->viewTransmission = readChannel(ctx_, c.transmission, 0);
        stages->viewScatter = readChannel(ctx_, c.scatterA, 0);
        // Outside the open field the signal image holds stale values; the CPU's are 0.
        for (int r = 0; r < c.size; ++r)
            for (int col = 0; col < c.size; ++col)
                if (col < c.c0 || col >= c.c1 || r < c.r0 || r >= c.r1)
                    stages->logSignal.at(col, r) = stages->quanta.at(col, r) = 0.0f;
    }
    GreyImage display = readBackImage(ctx_, c.display);
    if (stages) stages->display = display;
    return display;
}

}  // namespace irsim::render
