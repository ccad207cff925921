#include "render/view3d.h"

#include <algorithm>
#include <cstring>

namespace irsim::render {

namespace {

const uint32_t kView3dSpirv[] =
#include "view3d.comp.inc"
    ;

static_assert(sizeof(gpu::View3dPush) == 128, "View3dPush must match shaders/view3d.h");

}  // namespace

View3d::View3d(Context& ctx, GpuDrr& drr, const patient::LabelMap& labels, const patient::LabelTable& names,
               int size, double stepMm)
    : ctx_(ctx),
      drr_(drr),
      size_(size),
      stepMm_(stepMm),
      kernel_(ctx, kView3dSpirv, sizeof(kView3dSpirv),
              {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
               VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
               VK_DESCRIPTOR_TYPE_STORAGE_BUFFER},
              sizeof(gpu::View3dPush)) {
    const auto& g = drr.geometry();
    classes_ = view3dClasses(labels, names, g);
    nearest_ = ctx.createSampler(VK_FILTER_NEAREST);
    const VkExtent3D dims{static_cast<uint32_t>(g.dims.x), static_cast<uint32_t>(g.dims.y),
                          static_cast<uint32_t>(g.dims.z)};
    classImage_ = ctx.createImage(VK_IMAGE_TYPE_3D, VK_FORMAT_R8_UINT, dims,
                                  VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_DST_BIT);
    const auto n = static_cast<uint32_t>(size);
    image_ = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {n, n, 1},
                             VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT);
    depth_ = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R32G32B32A32_SFLOAT, {n, n, 1},
                             VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT);
    // One byte a voxel: even a 512x512x300 CT's classes (75 MiB) fit one staging buffer.
    Buffer staging = ctx.createBuffer(classes_.size(), VK_BUFFER_USAGE_TRANSFER_SRC_BIT, true);
    std::memcpy(staging.mapped, classes_.data(), classes_.size());
    ctx.submitAndWait([&](VkCommandBuffer cmd) {
        transitionImage(cmd, classImage_.image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                        VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_TRANSFER_WRITE_BIT);
        VkBufferImageCopy region{};
        region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        region.imageExtent = dims;
        vkCmdCopyBufferToImage(cmd, staging.buffer, classImage_.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL, 1,
                               &region);
        transitionImage(cmd, classImage_.image, VK_IMAGE_LAYOUT_TRANSFER_DST_OPTIMAL,
                        VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL, VK_PIPELINE_STAGE_TRANSFER_BIT,
                        VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
        for (const Image* im : {&image_, &depth_})
            transitionImage(cmd, im->image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                            VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                            VK_ACCESS_SHADER_WRITE_BIT);
    });
    ctx.release(staging);
    const VkDevice d = ctx.device();
    for (Slot& s : slots_) {
        s.set = kernel_.allocateSet();
        writeImageDescriptor(d, s.set, VIEW3D_BINDING_DENSITY, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
                             drr.density().view, drr.linearSampler(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
        writeImageDescriptor(d, s.set, VIEW3D_BINDING_CLASSES, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
                             classImage_.view, nearest_, VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
        writeImageDescriptor(d, s.set, VIEW3D_BINDING_OUT, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, image_.view,
                             VK_NULL_HANDLE, VK_IMAGE_LAYOUT_GENERAL);
        writeImageDescriptor(d, s.set, VIEW3D_BINDING_DEPTH, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, depth_.view,
                             VK_NULL_HANDLE, VK_IMAGE_LAYOUT_GENERAL);
        bindTubes(s, View3dTubeBins{});
    }
}

// (Re)makes the slot's buffers when they are too small for `bins` and copies it in; a storage
// buffer is never empty (one unused tube and offsets of an empty list at least).
void View3d::bindTubes(Slot& s, const View3dTubeBins& bins) {
    const VkDeviceSize tubeBytes = std::max<size_t>(1, bins.tubes.size()) * sizeof(gpu::View3dTube);
    const VkDeviceSize binBytes = std::max<size_t>(2, bins.bins.size()) * sizeof(uint32_t);
    const VkDevice d = ctx_.device();
    if (!s.tubes.buffer || s.tubes.size < tubeBytes) {
        if (s.tubes.buffer) ctx_.release(s.tubes);
        s.tubes = ctx_.createBuffer(std::max<VkDeviceSize>(tubeBytes * 2, 64 * sizeof(gpu::View3dTube)),
                                    VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, true);
        writeBufferDescriptor(d, s.set, VIEW3D_BINDING_TUBES, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, s.tubes.buffer, 0,
                              VK_WHOLE_SIZE);
    }
    if (!s.bins.buffer || s.bins.size < binBytes) {
        if (s.bins.buffer) ctx_.release(s.bins);
        s.bins = ctx_.createBuffer(std::max<VkDeviceSize>(binBytes * 2, 4096), VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, true);
        writeBufferDescriptor(d, s.set, VIEW3D_BINDING_BINS, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, s.bins.buffer, 0,
                              VK_WHOLE_SIZE);
    }
    if (!bins.tubes.empty()) std::memcpy(s.tubes.mapped, bins.tubes.data(), bins.tubes.size() * sizeof(gpu::View3dTube));
    if (!bins.bins.empty()) std::memcpy(s.bins.mapped, bins.bins.data(), bins.bins.size() * sizeof(uint32_t));
}

View3d::~View3d() {
    ctx_.release(image_);
    ctx_.release(depth_);
    ctx_.release(classImage_);
    for (Slot& s : slots_) {
        if (s.tubes.buffer) ctx_.release(s.tubes);
        if (s.bins.buffer) ctx_.release(s.bins);
    }
    const VkDevice d = ctx_.device();
    const VkSampler s = nearest_;
    ctx_.releaseLater([d, s] { vkDestroySampler(d, s, nullptr); });
}

gpu::View3dPush View3d::pushFor(const OrbitCamera& camera) const {
    return view3dPush(camera, drr_.geometry(), size_, stepMm_);
}

void View3d::record(VkCommandBuffer cmd, const OrbitCamera& camera, const std::vector<View3dTube>& tubes) {
    if (valid_ && camera == last_ && tubes == lastTubes_) return;
    const View3dTubeBins bins = binView3dTubes(camera, size_, tubes);
    Slot& s = slots_[slot_];
    slot_ = (slot_ + 1) % kSlots;
    bindTubes(s, bins);
    const gpu::View3dPush push = withTubes(pushFor(camera), bins);
    const uint32_t groups = (size_ + VIEW3D_GROUP - 1) / VIEW3D_GROUP;
    kernel_.dispatchForDisplay(cmd, s.set, &push, groups, groups);
    last_ = camera;
    lastTubes_ = tubes;
    valid_ = true;
}

View3dImage View3d::readBack() {
    const size_t count = static_cast<size_t>(size_) * size_;
    Buffer rgba = ctx_.createBuffer(count * 4, VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
    Buffer depth = ctx_.createBuffer(count * 4 * sizeof(float), VK_BUFFER_USAGE_TRANSFER_DST_BIT, true);
    ctx_.submitAndWait([&](VkCommandBuffer cmd) {
        VkBufferImageCopy region{};
        region.imageSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
        region.imageExtent = {static_cast<uint32_t>(size_), static_cast<uint32_t>(size_), 1};
        vkCmdCopyImageToBuffer(cmd, image_.image, VK_IMAGE_LAYOUT_GENERAL, rgba.buffer, 1, &region);
        vkCmdCopyImageToBuffer(cmd, depth_.image, VK_IMAGE_LAYOUT_GENERAL, depth.buffer, 1, &region);
        VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
        b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
        b.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
        vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &b, 0, nullptr,
                             0, nullptr);
    });
    View3dImage out;
    out.size = size_;
    out.rgb.resize(count);
    out.organDepthMm.resize(count);
    out.skinDepthMm.resize(count);
    out.deviceDepthMm.resize(count);
    out.lumenDepthMm.resize(count);
    const auto* c = static_cast<const uint8_t*>(rgba.mapped);
    const auto* z = static_cast<const float*>(depth.mapped);
    for (size_t i = 0; i < count; ++i) {
        out.rgb[i] = glm::vec3(c[4 * i], c[4 * i + 1], c[4 * i + 2]) / 255.0f;
        out.organDepthMm[i] = z[4 * i];
        out.skinDepthMm[i] = z[4 * i + 1];
        out.deviceDepthMm[i] = z[4 * i + 2];
        out.lumenDepthMm[i] = z[4 * i + 3];
    }
    ctx_.release(rgba);
    ctx_.release(depth);
    return out;
}

}  // namespace irsim::render
