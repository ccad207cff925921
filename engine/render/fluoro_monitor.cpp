#include "render/fluoro_monitor.h"
#include "render/volume_upload.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "imaging/tissue.h"
#include "render/drr_gpu.h"
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
static_assert(sizeof(gpu::FluoroPulseHeader) == 256, "FluoroPulseHeader must match shaders/shared.h");
static_assert(sizeof(gpu::FluoroPrimitive) == 192, "FluoroPrimitive must match shaders/shared.h");
static_assert(static_cast<int>(imaging::Material::Count) == FLUORO_MATERIALS && FLUORO_MATERIALS <= 16,
              "FLUORO_MATERIALS");

// Pulse buffers in a ring one longer than the frames in flight: the one written is never in use.
constexpr int kPulseSlots = static_cast<int>(kFramesInFlight) + 1;
constexpr VkDeviceSize kAlign = 256;

VkDeviceSize alignUp(VkDeviceSize v) { return (v + kAlign - 1) / kAlign * kAlign; }

glm::vec4 v4(const glm::dvec3& v, double w = 0.0) {
    return glm::vec4(static_cast<float>(v.x), static_cast<float>(v.y), static_cast<float>(v.z), static_cast<float>(w));
}

glm::dvec3 voxelDelta(const patient::VolumeGeometry& g, const glm::dvec3& d) {
    return (glm::transpose(g.direction) * d) / g.spacing;
}

void barrier(VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags srcAccess, VkPipelineStageFlags dst,
             VkAccessFlags dstAccess) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = srcAccess;
    b.dstAccessMask = dstAccess;
    vkCmdPipelineBarrier(cmd, src, dst, 0, 1, &b, 0, nullptr, 0, nullptr);
}

void computeToCompute(VkCommandBuffer cmd) {
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

void writeBuffer(VkDevice device, VkDescriptorSet set, uint32_t binding, VkBuffer buffer, VkDeviceSize offset,
                 VkDeviceSize range) {
    VkDescriptorBufferInfo info{buffer, offset, range};
    VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
    w.dstSet = set;
    w.dstBinding = binding;
    w.descriptorCount = 1;
    w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
    w.pBufferInfo = &info;
    vkUpdateDescriptorSets(device, 1, &w, 0, nullptr);
}

void writeStorage(VkDevice device, VkDescriptorSet set, uint32_t binding, const Image& image) {
    writeImageDescriptor(device, set, binding, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, image.view, VK_NULL_HANDLE,
                         VK_IMAGE_LAYOUT_GENERAL);
}

// One channel of a GENERAL-layout float image (r32f, rg32f, rgba32f), read back.
GreyImage readChannel(Context& ctx, const Image& image, int channel) {
    const size_t channels = image.format == VK_FORMAT_R32_SFLOAT ? 1 : image.format == VK_FORMAT_R32G32_SFLOAT ? 2 : 4;
    const size_t count = static_cast<size_t>(image.extent.width) * image.extent.height;
    Buffer buf = ctx.createBuffer(count * channels * sizeof(float), VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
    ctx.submitAndWait([&](VkCommandBuffer cmd) {
        VkBufferImageCopy region{};
        region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        region.imageExtent = {image.extent.width, image.extent.height, 1};
        vkCmdCopyImageToBuffer(cmd, image.image, VK_IMAGE_LAYOUT_GENERAL, buf.buffer, 1, &region);
        barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_HOST_BIT,
                VK_ACCESS_HOST_READ_BIT);
    });
    GreyImage out;
    out.width = static_cast<int>(image.extent.width);
    out.height = static_cast<int>(image.extent.height);
    out.pixels.resize(count);
    const auto* p = static_cast<const float*>(buf.mapped);
    for (size_t i = 0; i < count; ++i) out.pixels[i] = p[i * channels + static_cast<size_t>(channel)];
    ctx.release(buf);
    return out;
}

}  // namespace

