// The GPU fluoroscope (render/fluoro_monitor.h) against the CPU physics (imaging/fluoroscope.h),
// stage by stage, on an analytic phantom with devices and agents, the procedural phantom patient
// and the real CT in assets/. Validation layer on, no validation error allowed. Noise: the GPU draws
// the same irsim::Rng stream per row; its float log/cos move a count by one in a few pixels per
// 10^5 (and a Knuth draw that differs shifts the rest of its row), and the float expectation shifts
// large counts by a few quanta, so noisy images are compared by the fraction of equal pixels and
// the noiseless stages pixel by pixel.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>

#include "imaging/fluoroscope.h"
#include "patient/loader.h"
#include "patient/phantom.h"
#include "render/context.h"
#include "render/drr_gpu.h"
#include "render/fluoro_monitor.h"
#include "render_test_util.h"
#include "sim/frames.h"

using namespace irsim;
using render::testing::analyticPhantom;

namespace {

// Every kind of radiopaque primitive, around the isocentre.
imaging::FrameContents devices() {
    imaging::FrameContents f;
    f.paths.push_back(imaging::catheter({{-60, 0, -30}, {-20, 5, -10}, {10, 0, 10}, {25, -5, 30}}));
    f.paths.push_back(imaging::guidewire({{-70, 10, -50}, {-30, 10, -40}, {0, 12, -20}, {20, 10, -15}}));
    f.paths.push_back(imaging::needle({40, -80, -40}, {15, -10, -20}, 11.0));
    f.paths.push_back(imaging::tipMarker({25, -5, 30}, {15, -5, 20}, 0.85));
    auto vessel = imaging::contrastInVessel({{-40, 0, 40}, {-10, 0, 45}, {20, 0, 40}, {50, 0, 30}}, 3.0, 300.0);
    vessel.segmentFill = {1.0f, 0.6f, 0.0f};  // the bolus front in the second segment
    f.paths.push_back(vessel);
    // A branch point as therapy/contrast.cpp draws one: a trunk in two paths that share the joint
    // (mitres) and a thin side branch that starts where it leaves the trunk (offset plane).
    const glm::dvec3 joint{-10, 20, -20}, above{-10, 22, 10}, below{-6, 20, -50}, side{20, 25, -30};
    const auto away = [&](const glm::dvec3& to, double r) { return imaging::PathJoin{glm::normalize(to - joint), r}; };
    auto upper = imaging::contrastInVessel({{-12, 22, 30}, above, joint}, 3.0, 300.0);
    upper.endJoins = {away(below, 3.0), away(side, 1.2)};
    auto lower = imaging::contrastInVessel({joint, below}, 3.0, 300.0);
    lower.startJoins = {away(above, 3.0), away(side, 1.2)};
    auto branch = imaging::contrastInVessel({joint, side}, 1.2, 300.0);
    branch.startJoins = {away(above, 3.0), away(below, 3.0)};
    for (auto& p : {upper, lower, branch}) f.paths.push_back(p);
    f.spheres.push_back(imaging::contrastBlob({30, 10, -50}, 8.0, 150.0));
    f.spheres.push_back(imaging::cementBlob({-30, -10, 0}, 6.0));
    return f;
}

// LAO 20, cranial 10, a 240 mm detector, shutters in from all sides.
imaging::CArmPose obliqueShutteredPose() {
    imaging::CArmPose pose;
    pose.laoDeg = 20;
    pose.cranDeg = 10;
    pose.detectorWidthMm = pose.detectorHeightMm = 240.0;
    pose.collimationX = 0.8;  // shutters in from left and right
    pose.collimationY = 0.9;
    return pose;
}

// Fails with the first pixel outside absTol + relTol |cpu| (a pixel, its values, the tolerance).
void requireClose(const char* what, const GreyImage& gpu, const GreyImage& cpu, double absTol, double relTol) {
    REQUIRE(gpu.width == cpu.width);
    REQUIRE(gpu.height == cpu.height);
    for (int y = 0; y < cpu.height; ++y)
        for (int x = 0; x < cpu.width; ++x) {
            const double a = gpu.at(x, y), b = cpu.at(x, y);
            if (!(std::abs(a - b) <= absTol + relTol * std::abs(b)))
                FAIL(what << ": first bad pixel (" << x << ", " << y << "): GPU " << a << ", CPU " << b
                          << ", tolerance " << absTol + relTol * std::abs(b));
        }
}

// Fraction of pixels within tol; prints the first one outside.
double fractionWithin(const char* what, const GreyImage& gpu, const GreyImage& cpu, double tol, double relTol = 0.0) {
    size_t good = 0;
    bool printed = false;
    for (int y = 0; y < cpu.height; ++y)
        for (int x = 0; x < cpu.width; ++x) {
            if (std::abs(gpu.at(x, y) - cpu.at(x, y)) <= tol + relTol * std::abs(cpu.at(x, y))) ++good;
            else if (!printed) {
                std::printf("%s: first pixel off by more than %g: (%d, %d) GPU %g CPU %g\n", what, tol, x, y,
                            gpu.at(x, y), cpu.at(x, y));
                printed = true;
            }
        }
    return double(good) / cpu.pixels.size();
}

// GPU and CPU images of one pulse, noiseless stages exact within float tolerances.
void compareNoiseless(render::Context& ctx, const patient::CtVolume& ct, const patient::LabelMap* labels,
                      const imaging::CArmPose& pose, const imaging::FrameContents& frame, int size, double stepMm) {
    imaging::FluoroSettings settings;
    settings.noise = false;
    settings.stepMm = stepMm;
    render::FluoroMonitorDef def{size, size / 4, 2.0, settings};
    render::FluoroMonitor monitor(ctx, ct, labels, def);
    const imaging::FluoroMode mode = imaging::FluoroMode::fluoroNormal();
    render::GpuFluoroStages gpu;
    monitor.takeImage({pose, frame, mode, 7, false}, &gpu);
    const imaging::FluoroscopeView view(ct, labels, pose, {size, size}, settings);
    imaging::FluoroStages cpu;
    imaging::composeFluoroImage(view, frame, mode, 7, &cpu);
    CHECK(monitor.kVp() == view.kVp());
    GreyImage viewT = cpu.primaryTransmission, viewS = cpu.primaryTransmission;
    for (int r = 0; r < size; ++r)
        for (int c = 0; c < size; ++c) viewT.at(c, r) = view.transmission(c, r), viewS.at(c, r) = view.scatter(c, r);
    // float marches and exp on the GPU, double on the CPU.
    requireClose("view transmission", gpu.viewTransmission, viewT, 1e-6, 2e-4);
    requireClose("view scatter", gpu.viewScatter, viewS, 1e-6, 5e-4);
    requireClose("primary transmission", gpu.primaryTransmission, cpu.primaryTransmission, 1e-6, 2e-4);
    requireClose("log signal", gpu.logSignal, cpu.logSignal, 2e-4, 0.0);
    // 8-bit display: a float difference may cross a rounding step in a few pixels, never more.
    requireClose("display", gpu.display, cpu.display, 1.0 / 255 + 1e-6, 0.0);
    CHECK(fractionWithin("display", gpu.display, cpu.display, 1e-6) > 0.99);
    CHECK(monitor.fullViews() == 1);
}

}  // namespace

