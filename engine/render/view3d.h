#pragma once
// The CT panel's 3D view (issue 4, CT guidance): the patient's surface (the first crossing of
// -300 HU along each ray, semi-transparent skin), organs, bone, vessels and tumours from the label
// map in a fixed colour table (shaders/view3d.h), shaded by a headlight, seen by an orbiting
// pinhole camera. Devices and the C-arm are drawn by the caller as lines through projectToView,
// the same camera. Vessel lumens and endovascular devices are drawn by the ray caster itself from
// their centrelines (View3dTube), in depth order with the anatomy. Units: mm; frame: patient LPS
// (patient/volume.h). Image row 0 at the top.
//
// The GPU ray caster is shaders/view3d.comp; renderView3dReference is its CPU mirror (tests).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <glm/glm.hpp>

#include "patient/patient.h"
#include "patient/volume.h"
#include "render/drr_gpu.h"
#include "sim/procedure.h"
#include "render/view3d_tubes.h"
#include "view3d_shared.h"

namespace irsim::render {

// Orbit about a target: azimuth 0 looks from the front (anterior) with the patient's left on the
// image's right, +90 from the patient's left; elevation + looks down from the head's side.
struct OrbitCamera {
    glm::dvec3 targetLps{0.0};   // mm, the point orbited and seen at the image centre
    double azimuthDeg = 0.0;
    double elevationDeg = 20.0;  // clamped to [-89, 89]
    double distanceMm = 1000.0;  // eye to target
    double fieldOfViewDeg = 32.0;  // vertical (the image is square)
    bool operator==(const OrbitCamera&) const = default;
};

// The camera's eye and orthonormal axes (LPS).
struct CameraBasis {
    glm::dvec3 eye, forward, right, up;
    double tanHalfFov;
};
CameraBasis basisOf(const OrbitCamera& camera);

// Where a point falls in a size x size view: pixel coordinates from the image's top-left corner
// (pixel (c, r) covers [c, c+1) x [r, r+1)); nullopt when it is not in front of the eye.
std::optional<glm::dvec2> projectToView(const OrbitCamera& camera, int size, const glm::dvec3& lps);

// The display class (VIEW3D_CLASS_*) of a structure name (TotalSegmentator / irsim labels):
// liver, kidneys, spleen, bones, arteries, veins, tumours and metastases; 0 for the rest.
uint8_t view3dClassOf(const std::string& name);
// Per voxel of `labels`, its display class (labels' voxel order); all 0 when labels is empty,
// sized for `geometry`.
std::vector<uint8_t> view3dClasses(const patient::LabelMap& labels, const patient::LabelTable& names,
                                   const patient::VolumeGeometry& geometry);

// A capsule round a centreline segment a-b (LPS mm): a vessel's lumen (translucent, the first one
// a ray enters) or a device (opaque). Colours from shaders/view3d_shared.h.
struct View3dTube {
    glm::dvec3 a{0.0}, b{0.0};
    double radiusMm = 0.0;
    glm::vec4 colour{1.0f};  // rgb, a: opacity (devices are drawn opaque)
    bool device = false;
    bool operator==(const View3dTube&) const = default;
};
// A device is drawn at least this many pixels across, so a wire seen from afar stays a line.
constexpr double kMinDevicePixels = 2.5;
// The lumen of every segment of `tree` at least `minRadiusMm` wide (the arteries a catheter can
// enter, not the thousands of terminal branches), at most `maxTubes` of them, widest first kept.
std::vector<View3dTube> view3dLumens(const patient::VesselTree& tree, double minRadiusMm = 0.5, size_t maxTubes = 3000);
// Each segment of each device's centreline at its outer radius, in its role's colour.
std::vector<View3dTube> view3dDevices(const std::vector<sim::DeviceOutline>& devices);

// Skin threshold: -300 HU as water-equivalent density 1 + HU/1000 (air ~ -1000, fat ~ -100).
constexpr double kSkinThresholdHu = -300.0;
constexpr double kSkinOpacity = 0.3;

// The push constants of one view. stepMm <= 0: half the smallest voxel spacing.
gpu::View3dPush view3dPush(const OrbitCamera& camera, const patient::VolumeGeometry& geometry, int size,
                           double stepMm = 0.0);

struct View3dImage {
    int size = 0;
    std::vector<glm::vec3> rgb;       // (size x size), row 0 at the top, 0..1 before 8-bit rounding
    std::vector<float> organDepthMm;  // distance from the eye to the first drawn-class sample, -1 none
    std::vector<float> skinDepthMm;   // distance to the skin crossing, -1 none
    std::vector<float> deviceDepthMm;  // distance to the first device hit, -1 none
    std::vector<float> lumenDepthMm;   // distance to the first lumen entered, -1 none
};

// The CPU mirror of view3d.comp: density per voxel as GpuDrr uploads it (1 + max(HU,-1000)/1000),
// trilinear with clamp to edge, classes nearest. `tubes` binned for the same camera and size, and
// push.size.z/w set from them (withTubes), or none.
View3dImage renderView3dReference(const patient::CtVolume& ct, const std::vector<uint8_t>& classes,
                                  const gpu::View3dPush& push, const View3dTubeBins* tubes = nullptr);
// The push constants with the tube counts of `bins`.
gpu::View3dPush withTubes(gpu::View3dPush push, const View3dTubeBins& bins);

// The GPU view: the classes uploaded once (R8_UINT 3D image), GpuDrr's density texture shared.
// Images in VK_IMAGE_LAYOUT_GENERAL: image() RGBA8 for the panel, depth() RGBA32F (x organ, y skin
// depth in mm, -1 where none; z the first device, w the first lumen).
class View3d {
public:
    View3d(Context& ctx, GpuDrr& drr, const patient::LabelMap& labels, const patient::LabelTable& names,
           int size = 384, double stepMm = 0.0);
    ~View3d();
    View3d(const View3d&) = delete;
    View3d& operator=(const View3d&) = delete;

    // Records the view with its barriers unless the camera and the tubes equal the last recorded.
    void record(VkCommandBuffer cmd, const OrbitCamera& camera, const std::vector<View3dTube>& tubes = {});
    const Image& image() const { return image_; }
    const Image& depth() const { return depth_; }
    int size() const { return size_; }
    const std::vector<uint8_t>& classes() const { return classes_; }
    gpu::View3dPush pushFor(const OrbitCamera& camera) const;

    // Reads both images back (tests): rgb 0..1 from the 8-bit image, and the depths.
    View3dImage readBack();

private:
    Context& ctx_;
    GpuDrr& drr_;
    int size_;
    double stepMm_;
    ComputeKernel kernel_;
    VkSampler nearest_ = VK_NULL_HANDLE;
    std::vector<uint8_t> classes_;
    Image classImage_, image_, depth_;
    bool valid_ = false;
    OrbitCamera last_;
    std::vector<View3dTube> lastTubes_;
    // The tubes' buffer, one per slot in turn so a frame still in flight keeps its own.
    static constexpr int kSlots = 3;
    struct Slot {
        VkDescriptorSet set = VK_NULL_HANDLE;
        Buffer tubes, bins;
    } slots_[kSlots];
    int slot_ = 0;
    void bindTubes(Slot& s, const View3dTubeBins& bins);
};

}  // namespace irsim::render
