#pragma once
// An axial CT slice with a window/level, computed on the GPU from GpuDrr's density texture, for the
// CT panel. RGBA8 image in VK_IMAGE_LAYOUT_GENERAL, radiological convention: the patient's left
// on the image's right, anterior at the top, seen from the feet.
#include <glm/glm.hpp>

#include "render/drr_gpu.h"

namespace irsim::render {

struct CtSliceRequest {
    glm::dvec3 centreLps{0.0};  // mm: the slice passes through this point (axial: its z)
    double fieldOfViewMm = 400.0;
    double levelHu = 40.0;      // soft-tissue window (W 400 / L 40)
    double widthHu = 400.0;
    bool operator==(const CtSliceRequest&) const = default;
};

class CtSliceView {
public:
    CtSliceView(Context& ctx, GpuDrr& drr, int size = 512);
    ~CtSliceView();
    // Records the slice unless the request equals the last one.
    void record(VkCommandBuffer cmd, const CtSliceRequest& request);
    const Image& image() const { return image_; }

private:
    Context& ctx_;
    GpuDrr& drr_;
    int size_;
    ComputeKernel kernel_;
    VkDescriptorSet set_ = VK_NULL_HANDLE;
    Image image_;
    bool valid_ = false;
    CtSliceRequest last_;
};

}  // namespace irsim::render