TEST_CASE("the GPU fluoroscope of an analytic phantom with devices and contrast equals the CPU physics",
          "[render][gpu][fluoro]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    const patient::CtVolume ct = analyticPhantom();
    const imaging::CArmPose pose = obliqueShutteredPose();
    compareNoiseless(ctx, ct, nullptr, pose, devices(), 128, 1.0);

    // Not vacuous: the devices darken the image where they are (the CPU says where).
    imaging::FluoroSettings settings;
    settings.noise = false;
    const imaging::FluoroscopeView view(ct, nullptr, pose, {128, 128}, settings);
    imaging::FluoroStages cpu;
    imaging::composeFluoroImage(view, devices(), imaging::FluoroMode::fluoroNormal(), 7, &cpu);
    int darkened = 0;
    for (int r = 0; r < 128; ++r)
        for (int c = 0; c < 128; ++c) darkened += cpu.primaryTransmission.at(c, r) < 0.9f * view.transmission(c, r);
    CHECK(darkened > 100);
    ctx.waitIdle();
    REQUIRE(ctx.validationEnabled());
    REQUIRE(ctx.validationErrorCount() == 0);
}

// The GPU intersects a primitive only in the spans of 8 pixels near its projected axis, by a bound
// on where its rays can meet the detector (render/fluoro_pulse.cpp) with 2 pixels to spare: at
// 1024^2 a 300 mm detector has 3.4 pixels a mm, the margin is 0.6 mm, and a device edge the bound
// cut off would differ from the CPU, which tries every pixel of the footprint's box.
TEST_CASE("the GPU fluoroscope at 1024^2 darkens every pixel the CPU's devices darken, and no other",
          "[render][gpu][fluoro]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    const patient::CtVolume ct = analyticPhantom();
    imaging::CArmPose pose = obliqueShutteredPose();
    pose.detectorWidthMm = pose.detectorHeightMm = 300.0;
    pose.collimationX = pose.collimationY = 1.0;
    const int size = 1024;
    imaging::FluoroSettings settings;
    settings.noise = false;
    settings.stepMm = 4.0;  // the anatomy's march is not under test here
    render::FluoroMonitor monitor(ctx, ct, nullptr, {size, 64, 4.0, settings});
    render::GpuFluoroStages gpu;
    monitor.takeImage({pose, devices(), imaging::FluoroMode::fluoroNormal(), 7, false}, &gpu);
    // Where the CPU's devices change T, the GPU's T with devices equals the CPU's; elsewhere it is
    // the GPU view's own T untouched.
    const imaging::FluoroscopeView view(ct, nullptr, pose, {size, size}, settings);
    imaging::FluoroStages cpu;
    imaging::composeFluoroImage(view, devices(), imaging::FluoroMode::fluoroNormal(), 7, &cpu);
    int darkened = 0;
    for (int r = 0; r < size; ++r)
        for (int c = 0; c < size; ++c) {
            const double cpuT = cpu.primaryTransmission.at(c, r), viewT = view.transmission(c, r);
            const double gpuT = gpu.primaryTransmission.at(c, r), gpuViewT = gpu.viewTransmission.at(c, r);
            if (cpuT == viewT) {
                if (gpuT != gpuViewT) FAIL("pixel (" << c << ", " << r << "): no device on the CPU, GPU T " << gpuT << " view " << gpuViewT);
                continue;
            }
            ++darkened;
            if (!(std::abs(gpuT - cpuT) <= 1e-6 + 2e-4 * cpuT))
                FAIL("device pixel (" << c << ", " << r << "): GPU T " << gpuT << ", CPU " << cpuT << " (view " << viewT << ")");
        }
    CHECK(darkened > 5000);
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the GPU draws the CPU's Poisson counts with the same per-row generator", "[render][gpu][fluoro]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    const patient::CtVolume ct = analyticPhantom();
    imaging::CArmPose pose;
    pose.laoDeg = -30;
    pose.detectorWidthMm = pose.detectorHeightMm = 240.0;
    pose.collimationX = 0.9;
    const int size = 128;
    imaging::FluoroSettings settings;  // noise on
    render::FluoroMonitor monitor(ctx, ct, nullptr, {size, 32, 2.0, settings});
    const imaging::FluoroscopeView view(ct, nullptr, pose, {size, size}, settings);
    for (uint64_t seed : {11ull, 0x9E3779B97F4A7C15ull}) {
        // Low dose: most pixels in the Knuth branch (mean <= 64), the rest in the normal one.
        for (const imaging::FluoroMode& mode : {imaging::FluoroMode::fluoroLow(), imaging::FluoroMode::dsa()}) {
            render::GpuFluoroStages gpu;
            monitor.takeImage({pose, devices(), mode, seed, false}, &gpu);
            imaging::FluoroStages cpu;
            imaging::composeFluoroImage(view, devices(), mode, seed, &cpu);
            INFO("seed " << seed << ", mode " << mode.name);
            // The same draws: equal counts, but for the float error of the expectation (T and S
            // to ~1e-6 and ~1e-4) that shifts a count of 10^6 by a few.
            CHECK(fractionWithin("quanta", gpu.quanta, cpu.quanta, 0.0, 1e-4) > 0.995);
            CHECK(fractionWithin("display", gpu.display, cpu.display, 1.0 / 255 + 1e-6) > 0.99);
            // The counts are Poisson: over the open field, (N - E)^2 / E averages 1 (chi-square per
            // degree of freedom; 10^4 pixels give a standard error of ~0.015).
            const double n0 = mode.detectorKermaPerPulseGy * view.quantaPerGy();
            double chi = 0.0;
            int count = 0;
            for (int r = view.openRowBegin(); r < view.openRowEnd(); ++r)
                for (int c = view.openColBegin(); c < view.openColEnd(); ++c) {
                    const double e = n0 * (gpu.primaryTransmission.at(c, r) + view.scatter(c, r));
                    if (e < 5.0) continue;
                    chi += (gpu.quanta.at(c, r) - e) * (gpu.quanta.at(c, r) - e) / e;
                    ++count;
                }
            REQUIRE(count > 5000);
            CHECK(chi / count == Approx(1.0).margin(0.08));
        }
    }
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the GPU fluoroscope of the phantom patient equals the CPU physics", "[render][gpu][fluoro]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    patient::PhantomOptions options;
    options.voxelMm = 4.0;
    const patient::Patient patient = patient::makePhantom(options);
    imaging::CArmPose pose;
    pose.laoDeg = 25;
    pose.detectorWidthMm = pose.detectorHeightMm = 300.0;
    pose.isocentre = patient.ct.geometry.voxelToPatient(glm::dvec3(patient.ct.geometry.dims - 1) * 0.5);
    imaging::FrameContents frame;
    frame.paths.push_back(imaging::catheter({pose.isocentre + glm::dvec3(-60, 0, -80), pose.isocentre}));
    frame.spheres.push_back(imaging::cementBlob(pose.isocentre + glm::dvec3(20, 30, 10), 7.0));
    compareNoiseless(ctx, patient.ct, &patient.labels, pose, frame, 96, 2.0);
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the GPU fluoroscope of the real CT in assets/ equals the CPU physics, and the preview is cached apart",
          "[render][gpu][fluoro]") {
    const std::string path = std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/example_ct_sm.nii.gz";
    REQUIRE(std::filesystem::exists(path));
    render::testing::ValidationOn validation;
    render::Context ctx;
    const patient::CtVolume ct = patient::loadCt(path);
    imaging::CArmPose pose;
    pose.isocentre = ct.geometry.voxelToPatient(glm::dvec3(ct.geometry.dims - 1) * 0.5);
    pose.laoDeg = -15;
    pose.cranDeg = 5;
    imaging::FrameContents frame;
    frame.paths.push_back(imaging::guidewire({pose.isocentre + glm::dvec3(0, 0, -90), pose.isocentre}));
    compareNoiseless(ctx, ct, nullptr, pose, frame, 96, 2.0);

    // The monitor's cache: pulses at one pose build one view; moving builds preview views only.
    render::FluoroMonitor monitor(ctx, ct, nullptr, {96, 32, 3.0, {}});
    for (uint64_t pulse = 0; pulse < 3; ++pulse)
        ctx.submitAndWait([&](VkCommandBuffer cmd) { monitor.recordPulse(cmd, {pose, frame, {}, pulse, false}); });
    imaging::CArmPose moved = pose;
    for (int step = 1; step <= 2; ++step) {
        moved.laoDeg += 2.0;
        ctx.submitAndWait([&](VkCommandBuffer cmd) { monitor.recordPulse(cmd, {moved, frame, {}, 9, true}); });
    }
    CHECK(monitor.fullViews() == 1);
    CHECK(monitor.previewViews() == 2);
    // The upscaled preview is an image of the patient, not a blank monitor.
    const GreyImage shown = render::readBackImage(ctx, monitor.display());
    double lo = 1.0, hi = 0.0;
    for (float v : shown.pixels) lo = std::min<double>(lo, v), hi = std::max<double>(hi, v);
    CHECK(hi - lo > 0.5);

    // Progressive: the C-arm stops at a new pose; the half-resolution first image (its frame
    // marches no band), then 32 rows of the 96-row view per pulse with the first image shown
    // meanwhile, then the same image as a view built at once.
    render::FluoroMonitorDef def{96, 32, 3.0, {}};
    def.progressiveRows = 32;
    render::FluoroMonitor progressive(ctx, ct, nullptr, def);
    for (int pulse = 0; pulse < 4; ++pulse) {
        ctx.submitAndWait([&](VkCommandBuffer cmd) { progressive.recordPulse(cmd, {pose, frame, {}, 5, false}); });
        CHECK(progressive.fullViews() == 0);
    }
    CHECK(progressive.firstViews() == 1);
    CHECK(progressive.previewViews() == 0);
    ctx.submitAndWait([&](VkCommandBuffer cmd) { progressive.recordPulse(cmd, {pose, frame, {}, 5, false}); });
    CHECK(progressive.fullViews() == 1);
    const GreyImage banded = render::readBackImage(ctx, progressive.display());
    const GreyImage atOnce = monitor.takeImage({pose, frame, {}, 5, false});
    requireClose("progressive view", banded, atOnce, 0.0, 0.0);
    // Between pulses the window calls refine() every frame: it finishes the view and shows the
    // last pulse again at full quality.
    imaging::CArmPose other = pose;
    other.laoDeg += 5.0;
    ctx.submitAndWait([&](VkCommandBuffer cmd) { progressive.recordPulse(cmd, {other, frame, {}, 6, false}); });
    bool refined = false;
    for (int frameNo = 0; frameNo < 4 && !refined; ++frameNo)
        ctx.submitAndWait([&](VkCommandBuffer cmd) { refined = progressive.refine(cmd); });
    CHECK(refined);
    CHECK(progressive.fullViews() == 2);
    requireClose("refined view", render::readBackImage(ctx, progressive.display()),
                 monitor.takeImage({other, frame, {}, 6, false}), 0.0, 0.0);
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the rotation preview of a fine CT (2x2x2 means, 192 pixels) shows what the full view shows",
          "[render][gpu][fluoro]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    // 1 mm voxels (finer than 2 mm: the preview marches the coarse volume): a water cylinder with a
    // bone rod and a fat block, in air.
    patient::CtVolume ct;
    patient::VolumeGeometry g;
    g.dims = {120, 100, 90};
    g.spacing = {1.0, 1.0, 1.0};
    g.origin = -glm::dvec3(g.dims - 1) * 0.5;
    ct.allocate(g, -1000);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const glm::dvec3 p = g.voxelToPatient({i, j, k});
                int16_t hu = -1000;
                if (std::hypot(p.x, p.y) < 45.0) hu = 40;
                if (std::hypot(p.x - 15.0, p.y) < 8.0) hu = 1200;
                if (std::abs(p.x + 20.0) < 10.0 && std::abs(p.z) < 20.0 && std::abs(p.y) < 20.0) hu = -100;
                ct.at(i, j, k) = hu;
            }
    imaging::FluoroSettings settings;
    settings.noise = false;
    render::FluoroMonitor monitor(ctx, ct, nullptr, {256, 64, 2.5, settings});
    imaging::CArmPose pose;
    pose.detectorWidthMm = pose.detectorHeightMm = 200.0;
    const GreyImage full = monitor.takeImage({pose, {}, {}, 1, false});
    ctx.submitAndWait([&](VkCommandBuffer cmd) { monitor.recordPulse(cmd, {pose, {}, {}, 1, true}); });
    const GreyImage preview = render::readBackImage(ctx, monitor.display());
    CHECK(monitor.previewViews() == 1);
    // Same window (the preview meters its own median), same anatomy: the bone rod dark, air white;
    // the upscaled preview differs from the full image by < 0.06 grey on average (blur at edges).
    double diff = 0.0;
    for (size_t i = 0; i < full.pixels.size(); ++i) diff += std::abs(full.pixels[i] - preview.pixels[i]);
    diff /= full.pixels.size();
    INFO("mean difference " << diff);
    CHECK(diff < 0.06);
    const int rod = static_cast<int>(std::lround((0.5 + 15.0 * 1100.0 / 750.0 / 200.0) * 256 - 0.5));
    INFO("rod column " << rod);
    CHECK(preview.at(rod, 128) < preview.at(128 - 40, 128) - 0.1);  // the bone rod darker than the fat block
    CHECK(preview.at(2, 128) > 0.9);                          // air beside the body white

    // After a pose change the window shows the half-resolution view first (the CT's own voxels
    // and step; 128 pixels over 200 mm of detector are 1.07 mm at the isocentre, about this CT's
    // 1 mm voxels): it shows what the full view will, within 0.01 grey on average, closer than the
    // preview does.
    render::FluoroMonitorDef def{256, 64, 2.5, settings};
    def.progressiveRows = 64;
    render::FluoroMonitor progressive(ctx, ct, nullptr, def);
    ctx.submitAndWait([&](VkCommandBuffer cmd) { progressive.recordPulse(cmd, {pose, {}, {}, 1, false}); });
    CHECK(progressive.firstViews() == 1);
    CHECK(progressive.fullViews() == 0);
    const GreyImage first = render::readBackImage(ctx, progressive.display());
    double firstDiff = 0.0;
    for (size_t i = 0; i < full.pixels.size(); ++i) firstDiff += std::abs(full.pixels[i] - first.pixels[i]);
    firstDiff /= full.pixels.size();
    INFO("first image's mean difference " << firstDiff);
    CHECK(firstDiff < 0.01);
    CHECK(firstDiff < diff);
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

