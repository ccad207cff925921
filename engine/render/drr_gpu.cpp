#include "render/drr_gpu.h"
#include "render/volume_upload.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include <glm/gtc/packing.hpp>

#include "imaging/parallel.h"
#include "shared.h"

namespace irsim::render {

namespace {

const uint32_t kDrrSpirv[] =
#include "drr.comp.inc"
    ;
const uint32_t kSlicesSpirv[] =
#include "drr_slices.comp.inc"
    ;

static_assert(sizeof(gpu::DrrPush) == 112, "DrrPush must match shaders/shared.h (std430)");
static_assert(sizeof(gpu::DrrSlicesPush) == 128, "DrrSlicesPush must match shaders/shared.h (std430)");

glm::vec4 v4(const glm::dvec3& v, double w = 0.0) {
    return glm::vec4(static_cast<float>(v.x), static_cast<float>(v.y), static_cast<float>(v.z),
                     static_cast<float>(w));
}

// Continuous voxel coordinates of a patient-frame displacement (no origin).
glm::dvec3 voxelDelta(const patient::VolumeGeometry& g, const glm::dvec3& d) {
    return (glm::transpose(g.direction) * d) / g.spacing;
}

void computeBarrier(VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags srcAccess,
                    VkPipelineStageFlags dst, VkAccessFlags dstAccess) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = srcAccess;
    b.dstAccessMask = dstAccess;
    vkCmdPipelineBarrier(cmd, src, dst, 0, 1, &b, 0, nullptr, 0, nullptr);
}

}  // namespace

PathTarget::PathTarget(Context& ctx, Image image, VkDescriptorSet set, imaging::DetectorGrid grid)
    : ctx_(ctx), image_(image), set_(set), grid_(grid) {}

PathTarget::~PathTarget() { ctx_.release(image_); }

GpuDrr::GpuDrr(Context& ctx)
    : ctx_(ctx),
      kernel_(ctx, kDrrSpirv, sizeof(kDrrSpirv),
              {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE},
              sizeof(gpu::DrrPush)),
      slices_(ctx, kSlicesSpirv, sizeof(kSlicesSpirv),
              {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE}, sizeof(gpu::DrrSlicesPush)) {
    linear_ = ctx.createSampler(VK_FILTER_LINEAR);
}

GpuDrr::~GpuDrr() {
    ctx_.release(density_);
    for (Image& im : stacks_)
        if (im.image) ctx_.release(im);
    VkDevice d = ctx_.device();
    VkSampler s = linear_;
    ctx_.releaseLater([d, s] { vkDestroySampler(d, s, nullptr); });
}

// Voxels above this are the body (or the table under it); the fluoroscope's preview clips to the
// same box (fluoro_monitor.cpp).
constexpr int16_t kBodyHu = -500;

namespace {
// rho = 1 + max(HU, -1000) / 1000 for every 16-bit HU, computed once: the volume's voxels then
// cost a table read each (the same float, so the same images).
const std::vector<float>& densityOfHu() {
    static const std::vector<float> table = [] {
        std::vector<float> t(65536);
        for (int hu = -32768; hu <= 32767; ++hu)
            t[static_cast<size_t>(hu + 32768)] = static_cast<float>(1.0 + std::max<double>(hu, -1000.0) / 1000.0);
        return t;
    }();
    return table;
}
float densityOf(int16_t hu) { return densityOfHu()[static_cast<size_t>(hu + 32768)]; }
uint16_t halfDensityOf(int16_t hu) {
    static const std::vector<uint16_t> table = [] {
        std::vector<uint16_t> t(65536);
        for (size_t i = 0; i < t.size(); ++i) t[i] = glm::packHalf1x16(densityOfHu()[i]);
        return t;
    }();
    return table[static_cast<size_t>(hu + 32768)];
}
}  // namespace

