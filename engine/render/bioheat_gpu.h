#pragma once
// The bioheat step on the GPU (shaders/bioheat.comp): therapy::BioheatStepper on a Context, the
// state in storage buffers, one submit per advance. Heat only: a model that freezes (cryo) is
// refused; a probe well's scaled faces (the cooled RF electrode) are stepped as on the CPU. Enthalpy
// in double as on the CPU; checked against the CPU reference in tests/render/gpu_bioheat_test.cpp.
#include "render/context.h"
#include "render/kernel.h"
#include "therapy/bioheat_stepper.h"

namespace irsim::render {

class GpuBioheat final : public therapy::BioheatStepper {
public:
    explicit GpuBioheat(Context& ctx);
    ~GpuBioheat() override;
    GpuBioheat(const GpuBioheat&) = delete;
    GpuBioheat& operator=(const GpuBioheat&) = delete;

    void load(const therapy::BioheatModel& m, const therapy::BioheatState& s) override;
    void advance(const therapy::BioheatControls& c, double dt, int steps) override;
    float hottestTissueC() const override;
    void read(therapy::BioheatState& s) override;

private:
    void releaseBuffers();

    Context& ctx_;
    ComputeKernel kernel_;
    VkDescriptorSet set_ = VK_NULL_HANDLE;
    std::vector<Buffer> buffers_;  // by BIOHEAT_BINDING_*
    glm::ivec3 dims_{0};
    size_t cells_ = 0;
    double volumeM3_ = 0.0, bloodC_ = 0.0, timeS_ = 0.0;
};

}  // namespace irsim::render