namespace {

// The arteries of devices(): what a DSA run fills and the roadmap draws white.
imaging::FrameContents arteries() {
    imaging::FrameContents f;
    for (const auto& p : devices().paths)
        if (p.material == imaging::Material::Iodine) f.paths.push_back(p);
    return f;
}

struct RoadmapFrame {
    sim::RoadmapLayers layers;
    GreyImage cpu, gpu;                 // the roadmap display both ways
    imaging::FluoroStages live, mask;   // the CPU's live pulse and the run's mask
    std::vector<double> viewT;          // the anatomy's T (device-free)
    std::vector<char> open;             // inside the shutters
};

// A roadmap frame both ways: the DSA run's mask (no contrast) and peak frame (the arteries) taken
// on the CPU as sim::ImageRenderer takes them, then a live pulse with a wire and a catheter and no
// contrast, composed by sim::roadmapDisplay on the CPU and by the monitor on the GPU.
RoadmapFrame roadmapBothWays(render::Context& ctx, const patient::CtVolume& ct, const imaging::CArmPose& pose, int n,
                             bool noise) {
    imaging::FluoroSettings settings;
    settings.noise = noise;
    settings.stepMm = 1.0;
    const imaging::FluoroscopeView view(ct, nullptr, pose, {n, n}, settings);
    RoadmapFrame f;
    imaging::FluoroStages& mask = f.mask;
    imaging::FluoroStages peak;
    imaging::composeFluoroImage(view, {}, imaging::FluoroMode::dsa(), 11, &mask);
    imaging::composeFluoroImage(view, arteries(), imaging::FluoroMode::dsa(), 12, &peak);
    f.layers.maskLog = mask.logSignal;
    f.layers.peak = mask.logSignal;
    for (size_t i = 0; i < f.layers.peak.pixels.size(); ++i)  // the DSA frame (sim/frames.h's display)
        f.layers.peak.pixels[i] = static_cast<float>(std::round(
            std::clamp(sim::kDsaBackground * (1.0 - (peak.logSignal.pixels[i] - mask.logSignal.pixels[i]) / sim::kDsaBlackAtLn),
                       0.0, 1.0) * 255.0) / 255.0);
    imaging::FrameContents live;
    for (const auto& p : devices().paths)
        if (p.material != imaging::Material::Iodine) live.paths.push_back(p);
    const imaging::FluoroMode mode = imaging::FluoroMode::fluoroNormal();
    imaging::composeFluoroImage(view, live, mode, 21, &f.live);
    f.cpu = sim::roadmapDisplay(view, f.live.logSignal, f.layers);
    render::FluoroMonitorDef def{n, n / 4, 2.0, settings};
    def.roadmapResolution = n;
    render::FluoroMonitor monitor(ctx, ct, nullptr, def);
    monitor.setRoadmap(f.layers);
    f.gpu = monitor.takeImage({pose, live, mode, 21, false});
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) f.viewT.push_back(view.transmission(c, r)), f.open.push_back(view.isOpen(c, r));
    return f;
}

}  // namespace

