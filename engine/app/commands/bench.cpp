// irsim bench: the speed figures of issue 4 (docs/rendering.md): live fluoroscopy with moving
// devices and flowing contrast (images/s, ms per image at 512 and 1024), the C-arm rotation
// preview, the full-quality DRR on the GPU, the CPU reference DRR, and `plastimatch drr` on the same
// volume and geometry when it is installed, with the error of both DRRs against the analytic line
// integral of a voxelised water sphere. For the built-in phantom and the CTs under assets/patients.
// A benchmark, not a test: it prints wall-clock figures of this machine as it is loaded now.
#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <sys/resource.h>
#include <vector>

#include "app/command.h"
#include "app/commands/bench_endovascular.h"
#include "core/error.h"
#include "core/image_io.h"
#include "core/paths.h"
#include "core/rng.h"
#include "imaging/drr.h"
#include "imaging/radiopaque.h"
#include "patient/loader.h"
#include "patient/nifti.h"
#include "patient/phantom.h"
#include "therapy/ablation_zone.h"
#if IRSIM_WITH_WINDOW
#include "render/bioheat_gpu.h"
#include "render/context.h"
#include "render/drr_gpu.h"
#include "render/fluoro_monitor.h"
#endif

namespace irsim::app {

namespace {

struct BenchArgs {
    bool quick = false;
    std::vector<std::string> cts;
    bool noShared = false;
    bool devicesOnly = false;
    bool ablationOnly = false;
    bool fluoroOnly = false;
    bool drrOnly = false;
} gBench;

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }
// CPU time of all this process's threads (lavapipe's included), ms: on a machine other builds load,
// wall time per image swings by 2-5x while the work done per image hardly moves.
double processCpuMs() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    return 1e3 * (u.ru_utime.tv_sec + u.ru_stime.tv_sec) + 1e-3 * (u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

double loadAverage() {
    std::ifstream f("/proc/loadavg");
    double a = 0.0;
    f >> a;
    return a;
}

bool havePlastimatch() { return std::system("command -v plastimatch > /dev/null 2>&1") == 0; }

// MetaImage (.mha), HU as int16, what plastimatch reads. Axes stored reversed (direction -1, as
// NIfTI files converted to LPS often are) are flipped so the file has an identity direction with
// the same voxels at the same LPS positions: plastimatch 1.9.4 gave empty images for a volume with
// a TransformMatrix of -1 entries.
void writeMha(const patient::CtVolume& ct, const std::filesystem::path& path) {
    const auto& g = ct.geometry;
    glm::ivec3 flip(0);
    bool diagonal = true;
    for (int a = 0; a < 3; ++a)
        for (int b = 0; b < 3; ++b)
            if (a != b && g.direction[a][b] != 0.0) diagonal = false;
    if (diagonal)
        for (int a = 0; a < 3; ++a) flip[a] = g.direction[a][a] < 0.0 ? 1 : 0;
    glm::dvec3 corner(0.0);
    for (int a = 0; a < 3; ++a) corner[a] = flip[a] ? g.dims[a] - 1 : 0;
    const glm::dvec3 origin = g.voxelToPatient(corner);
    std::ofstream f(path, std::ios::binary);
    f << "ObjectType = Image\nNDims = 3\nBinaryData = True\nBinaryDataByteOrderMSB = False\n";
    f << "TransformMatrix =";
    for (int c = 0; c < 3; ++c)
        for (int r = 0; r < 3; ++r) f << ' ' << (flip[c] ? -g.direction[c][r] : g.direction[c][r]) + 0.0;
    f << "\nOffset = " << origin.x << ' ' << origin.y << ' ' << origin.z << "\n";
    f << "ElementSpacing = " << g.spacing.x << ' ' << g.spacing.y << ' ' << g.spacing.z << "\n";
    f << "DimSize = " << g.dims.x << ' ' << g.dims.y << ' ' << g.dims.z << "\n";
    f << "ElementType = MET_SHORT\nElementDataFile = LOCAL\n";
    std::vector<int16_t> row(static_cast<size_t>(g.dims.x));
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j) {
            for (int i = 0; i < g.dims.x; ++i)
                row[i] = ct.at(flip.x ? g.dims.x - 1 - i : i, flip.y ? g.dims.y - 1 - j : j, flip.z ? g.dims.z - 1 - k : k);
            f.write(reinterpret_cast<const char*>(row.data()), static_cast<std::streamsize>(row.size() * 2));
        }
}

// plastimatch drr of the pose's AP view (source posterior, head up): seconds of the whole run
// (reading the volume included; < 0: failed), the compute time it reports ("Total time"), and the
// image in mm of water (its value / 0.0022).
double runPlastimatch(const std::filesystem::path& mha, const imaging::CArmPose& pose, int size, GreyImage* out,
                      double* computeS = nullptr) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "irsim-bench";
    char cmd[2048];
    std::snprintf(cmd, sizeof cmd,
                  "plastimatch drr -i exact -t pfm --sad %g --sid %g -r \"%d %d\" -z \"%g %g\" --nrm \"0 1 0\" "
                  "--vup \"0 0 1\" --isocenter \"%g %g %g\" -O %s/pm_ %s > %s/pm.log 2>&1",
                  pose.sourceToIsocentreMm, pose.sourceToImageMm, size, size, pose.detectorHeightMm,
                  pose.detectorWidthMm, pose.isocentre.x, pose.isocentre.y, pose.isocentre.z, dir.c_str(),
                  mha.c_str(), dir.c_str());
    const auto t0 = Clock::now();
    if (std::system(cmd) != 0) return -1.0;
    const double s = msSince(t0) / 1000.0;
    if (computeS) {
        *computeS = -1.0;
        std::ifstream log(dir / "pm.log");
        std::string line;
        while (std::getline(log, line))
            if (line.rfind("Total time:", 0) == 0) *computeS = std::atof(line.c_str() + 11);
    }
    if (out) {
        try {
            *out = readPfm((dir / "pm_0000.pfm").string());
            for (float& v : out->pixels) v /= 0.0022f;
        } catch (const std::exception&) {
            out->pixels.clear();
        }
    }
    return s;
}

