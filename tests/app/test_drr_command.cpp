// `irsim drr` as a user runs it: the image computed on the GPU by default and on the CPU reference
// with --cpu, both the analytic chord of a water sphere on the central ray, and equal to each
// other wherever the ray crosses the sphere.
#include <cmath>
#include <string>

#include <catch2/catch.hpp>

#include "core/image_io.h"
#include "patient/nifti.h"
#include "../water_sphere.h"
#include "run_irsim.h"

using namespace irsim;
using namespace irsim::test;

TEST_CASE("irsim drr computes on the GPU what the CPU reference computes, the analytic chord of a sphere",
          "[app][drr]") {
    const auto dir = freshDir("drr-command");
    // A 40 mm water sphere in air, 1 mm voxels (its voxelised surface lies at 40.5 mm along the axes).
    const patient::CtVolume ct = waterSphereCt(97, 40.5);
    const std::string nii = (dir / "sphere.nii").string();
    patient::writeNifti(nii, ct);
    const std::string common = quoted(IRSIM_EXE) + " drr --ct " + quoted(nii) +
                               " --line-integral --detector 65x65 --size 150x150 --isocentre 0,0,0 --step 0.25";
    const ProgramResult gpuRun = runShell(common + " --out " + quoted((dir / "gpu.pfm").string()) + " 2>&1");
    const ProgramResult cpuRun = runShell(common + " --cpu --out " + quoted((dir / "cpu.pfm").string()) + " 2>&1");
    INFO(gpuRun.out << cpuRun.out);
    REQUIRE(gpuRun.status == 0);
    REQUIRE(cpuRun.status == 0);
    CHECK(gpuRun.out.find("GPU") != std::string::npos);
    CHECK(cpuRun.out.find("CPU reference") != std::string::npos);
    const GreyImage gpu = readPfm((dir / "gpu.pfm").string());
    const GreyImage cpu = readPfm((dir / "cpu.pfm").string());
    REQUIRE(gpu.width == 65);
    REQUIRE(cpu.width == 65);
    // The central ray crosses 81 mm of water.
    CHECK(gpu.at(32, 32) == Approx(81.0).epsilon(0.005));
    CHECK(cpu.at(32, 32) == Approx(81.0).epsilon(0.005));
    // Off axis, rays through the sphere: the two samplings of the same field agree on average
    // within 0.5% (the render tests hold them to that on rotated phantoms too).
    double diff = 0.0, sum = 0.0;
    for (int y = 0; y < 65; ++y)
        for (int x = 0; x < 65; ++x)
            if (cpu.at(x, y) > 10.0) diff += std::abs(gpu.at(x, y) - cpu.at(x, y)), sum += cpu.at(x, y);
    REQUIRE(sum > 0.0);
    CHECK(diff / sum < 0.005);
}
