// The GPU water-path DRR against its CPU reference (imaging/drr.h), with the Vulkan validation
// layer on and no validation error allowed.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/rng.h"
#include "imaging/drr.h"
#include "render/context.h"
#include "render/drr_gpu.h"
#include "../water_sphere.h"
#include "render_test_util.h"

using namespace irsim;
using render::testing::analyticPhantom;

namespace {

void requireClose(const GreyImage& gpu, const GreyImage& cpu, double absTol, double relTol) {
    REQUIRE(gpu.width == cpu.width);
    REQUIRE(gpu.height == cpu.height);
    double maxErr = 0.0;
    for (int y = 0; y < cpu.height; ++y)
        for (int x = 0; x < cpu.width; ++x) {
            const double a = gpu.at(x, y), b = cpu.at(x, y);
            const double err = std::abs(a - b);
            maxErr = std::max(maxErr, err);
            if (err > absTol + relTol * std::abs(b)) {
                FAIL("first bad pixel (" << x << ", " << y << "): GPU " << a << ", CPU " << b
                                         << ", tolerance " << absTol + relTol * std::abs(b));
            }
        }
    INFO("max abs difference " << maxErr);
    SUCCEED();
}

}  // namespace

TEST_CASE("the GPU water-path DRR of an analytic phantom matches the CPU reference pixel for pixel",
          "[render][gpu][drr]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    const patient::CtVolume ct = analyticPhantom();
    render::GpuDrr drr(ctx);
    drr.setVolume(ct);

    struct View { double lao, cran; glm::dvec3 iso; double step; };
    for (const View v : {View{0, 0, {0, 0, 0}, 1.0}, View{33, -17, {12, -8, 20}, 1.0},
                         View{90, 0, {0, 0, 0}, 0.7}, View{-60, 30, {-20, 10, -10}, 2.0}}) {
        imaging::CArmPose pose;
        pose.laoDeg = v.lao;
        pose.cranDeg = v.cran;
        pose.isocentre = v.iso;
        pose.detectorWidthMm = pose.detectorHeightMm = 260.0;  // rays that miss the box give 0
        const imaging::DetectorGrid grid{96, 80};
        INFO("LAO " << v.lao << " CRAN " << v.cran << " step " << v.step);
        const GreyImage cpu = imaging::waterEquivalentPathImage(ct, pose, grid, v.step);
        const GreyImage gpu = drr.waterEquivalentPathImage(pose, grid, v.step);
        // float on the GPU vs double on the CPU: 0.05 mm of water or 0.05 %.
        requireClose(gpu, cpu, 0.05, 5e-4);
        // Not vacuous: the phantom is in the image.
        float peak = 0.0f;
        for (float p : cpu.pixels) peak = std::max(peak, p);
        REQUIRE(peak > 60.0f);
    }
    ctx.waitIdle();
    REQUIRE(ctx.validationEnabled());
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("a ray through the centre of a water sphere gives its chord in mm of water on the GPU",
          "[render][gpu][drr]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    // A water sphere alone in air (tests/water_sphere.h): the central chord is 61 mm.
    const patient::CtVolume ct = test::waterSphereCt(81, 30.5);
    render::GpuDrr drr(ctx);
    drr.setVolume(ct);
    imaging::CArmPose pose;
    pose.detectorWidthMm = pose.detectorHeightMm = 100.0;
    const GreyImage gpu = drr.waterEquivalentPathImage(pose, {65, 65}, 0.5);
    // Pixel (32, 32) is the central ray; with odd grid size it passes through the sphere's centre.
    CHECK(gpu.at(32, 32) == Approx(61.0).epsilon(0.005));
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the full-quality GPU DRR by slices gives the chord of a water sphere and follows the CPU march",
          "[render][gpu][drr]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    // The sphere of the test above, and the rotated anisotropic phantom.
    const patient::CtVolume sphere = test::waterSphereCt(81, 30.5);
    render::GpuDrr drr(ctx);
    drr.setVolume(sphere);
    drr.makeSliceStacks(sphere);
    imaging::CArmPose pose;
    pose.detectorWidthMm = pose.detectorHeightMm = 100.0;
    const GreyImage central = drr.fullQualityImage(pose, {65, 65});
    // The voxelised sphere's surface lies at 30.5 mm along the axes (as above): 61 mm of water.
    CHECK(central.at(32, 32) == Approx(61.0).epsilon(0.005));

    const patient::CtVolume ct = analyticPhantom();
    render::GpuDrr drr2(ctx);
    drr2.setVolume(ct);
    drr2.makeSliceStacks(ct);
    struct View { double lao, cran; };
    for (const View v : {View{0, 0}, View{33, -17}, View{90, 0}, View{-60, 50}}) {
        imaging::CArmPose p;
        p.laoDeg = v.lao;
        p.cranDeg = v.cran;
        p.detectorWidthMm = p.detectorHeightMm = 260.0;
        INFO("LAO " << v.lao << " CRAN " << v.cran << ", principal axis " << drr2.principalAxis(p));
        const GreyImage cpu = imaging::waterEquivalentPathImage(ct, p, {64, 64}, 0.25);
        const GreyImage gpu = drr2.fullQualityImage(p, {64, 64});
        // Another sampling of the same trilinear field: on average within 0.5%, and rays through
        // the body within 1.5 mm of water or 2% but for a few grazing the slab's and cube's edges
        // obliquely, where the two samplings differ most.
        double sumDiff = 0.0, sum = 0.0;
        int rays = 0, off = 0;
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x) {
                const double a = gpu.at(x, y), b = cpu.at(x, y);
                if (b < 10.0) continue;
                sumDiff += std::abs(a - b), sum += b, ++rays;
                if (std::abs(a - b) > 1.5 + 0.02 * b && off++ == 0)
                    std::printf("LAO %g CRAN %g: first pixel off (%d, %d): GPU %g, CPU %g\n", v.lao, v.cran, x, y, a, b);
            }
        REQUIRE(rays > 500);
        CHECK(sumDiff / sum < 0.005);
        CHECK(off < rays / 50);
    }
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the full-quality GPU DRR skips the air around the body and loses only the air's noise",
          "[render][gpu][drr]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    // The sphere in a wide box of CT air (-1000 HU with +-15 HU of noise, as scanners store it):
    // rays are clipped to the body's box, so the image is the clean sphere's, not the noisy sum.
    const patient::CtVolume clean = test::waterSphereCt(121, 30.5);
    patient::CtVolume noisy = clean;
    Rng rng(7);
    for (int16_t& hu : noisy.voxels)
        if (hu == -1000) hu = static_cast<int16_t>(std::lround(-1000.0 + 15.0 * rng.normal()));
    render::GpuDrr drr(ctx);
    drr.setVolume(noisy);
    drr.makeSliceStacks(noisy);
    imaging::CArmPose pose;
    pose.laoDeg = 20.0;
    pose.detectorWidthMm = pose.detectorHeightMm = 150.0;
    const GreyImage gpu = drr.fullQualityImage(pose, {64, 64});
    const GreyImage cleanCpu = imaging::waterEquivalentPathImage(clean, pose, {64, 64}, 0.25);
    const GreyImage noisyCpu = imaging::waterEquivalentPathImage(noisy, pose, {64, 64}, 0.25);
    double diffClean = 0.0, diffNoisy = 0.0, sum = 0.0;
    for (size_t i = 0; i < gpu.pixels.size(); ++i) {
        if (cleanCpu.pixels[i] < 10.0) continue;
        diffClean += std::abs(gpu.pixels[i] - cleanCpu.pixels[i]);
        diffNoisy += std::abs(gpu.pixels[i] - noisyCpu.pixels[i]);
        sum += cleanCpu.pixels[i];
    }
    REQUIRE(sum > 0.0);
    INFO("mean |GPU - clean CPU| / mean " << diffClean / sum << ", against the noisy CPU sum " << diffNoisy / sum);
    CHECK(diffClean / sum < 0.005);
    // The march through the noisy box adds the noise's positive half (air clamps at -1000 HU, so
    // about +6 HU on average over the ~120 mm of air a ray crosses): 0.9 % here, well above the
    // clipped image's difference from the clean sphere.
    CHECK(diffNoisy > 2.0 * diffClean);
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}
