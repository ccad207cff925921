// The CT panel's 3D view (render/view3d.h): the GPU ray caster against its CPU mirror, and the
// depths it finds against the analytic surfaces of a synthetic patient, validation layer on.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <memory>

#include "render/context.h"
#include "render/drr_gpu.h"
#include "render/view3d.h"
#include "render_test_util.h"

using namespace irsim;
using irsim::render::gpu::vec4;

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

// The GPU 3D view of the phantom, `size` pixels a side, validation on.
struct GpuView {
    render::testing::ValidationOn validation;
    render::Context ctx;
    Phantom p = phantom();
    render::GpuDrr drr{ctx};
    std::unique_ptr<render::View3d> view;
    explicit GpuView(int size) {
        drr.setVolume(p.ct);
        view = std::make_unique<render::View3d>(ctx, drr, p.labels, p.names, size);
    }
};

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

// A vessel into the liver sphere with a catheter and a wire beyond it (the tube mode draws the
// liver translucent, so they show inside it).
std::vector<render::View3dTube> tubes() {
    const glm::vec4 lumen(VIEW3D_LUMEN_COLOUR), catheter(VIEW3D_CATHETER_COLOUR), wire(VIEW3D_WIRE_COLOUR);
    const glm::dvec3 p0{-20, 10, -30}, p1{-20, 10, 0}, p2{-5, 2, 5}, p3{10, -5, 15}, p4{20, -8, 30};
    return {{p0, p1, 6.0, lumen, false},      {p1, p2, 3.0, lumen, false},     {p2, p3, 2.5, lumen, false},
            {p3, p4, 2.0, lumen, false},      {p0, p1, 0.83, catheter, true},  {p1, p2, 0.83, catheter, true},
            {p2, p3, 0.45, wire, true},       {p3 + glm::dvec3(0, 0, 0), p3 + glm::dvec3(3, -1, 5), 0.45, wire, true}};
}

}  // namespace