void GpuDrr::setVolume(const patient::CtVolume& ct, bool march) {
    const auto& g = ct.geometry;
    if (g.voxelCount() == 0 || ct.voxels.size() != g.voxelCount())
        throw VulkanError("GpuDrr::setVolume: empty CT or voxel count does not match its dims",
                          VK_ERROR_INITIALIZATION_FAILED);
    ctx_.release(density_);
    density_ = Image{};
    geometry_ = g;
    glm::ivec3 lo = g.dims, hi(-1);
    const size_t sliceVoxels = static_cast<size_t>(g.dims.x) * g.dims.y;
    // The body's box over slices k0 .. k0 + nk - 1, the slices on the CPU's threads; with `dst`,
    // their densities relative to water (1 + HU/1000, air and below as 0) written there too.
    auto slices = [&](int k0, int nk, float* dst) {
        std::vector<glm::ivec3> sliceLo(static_cast<size_t>(nk), g.dims), sliceHi(static_cast<size_t>(nk), glm::ivec3(-1));
        imaging::forEachRow(nk, [&](int r) {
            const int k = k0 + r;
            const int16_t* v = ct.voxels.data() + static_cast<size_t>(k) * sliceVoxels;
            if (dst)
                for (size_t i = 0; i < sliceVoxels; ++i) dst[static_cast<size_t>(r) * sliceVoxels + i] = densityOf(v[i]);
            glm::ivec3& l = sliceLo[static_cast<size_t>(r)];
            glm::ivec3& h = sliceHi[static_cast<size_t>(r)];
            for (int j = 0; j < g.dims.y; ++j)
                for (int i = 0; i < g.dims.x; ++i, ++v)
                    if (*v > kBodyHu) l = glm::min(l, glm::ivec3(i, j, k)), h = glm::max(h, glm::ivec3(i, j, k));
        });
        for (int r = 0; r < nk; ++r) lo = glm::min(lo, sliceLo[static_cast<size_t>(r)]), hi = glm::max(hi, sliceHi[static_cast<size_t>(r)]);
    };
    if (march)
        density_ = uploadVolume(ctx_, VK_FORMAT_R32_SFLOAT, 1, g.dims, slices);
    else
        slices(0, g.dims.z, nullptr);
    // Rays are clipped to the body's box (voxels above kBodyHu and 2.5 voxels more: a sample reads
    // the voxels within one of it, and a ray's end slab may reach half a voxel further across, at
    // most one voxel along b, c per plane on the principal axis). Outside it there is only air,
    // which a CT stores as -1000 HU give or take its noise: the sums lose that noise (density
    // 0.02 or less, a few mm of water over a long ray through the air) and nothing else.
    const glm::vec3 whole = glm::vec3(g.dims) - 0.5f;
    if (hi.x < 0) lo = glm::ivec3(0), hi = glm::ivec3(0);  // all air: any box sums to ~0
    clipLoQ_ = glm::max(glm::vec3(lo) - 2.5f, glm::vec3(-0.5f));
    clipHiQ_ = glm::min(glm::vec3(hi) + 2.5f, whole);
}

std::unique_ptr<PathTarget> GpuDrr::makeTarget(const imaging::DetectorGrid& grid) {
    if (!hasVolume()) throw VulkanError("GpuDrr::makeTarget before setVolume", VK_ERROR_INITIALIZATION_FAILED);
    Image im = ctx_.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32_SFLOAT,
                                {static_cast<uint32_t>(grid.cols), static_cast<uint32_t>(grid.rows), 1},
                                VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_SAMPLED_BIT |
                                    VK_IMAGE_USAGE_TRANSFER_SRC_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    ctx_.submitAndWait([&](VkCommandBuffer cmd) {
        transitionImage(cmd, im.image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                        VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        VK_ACCESS_SHADER_WRITE_BIT);
        VkClearColorValue zero{};
        VkImageSubresourceRange range{VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, 1};
        vkCmdClearColorImage(cmd, im.image, VK_IMAGE_LAYOUT_GENERAL, &zero, 1, &range);
    });
    VkDescriptorSet set = kernel_.allocateSet();
    if (density_.image)
        writeImageDescriptor(ctx_.device(), set, DRR_BINDING_DENSITY, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
                             density_.view, linear_, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
    writeImageDescriptor(ctx_.device(), set, DRR_BINDING_PATH, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, im.view,
                         VK_NULL_HANDLE, VK_IMAGE_LAYOUT_GENERAL);
    return std::make_unique<PathTarget>(ctx_, im, set, grid);
}

gpu::DrrPush GpuDrr::pushFor(const imaging::CArmPose& pose, const imaging::DetectorGrid& grid, double stepMm,
                             int firstRow) const {
    const imaging::CArmFrame frame = imaging::frameOf(pose);
    const glm::dvec3 first = imaging::detectorPixelCentre(frame, pose, grid, 0.0, 0.0);
    const glm::dvec3 q0 = geometry_.patientToVoxel(frame.source);
    gpu::DrrPush push{};
    push.sourceQ = v4(q0, stepMm);
    push.firstPixelDq = v4(geometry_.patientToVoxel(first) - q0);
    push.colStepQ = v4(voxelDelta(geometry_, frame.imageRight * (pose.detectorWidthMm / grid.cols)));
    push.rowStepQ = v4(voxelDelta(geometry_, -frame.imageUp * (pose.detectorHeightMm / grid.rows)));
    push.spacingMm = v4(geometry_.spacing);
    push.dims = v4(glm::dvec3(geometry_.dims));
    push.grid = glm::ivec4(grid.cols, grid.rows, firstRow, 0);
    return push;
}

void GpuDrr::recordPath(VkCommandBuffer cmd, const PathTarget& target, const imaging::CArmPose& pose,
                        double stepMm, int firstRow, int rowCount) const {
    const auto& grid = target.grid();
    firstRow = std::clamp(firstRow, 0, grid.rows);
    rowCount = std::clamp(rowCount, 0, grid.rows - firstRow);
    if (rowCount == 0) return;
    if (!density_.image)
        throw VulkanError("GpuDrr::recordPath after setVolume(ct, march = false)", VK_ERROR_INITIALIZATION_FAILED);
    const gpu::DrrPush push = pushFor(pose, grid, stepMm, firstRow);
    computeBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                   VK_ACCESS_SHADER_READ_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT);
    kernel_.bind(cmd, target.set(), &push);
    vkCmdDispatch(cmd, (grid.cols + DRR_GROUP - 1) / DRR_GROUP, (rowCount + DRR_GROUP - 1) / DRR_GROUP, 1);
    computeBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                   VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT |
                       VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
}