imaging::CArmPose apPose(const patient::CtVolume& ct) {
    imaging::CArmPose pose;
    const auto& g = ct.geometry;
    pose.isocentre = g.voxelToPatient((glm::dvec3(g.dims) - 1.0) * 0.5);
    return pose;
}

#if IRSIM_WITH_WINDOW
// Devices of pulse k: a catheter advancing 2 mm per image, contrast flowing along a vessel, a
// cement blob growing: every image has new devices and agents.
imaging::FrameContents movingContents(const glm::dvec3& iso, int k) {
    imaging::FrameContents f;
    std::vector<glm::dvec3> cath;
    const double advance = std::fmod(2.0 * k, 120.0);
    for (int i = 0; i <= 12; ++i) cath.push_back(iso + glm::dvec3(-90.0 + 8.0 * i * (1.0 + advance / 120.0), 10.0 * std::sin(0.3 * i), -60.0 + 4.0 * i));
    f.paths.push_back(imaging::catheter(cath));
    f.paths.push_back(imaging::guidewire(cath));
    std::vector<glm::dvec3> vessel;
    for (int i = 0; i <= 20; ++i) vessel.push_back(iso + glm::dvec3(-50.0 + 5.0 * i, -20.0, 30.0 + 10.0 * std::sin(0.2 * i)));
    auto v = imaging::contrastInVessel(vessel, 3.0, 300.0);
    v.segmentFill.assign(20, 0.0f);
    for (int i = 0; i < 20; ++i) v.segmentFill[i] = std::clamp(0.25f * (k % 40) - 0.5f * i, 0.0f, 1.0f);
    f.paths.push_back(v);
    f.spheres.push_back(imaging::cementBlob(iso + glm::dvec3(20, 30, 0), 2.0 + 0.1 * (k % 60)));
    return f;
}