TEST_CASE("the GPU 3D view equals its CPU mirror on a labelled sphere inside a box of skin",
          "[render][gpu][view3d]") {
    const int size = 97;
    GpuView g(size);
    render::Context& ctx = g.ctx;
    const Phantom& p = g.p;
    render::View3d& view = *g.view;
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
    const int size = 65;  // odd: pixel (32, 32) is the central ray
    GpuView g(size);
    render::Context& ctx = g.ctx;
    render::View3d& view = *g.view;
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

TEST_CASE("the GPU 3D view draws vessel lumens and devices as its CPU mirror does", "[render][gpu][view3d]") {
    const int size = 97;
    GpuView g(size);
    render::Context& ctx = g.ctx;
    const Phantom& p = g.p;
    render::View3d& view = *g.view;
    const std::vector<render::View3dTube> t = tubes();
    size_t devicePixels = 0;
    for (const auto& [az, el] : {std::pair{0.0, 0.0}, {35.0, 25.0}, {-120.0, -40.0}, {200.0, 70.0}}) {
        INFO("azimuth " << az << " elevation " << el);
        render::OrbitCamera cam;
        cam.azimuthDeg = az;
        cam.elevationDeg = el;
        cam.distanceMm = 400.0;
        cam.fieldOfViewDeg = 20.0;
        ctx.submitAndWait([&](VkCommandBuffer cmd) { view.record(cmd, cam, t); });
        const render::View3dImage gpu = view.readBack();
        const render::View3dTubeBins bins = render::binView3dTubes(cam, size, t);
        const render::View3dImage cpu =
            render::renderView3dReference(p.ct, view.classes(), render::withTubes(view.pushFor(cam), bins), &bins);
        requireSameImage(gpu, cpu);
        // The tubes are analytic: GPU and CPU find the same pixels and depths up to float rounding.
        size_t mask = 0;
        float maxDepthErr = 0.0f;
        for (size_t i = 0; i < cpu.rgb.size(); ++i) {
            if ((gpu.deviceDepthMm[i] > 0.0f) != (cpu.deviceDepthMm[i] > 0.0f)) ++mask;
            if (gpu.deviceDepthMm[i] > 0.0f && cpu.deviceDepthMm[i] > 0.0f)
                maxDepthErr = std::max(maxDepthErr, std::abs(gpu.deviceDepthMm[i] - cpu.deviceDepthMm[i]));
            if (cpu.deviceDepthMm[i] > 0.0f) ++devicePixels;
        }
        INFO("device mask differences " << mask << ", max device depth difference " << maxDepthErr << " mm");
        CHECK(mask <= 2);
        CHECK(maxDepthErr < 0.01f);
    }
    CHECK(devicePixels > 100);  // not vacuous: the devices are in view
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("a straight 5 Fr catheter shows at its projected width and depth, in its colour, inside a translucent lumen",
          "[render][gpu][view3d]") {
    const int size = 257;  // odd: column 128 is the central ray
    GpuView g(size);
    render::Context& ctx = g.ctx;
    const Phantom& p = g.p;
    render::View3d& view = *g.view;
    // In air in front of the box (y = -40), vertical in the view; a 5 Fr catheter: 5/3 mm across.
    const double r = 5.0 / 3.0 / 2.0, D = 400.0;
    const glm::dvec3 centre{0.0, -40.0, 0.0};
    render::OrbitCamera cam;
    cam.targetLps = centre;
    cam.azimuthDeg = 0.0;
    cam.elevationDeg = 0.0;
    cam.distanceMm = D;
    cam.fieldOfViewDeg = 2.0;
    const glm::vec4 colour(VIEW3D_CATHETER_COLOUR);
    std::vector<render::View3dTube> t = {{centre - glm::dvec3(0, 0, 30), centre + glm::dvec3(0, 0, 30), r, colour, true}};
    // A cylinder of radius r square to the view at distance D subtends 2 atan(r / sqrt(D^2 - r^2))
    // across: its width in pixels is that tangent over the half field's tangent times half the size.
    const double tanHalf = std::tan(glm::radians(0.5 * cam.fieldOfViewDeg));
    const double widthPx = 2.0 * r / std::sqrt(D * D - r * r) / tanHalf * 0.5 * size;
    const int row = size / 2;
    for (int withLumen = 0; withLumen < 2; ++withLumen) {
        INFO((withLumen ? "inside a 3 mm lumen" : "alone"));
        if (withLumen) t.push_back({centre - glm::dvec3(0, 0, 30), centre + glm::dvec3(0, 0, 30), 3.0,
                                    glm::vec4(VIEW3D_LUMEN_COLOUR), false});
        ctx.submitAndWait([&](VkCommandBuffer cmd) { view.record(cmd, cam, t); });
        const render::View3dImage gpu = view.readBack();
        const render::View3dTubeBins bins = render::binView3dTubes(cam, size, t);
        const render::View3dImage cpu =
            render::renderView3dReference(p.ct, view.classes(), render::withTubes(view.pushFor(cam), bins), &bins);
        for (const render::View3dImage* im : {&gpu, &cpu}) {
            int width = 0;
            for (int c = 0; c < size; ++c) width += im->deviceDepthMm[static_cast<size_t>(row) * size + c] > 0.0f;
            INFO("width " << width << " px, expected " << widthPx);
            CHECK(std::abs(width - widthPx) <= 1.0);  // pixel centres inside: within a pixel
            const size_t mid = static_cast<size_t>(row) * size + size / 2;
            CHECK(im->deviceDepthMm[mid] == Approx(D - r).margin(0.01));
            if (!withLumen) {
                // Facing the eye on the central ray the headlight gives the full colour.
                CHECK(im->rgb[mid].b == Approx(colour.b).margin(2.0 / 255.0));
                CHECK(im->rgb[mid].r == Approx(colour.r).margin(2.0 / 255.0));
            } else {
                // Through the lumen's front wall (opacity a): a of red over (1 - a) of the catheter.
                const glm::vec4 l(VIEW3D_LUMEN_COLOUR);
                CHECK(im->lumenDepthMm[mid] == Approx(D - 3.0).margin(0.01));
                CHECK(im->rgb[mid].b == Approx(l.a * l.b + (1.0f - l.a) * colour.b).margin(2.0 / 255.0));
                CHECK(im->rgb[mid].r == Approx(l.a * l.r + (1.0f - l.a) * colour.r).margin(2.0 / 255.0));
            }
        }
    }
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}
