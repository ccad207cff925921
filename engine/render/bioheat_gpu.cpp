#include "render/bioheat_gpu.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "shared.h"

namespace irsim::render {

namespace {

const uint32_t kBioheatSpirv[] =
#include "bioheat.comp.inc"
    ;

static_assert(sizeof(gpu::BioheatPush) == 80, "BioheatPush must match shaders/shared.h (std430)");

constexpr int kBindings = BIOHEAT_BINDING_FACE_SCALE + 1;

void computeToCompute(VkCommandBuffer cmd) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_SHADER_READ_BIT;
    b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                         VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT, 0, 1, &b, 0, nullptr, 0,
                         nullptr);
}

void transferToCompute(VkCommandBuffer cmd) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
    b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &b, 0,
                         nullptr, 0, nullptr);
}

void computeToHost(VkCommandBuffer cmd) {
    VkMemoryBarrier b{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT;
    b.dstAccessMask = VK_ACCESS_HOST_READ_BIT;
    vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &b, 0, nullptr, 0,
                         nullptr);
}

template <class T>
void copyIn(Buffer& b, const std::vector<T>& v) {
    std::memcpy(b.mapped, v.data(), v.size() * sizeof(T));
}

template <class T>
void copyOut(const Buffer& b, std::vector<T>& v, size_t n) {
    v.resize(n);
    std::memcpy(v.data(), b.mapped, n * sizeof(T));
}

}  // namespace

GpuBioheat::GpuBioheat(Context& ctx)
    : ctx_(ctx),
      kernel_(ctx, kBioheatSpirv, sizeof(kBioheatSpirv),
              std::vector<VkDescriptorType>(kBindings, VK_DESCRIPTOR_TYPE_STORAGE_BUFFER), sizeof(gpu::BioheatPush)) {
    set_ = kernel_.allocateSet();
}

GpuBioheat::~GpuBioheat() { releaseBuffers(); }

void GpuBioheat::releaseBuffers() {
    for (Buffer& b : buffers_) ctx_.release(b);
    buffers_.clear();
}

void GpuBioheat::load(const therapy::BioheatModel& m, const therapy::BioheatState& s) {
    const size_t n = m.grid.cellCount();
    const char* what = "GPU bioheat";
    if (m.freezing) throw DataError(what, 0, "model", "heat only (a model that freezes needs the CPU solver)");
    if (m.materials.size() > 255 || s.temperatureC.size() != n || s.conductance.size() != 3 * n)
        throw DataError(what, 0, "state", "at most 255 materials and a state made for the model");
    const auto perCellOrNone = [n](size_t size) { return size == 0 || size == n; };
    if (!perCellOrNone(m.heldFaceScale.size()) || !perCellOrNone(m.besideScaledHeld.size()))
        throw DataError(what, 0, "probe wells", "a face scale and a beside-the-well mark per cell, or none");
    for (size_t c = 0; c < n; ++c)
        if (m.role[c] == therapy::CellRole::Applicator && m.group[c] >= BIOHEAT_MAX_GROUPS)
            throw DataError(what, 0, "group", "applicator groups 0-" + std::to_string(BIOHEAT_MAX_GROUPS - 1));
    releaseBuffers();
    dims_ = m.grid.dims;
    cells_ = n;
    volumeM3_ = m.grid.cellVolumeM3();
    bloodC_ = m.bloodTemperatureC;
    timeS_ = s.timeS;

    std::vector<uint32_t> cells(n);
    for (size_t c = 0; c < n; ++c)
        cells[c] = m.material[c] | static_cast<uint32_t>(m.role[c]) << 8 | static_cast<uint32_t>(m.group[c]) << 16 |
                   (!m.besideScaledHeld.empty() && m.besideScaledHeld[c] ? BIOHEAT_BESIDE_SCALED_HELD : 0u);
    std::vector<double> mats(m.materials.size() * BIOHEAT_MATERIAL_STRIDE, 0.0);
    for (size_t i = 0; i < m.materials.size(); ++i) {
        double* d = &mats[i * BIOHEAT_MATERIAL_STRIDE];
        const therapy::BioheatModel::Curve& cv = m.curves[i];
        const therapy::BioheatMaterial& mt = m.materials[i];
        std::copy(cv.tC, cv.tC + 6, d);
        std::copy(cv.h, cv.h + 6, d + 6);
        std::copy(cv.slope, cv.slope + 7, d + 12);
        std::copy(cv.invSlope, cv.invSlope + 7, d + 19);
        d[26] = m.bloodDensityKgPerM3 * m.bloodHeatCapacityJPerKgK * mt.perfusionPerS * volumeM3_;
        d[27] = std::log(mt.arrheniusPerS);
        d[28] = mt.activationJPerMol / therapy::kGasConstant;
    }
    const VkDeviceSize sizes[kBindings] = {n * 4, n * 4, 3 * n * 4, n * 8, n * 4, n * 4, n * 4, n * 4, n * 4, n * 4,
                                           mats.size() * 8, 4, n * 4};
    // Host-visible and mapped: on lavapipe (the CPU driver this project tests on) all memory is
    // host memory; a discrete GPU would want device-local copies (not done).
    for (int b = 0; b < kBindings; ++b) {
        buffers_.push_back(ctx_.createBuffer(sizes[b],
                                             VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT, true));
        writeBufferDescriptor(ctx_.device(), set_, static_cast<uint32_t>(b), VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                              buffers_.back().buffer, 0, sizes[b]);
    }
    copyIn(buffers_[BIOHEAT_BINDING_CELLS], cells);
    copyIn(buffers_[BIOHEAT_BINDING_SOURCE], m.sourceWPerW);
    copyIn(buffers_[BIOHEAT_BINDING_CONDUCTANCE], s.conductance);
    copyIn(buffers_[BIOHEAT_BINDING_ENTHALPY], s.enthalpy);
    copyIn(buffers_[BIOHEAT_BINDING_TEMPERATURE], s.temperatureC);
    copyIn(buffers_[BIOHEAT_BINDING_OMEGA], s.omega);
    copyIn(buffers_[BIOHEAT_BINDING_CEM43], s.cem43Min);
    copyIn(buffers_[BIOHEAT_BINDING_PERFUSED], s.perfused);
    copyIn(buffers_[BIOHEAT_BINDING_MAXC], s.maxC);
    copyIn(buffers_[BIOHEAT_BINDING_MINC], s.minC);
    copyIn(buffers_[BIOHEAT_BINDING_MATERIALS], mats);
    if (m.heldFaceScale.empty())
        std::fill_n(static_cast<float*>(buffers_[BIOHEAT_BINDING_FACE_SCALE].mapped), n, 1.0f);
    else
        copyIn(buffers_[BIOHEAT_BINDING_FACE_SCALE], m.heldFaceScale);
    std::memcpy(buffers_[BIOHEAT_BINDING_HOTTEST].mapped, &s.hottestTissueC, 4);
}