int GpuDrr::principalAxis(const imaging::CArmPose& pose) const {
    const glm::dvec3 d = glm::abs(voxelDelta(geometry_, imaging::frameOf(pose).beam));
    return d.x >= d.y && d.x >= d.z ? 0 : (d.y >= d.z ? 1 : 2);
}

void GpuDrr::makeSliceStacks(const patient::CtVolume& ct, int onlyAxis) {
    const auto& g = ct.geometry;
    for (int a = 0; a < 3; ++a) {
        if (onlyAxis >= 0 && a != onlyAxis) continue;
        // Slices across axis a; texel x runs along b, y along c (drr_slices.comp).
        const int b = a == 0 ? 1 : 0, c = a == 2 ? 1 : 2;
        if (stacks_[a].image) ctx_.release(stacks_[a]);
        stacks_[a] = ctx_.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R16G16B16A16_SFLOAT,
                                      {static_cast<uint32_t>(g.dims[b]), static_cast<uint32_t>(g.dims[c]), 1},
                                      VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT,
                                      static_cast<uint32_t>(std::max(2, g.dims[a])));
        const size_t slice = static_cast<size_t>(g.dims[b]) * g.dims[c];
        // Texel (x, y) of layer s: the half densities of voxels (x, y), (x + 1, y), (x, y + 1),
        // (x + 1, y + 1) of slice s, the neighbours clamped to the slice (drr_slices.comp).
        Buffer staging = ctx_.createBuffer(slice * g.dims[a] * 4 * sizeof(uint16_t), VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
        auto* dst = static_cast<uint16_t*>(staging.mapped);
        std::vector<uint16_t> plane(slice);
        glm::ivec3 ijk;
        for (int s = 0; s < g.dims[a]; ++s) {
            for (int y = 0; y < g.dims[c]; ++y)
                for (int x = 0; x < g.dims[b]; ++x) {
                    ijk[a] = s, ijk[b] = x, ijk[c] = y;
                    plane[static_cast<size_t>(y) * g.dims[b] + x] = halfDensityOf(ct.at(ijk.x, ijk.y, ijk.z));
                }
            for (int y = 0; y < g.dims[c]; ++y) {
                const uint16_t* row0 = plane.data() + static_cast<size_t>(y) * g.dims[b];
                const uint16_t* row1 = plane.data() + static_cast<size_t>(std::min(y + 1, g.dims[c] - 1)) * g.dims[b];
                for (int x = 0; x < g.dims[b]; ++x) {
                    const int x1 = std::min(x + 1, g.dims[b] - 1);
                    *dst++ = row0[x], *dst++ = row0[x1], *dst++ = row1[x], *dst++ = row1[x1];
                }
            }
        }
        const Image& im = stacks_[a];
        ctx_.submitAndWait([&](VkCommandBuffer cmd) {
            VkImageMemoryBarrier ib{VK_STRUCTURE_TYPE_IMAGE_MEMORY_BARRIER};
            ib.oldLayout = VK_IMAGE_LAYOUT_UNDEFINED;
            ib.newLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
            ib.srcQueueFamilyIndex = ib.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
            ib.image = im.image;
            ib.subresourceRange = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 1, 0, VK_REMAINING_ARRAY_LAYERS};
            ib.dstAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
            vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 0, nullptr,
                                 0, nullptr, 1, &ib);
            VkBufferImageCopy region{};
            region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, static_cast<uint32_t>(g.dims[a])};
            region.imageExtent = {static_cast<uint32_t>(g.dims[b]), static_cast<uint32_t>(g.dims[c]), 1};
            vkCmdCopyBufferToImage(cmd, staging.buffer, im.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1, &region);
            ib.oldLayout = VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL;
            ib.newLayout = VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL;
            ib.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
            ib.dstAccessMask = VK_ACCESS_SHADER_READ_BIT;
            vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 0,
                                 nullptr, 0, nullptr, 1, &ib);
        });
        ctx_.release(staging);
    }
}