struct FluoroFigures {
    double viewMs = 0.0, liveMs = 0.0, rotationMs = 0.0;
    // The window's way (progressive bands of 96 rows): the C-arm stops at a new pose; the first
    // image (the half-resolution view) and the frames until the full view is on the monitor.
    double firstImageMs = 0.0, fullImageMs = 0.0;
    int framesToFull = 0;
    std::array<double, 4> stageMs{};
    double recordMs = 0.0;  // CPU: primitives, footprints, tiles, command recording
    double liveCpuMs = 0.0;  // CPU time of all threads per live image
    int profiled = gBench.fluoroOnly ? 60 : 10;  // pulses timed stage by stage (the fastest is shown)
};

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
}

// Median ms per image (the machine is shared: the median resists other builds' bursts).
FluoroFigures benchFluoro(render::Context& ctx, const patient::Patient& p, int resolution, int images) {
    render::FluoroMonitorDef def;
    def.resolution = resolution;
    render::FluoroMonitor monitor(ctx, p.ct, &p.labels, def);
    imaging::CArmPose pose = apPose(p.ct);
    FluoroFigures f;
    auto t0 = Clock::now();
    ctx.submitAndWait([&](VkCommandBuffer cmd) { monitor.recordPulse(cmd, {pose, movingContents(pose.isocentre, 0), {}, 1, false}); });
    f.viewMs = msSince(t0);
    std::vector<double> ms, recordMs;
    const double cpu0 = processCpuMs();
    for (int k = 1; k <= images; ++k) {
        t0 = Clock::now();
        ctx.submitAndWait([&](VkCommandBuffer cmd) {
            const auto r0 = Clock::now();
            monitor.recordPulse(cmd, {pose, movingContents(pose.isocentre, k), {}, static_cast<uint64_t>(k), false});
            recordMs.push_back(msSince(r0));
        });
        ms.push_back(msSince(t0));
    }
    f.liveCpuMs = (processCpuMs() - cpu0) / images;
    f.liveMs = median(ms);
    f.recordMs = median(recordMs);
    monitor.enableProfiling();
    std::vector<double> stage[4];
    for (int k = 0; k < f.profiled; ++k) {
        ctx.submitAndWait([&](VkCommandBuffer cmd) {
            monitor.recordPulse(cmd, {pose, movingContents(pose.isocentre, k), {}, static_cast<uint64_t>(k), false});
        });
        const auto s = monitor.lastPulseStageMs();
        for (int i = 0; i < 4; ++i) stage[i].push_back(s[i]);
    }
    for (int i = 0; i < 4; ++i) f.stageMs[i] = *std::min_element(stage[i].begin(), stage[i].end());
    // A rotation at 30 degrees/s shown at 30 images/s: a new pose every image.
    ms.clear();
    for (int k = 1; k <= images; ++k) {
        pose.laoDeg += 1.0;
        t0 = Clock::now();
        ctx.submitAndWait([&](VkCommandBuffer cmd) {
            monitor.recordPulse(cmd, {pose, movingContents(pose.isocentre, k), {}, static_cast<uint64_t>(k), true});
        });
        ms.push_back(msSince(t0));
    }
    f.rotationMs = median(ms);

    render::FluoroMonitorDef progressiveDef = def;
    progressiveDef.progressiveRows = 96;
    render::FluoroMonitor progressive(ctx, p.ct, &p.labels, progressiveDef);
    imaging::CArmPose stop = apPose(p.ct);
    ctx.submitAndWait([&](VkCommandBuffer cmd) { progressive.recordPulse(cmd, {stop, movingContents(stop.isocentre, 0), {}, 1, true}); });
    stop.laoDeg = 30.0;  // the C-arm swung to LAO 30 and stopped
    t0 = Clock::now();
    ctx.submitAndWait([&](VkCommandBuffer cmd) { progressive.recordPulse(cmd, {stop, movingContents(stop.isocentre, 1), {}, 2, false}); });
    f.firstImageMs = msSince(t0);
    bool full = false;
    for (int k = 2; k < 200 && !full; ++k) {
        ctx.submitAndWait([&](VkCommandBuffer cmd) {
            progressive.recordPulse(cmd, {stop, movingContents(stop.isocentre, k), {}, static_cast<uint64_t>(k), false});
        });
        ++f.framesToFull;
        full = progressive.fullViews() > 0;
    }
    f.fullImageMs = msSince(t0);
    return f;
}