TEST_CASE("the GPU roadmap composes live fluoroscopy with the DSA run's mask and peak frame as the CPU does",
          "[render][gpu][fluoro][roadmap]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    const patient::CtVolume ct = analyticPhantom();
    const imaging::CArmPose pose = obliqueShutteredPose();
    const int n = 128;
    for (const bool noise : {false, true}) {
        const RoadmapFrame f = roadmapBothWays(ctx, ct, pose, n, noise);
        // The fluoro GPU-vs-CPU tolerance: 8-bit steps, a float difference crosses one in a few
        // pixels (and with noise a Knuth draw that differs shifts the rest of a row).
        const double agree = fractionWithin("roadmap display", f.gpu, f.cpu, 1.0 / 255 + 1e-6);
        const double exact = fractionWithin("roadmap display (exact)", f.gpu, f.cpu, 1e-6);
        std::printf("roadmap GPU vs CPU (noise %d): %.5f of pixels within one 8-bit step, %.5f equal\n", noise, agree,
                    exact);
        CHECK(agree > 0.99);
        if (!noise) requireClose("roadmap display", f.gpu, f.cpu, 1.0 / 255 + 1e-6, 0.0);
        // Where the live pulse adds nothing over the mask and the run had no iodine, the anatomy
        // cancels: mid-grey, noiseless exactly (one 8-bit step), noisy within the Poisson noise
        // of the two frames: var(live - mask) = 1/N_live + 1/N_mask (s = ln N0 - ln N).
        double sum = 0, sum2 = 0, predictedVar = 0;
        int background = 0, white = 0, whiteBright = 0, dark = 0, darkDark = 0;
        for (int r = 0; r < n; ++r)
            for (int c = 0; c < n; ++c) {
                const size_t i = static_cast<size_t>(r) * n + c;
                if (!f.open[i]) continue;
                const bool device = f.live.primaryTransmission.pixels[i] < 0.999 * f.viewT[i];
                const double iodine = 1.0 - f.layers.peak.pixels[i] / sim::kDsaBackground;
                for (const GreyImage* im : {&f.cpu, &f.gpu}) {
                    const double g = im->pixels[i];
                    if (!device && iodine <= 0.0 && im == &f.gpu) {
                        ++background, sum += g, sum2 += g * g;
                        if (noise) predictedVar += 1.0 / f.live.quanta.pixels[i] + 1.0 / f.mask.quanta.pixels[i];
                        if (!noise) CHECK(std::abs(g - sim::kRoadmapBackground) <= 1.0 / 255 + 1e-6);
                    }
                    if (!device && iodine > 0.9) ++white, whiteBright += g > 0.85;
                    // A device outside the arteries that takes 20% of the beam (ln 1.25 = 0.22 > 0.2): black-ish.
                    if (device && iodine <= 0.0 && f.live.primaryTransmission.pixels[i] < 0.8 * f.viewT[i])
                        ++dark, darkDark += g < 0.2;
                }
            }
        REQUIRE(background > 2000);
        const double mean = sum / background, sd = std::sqrt(std::max(0.0, sum2 / background - mean * mean));
        const double predictedSd =
            sim::kRoadmapBackground / sim::kRoadmapBlackAtLn * std::sqrt(predictedVar / std::max(background, 1));
        std::printf("roadmap background (noise %d): %d pixels, mean %.4f, sd %.4f (Poisson prediction %.4f); "
                    "arteries white %d/%d, devices dark %d/%d\n",
                    noise, background, mean, sd, predictedSd, whiteBright, white, darkDark, dark);
        CHECK(mean == Approx(sim::kRoadmapBackground).margin(noise ? 0.01 : 1.0 / 255));
        if (noise) CHECK(sd == Approx(predictedSd).epsilon(0.2));
        REQUIRE(white > 50);
        CHECK(whiteBright > 0.95 * white);
        REQUIRE(dark > 50);
        CHECK(darkDark > 0.9 * dark);
    }
    ctx.waitIdle();
    REQUIRE(ctx.validationEnabled());
    REQUIRE(ctx.validationErrorCount() == 0);
}
