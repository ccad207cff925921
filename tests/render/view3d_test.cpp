// The CT panel's 3D view (render/view3d.h): the GPU ray caster against its CPU mirror, and the
// depths it finds against the analytic surfaces of a synthetic patient, validation layer on.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include "render/context.h"
#include "render/drr_gpu.h"
#include "render/view3d.h"
#include "render_test_util.h"

using namespace irsim;

namespace {

constexpr double kSphereRadiusMm = 20.5;
const glm::dvec3 kSphereCentre{1.0, -1.0, 1.25};  // on a voxel centre
constexpr uint16_t kLiverLabel = 5;

// Air around a box of soft tissue (+40 HU, |x| < 36, |y| < 30, |z| < 40 mm: the 'skin') holding a
// sphere labelled liver (+60 HU, voxels whose centre is within 20.5 mm). Anisotropic voxels;
// voxel centres at odd mm in x and y, so the box's front face lies between the air voxel at
// y = -31 and the tissue voxel at y = -29.
struct Phantom {
    patient::CtVolume ct;
    patient::LabelMap labels;
    patient::LabelTable names{{kLiverLabel, "liver"}};
};

Phantom phantom() {
    Phantom p;
    patient::VolumeGeometry g;
    g.dims = {48, 48, 40};
    g.spacing = {2.0, 2.0, 2.5};
    g.origin = {-47.0, -47.0, -48.75};
    p.ct.allocate(g, -1000);
    p.labels.allocate(g, 0);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const glm::dvec3 x = g.voxelToPatient({i, j, k});
                if (std::abs(x.x) < 36.0 && std::abs(x.y) < 30.0 && std::abs(x.z) < 40.0) p.ct.at(i, j, k) = 40;
                if (glm::length(x - kSphereCentre) <= kSphereRadiusMm) {
                    p.ct.at(i, j, k) = 60;
                    p.labels.at(i, j, k) = kLiverLabel;
                }
            }
    return p;
}

// 8-bit GPU colours against the CPU mirror: each channel within 3/255 in all but 0.5% of pixels
// (the hardware's trilinear weights are quantised, 8 bits on lavapipe, so a threshold crossing
// or a nearest-voxel boundary can move by a sample in a few grazing rays), never beyond 0.25.
void requireSameImage(const render::View3dImage& gpu, const render::View3dImage& cpu) {
    REQUIRE(gpu.size == cpu.size);
    size_t bad = 0;
    float maxErr = 0.0f;
    bool printed = false;
    for (int r = 0; r < cpu.size; ++r)
        for (int c = 0; c < cpu.size; ++c) {
            const size_t i = static_cast<size_t>(r) * cpu.size + c;
            const glm::vec3 want = glm::round(glm::clamp(cpu.rgb[i], 0.0f, 1.0f) * 255.0f) / 255.0f;
            const glm::vec3 d = glm::abs(gpu.rgb[i] - want);
            const float err = std::max({d.x, d.y, d.z});
            maxErr = std::max(maxErr, err);
            if (err > 3.0f / 255.0f) {
                ++bad;
                if (!printed) {
                    std::printf("view3d: first bad pixel (%d, %d): GPU (%.3f %.3f %.3f) CPU (%.3f %.3f %.3f)\n", c, r,
                                gpu.rgb[i].x, gpu.rgb[i].y, gpu.rgb[i].z, want.x, want.y, want.z);
                    printed = true;
                }
            }
        }
    INFO("pixels beyond 3/255: " << bad << " of " << cpu.rgb.size() << ", max difference " << maxErr);
    CHECK(bad <= cpu.rgb.size() / 200);
    CHECK(maxErr < 0.25f);
}

}  // namespace

