// Speed figures for docs/rendering.md (issue 4). Hidden tag: run with `test_render [.bench]`.
// Prints figures; asserts nothing about time (timed tests are not allowed, speed is measured).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdio>

#include "imaging/drr.h"
#include "render/context.h"
#include "render/drr_gpu.h"
#include "render/fluoro_monitor.h"

using namespace irsim;

namespace {

// A torso-sized water cylinder with a bone column, 512x512x300 at 0.8 x 0.8 x 1 mm: the size of
// the shared example CT, so sample counts match a real study.
patient::CtVolume benchVolume() {
    patient::CtVolume ct;
    patient::VolumeGeometry g;
    g.dims = {512, 512, 300};
    g.spacing = {0.8, 0.8, 1.0};
    g.origin = {-204.4, -204.4, -149.5};
    ct.allocate(g, -1000);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const glm::dvec3 p = g.voxelToPatient({i, j, k});
                int16_t hu = -1000;
                if ((p.x * p.x) / (170.0 * 170.0) + (p.y * p.y) / (120.0 * 120.0) < 1.0) hu = 40;
                if (std::hypot(p.x, p.y - 60.0) < 20.0) hu = 700;
                ct.at(i, j, k) = hu;
            }
    return ct;
}

double msSince(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("benchmark: GPU DRR and fluoroscopy composition rates", "[.bench]") {
    render::Context ctx;
    const patient::CtVolume ct = benchVolume();
    render::GpuDrr drr(ctx);
    auto t0 = std::chrono::steady_clock::now();
    drr.setVolume(ct);
    std::printf("device %s; upload 512x512x300: %.0f ms\n", ctx.deviceName().c_str(), msSince(t0));
    imaging::CArmPose pose;
    pose.detectorWidthMm = pose.detectorHeightMm = 300.0;
    for (int res : {256, 512, 1024}) {
        auto target = drr.makeTarget({res, res});
        ctx.submitAndWait([&](VkCommandBuffer cmd) { drr.recordPath(cmd, *target, pose, 1.0, 0, res); });
        const int n = res >= 1024 ? 2 : 4;
        t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < n; ++i) {
            pose.laoDeg = i;  // a new pose every image: what a rotation costs
            ctx.submitAndWait([&](VkCommandBuffer cmd) { drr.recordPath(cmd, *target, pose, 1.0, 0, res); });
        }
        const double ms = msSince(t0) / n;
        std::printf("full DRR %4d^2, 1 mm step: %7.1f ms/image, %5.1f images/s\n", res, ms, 1000.0 / ms);
    }
    {
        auto target = drr.makeTarget({256, 256});
        t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 8; ++i) {
            pose.laoDeg = 10 + i;
            ctx.submitAndWait([&](VkCommandBuffer cmd) { drr.recordPath(cmd, *target, pose, 2.0, 0, 256); });
        }
        const double ms = msSince(t0) / 8;
        std::printf("rotation preview 256^2, 2 mm step: %.1f ms/image, %.1f images/s\n", ms, 1000.0 / ms);
    }
    for (int res : {512, 1024}) {
        render::FluoroMonitor monitor(ctx, drr, {res, 256, 1.0, 2.0});
        render::FluoroPulse p{pose, 80.0, 220.0, 0, true, false};
        ctx.submitAndWait([&](VkCommandBuffer cmd) { monitor.recordPulse(cmd, p); });
        t0 = std::chrono::steady_clock::now();
        const int n = 30;
        for (int i = 1; i <= n; ++i) {
            p.pulseNumber = static_cast<uint32_t>(i);
            ctx.submitAndWait([&](VkCommandBuffer cmd) { monitor.recordPulse(cmd, p); });
        }
        const double ms = msSince(t0) / n;
        std::printf("live fluoro %4d^2, C-arm still (cached anatomy + noise/log/window): %.2f ms/image, %.0f images/s\n",
                    res, ms, 1000.0 / ms);
    }
    t0 = std::chrono::steady_clock::now();
    const GreyImage cpu = imaging::waterEquivalentPathImage(ct, pose, {512, 512}, 1.0);
    std::printf("CPU reference 512^2: %.0f ms\n", msSince(t0));
    ctx.waitIdle();
}