// Median ms of a DRR (the image stays on the GPU): the drr.h march at `step` mm, or the
// full-quality slice DRR when step is 0.
// cpuMs: the CPU time of all threads per image (lavapipe's), steadier than wall time on a loaded machine.
double benchGpuDrr(render::Context& ctx, render::GpuDrr& drr, const imaging::CArmPose& pose, int size, double step,
                   int repeats, double* cpuMs = nullptr) {
    auto target = drr.makeTarget({size, size});
    auto record = [&](VkCommandBuffer cmd) {
        if (step > 0.0) drr.recordPath(cmd, *target, pose, step, 0, size);
        else drr.recordFullQuality(cmd, *target, pose);
    };
    ctx.submitAndWait(record);  // warm
    std::vector<double> ms;
    const double cpu0 = processCpuMs();
    for (int k = 0; k < repeats; ++k) {
        const auto t0 = Clock::now();
        ctx.submitAndWait(record);
        ms.push_back(msSince(t0));
    }
    if (cpuMs) *cpuMs = (processCpuMs() - cpu0) / repeats;
    return median(ms);
}
#endif

void benchVolume(const std::string& name, const patient::Patient& p) {
    const int images = gBench.quick && !gBench.fluoroOnly ? 10 : 60;
    const auto& g = p.ct.geometry;
    std::printf("\n== %s: %dx%dx%d voxels, %.2fx%.2fx%.2f mm (load average %.2f)\n", name.c_str(), g.dims.x, g.dims.y,
                g.dims.z, g.spacing.x, g.spacing.y, g.spacing.z, loadAverage());
    const imaging::CArmPose pose = apPose(p.ct);
    double gpuDrrMs = -1.0;
#if IRSIM_WITH_WINDOW
    render::Context ctx(render::ContextOptions{false, {}, {}});
    for (int res : {512, 1024}) {
        if (gBench.drrOnly) break;
        const FluoroFigures f = benchFluoro(ctx, p, res, images);
        std::printf("  fluoro %4d^2: view (per pose) %7.1f ms | live with moving devices %6.1f ms = %5.1f images/s | "
                    "rotation preview (192^2, 2.5 mm) %6.1f ms = %5.1f images/s\n",
                    res, f.viewMs, f.liveMs, 1000.0 / f.liveMs, f.rotationMs, 1000.0 / f.rotationMs);
        std::printf("        after a pose change (bands of 96 rows): first image (%d^2 view) %.1f ms, full %d^2 view on "
                    "the monitor after %d more images, %.1f ms\n",
                    res / 2, f.firstImageMs, res, f.framesToFull, f.fullImageMs);
        std::printf("        per pulse: CPU recording %.1f ms; GPU (fastest of %d) devices %.1f ms, noise, log and row "
                    "means %.1f ms, display with column means %.1f ms; CPU time of all threads per live image %.1f ms\n",
                    f.recordMs, f.profiled, f.stageMs[0], f.stageMs[1] + f.stageMs[2], f.stageMs[3], f.liveCpuMs);
    }
    if (gBench.fluoroOnly) return;
    render::GpuDrr drr(ctx);
    drr.setVolume(p.ct);
    drr.makeSliceStacks(p.ct, drr.principalAxis(pose));  // the one stack the pose reads
    const int repeats = gBench.quick ? 3 : 7;
    const double ms1 = benchGpuDrr(ctx, drr, pose, 512, 1.0, repeats);
    double gpuDrrCpuMs = 0.0;
    gpuDrrMs = benchGpuDrr(ctx, drr, pose, 512, 0.0, repeats, &gpuDrrCpuMs);
    std::printf("  GPU DRR 512^2: drr.h march at 1 mm %.1f ms | full quality (slices, one sample per voxel plane) %.1f ms "
                "(CPU time of all threads %.1f ms)\n",
                ms1, gpuDrrMs, gpuDrrCpuMs);
#else
    std::printf("  (built without Vulkan: no GPU figures)\n");
#endif
    if (!gBench.drrOnly) {
        const int cpuSize = gBench.quick ? 256 : 512;
        auto t0 = Clock::now();
        imaging::waterEquivalentPathImage(p.ct, pose, {cpuSize, cpuSize}, 1.0);
        std::printf("  CPU reference DRR %d^2, 1 mm: %.1f ms\n", cpuSize, msSince(t0));
    }
    if (havePlastimatch()) {
        const auto mha = std::filesystem::temp_directory_path() / "irsim-bench" / "volume.mha";
        std::filesystem::create_directories(mha.parent_path());
        writeMha(p.ct, mha);
        double computeS = -1.0;
        const double s = runPlastimatch(mha, pose, 512, nullptr, &computeS);
        if (s < 0) std::printf("  plastimatch drr failed (see %s)\n", (mha.parent_path() / "pm.log").c_str());
        else {
            std::printf("  plastimatch drr -i exact 512^2: %.1f ms computing (its \"Total time\"), %.1f ms the whole run\n",
                        1000.0 * computeS, 1000.0 * s);
            if (gpuDrrMs > 0 && computeS > 0)
                std::printf("  => full-quality GPU DRR is %.2fx faster than plastimatch's computation (%.2fx its whole run)\n",
                            1000.0 * computeS / gpuDrrMs, 1000.0 * s / gpuDrrMs);
        }
        // What a user waits for: the whole `irsim drr` process (start, read the volume, Vulkan,
        // the image, the file) against plastimatch's whole run, 1024^2, the same volume and pose.
        const auto nii = mha.parent_path() / "volume.nii";
        patient::writeNifti(nii.string(), p.ct);
        const double pmS = runPlastimatch(mha, pose, 1024, nullptr, nullptr);
        char cmd[1024];
        std::snprintf(cmd, sizeof cmd,
                      "\"%s\" drr --ct %s --line-integral --detector 1024x1024 --size %gx%g --sad %g --sid %g "
                      "--isocentre %g,%g,%g --out %s/irsim.pfm > %s/irsim-drr.log 2>&1",
                      std::filesystem::read_symlink("/proc/self/exe").c_str(), nii.c_str(), pose.detectorHeightMm,
                      pose.detectorWidthMm, pose.sourceToIsocentreMm, pose.sourceToImageMm, pose.isocentre.x,
                      pose.isocentre.y, pose.isocentre.z, mha.parent_path().c_str(), mha.parent_path().c_str());
        const auto w0 = Clock::now();
        const bool ok = std::system(cmd) == 0;
        const double irsimS = msSince(w0) / 1000.0;
        if (ok && pmS > 0)
            std::printf("  whole process, 1024^2 line integral: irsim drr %.2f s, plastimatch drr %.2f s => %.2fx\n", irsimS,
                        pmS, pmS / irsimS);
    } else {
        std::printf("  plastimatch not installed: no comparison (apt-get install plastimatch)\n");
    }
}

