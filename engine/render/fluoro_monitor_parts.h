#pragma once
// Private to the GPU fluoroscope, whose work is split in three files: fluoro_monitor.cpp (set-up,
// volume uploads and the pulse ring), fluoro_view.cpp (building a pose's view) and
// fluoro_pulse.cpp (a pulse's stages). Here: the per-size chain of images and buffers, and the
// small Vulkan helpers the three share.
#include <algorithm>
#include <vector>

#include "render/fluoro_monitor.h"
#include "render/kernel.h"
#include "shared.h"

namespace irsim::render::fluoro_detail {

// Pulse buffers in a ring one longer than the frames in flight: the one written is never in use.
inline constexpr int kPulseSlots = static_cast<int>(kFramesInFlight) + 1;
inline constexpr VkDeviceSize kAlign = 256;

inline VkDeviceSize alignUp(VkDeviceSize v) { return (v + kAlign - 1) / kAlign * kAlign; }

inline glm::vec4 v4(const glm::dvec3& v, double w = 0.0) {
    return glm::vec4(static_cast<float>(v.x), static_cast<float>(v.y), static_cast<float>(v.z), static_cast<float>(w));
}

inline glm::dvec3 voxelDelta(const patient::VolumeGeometry& g, const glm::dvec3& d) {
    return (glm::transpose(g.direction) * d) / g.spacing;
}

inline void barrier(VkCommandBuffer cmd, VkPipelineStageFlags src, VkAccessFlags srcAccess, VkPipelineStageFlags dst,
             VkAccessFlags dstAccess) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = srcAccess;
    b.dstAccessMask = dstAccess;
    vkCmdPipelineBarrier(cmd, src, dst, 0, 1, &b, 0, nullptr, 0, nullptr);
}

inline void computeToCompute(VkCommandBuffer cmd) {
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
}

inline void writeBuffer(VkDevice device, VkDescriptorSet set, uint32_t binding, VkBuffer buffer, VkDeviceSize offset,
                        VkDeviceSize range) {
    writeBufferDescriptor(device, set, binding, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, buffer, offset, range);
}

inline void writeStorage(VkDevice device, VkDescriptorSet set, uint32_t binding, const Image& image) {
    writeImageDescriptor(device, set, binding, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, image.view, VK_NULL_HANDLE,
                         VK_IMAGE_LAYOUT_GENERAL);
}

// One channel of a GENERAL-layout float image (r32f, rg32f, rgba32f), read back.
inline GreyImage readChannel(Context& ctx, const Image& image, int channel) {
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

}  // namespace irsim::render::fluoro_detail

namespace irsim::render {

using namespace fluoro_detail;

struct FluoroMonitor::Chain {
    int size = 0;
    bool preview = false;  // marches the preview volume (previewGeometry_) clipped to the body
    // Per pose: basis (rgba32f), transmission (r32f), scatter ping-pong (rg32f).
    Image basis, transmission, scatterA, scatterB;
    // Per pulse: primary T (r32f), signal (s, quanta N), the horizontal box means of s and of s
    // clamped to the window, display (rgba8).
    Image primary, signal, boxTemp, display;
    Buffer spectrum;
    VkDescriptorSet viewSet = VK_NULL_HANDLE, scatterH = VK_NULL_HANDLE, scatterV = VK_NULL_HANDLE;
    VkDescriptorSet presentSet[kPulseSlots] = {};
    VkDescriptorSet composeSet[kPulseSlots] = {}, noiseSet[kPulseSlots] = {};
    Buffer pulse[kPulseSlots];
    size_t primitiveCapacity[kPulseSlots] = {}, tileCapacity[kPulseSlots] = {};
    int slot = 0;
    std::vector<uint32_t> spanCounts;  // recordChain's scratch, kept to spare an allocation a pulse
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

}  // namespace irsim::render