TEST_CASE("the GPU 3D view equals its CPU mirror on a labelled sphere inside a box of skin",
          "[render][gpu][view3d]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    const Phantom p = phantom();
    render::GpuDrr drr(ctx);
    drr.setVolume(p.ct);
    const int size = 97;
    render::View3d view(ctx, drr, p.labels, p.names, size);
    for (const auto& [az, el] : {std::pair{0.0, 0.0}, {35.0, 25.0}, {-120.0, -40.0}, {200.0, 70.0}}) {
        INFO("azimuth " << az << " elevation " << el);
        render::OrbitCamera cam;
        cam.targetLps = kSphereCentre;
        cam.azimuthDeg = az;
        cam.elevationDeg = el;
        cam.distanceMm = 400.0;
        cam.fieldOfViewDeg = 20.0;
        ctx.submitAndWait([&](VkCommandBuffer cmd) { view.record(cmd, cam); });
        const render::View3dImage gpu = view.readBack();
        const render::View3dImage cpu = render::renderView3dReference(p.ct, view.classes(), view.pushFor(cam));
        requireSameImage(gpu, cpu);
        // Not vacuous: the centre shows the liver's brown through the skin, the corner the background.
        const glm::vec3 centre = gpu.rgb[static_cast<size_t>(size / 2) * size + size / 2];
        CHECK(centre.r > centre.g);
        CHECK(centre.g > centre.b);
        CHECK(gpu.organDepthMm[static_cast<size_t>(size / 2) * size + size / 2] > 0.0f);
        CHECK(gpu.skinDepthMm[0] < 0.0f);
    }
    ctx.waitIdle();
    REQUIRE(ctx.validationEnabled());
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("on the central ray the 3D view hits the skin and the sphere's front at their analytic depths",
          "[render][gpu][view3d]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    const Phantom p = phantom();
    render::GpuDrr drr(ctx);
    drr.setVolume(p.ct);
    const int size = 65;  // odd: pixel (32, 32) is the central ray
    render::View3d view(ctx, drr, p.labels, p.names, size);
    render::OrbitCamera cam;  // from the front: the central ray runs along +y through the centre
    cam.targetLps = kSphereCentre;
    cam.azimuthDeg = 0.0;
    cam.elevationDeg = 0.0;
    cam.distanceMm = 400.0;
    ctx.submitAndWait([&](VkCommandBuffer cmd) { view.record(cmd, cam); });
    const render::View3dImage gpu = view.readBack();
    const size_t centre = 32u * size + 32u;
    const double eyeY = kSphereCentre.y - cam.distanceMm;
    // The sphere's front at y = centre - r; its voxels are nearest-sampled: within one voxel (2 mm).
    const double sphereDepth = (kSphereCentre.y - kSphereRadiusMm) - eyeY;
    CHECK(std::abs(gpu.organDepthMm[centre] - sphereDepth) <= 2.0);
    // The skin: density ramps linearly from air (0 at y = -31) to tissue (1.04 at y = -29) and the
    // -300 HU threshold (0.7) is crossed at -31 + 2 (0.7 / 1.04); both samples around it lie on the
    // ramp, so the interpolated crossing is exact up to float rounding.
    const double skinY = -31.0 + 2.0 * (0.7 / 1.04);
    CHECK(gpu.skinDepthMm[centre] == Approx(skinY - eyeY).margin(0.01));
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the 3D view's colour classes follow the structure names and its camera projects its target to the centre",
          "[render][view3d]") {
    CHECK(render::view3dClassOf("liver") == VIEW3D_CLASS_LIVER);
    CHECK(render::view3dClassOf("liver_tumour") == VIEW3D_CLASS_TUMOUR);
    CHECK(render::view3dClassOf("vertebral_metastasis") == VIEW3D_CLASS_TUMOUR);
    CHECK(render::view3dClassOf("kidney_left") == VIEW3D_CLASS_KIDNEY);
    CHECK(render::view3dClassOf("spleen") == VIEW3D_CLASS_SPLEEN);
    CHECK(render::view3dClassOf("vertebrae_L1") == VIEW3D_CLASS_BONE);
    CHECK(render::view3dClassOf("rib_left_7") == VIEW3D_CLASS_BONE);
    CHECK(render::view3dClassOf("aorta") == VIEW3D_CLASS_ARTERY);
    CHECK(render::view3dClassOf("hepatic_artery") == VIEW3D_CLASS_ARTERY);
    CHECK(render::view3dClassOf("inferior_vena_cava") == VIEW3D_CLASS_VEIN);
    CHECK(render::view3dClassOf("skin") == VIEW3D_CLASS_NONE);
    CHECK(render::view3dClassOf("subcutaneous_fat") == VIEW3D_CLASS_NONE);

    render::OrbitCamera cam;
    cam.targetLps = {10.0, -20.0, 30.0};
    cam.azimuthDeg = 0.0;
    cam.elevationDeg = 0.0;
    const auto c = render::projectToView(cam, 400, cam.targetLps);
    REQUIRE(c);
    CHECK(c->x == Approx(200.0));
    CHECK(c->y == Approx(200.0));
    // Seen from the front, the patient's left (+x) is on the image's right and the head (+z) up.
    const auto left = render::projectToView(cam, 400, cam.targetLps + glm::dvec3(50, 0, 0));
    const auto head = render::projectToView(cam, 400, cam.targetLps + glm::dvec3(0, 0, 50));
    REQUIRE(left);
    REQUIRE(head);
    CHECK(left->x > 200.0);
    CHECK(head->y < 200.0);
    // Behind the eye: not drawn.
    CHECK_FALSE(render::projectToView(cam, 400, cam.targetLps + glm::dvec3(0, -2 * cam.distanceMm, 0)));
}