// Both DRRs against the exact chord through a voxelised water sphere (r 60 mm, centre voxels
// inside are water): mean and max |error| over the rays that cross > 5 mm of it.
void benchAccuracy(const glm::dvec3& spacing) {
    patient::CtVolume ct;
    patient::VolumeGeometry g;
    g.dims = glm::ivec3(glm::dvec3(160.0, 160.0, 160.0) / spacing);
    g.spacing = spacing;
    g.origin = -glm::dvec3(g.dims - 1) * g.spacing * 0.5;
    ct.allocate(g, -1000);
    const double radius = 60.0;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i)
                if (glm::length(g.voxelToPatient({i, j, k})) <= radius) ct.at(i, j, k) = 0;
    imaging::CArmPose pose;
    pose.detectorWidthMm = pose.detectorHeightMm = 250.0;
    const int size = 256;
    const imaging::CArmFrame frame = imaging::frameOf(pose);
    auto error = [&](const GreyImage& img, double& mean, double& worst) {
        double sum = 0.0;
        int n = 0;
        worst = 0.0;
        for (int r = 0; r < size; ++r)
            for (int c = 0; c < size; ++c) {
                const glm::dvec3 px = imaging::detectorPixelCentre(frame, pose, {size, size}, c, r);
                const double chord = imaging::chordThroughSphere(frame.source, glm::normalize(px - frame.source),
                                                                      glm::dvec3(0.0), radius);
                if (chord < 5.0) continue;
                const double e = std::abs(img.at(c, r) - chord);
                sum += e, ++n, worst = std::max(worst, e);
            }
        mean = n ? sum / n : 0.0;
    };
    std::printf("\n== accuracy: voxelised water sphere r %.0f mm, %.1fx%.1fx%.1f mm voxels, %d^2, rays with chord > 5 mm\n",
                radius, spacing.x, spacing.y, spacing.z, size);
    double mean = 0.0, worst = 0.0;
