// irsim drr: one image of a CT from a C-arm pose. With --line-integral the water-equivalent path
// per pixel (mm; plastimatch's `drr` value is this x 0.0022), else the fluoroscopy image
// (imaging/fluoroscope.h). Geometry convention: docs/imaging.md. The image is computed on the GPU
// (render/drr_gpu.h's full-quality DRR, render/fluoro_monitor.h's fluoroscope) where there is one,
// since a whole 1024^2 image on the CPU reference costs seconds; --cpu computes the reference.
#include <chrono>
#include <cstdio>
#include <sstream>

#include "app/command.h"
#include "core/error.h"
#include "core/image_io.h"
#include "core/progress.h"
#include "imaging/drr.h"
#include "imaging/fluoroscope.h"
#include "patient/loader.h"
#include "patient/materials.h"
#if IRSIM_WITH_WINDOW
#include "render/context.h"
#include "render/drr_gpu.h"
#include "render/fluoro_monitor.h"
#endif

namespace irsim::app {

namespace {

struct DrrArgs {
    std::string ct, labels, out, detector = "512x512", size = "300x300", isocentre, mode = "fluoro";
    int phantomSeed = -1;
    double phantomVoxelMm = 3.0;
    double sad = 750.0, sid = 1100.0, lao = 0.0, cran = 0.0, kvp = 0.0, stepMm = 1.0;
    double collimation = 1.0;
    double latitude = -1.0, edgeGain = -1.0, windowBelow = -1.0, windowAbove = -1.0;
    uint64_t seed = 1;
    bool lineIntegral = false, noNoise = false, cpu = false;
} gDrr;

// "AxB" -> (A, B); DataError naming the option otherwise.
std::pair<double, double> parsePair(const std::string& text, const std::string& option) {
    const auto x = text.find_first_of("xX");
    char* end = nullptr;
    if (x != std::string::npos) {
        const double a = std::strtod(text.c_str(), &end);
        if (end == text.c_str() + x) {
            const double b = std::strtod(text.c_str() + x + 1, &end);
            if (*end == '\0' && a > 0.0 && b > 0.0) return {a, b};
        }
    }
    throw DataError("command line", 0, option, "expected two positive numbers as AxB, got \"" + text + "\"");
}

glm::dvec3 parseTriple(const std::string& text, const std::string& option) {
    glm::dvec3 v;
    char c1 = 0, c2 = 0;
    std::istringstream in(text);
    if ((in >> v.x >> c1 >> v.y >> c2 >> v.z) && c1 == ',' && c2 == ',' && in.peek() == EOF) return v;
    throw DataError("command line", 0, option, "expected x,y,z in mm (LPS), got \"" + text + "\"");
}

bool endsWith(const std::string& s, const std::string& tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

int drr() {
    if (!endsWith(gDrr.out, ".pfm") && !endsWith(gDrr.out, ".png"))
        throw DataError("command line", 0, "--out", "expected a file ending in .pfm or .png, got \"" + gDrr.out + "\"");
    if (gDrr.ct.empty() && gDrr.phantomSeed < 0)
        throw DataError("command line", 0, "--ct", "give a CT (.nii/.nii.gz or a DICOM folder) or --phantom SEED");
    const auto [rows, cols] = parsePair(gDrr.detector, "--detector");
    const auto [heightMm, widthMm] = parsePair(gDrr.size, "--size");

    patient::PatientSpec spec;
    spec.ctPath = gDrr.ct;
    spec.labelsPath = gDrr.labels;
    spec.growHepaticTree = false;
    if (gDrr.ct.empty()) {
        patient::PhantomOptions o;
        o.seed = static_cast<uint64_t>(gDrr.phantomSeed);
        o.voxelMm = gDrr.phantomVoxelMm;
        spec.phantom = o;
    }
    const patient::Patient p = patient::loadPatient(spec, terminalProgress());

    imaging::CArmPose pose;
    pose.laoDeg = gDrr.lao;
    pose.cranDeg = gDrr.cran;
    pose.sourceToIsocentreMm = gDrr.sad;
    pose.sourceToImageMm = gDrr.sid;
    pose.detectorWidthMm = widthMm;
    pose.detectorHeightMm = heightMm;
    pose.collimationX = pose.collimationY = gDrr.collimation;
    const auto& g = p.ct.geometry;
    pose.isocentre = gDrr.isocentre.empty() ? g.voxelToPatient((glm::dvec3(g.dims) - 1.0) * 0.5)
                                            : parseTriple(gDrr.isocentre, "--isocentre");
    if (!(gDrr.sid > gDrr.sad) || !(gDrr.sad > 0.0))
        throw DataError("command line", 0, "--sid", "expected SID > SAD > 0 mm");
    const imaging::DetectorGrid grid{static_cast<int>(cols), static_cast<int>(rows)};

    imaging::FluoroSettings s;
    s.kVp = gDrr.kvp;
    s.stepMm = gDrr.stepMm;
    s.noise = !gDrr.noNoise;
    if (gDrr.edgeGain >= 0.0) s.edgeGain = gDrr.edgeGain;
    if (gDrr.latitude >= 0.0) s.latitudeCompression = gDrr.latitude;
    if (gDrr.windowBelow > 0.0) s.windowBelow = gDrr.windowBelow;
    if (gDrr.windowAbove > 0.0) s.windowAbove = gDrr.windowAbove;
    const imaging::FluoroMode mode = gDrr.mode == "cine" ? imaging::FluoroMode::cine()
                                     : gDrr.mode == "dsa" ? imaging::FluoroMode::dsa()
                                                          : imaging::FluoroMode::fluoroNormal();

    // Wall time is reported only; nothing in the image depends on it.
    const auto t0 = std::chrono::steady_clock::now();
    GreyImage image;
    std::string what;
    char buf[160];
    bool onGpu = false;
#if IRSIM_WITH_WINDOW
    // The monitor's chain is square; a non-square detector takes the CPU reference.
    if (!gDrr.cpu && (gDrr.lineIntegral || rows == cols)) {
        render::Context ctx(render::ContextOptions{render::ContextOptions::defaultValidation(), {}, {}});
        if (gDrr.lineIntegral) {
            // Joseph's method by slices: one sample per voxel plane (docs/rendering.md); --step
            // applies to the CPU march only.
            render::GpuDrr gpu(ctx);
            gpu.setVolume(p.ct, false);
            gpu.makeSliceStacks(p.ct, gpu.principalAxis(pose));
            image = gpu.fullQualityImage(pose, grid);
            what = "water-equivalent path, mm (GPU, one sample per voxel plane)";
        } else {
            render::FluoroMonitorDef def;
            def.resolution = static_cast<int>(rows);
            def.settings = s;
            render::FluoroMonitor monitor(ctx, p.ct, &p.labels, def, patient::materialsOf(p));
            image = monitor.takeImage({pose, {}, mode, gDrr.seed, false});
            std::snprintf(buf, sizeof buf, "fluoroscopy (%s, %.0f kVp, GPU)", mode.name.c_str(), monitor.kVp());
            what = buf;
        }
        ctx.waitIdle();
        onGpu = true;
    }
#endif
    if (!onGpu && gDrr.lineIntegral) {
        image = imaging::waterEquivalentPathImage(p.ct, pose, grid, gDrr.stepMm);
        what = "water-equivalent path, mm (CPU reference)";
    } else if (!onGpu) {
        const imaging::FluoroscopeView view(p.ct, &p.labels, patient::materialsOf(p), pose, grid, s);
        image = imaging::composeFluoroImage(view, {}, mode, gDrr.seed);
        std::snprintf(buf, sizeof buf, "fluoroscopy (%s, %.0f kVp, %.0f mm water on the central ray, CPU reference)",
                      mode.name.c_str(), view.kVp(), view.centralWaterMm());
        what = buf;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (endsWith(gDrr.out, ".pfm")) writePfm(gDrr.out, image);
    else if (gDrr.lineIntegral) {
        // A PNG of path lengths: scaled so the longest path is black, as a radiograph.
        float hi = 1.0f;
        for (float v : image.pixels) hi = std::max(hi, v);
        for (float& v : image.pixels) v = 1.0f - v / hi;
        writePng8(gDrr.out, image);
    } else writePng8(gDrr.out, image);
    std::printf("%s: %dx%d, LAO %.1f CRAN %.1f, %s, %.3f s\n", gDrr.out.c_str(), grid.rows, grid.cols, gDrr.lao,
                gDrr.cran, what.c_str(), seconds);
    return 0;
}

}  // namespace

static const CommandRegistration kDrr{"drr", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("drr", "One X-ray image of a CT (line integral or fluoroscopy)");
    c->add_option("--ct", gDrr.ct, "CT: .nii/.nii.gz file or DICOM folder");
    c->add_option("--labels", gDrr.labels, "Label map (NIfTI) on the CT's grid");
    c->add_option("--phantom", gDrr.phantomSeed, "Use the procedural phantom of this seed instead of --ct");
    c->add_option("--phantom-voxel-mm", gDrr.phantomVoxelMm, "Phantom voxel size, mm")->default_val(3.0);
    c->add_option("--sad", gDrr.sad, "Source to isocentre, mm")->default_val(750.0);
    c->add_option("--sid", gDrr.sid, "Source to image (detector), mm")->default_val(1100.0);
    c->add_option("--detector", gDrr.detector, "Detector pixels ROWSxCOLS")->default_val("512x512");
    c->add_option("--size", gDrr.size, "Detector size HEIGHTxWIDTH in mm (rows x columns)")->default_val("300x300");
    c->add_option("--lao", gDrr.lao, "LAO (+) / RAO (-) angle, degrees")->default_val(0.0);
    c->add_option("--cran", gDrr.cran, "Cranial (+) / caudal (-) angle, degrees")->default_val(0.0);
    c->add_option("--isocentre", gDrr.isocentre, "x,y,z mm (LPS); default the CT's centre");
    c->add_option("--out", gDrr.out, "Output .pfm (float) or .png (8-bit)")->required();
    c->add_option("--kvp", gDrr.kvp, "Tube voltage (default: the AEC's for the central ray)");
    c->add_flag("--line-integral", gDrr.lineIntegral,
                "Water-equivalent path in mm per pixel (no materials, devices or noise)");
    c->add_option("--step", gDrr.stepMm, "Ray-march step, mm")->default_val(1.0);
    c->add_option("--collimation", gDrr.collimation, "Open fraction of the field, 0-1")->default_val(1.0);
    c->add_option("--mode", gDrr.mode, "fluoro, cine or dsa (dose per pulse)")->default_val("fluoro");
    c->add_option("--seed", gDrr.seed, "Noise seed")->default_val(1);
    c->add_flag("--no-noise", gDrr.noNoise, "No quantum noise");
    c->add_flag("--cpu", gDrr.cpu,
                "Compute on the CPU reference (imaging/drr.h, imaging/fluoroscope.h) rather than the GPU");
    c->add_option("--edge-gain", gDrr.edgeGain, "Unsharp-mask gain (default: FluoroSettings')");
    c->add_option("--latitude", gDrr.latitude, "Latitude compression 0-1 (default: FluoroSettings')");
    c->add_option("--window-below", gDrr.windowBelow, "Log units below the metered median shown white");
    c->add_option("--window-above", gDrr.windowAbove, "Log units above the metered median shown black");
    c->callback([] { setExitStatus(drr()); });
}};

}  // namespace irsim::app