struct FluoroMonitor::Chain {
    int size = 0;
    bool preview = false;  // marches the preview volume (previewGeometry_) clipped to the body
    // Per pose: basis (rgba32f), transmission (r32f), scatter ping-pong (rg32f).
    Image basis, transmission, scatterA, scatterB;
    // Per pulse: primary T (r32f), quanta N (r32f), signal (s, clamped s), its horizontal box
    // means, display (rgba8).
    Image primary, quanta, signal, boxTemp, display;
    Buffer spectrum;
    VkDescriptorSet viewSet = VK_NULL_HANDLE, scatterH = VK_NULL_HANDLE, scatterV = VK_NULL_HANDLE;
    VkDescriptorSet signalH = VK_NULL_HANDLE, presentSet[kPulseSlots] = {};
    VkDescriptorSet composeSet[kPulseSlots] = {}, noiseSet[kPulseSlots] = {};
    Buffer pulse[kPulseSlots];
    size_t primitiveCapacity[kPulseSlots] = {}, tileCapacity[kPulseSlots] = {};
    int slot = 0;
    // The view.
    bool valid = false;
    imaging::CArmPose pose;
    double kVp = 0.0, quantaPerGy = 0.0, median = 0.0, lo = 0.0, hi = 1.0;
    int bins = 0;
    int c0 = 0, c1 = 0, r0 = 0, r1 = 0;
    gpu::FluoroViewPush viewPush{};  // the march of this view (prepareView)
    double perCm = 0.0;              // scatter SPR per cm of water
    int pendingRow = -1;             // progressive build: next open-field row to march, -1 none
};

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
             0),
      present_(ctx, kPresentSpirv, sizeof(kPresentSpirv),
               {VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,
                VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
               sizeof(gpu::BoxFilterPush)) {
    if (ct.geometry.voxelCount() == 0 || ct.voxels.size() != ct.geometry.voxelCount())
        throw VulkanError("FluoroMonitor: empty CT or voxel count does not match its dims",
                          VK_ERROR_INITIALIZATION_FAILED);
    linear_ = ctx.createSampler(VK_FILTER_LINEAR);
    uploadComposition();
    auto makeChain = [&](int size, bool preview) {
        auto c = std::make_unique<Chain>();
        c->size = size;
        c->preview = preview;
        const Image& volume = preview && previewComposition_.image ? previewComposition_ : composition_;
        const VkExtent3D e{static_cast<uint32_t>(size), static_cast<uint32_t>(size), 1};
        const VkImageUsageFlags usage = VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT |
                                        VK_IMAGE_USAGE_TRANSFER_DST_BIT;
        c->basis = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32G32B32A32_SFLOAT, e, usage);
        for (Image* im : {&c->transmission, &c->primary, &c->quanta})
            *im = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32_SFLOAT, e, usage);
        for (Image* im : {&c->scatterA, &c->scatterB, &c->signal, &c->boxTemp})
            *im = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32G32_SFLOAT, e, usage);
        c->display = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, e,
                                     usage | VK_IMAGE_USAGE_SAMPLED_BIT);
        ctx.submitAndWait([&](VkCommandBuffer cmd) {
            for (Image* im : {&c->basis, &c->transmission, &c->scatterA, &c->scatterB, &c->signal, &c->boxTemp,
                              &c->primary, &c->quanta, &c->display}) {
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
        c->signalH = boxSet(c->signal, c->boxTemp);
        for (int k = 0; k < kPulseSlots; ++k) {
            c->composeSet[k] = compose_.allocateSet();
            writeStorage(d, c->composeSet[k], COMPOSE_BINDING_BASIS, c->basis);
            writeStorage(d, c->composeSet[k], COMPOSE_BINDING_PRIMARY, c->primary);
            c->noiseSet[k] = noise_.allocateSet();
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_PRIMARY, c->primary);
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_SCATTER, c->scatterA);
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_SIGNAL, c->signal);
            writeStorage(d, c->noiseSet[k], NOISE_BINDING_QUANTA, c->quanta);
            writeBuffer(d, c->composeSet[k], COMPOSE_BINDING_SPECTRUM, c->spectrum.buffer, 0,
                        sizeof(gpu::FluoroSpectrum));
            c->presentSet[k] = present_.allocateSet();
            writeStorage(d, c->presentSet[k], PRESENT_BINDING_SIGNAL, c->signal);
            writeStorage(d, c->presentSet[k], PRESENT_BINDING_BLURRED, c->boxTemp);
            writeStorage(d, c->presentSet[k], PRESENT_BINDING_OUT, c->display);
        }
        return c;
    };
    full_ = makeChain(def.resolution, false);
    preview_ = makeChain(std::min(def.previewResolution, def.resolution), true);
}