#if IRSIM_WITH_WINDOW
    {
        render::Context ctx(render::ContextOptions{false, {}, {}});
        render::GpuDrr drr(ctx);
        drr.setVolume(ct);
        drr.makeSliceStacks(ct, drr.principalAxis(pose));
        error(drr.waterEquivalentPathImage(pose, {size, size}, 1.0), mean, worst);
        std::printf("  irsim GPU DRR, drr.h march 1 mm: mean |error| %.3f mm, max %.3f mm of water\n", mean, worst);
        error(drr.fullQualityImage(pose, {size, size}), mean, worst);
        std::printf("  irsim GPU DRR, full quality:     mean |error| %.3f mm, max %.3f mm of water\n", mean, worst);
    }
#endif
    error(imaging::waterEquivalentPathImage(ct, pose, {size, size}, 1.0), mean, worst);
    std::printf("  irsim CPU DRR, drr.h march 1 mm: mean |error| %.3f mm, max %.3f mm of water\n", mean, worst);
    if (havePlastimatch()) {
        const auto mha = std::filesystem::temp_directory_path() / "irsim-bench" / "sphere.mha";
        std::filesystem::create_directories(mha.parent_path());
        writeMha(ct, mha);
        GreyImage pm;
        if (runPlastimatch(mha, pose, size, &pm) > 0 && pm.width == size && pm.height == size) {
            error(pm, mean, worst);
            std::printf("  plastimatch drr -i exact:        mean |error| %.3f mm, max %.3f mm of water\n", mean, worst);
        } else {
            std::printf("  plastimatch drr failed or wrote no image\n");
        }
    }
}

// The DRR figures alone on a CT-sized volume (issue 4 quotes a 512x512x300 CT): a torso-shaped
// water ellipse (340 x 240 mm) with a bone column, 0.8 x 0.8 x 1 mm voxels, in noisy air
// (-1000 +- 10 HU, as a real CT's air, so no voxel outside the body is exactly empty).
void benchLargeDrr() {
    patient::CtVolume ct;
    patient::VolumeGeometry g;
    g.dims = {512, 512, 300};
    g.spacing = {0.8, 0.8, 1.0};
    g.origin = -glm::dvec3(g.dims - 1) * g.spacing * 0.5;
    ct.allocate(g, -1000);
    Rng rng = Rng::seeded(4);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const glm::dvec3 p = g.voxelToPatient({i, j, k});
                double hu = -1000.0 + 10.0 * rng.normal();
                if ((p.x * p.x) / (170.0 * 170.0) + (p.y * p.y) / (120.0 * 120.0) < 1.0) hu = 40.0;
                if (std::hypot(p.x, p.y - 60.0) < 20.0) hu = 700.0;
                ct.at(i, j, k) = static_cast<int16_t>(std::lround(hu));
            }
    std::printf("\n== synthetic torso 512x512x300, 0.80x0.80x1.00 mm (DRR only; load average %.2f)\n", loadAverage());
    const imaging::CArmPose pose = apPose(ct);
    double gpuMs = -1.0;
