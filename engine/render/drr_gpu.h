#pragma once
// The water-equivalent DRR on the GPU: the CT as a 3D texture of water-equivalent density and a
// compute shader that marches every detector pixel exactly as imaging/drr.h (the CPU reference)
// states it. Units: mm; frame: patient LPS (volume.h); image row 0 at the top (drr.h).
#include <memory>

#include "core/image_io.h"
#include "imaging/carm.h"
#include "imaging/drr.h"
#include "patient/volume.h"
#include "render/context.h"
#include "render/kernel.h"
#include "shared.h"

namespace irsim::render {

// A water-path image on the GPU (R32_SFLOAT, mm of water per pixel; storage and sampled, always in
// VK_IMAGE_LAYOUT_GENERAL) with the descriptor set that writes it.
class PathTarget {
public:
    PathTarget(Context& ctx, Image image, VkDescriptorSet set, imaging::DetectorGrid grid);
    ~PathTarget();
    PathTarget(const PathTarget&) = delete;
    PathTarget& operator=(const PathTarget&) = delete;

    const Image& image() const { return image_; }
    VkDescriptorSet set() const { return set_; }
    const imaging::DetectorGrid& grid() const { return grid_; }
    // The full-quality march's sets, one per principal axis (made on first use by GpuDrr).
    VkDescriptorSet sliceSet[3] = {VK_NULL_HANDLE, VK_NULL_HANDLE, VK_NULL_HANDLE};

private:
    Context& ctx_;
    Image image_;
    VkDescriptorSet set_;
    imaging::DetectorGrid grid_;
};

class GpuDrr {
public:
    explicit GpuDrr(Context& ctx);
    ~GpuDrr();

    // Uploads the CT as rho = 1 + max(HU, -1000) / 1000 per voxel (drr.h step 4) into a 3D
    // R32_SFLOAT image with linear filtering and clamp to edge. Make targets after this.
    // march = false: the geometry and the body's box only, for a caller that needs nothing but the
    // full-quality DRR of the slice stacks (`irsim drr`): the 3D image (4 bytes a voxel) is not made.
    void setVolume(const patient::CtVolume& ct, bool march = true);
    bool hasVolume() const { return geometry_.voxelCount() > 0; }
    const patient::VolumeGeometry& geometry() const { return geometry_; }
    const Image& density() const { return density_; }
    VkSampler linearSampler() const { return linear_; }

    std::unique_ptr<PathTarget> makeTarget(const imaging::DetectorGrid& grid);

    // Records the march of rows [firstRow, firstRow + rowCount) of `target` for a pose, with the
    // barriers around it (earlier reads of the target finish first; later compute and fragment
    // reads see the result).
    void recordPath(VkCommandBuffer cmd, const PathTarget& target, const imaging::CArmPose& pose,
                    double stepMm, int firstRow, int rowCount) const;

    // One image, computed and read back (tests, benchmarks, headless use).
    GreyImage waterEquivalentPathImage(const imaging::CArmPose& pose, const imaging::DetectorGrid& grid,
                                       double stepMm = 1.0);

    // The full-quality DRR (shaders/drr_slices.comp, Joseph's method): the same water-equivalent
    // sum with one sample per voxel plane across the view's principal axis, bilinear within the
    // plane. Not the drr.h march, so not equal to the CPU reference pixel for pixel; its error
    // against analytic line integrals is below plastimatch's (docs/rendering.md, `irsim bench`).
    // Needs the slice stacks: setVolume(ct) then makeSliceStacks(ct) (8 bytes a voxel
    // per axis: each texel holds the 2 x 2 voxels of a bilinear sample, so a sample is one fetch).
    // onlyAxis >= 0: that axis's stack alone (one image at one pose: principalAxis(pose)).
    void makeSliceStacks(const patient::CtVolume& ct, int onlyAxis = -1);
    void recordFullQuality(VkCommandBuffer cmd, PathTarget& target, const imaging::CArmPose& pose) const;
    GreyImage fullQualityImage(const imaging::CArmPose& pose, const imaging::DetectorGrid& grid);
    // The voxel axis the view's central ray crosses the most planes of (0, 1, 2 = i, j, k).
    int principalAxis(const imaging::CArmPose& pose) const;

private:
    gpu::DrrPush pushFor(const imaging::CArmPose& pose, const imaging::DetectorGrid& grid, double stepMm,
                         int firstRow) const;

    Context& ctx_;
    ComputeKernel kernel_;
    mutable ComputeKernel slices_;
    VkSampler linear_ = VK_NULL_HANDLE;
    Image density_;
    Image stacks_[3];  // 2D arrays of slices across axis 0, 1, 2, RGBA16F 2 x 2 voxel quads
    patient::VolumeGeometry geometry_;
    glm::vec3 clipLoQ_{0.0f}, clipHiQ_{0.0f};  // voxel-coordinate box outside which the CT is all air
};

// Copies a GENERAL-layout R32_SFLOAT or RGBA8 image back to the host (rgba8: the red channel,
// scaled to [0,1]).
GreyImage readBackImage(Context& ctx, const Image& image);

}  // namespace irsim::render
