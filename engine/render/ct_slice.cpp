#include "render/ct_slice.h"

#include "shared.h"

namespace irsim::render {

namespace {

const uint32_t kSliceSpirv[] =
#include "ct_slice.comp.inc"
    ;

static_assert(sizeof(gpu::CtSlicePush) == 96, "CtSlicePush must match shaders/shared.h");

glm::vec4 v4(const glm::dvec3& v) {
    return glm::vec4(static_cast<float>(v.x), static_cast<float>(v.y), static_cast<float>(v.z), 0.0f);
}

}  // namespace

CtSliceView::CtSliceView(Context& ctx, GpuDrr& drr, int size)
    : ctx_(ctx),
      drr_(drr),
      size_(size),
      kernel_(ctx, kSliceSpirv, sizeof(kSliceSpirv),
              {VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE},
              sizeof(gpu::CtSlicePush)) {
    const auto n = static_cast<uint32_t>(size);
    image_ = ctx.createImage(VK_IMAGE_TYPE_2D, VK_FORMAT_R8G8B8A8_UNORM, {n, n, 1},
                             VK_IMAGE_USAGE_STORAGE_BIT | VK_IMAGE_USAGE_SAMPLED_BIT | VK_IMAGE_USAGE_TRANSFER_SRC_BIT);
    ctx.submitAndWait([&](VkCommandBuffer cmd) {
        transitionImage(cmd, image_.image, VK_IMAGE_LAYOUT_UNDEFINED, VK_IMAGE_LAYOUT_GENERAL,
                        VK_PIPELINE_STAGE_TOP_OF_PIPE_BIT, 0, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        VK_ACCESS_SHADER_WRITE_BIT);
    });
    set_ = kernel_.allocateSet();
    writeImageDescriptor(ctx.device(), set_, SLICE_BINDING_DENSITY, VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER,
                         drr.density().view, drr.linearSampler(), VK_IMAGE_LAYOUT_SHADER_READ_ONLY_OPTIMAL);
    writeImageDescriptor(ctx.device(), set_, SLICE_BINDING_OUT, VK_DESCRIPTOR_TYPE_STORAGE_IMAGE, image_.view,
                         VK_NULL_HANDLE, VK_IMAGE_LAYOUT_GENERAL);
}

CtSliceView::~CtSliceView() { ctx_.release(image_); }

void CtSliceView::record(VkCommandBuffer cmd, const CtSliceRequest& r) {
    if (valid_ && r == last_) return;
    const auto& g = drr_.geometry();
    const double px = r.fieldOfViewMm / size_;
    // Columns toward the patient's left (+x), rows toward the back (+y): radiological view.
    const glm::dvec3 right{px, 0.0, 0.0}, down{0.0, px, 0.0};
    const glm::dvec3 topLeft = r.centreLps - right * (0.5 * size_ - 0.5) - down * (0.5 * size_ - 0.5);
    const auto delta = [&](const glm::dvec3& d) { return (glm::transpose(g.direction) * d) / g.spacing; };
    gpu::CtSlicePush push{};
    push.originQ = v4(g.patientToVoxel(topLeft));
    push.colStepQ = v4(delta(right));
    push.rowStepQ = v4(delta(down));
    push.dims = v4(glm::dvec3(g.dims));
    push.window = {static_cast<float>(r.levelHu), static_cast<float>(r.widthHu), 0.0f, 0.0f};
    push.size = {size_, size_, 0, 0};
    kernel_.dispatchForDisplay(cmd, set_, &push, (size_ + 15) / 16, (size_ + 15) / 16);
    last_ = r;
    valid_ = true;
}

}  // namespace irsim::render