#if IRSIM_WITH_WINDOW
    {
        render::Context ctx(render::ContextOptions{false, {}, {}});
        render::GpuDrr drr(ctx);
        drr.setVolume(ct);
        drr.makeSliceStacks(ct, drr.principalAxis(pose));
        const double ms1 = benchGpuDrr(ctx, drr, pose, 512, 1.0, 3);
        gpuMs = benchGpuDrr(ctx, drr, pose, 512, 0.0, 3);
        std::printf("  GPU DRR 512^2: drr.h march at 1 mm %.1f ms | full quality (slices) %.1f ms\n", ms1, gpuMs);
    }
#endif
    const auto t0 = Clock::now();
    imaging::waterEquivalentPathImage(ct, pose, {256, 256}, 1.0);
    std::printf("  CPU reference DRR 256^2, 1 mm: %.1f ms\n", msSince(t0));
    if (havePlastimatch()) {
        const auto mha = std::filesystem::temp_directory_path() / "irsim-bench" / "torso.mha";
        std::filesystem::create_directories(mha.parent_path());
        writeMha(ct, mha);
        double computeS = -1.0;
        const double s = runPlastimatch(mha, pose, 512, nullptr, &computeS);
        if (s > 0 && computeS > 0) {
            std::printf("  plastimatch drr -i exact 512^2: %.1f ms computing, %.1f ms the whole run\n", 1000.0 * computeS,
                        1000.0 * s);
            if (gpuMs > 0)
                std::printf("  => full-quality GPU DRR is %.2fx faster than plastimatch's computation (%.2fx its whole run)\n",
                            1000.0 * computeS / gpuMs, 1000.0 * s / gpuMs);
        }
        std::filesystem::remove(mha);
    }
}

// Issue 13's speed figure: 10 minutes of ablation with one applicator on a 1 mm grid covering its
// zone, in <= 2 s on this machine's two cores; the model's preparation separately.
void benchAblation() {
    for (therapy::Modality m : {therapy::Modality::Rf, therapy::Modality::Microwave}) {
        therapy::AblationPlan plan;
        plan.modality = m;
        plan.minutes = 10.0;
        auto t0 = Clock::now();
        therapy::AblationRun run = therapy::prepareAblation(plan);
        const double prepareMs = msSince(t0);
        t0 = Clock::now();
        const double cpu0 = processCpuMs();
        therapy::runAblation(plan, run);
        const double runMs = msSince(t0), cpuMs = processCpuMs() - cpu0;
        const glm::ivec3 d = run.model.grid.dims;
        const double cellSteps = static_cast<double>(run.model.grid.cellCount()) * (run.state.timeS / run.model.timeStepS);
        std::printf("  ablation %-9s 10 min, 1 mm grid %dx%dx%d (%.2f M cells), %.0f steps: %.0f ms running "
                    "(%.0f M cell-steps/s; %.0f ms of CPU on %u threads), %.0f ms preparing (load average %.2f)\n",
                    therapy::toString(m), d.x, d.y, d.z, run.model.grid.cellCount() / 1e6, run.state.timeS / run.model.timeStepS,
                    runMs, cellSteps / runMs / 1e3, cpuMs, std::max(1u, std::thread::hardware_concurrency()), prepareMs,
                    loadAverage());
#if IRSIM_WITH_WINDOW
        // The same run through the Vulkan compute port (shaders/bioheat.comp; one submit per step,
        // as the roll-off reads the hottest tissue after every step); not what scores.
        therapy::AblationRun gpuRun = therapy::prepareAblation(plan);
        render::Context ctx(render::ContextOptions{false, {}, {}});
        render::GpuBioheat stepper(ctx);
        therapy::GeneratorProgram program{gpuRun.device, gpuRun.powerW, plan.freezeThawMin};
        t0 = Clock::now();
        stepper.load(gpuRun.model, gpuRun.state);
        therapy::runBioheatOn(stepper, gpuRun.model, gpuRun.state, program.durationS(plan.minutes),
                              [&](const therapy::BioheatState& s) { return program.next(s); });
        stepper.read(gpuRun.state);
        const double gpuMs = msSince(t0);
        double maxDiff = 0.0;
        for (size_t c = 0; c < run.model.grid.cellCount(); ++c)
            maxDiff = std::max(maxDiff, std::abs(static_cast<double>(gpuRun.state.temperatureC[c]) - run.state.temperatureC[c]));
        const double cpuMl = therapy::zoneOf(run.model, run.state, therapy::ZoneEdge::Arrhenius).volumeMl;
        const double gpuMl = therapy::zoneOf(gpuRun.model, gpuRun.state, therapy::ZoneEdge::Arrhenius).volumeMl;
        std::printf("  ablation %-9s same run on the GPU (%s): %.0f ms with upload and read-back (%.0f M cell-steps/s); "
                    "max |T GPU - CPU| %.2g degC, Omega = 1 zone %.2f ml GPU vs %.2f ml CPU\n",
                    therapy::toString(m), ctx.deviceName().c_str(), gpuMs, cellSteps / gpuMs / 1e3, maxDiff, gpuMl, cpuMl);
#endif
    }
}