FluoroMonitor::~FluoroMonitor() {
    for (Chain* c : {full_.get(), preview_.get()}) {
        for (Image* im : {&c->basis, &c->transmission, &c->scatterA, &c->scatterB, &c->signal, &c->boxTemp,
                          &c->primary, &c->quanta, &c->display})
            ctx_.release(*im);
        ctx_.release(c->spectrum);
        for (Buffer& b : c->pulse)
            if (b.buffer) ctx_.release(b);
    }
    ctx_.release(composition_);
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

const Image& FluoroMonitor::display() const { return full_->display; }
double FluoroMonitor::kVp() const { return full_->kVp; }

void FluoroMonitor::uploadComposition() {
    const auto& g = ct_.geometry;
    const imaging::TissueTable table;
    const imaging::LabelClasses classes(materials_);
    const size_t sliceVoxels = static_cast<size_t>(g.dims.x) * g.dims.y;
    // The preview reads a volume of 2x2x2-voxel means when the CT is finer than 2 mm: fewer
    // samples miss the cache (the full view always reads the CT's own grid).
    const bool coarse = std::min({g.spacing.x, g.spacing.y, g.spacing.z}) < 2.0;
    const glm::ivec3 cdims = (g.dims + 1) / 2;
    std::vector<glm::vec4> coarseSum(coarse ? static_cast<size_t>(cdims.x) * cdims.y * cdims.z : 0, glm::vec4(0.0f));
    glm::ivec3 lo = g.dims, hi(-1);
    composition_ = uploadVolume(ctx_, VK_FORMAT_R32G32B32A32_SFLOAT, 4, g.dims, [&](int k0, int nk, float* dst) {
        const size_t first = static_cast<size_t>(k0) * sliceVoxels;
        for (size_t i = 0; i < static_cast<size_t>(nk) * sliceVoxels; ++i) {
            const int16_t hu = ct_.voxels[first + i];
            const imaging::TissueClass cls =
                labels_ ? classes[labels_->voxels[first + i]] : imaging::TissueClass::ByHu;
            const imaging::VoxelComposition& v = table.at(hu, cls);
            const glm::vec4 c(v.basis[0], v.basis[1], v.basis[2],
                              static_cast<float>(1.0 + std::max<double>(hu, -1000.0) / 1000.0));
            dst[4 * i + 0] = c.x, dst[4 * i + 1] = c.y, dst[4 * i + 2] = c.z, dst[4 * i + 3] = c.w;
            const size_t n = first + i;
            const glm::ivec3 ijk(static_cast<int>(n % g.dims.x), static_cast<int>(n / g.dims.x % g.dims.y),
                                 static_cast<int>(n / sliceVoxels));
            if (hu > -500) lo = glm::min(lo, ijk), hi = glm::max(hi, ijk);
            if (coarse) {
                const glm::ivec3 b = ijk / 2;
                coarseSum[(static_cast<size_t>(b.z) * cdims.y + b.y) * cdims.x + b.x] += c;
            }
        }
    });
    // The preview's rays start one voxel before the body (trilinear reach) and end one after.
    if (hi.x < 0) lo = glm::ivec3(0), hi = g.dims - 1;
    bodyLoQ_ = glm::vec3(lo) - 1.5f;
    bodyHiQ_ = glm::vec3(hi) + 1.5f;
    previewGeometry_ = g;
    if (!coarse) return;
    // Block (I, J, K) averages voxels 2I..2I+1 (fewer at an odd edge); its centre is the mean of
    // theirs, at continuous index 2I + 0.5 of the CT.
    previewGeometry_.dims = cdims;
    previewGeometry_.spacing = g.spacing * 2.0;
    previewGeometry_.origin = g.voxelToPatient(glm::dvec3(0.5));
    const size_t cslice = static_cast<size_t>(cdims.x) * cdims.y;
    previewComposition_ = uploadVolume(ctx_, VK_FORMAT_R32G32B32A32_SFLOAT, 4, cdims, [&](int k0, int nk, float* dst) {
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

void FluoroMonitor::buildView(Chain& c, const imaging::CArmPose& pose, double stepMm, bool clipToBody) {
    prepareView(c, pose, stepMm, clipToBody);
    ctx_.submitAndWait([&](VkCommandBuffer cmd) { recordViewRows(cmd, c, 0, c.r1 - c.r0); });
    finishView(c);
}

void FluoroMonitor::prepareView(Chain& c, const imaging::CArmPose& pose, double stepMm, bool clipToBody) {
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

void FluoroMonitor::recordChain(VkCommandBuffer cmd, Chain& c, const FluoroPulse& pulse, bool writeStages) {
    const imaging::FluoroSettings& st = def_.settings;
    const int n = c.size;
    const imaging::CArmPose& pose = c.pose;
    const imaging::CArmFrame f = imaging::frameOf(pose);

    // Footprints (the CPU's rule, imaging/fluoroscope.cpp): the pixel box each primitive can touch.
    auto pixelOf = [&](const glm::dvec3& p, double& col, double& row) {
        const glm::dvec3 d = p - f.source;
        const double depth = glm::dot(d, f.beam);
        if (depth <= 1e-6) return false;
        const glm::dvec3 x = f.source + d * (pose.sourceToImageMm / depth) - f.detectorCentre;
        col = (glm::dot(x, f.imageRight) / pose.detectorWidthMm + 0.5) * n - 0.5;
        row = (0.5 - glm::dot(x, f.imageUp) / pose.detectorHeightMm) * n - 0.5;
        return true;
    };
    auto boxOf = [&](glm::dvec3 lo, glm::dvec3 hi) {
        double cmin = 1e300, cmax = -1e300, rmin = 1e300, rmax = -1e300;
        for (int k = 0; k < 8; ++k) {
            const glm::dvec3 p{(k & 1) ? hi.x : lo.x, (k & 2) ? hi.y : lo.y, (k & 4) ? hi.z : lo.z};
            double col, row;
            if (!pixelOf(p, col, row)) return glm::ivec4(0, n - 1, 0, n - 1);
            cmin = std::min(cmin, col), cmax = std::max(cmax, col), rmin = std::min(rmin, row), rmax = std::max(rmax, row);
        }
        return glm::ivec4(static_cast<int>(std::max(-1.0, std::floor(cmin) - 1.0)),
                          static_cast<int>(std::min(double(n), std::ceil(cmax) + 1.0)),
                          static_cast<int>(std::max(-1.0, std::floor(rmin) - 1.0)),
                          static_cast<int>(std::min(double(n), std::ceil(rmax) + 1.0)));
    };
    std::vector<gpu::FluoroPrimitive> prims;
    for (const imaging::RadiopaquePath& path : pulse.contents.paths) {
        const auto& pts = path.pointsLps;
        const double perMm = path.gPerCm3 * 0.1;
        for (size_t k = 0; k < imaging::segmentCount(path); ++k) {
            gpu::FluoroPrimitive q{};
            if (pts.size() == 1) {
                q.a = glm::dvec4(pts[0], path.radiusMm);
                q.mass = glm::dvec4(perMm, static_cast<double>(path.material), 1.0, 0.0);
                q.box = boxOf(pts[0] - glm::dvec3(path.radiusMm), pts[0] + glm::dvec3(path.radiusMm));
            } else {
                const double fill = path.segmentFill.empty() ? 1.0 : path.segmentFill[k];
                if (fill <= 0.0) continue;
                q.a = glm::dvec4(pts[k], path.radiusMm);
                q.b = glm::dvec4(pts[k + 1], path.innerRadiusMm);
                if (k == 0 && glm::length(pts[1] - pts[0]) > 0.0)
                    q.capA = glm::dvec4(glm::normalize(pts[0] - pts[1]), 1.0);
                if (k + 2 == pts.size() && glm::length(pts[k + 1] - pts[k]) > 0.0)
                    q.capB = glm::dvec4(glm::normalize(pts[k + 1] - pts[k]), 1.0);
                q.mass = glm::dvec4(perMm * fill, static_cast<double>(path.material), 0.0, 0.0);
                q.box = boxOf(glm::min(pts[k], pts[k + 1]) - glm::dvec3(path.radiusMm),
                              glm::max(pts[k], pts[k + 1]) + glm::dvec3(path.radiusMm));
            }
            prims.push_back(q);
        }
    }
    for (const imaging::RadiopaqueSphere& s : pulse.contents.spheres) {
        gpu::FluoroPrimitive q{};
        q.a = glm::dvec4(s.centreLps, s.radiusMm);
        q.mass = glm::dvec4(s.gPerCm3 * 0.1, static_cast<double>(s.material), 1.0, 0.0);
        q.box = boxOf(s.centreLps - glm::dvec3(s.radiusMm), s.centreLps + glm::dvec3(s.radiusMm));
        prims.push_back(q);
    }
    // Tiles: offsets (tiles + 1), then the primitive indices of each tile in frame order.
    const int tilesX = (n + FLUORO_TILE - 1) / FLUORO_TILE, tileCount = tilesX * tilesX;
    std::vector<uint32_t> counts(static_cast<size_t>(tileCount) + 1, 0);
    auto tileRange = [&](const glm::ivec4& b, int& tx0, int& tx1, int& ty0, int& ty1) {
        tx0 = std::max(0, b.x) / FLUORO_TILE, tx1 = std::min(n - 1, b.y) / FLUORO_TILE;
        ty0 = std::max(0, b.z) / FLUORO_TILE, ty1 = std::min(n - 1, b.w) / FLUORO_TILE;
        return b.y >= 0 && b.x <= n - 1 && b.w >= 0 && b.z <= n - 1;
    };
    for (const auto& q : prims) {
        int tx0, tx1, ty0, ty1;
        if (!tileRange(q.box, tx0, tx1, ty0, ty1)) continue;
        for (int ty = ty0; ty <= ty1; ++ty)
            for (int tx = tx0; tx <= tx1; ++tx) ++counts[static_cast<size_t>(ty * tilesX + tx)];
    }
    std::vector<uint32_t> tiles(static_cast<size_t>(tileCount) + 1, 0);
    uint32_t running = static_cast<uint32_t>(tileCount) + 1;
    for (int t = 0; t < tileCount; ++t) tiles[t] = running, running += counts[t];
    tiles[tileCount] = running;
    tiles.resize(running);
    std::vector<uint32_t> cursor(tiles.begin(), tiles.begin() + tileCount);
    for (uint32_t i = 0; i < prims.size(); ++i) {
        int tx0, tx1, ty0, ty1;
        if (!tileRange(prims[i].box, tx0, tx1, ty0, ty1)) continue;
        for (int ty = ty0; ty <= ty1; ++ty)
            for (int tx = tx0; tx <= tx1; ++tx) tiles[cursor[static_cast<size_t>(ty * tilesX + tx)]++] = i;
    }
    // The tiles any footprint reaches: one compose workgroup each.
    const uint32_t reachedBegin = static_cast<uint32_t>(tiles.size());
    for (int t = 0; t < tileCount; ++t)
        if (counts[t] > 0) tiles.push_back(static_cast<uint32_t>(t));
    const uint32_t reached = static_cast<uint32_t>(tiles.size()) - reachedBegin;

    // The pulse buffer of this slot: header, primitives, tiles.
    const int k = c.slot;
    c.slot = (c.slot + 1) % kPulseSlots;
    if (!c.pulse[k].buffer || c.primitiveCapacity[k] < std::max<size_t>(1, prims.size()) ||
        c.tileCapacity[k] < tiles.size()) {
        if (c.pulse[k].buffer) ctx_.release(c.pulse[k]);
        c.primitiveCapacity[k] = std::max<size_t>({64, prims.size() * 2});
        c.tileCapacity[k] = std::max<size_t>(tiles.size() * 2, static_cast<size_t>(tileCount) + 1 + 4096);
        const VkDeviceSize size = alignUp(sizeof(gpu::FluoroPulseHeader)) +
                                  alignUp(c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive)) +
                                  c.tileCapacity[k] * sizeof(uint32_t);
        c.pulse[k] = ctx_.createBuffer(size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, true);
        const VkDeviceSize primOffset = alignUp(sizeof(gpu::FluoroPulseHeader));
        const VkDeviceSize tileOffset = primOffset + alignUp(c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive));
        VkDevice d = ctx_.device();
        writeBuffer(d, c.composeSet[k], COMPOSE_BINDING_PULSE, c.pulse[k].buffer, 0, sizeof(gpu::FluoroPulseHeader));
        writeBuffer(d, c.composeSet[k], COMPOSE_BINDING_PRIMITIVES, c.pulse[k].buffer, primOffset,
                    c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive));
        writeBuffer(d, c.composeSet[k], COMPOSE_BINDING_TILES, c.pulse[k].buffer, tileOffset,
                    c.tileCapacity[k] * sizeof(uint32_t));
        writeBuffer(d, c.noiseSet[k], NOISE_BINDING_PULSE, c.pulse[k].buffer, 0, sizeof(gpu::FluoroPulseHeader));
        writeBuffer(d, c.presentSet[k], PRESENT_BINDING_PULSE, c.pulse[k].buffer, 0, sizeof(gpu::FluoroPulseHeader));
    }
    auto* bytes = static_cast<uint8_t*>(c.pulse[k].mapped);
    gpu::FluoroPulseHeader h{};
    const double n0 = pulse.mode.detectorKermaPerPulseGy * c.quantaPerGy;
    h.quanta = {n0, std::log(n0), c.lo, c.hi};
    h.display = {st.edgeGain, st.latitudeCompression, c.median, st.noise ? 1.0 : 0.0};
    h.sourceLps = glm::dvec4(f.source, 0.0);
    h.detectorCentre = glm::dvec4(f.detectorCentre, 0.0);
    h.imageRight = glm::dvec4(f.imageRight, pose.detectorWidthMm);
    h.imageUp = glm::dvec4(f.imageUp, pose.detectorHeightMm);
    h.open = {c.c0, c.c1, c.r0, c.r1};
    h.grid = {n, n, tilesX, tilesX};
    h.seed = {static_cast<uint32_t>(pulse.seed), static_cast<uint32_t>(pulse.seed >> 32), writeStages ? 1u : 0u,
              static_cast<uint32_t>(c.bins)};
    h.pad = {reachedBegin, reached, 0u, 0u};
    std::memcpy(bytes, &h, sizeof(h));
    const size_t primOffset = alignUp(sizeof(gpu::FluoroPulseHeader));
    if (!prims.empty()) std::memcpy(bytes + primOffset, prims.data(), prims.size() * sizeof(gpu::FluoroPrimitive));
    const size_t tileOffset = primOffset + alignUp(c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive));
    std::memcpy(bytes + tileOffset, tiles.data(), tiles.size() * sizeof(uint32_t));

    // Earlier reads of this chain's images (the previous pulse, the monitor draw, read-backs)
    // finish before they are overwritten.
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    const int openW = c.c1 - c.c0, openH = c.r1 - c.r0;
    if (profile_) vkCmdResetQueryPool(cmd, profile_, 0, 5), vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 0);
    // Stage 1: the view's T everywhere (0 behind the shutters), then the tiles with devices.
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT);
    VkImageCopy copy{};
    copy.srcSubresource = copy.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    copy.extent = {static_cast<uint32_t>(n), static_cast<uint32_t>(n), 1};
    vkCmdCopyImage(cmd, c.transmission.image, VK_IMAGE_LAYOUT_GENERAL, c.primary.image, VK_IMAGE_LAYOUT_GENERAL, 1, &copy);
    barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    if (reached > 0) {
        compose_.bind(cmd, c.composeSet[k], nullptr);
        vkCmdDispatch(cmd, reached, 1, 1);
    }
    computeToCompute(cmd);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 1);
    noise_.bind(cmd, c.noiseSet[k], nullptr);
    vkCmdDispatch(cmd, (n + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 2);
    const int edge = st.edgeRadiusPx > 0 ? st.edgeRadiusPx : std::max(1, static_cast<int>(std::lround(0.012 * n)));
    const int latitude = std::max(1, static_cast<int>(std::lround(st.latitudeRadiusFraction * n)));
    if (openW > 0) {
        computeToCompute(cmd);
        gpu::BoxFilterPush bp{{c.c0, c.c1, c.r0, c.r1}, {edge, latitude, 0, 0}};
        box_.bind(cmd, c.signalH, &bp);
        vkCmdDispatch(cmd, (openH + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
    }
    computeToCompute(cmd);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 3);
    gpu::BoxFilterPush pp{{c.c0, c.c1, c.r0, c.r1}, {edge, latitude, 1, 0}};
    present_.bind(cmd, c.presentSet[k], &pp);
    vkCmdDispatch(cmd, (n + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 4);
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
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
    bool preview = pulse.moving && preview_->size < full_->size;
    if (!preview && def_.progressiveRows > 0 && preview_->size < full_->size &&
        (!full_->valid || !imaging::sameGeometry(full_->pose, pulse.pose))) {
        // The C-arm has stopped at a new pose: march the full view a band of rows per pulse and
        // show the preview of this pose until it is complete (no frame waits for a whole view).
        Chain& f = *full_;
        if (f.pendingRow < 0 || !imaging::sameGeometry(f.pose, pulse.pose)) {
            prepareView(f, pulse.pose, def_.settings.stepMm, false);
            f.pendingRow = 0;
        }
        if (f.pendingRow < f.r1 - f.r0) {
            recordViewRows(cmd, f, f.pendingRow, def_.progressiveRows);
            f.pendingRow += def_.progressiveRows;
            preview = true;
        } else {
            vkQueueWaitIdle(ctx_.queue());  // the last band, recorded in an earlier frame
            finishView(f);
            f.pendingRow = -1;
            ++fullViews_;
        }
    }
    Chain& c = preview ? *preview_ : *full_;
    if (!c.valid || !imaging::sameGeometry(c.pose, pulse.pose)) {
        buildView(c, pulse.pose, preview ? def_.previewStepMm : def_.settings.stepMm, preview);
        ++(preview ? previewViews_ : fullViews_);
    }
    recordChain(cmd, c, pulse, false);
    if (!preview) return;
    // The preview, upscaled bilinearly onto the monitor.
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
        stages->quanta = readChannel(ctx_, c.quanta, 0);
        stages->logSignal = readChannel(ctx_, c.signal, 0);
        stages->viewTransmission = readChannel(ctx_, c.transmission, 0);
        stages->viewScatter = readChannel(ctx_, c.scatterA, 0);
        // Outside the open field the signal image holds stale values; the CPU's are 0.
        for (int r = 0; r < c.size; ++r)
            for (int col = 0; col < c.size; ++col)
                if (col < c.c0 || col >= c.c1 || r < c.r0 || r >= c.r1) stages->logSignal.at(col, r) = 0.0f;
    }
    GreyImage display = readBackImage(ctx_, c.display);
    if (stages) stages->display = display;
    return display;
}

}  // namespace irsim::render
