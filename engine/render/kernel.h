#pragma once
// A compute kernel: one descriptor set layout, push constants and the pipeline, made from
// embedded SPIR-V and released through the Context (deferred destruction).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "render/context.h"

namespace irsim::render {

class ComputeKernel {
public:
    // bindings[i] is the descriptor type of binding i.
    ComputeKernel(Context& ctx, const uint32_t* spirv, size_t bytes,
                  const std::vector<VkDescriptorType>& bindings, uint32_t pushBytes);
    ~ComputeKernel();
    ComputeKernel(const ComputeKernel&) = delete;
    ComputeKernel& operator=(const ComputeKernel&) = delete;

    // A descriptor set from the kernel's own pool (freed with the kernel).
    VkDescriptorSet allocateSet();
    void bind(VkCommandBuffer cmd, VkDescriptorSet set, const void* push) const;
    // Rewrites an image that a panel samples and a test may read back: earlier fragment and
    // transfer reads finish first, and the new contents are visible to both afterwards.
    void dispatchForDisplay(VkCommandBuffer cmd, VkDescriptorSet set, const void* push, uint32_t groupsX,
                            uint32_t groupsY) const;

    VkDescriptorSetLayout setLayout() const { return setLayout_; }

private:
    Context& ctx_;
    VkDescriptorSetLayout setLayout_ = VK_NULL_HANDLE;
    VkPipelineLayout layout_ = VK_NULL_HANDLE;
    VkPipeline pipeline_ = VK_NULL_HANDLE;
    VkDescriptorPool pool_ = VK_NULL_HANDLE;
    uint32_t pushBytes_ = 0;
};

// Writes one storage or uniform buffer range into a set.
void writeBufferDescriptor(VkDevice device, VkDescriptorSet set, uint32_t binding, VkDescriptorType type,
                           VkBuffer buffer, VkDeviceSize offset, VkDeviceSize range);
// Writes one combined image sampler or storage image into a set; the image is in `layout` when used.
void writeImageDescriptor(VkDevice device, VkDescriptorSet set, uint32_t binding, VkDescriptorType type,
                          VkImageView view, VkSampler sampler, VkImageLayout layout);

}  // namespace irsim::render