int bench() {
    std::printf("irsim bench%s: load average %.2f, %u hardware threads\n", gBench.quick ? " --quick" : "",
                loadAverage(), std::max(1u, std::thread::hardware_concurrency()));
    if (gBench.devicesOnly) {
        benchEndovascular(gBench.quick);
        return 0;
    }
    if (!gBench.fluoroOnly && !gBench.drrOnly) {
        std::printf("\n== thermal ablation (bioheat, CPU reference and GPU port)\n");
        benchAblation();
    }
    if (gBench.ablationOnly) return 0;
    {
        patient::PhantomOptions o;
        o.voxelMm = gBench.quick ? 3.0 : 1.5;
        const patient::Patient p = patient::makePhantom(o);
        benchVolume("phantom (seed 1, " + std::to_string(o.voxelMm).substr(0, 3) + " mm voxels)", p);
    }
    std::vector<std::string> cts = gBench.cts;
    if (cts.empty() && !gBench.noShared) {
        const auto data = projectRoot() / "assets" / "patients";
        std::error_code ec;
        for (const auto& e : std::filesystem::recursive_directory_iterator(data, ec)) {
            const std::string f = e.path().filename().string();
            const bool nifti = e.is_regular_file() && f.size() > 7 && f.substr(f.size() - 7) == ".nii.gz";
            const bool dicom = e.is_directory() && f.size() > 8 && f.substr(f.size() - 8) == "ct_dicom";
            if ((nifti || dicom) && f.find("_ct") != std::string::npos) cts.push_back(e.path().string());
        }
        std::sort(cts.begin(), cts.end());
        if (gBench.quick && cts.size() > 1) cts.resize(1);
    }
    for (const std::string& path : cts) {
        patient::Patient p;
        p.ct = patient::loadCt(path);
        benchVolume(std::filesystem::path(path).filename().string(), p);
    }
    if (gBench.fluoroOnly || gBench.drrOnly) return 0;
    if (!gBench.quick) benchLargeDrr();
    benchEndovascular(gBench.quick);
    benchAccuracy({0.8, 0.8, 1.0});
    benchAccuracy({3.0, 3.0, 3.0});
    return 0;
}

const CommandRegistration reg{"bench", [](CLI::App& root) {
    auto* c = root.add_subcommand("bench", "Speed of the fluoroscope and DRRs (issue 4): images/s, ms, plastimatch ratio");
    c->add_flag("--quick", gBench.quick, "a short run: fewer images, 3 mm phantom, one CT");
    c->add_option("--ct", gBench.cts, "CT files or DICOM folders to measure (default: the CTs under assets/patients)");
    c->add_flag("--phantom-only,--no-shared", gBench.noShared, "the phantom only");
    c->add_flag("--devices-only", gBench.devicesOnly, "only the endovascular device rod's steps/s");
    c->add_flag("--ablation-only", gBench.ablationOnly, "the thermal ablation figures only");
    c->add_flag("--fluoro-only", gBench.fluoroOnly, "the fluoroscope figures only (no DRR, ablation or devices)");
    c->add_flag("--drr-only", gBench.drrOnly, "the GPU DRR against plastimatch only (compute and whole process)");
    c->callback([] { setExitStatus(bench()); });
}};

}  // namespace

}  // namespace irsim::app