void GpuBioheat::advance(const therapy::BioheatControls& c, double dt, int steps) {
    if (buffers_.empty() || steps <= 0) return;
    gpu::BioheatPush push{};
    push.step = glm::dvec4(dt, c.powerW, volumeM3_, bloodC_);
    push.dims = glm::ivec4(dims_, 0);
    push.held = glm::ivec4(0, static_cast<int>(cells_), 0, 0);
    for (size_t g = 0; g < c.groupC.size() && g < BIOHEAT_MAX_GROUPS; ++g)
        if (!std::isnan(c.groupC[g])) {
            push.held.x |= 1 << g;
            push.groupC[static_cast<int>(g)] = static_cast<float>(c.groupC[g]);
        }
    const uint32_t groups = static_cast<uint32_t>((cells_ + BIOHEAT_GROUP - 1) / BIOHEAT_GROUP);
    const uint32_t gx = std::min<uint32_t>(groups, 65535), gy = (groups + gx - 1) / gx;
    const VkBuffer hottest = buffers_[BIOHEAT_BINDING_HOTTEST].buffer;
    ctx_.submitAndWait([&](VkCommandBuffer cmd) {
        for (int k = 0; k < steps; ++k) {
            push.dims.w = 0;
            kernel_.bind(cmd, set_, &push);
            vkCmdDispatch(cmd, gx, gy, 1);
            computeToCompute(cmd);
            vkCmdFillBuffer(cmd, hottest, 0, 4, 0);
            transferToCompute(cmd);
            push.dims.w = 1;
            kernel_.bind(cmd, set_, &push);
            vkCmdDispatch(cmd, gx, gy, 1);
            computeToCompute(cmd);
        }
        computeToHost(cmd);
    });
    timeS_ += dt * steps;
}

float GpuBioheat::hottestTissueC() const {
    if (buffers_.empty()) return therapy::kBodyTemperatureC;
    float t;
    std::memcpy(&t, buffers_[BIOHEAT_BINDING_HOTTEST].mapped, 4);
    return t;
}

void GpuBioheat::read(therapy::BioheatState& s) {
    if (buffers_.empty()) return;
    copyOut(buffers_[BIOHEAT_BINDING_ENTHALPY], s.enthalpy, cells_);
    copyOut(buffers_[BIOHEAT_BINDING_TEMPERATURE], s.temperatureC, cells_);
    copyOut(buffers_[BIOHEAT_BINDING_OMEGA], s.omega, cells_);
    copyOut(buffers_[BIOHEAT_BINDING_CEM43], s.cem43Min, cells_);
    copyOut(buffers_[BIOHEAT_BINDING_PERFUSED], s.perfused, cells_);
    copyOut(buffers_[BIOHEAT_BINDING_MAXC], s.maxC, cells_);
    copyOut(buffers_[BIOHEAT_BINDING_MINC], s.minC, cells_);
    s.timeS = timeS_;
    s.hottestTissueC = hottestTissueC();
}

}  // namespace irsim::render