void GpuDrr::recordFullQuality(VkCommandBuffer cmd, PathTarget& target, const imaging::CArmPose& pose) const {
    const int a = principalAxis(pose);
    if (!stacks_[a].image)
        throw VulkanError("GpuDrr::recordFullQuality before makeSliceStacks", VK_ERROR_INITIALIZATION_FAILED);
    if (!target.sliceSet[a]) {
        target.sliceSet[a] = slices_.allocateSet();
        writeImageDescriptor(ctx_.device(), target.sliceSet[a], DRR_BINDING_DENSITY,
                             VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, stacks_[a].view, linear_,
                             VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
        writeImageDescriptor(ctx_.device(), target.sliceSet[a], DRR_BINDING_PATH, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE,
                             target.image().view, VK_NULL_HANDLE, VK_IMAGE_LAYOUT_GENERAL);
    }
    const auto& grid = target.grid();
    const gpu::DrrPush march = pushFor(pose, grid, 0.0, 0);
    gpu::DrrSlicesPush push{};
    push.sourceQ = march.sourceQ;
    push.firstPixelDq = march.firstPixelDq;
    push.colStepQ = march.colStepQ;
    push.rowStepQ = march.rowStepQ;
    push.spacingMm = march.spacingMm;
    push.dims = glm::vec4(glm::vec3(march.dims), static_cast<float>(a));
    push.boxLo = glm::vec4(clipLoQ_, static_cast<float>(grid.cols));
    push.boxHi = glm::vec4(clipHiQ_, static_cast<float>(grid.rows));
    computeBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT,
                   VK_ACCESS_SHADER_READ_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT);
    slices_.bind(cmd, target.sliceSet[a], &push);
    vkCmdDispatch(cmd, (grid.cols + DRR_GROUP - 1) / DRR_GROUP, (grid.rows + DRR_GROUP - 1) / DRR_GROUP, 1);
    computeBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                   VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT |
                       VK_PIPELINE_STAGE_TRANSFER_BIT,
                   VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
}

GreyImage GpuDrr::fullQualityImage(const imaging::CArmPose& pose, const imaging::DetectorGrid& grid) {
    auto target = makeTarget(grid);
    ctx_.submitAndWait([&](VkCommandBuffer cmd) { recordFullQuality(cmd, *target, pose); });
    return readBackImage(ctx_, target->image());
}

GreyImage GpuDrr::waterEquivalentPathImage(const imaging::CArmPose& pose, const imaging::DetectorGrid& grid,
                                           double stepMm) {
    auto target = makeTarget(grid);
    ctx_.submitAndWait([&](VkCommandBuffer cmd) { recordPath(cmd, *target, pose, stepMm, 0, grid.rows); });
    return readBackImage(ctx_, target->image());
}

GreyImage readBackImage(Context& ctx, const Image& image) {
    const bool rgba = image.format == VK_FORMAT_R8G8B8A8_UNORM;
    const size_t texel = 4;  // R32_SFLOAT and RGBA8 are both 4 bytes a texel
    const size_t count = static_cast<size_t>(image.extent.width) * image.extent.height;
    Buffer buf = ctx.createBuffer(count * texel, VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
    ctx.submitAndWait([&](VkCommandBuffer cmd) {
        VkBufferImageCopy region{};
        region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        region.imageExtent = {image.extent.width, image.extent.height, 1};
        vkCmdCopyImageToBuffer(cmd, image.image, VK_IMAGE_LAYOUT_GENERAL, buf.buffer, 1, &region);
        VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
        b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        b.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &b, 0,
                             nullptr, 0, nullptr);
    });
    GreyImage out;
    out.width = static_cast<int>(image.extent.width);
    out.height = static_cast<int>(image.extent.height);
    out.pixels.resize(count);
    if (rgba) {
        const auto* p = static_cast<const uint8_t*>(buf.mapped);
        for (size_t i = 0; i < count; ++i) out.pixels[i] = p[4 * i] / 255.0f;
    } else {
        std::memcpy(out.pixels.data(), buf.mapped, count * sizeof(float));
    }
    ctx.release(buf);
    return out;
}

}  // namespace irsim::render
