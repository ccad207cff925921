// The bioheat step on the GPU (shaders/bioheat.comp) against its CPU reference (therapy/bioheat.h),
// with the Vulkan validation layer on and no validation error allowed.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.h"
#include "render/bioheat_gpu.h"
#include "render/context.h"
#include "render_test_util.h"
#include "therapy/ablation_zone.h"

using namespace irsim;

namespace {

// A heterogeneous case: the microwave antenna beside a 6 mm vessel (blood held behind its wall
// film), in liver with a 12 mm ball of a second tissue 8 mm off the antenna whose conductivity
// (0.6 W/(m K)) and perfusion (x3) differ: a test medium, not a published tissue.
therapy::AblationRun heterogeneousCase(therapy::AblationPlan& plan) {
    plan.modality = therapy::Modality::Microwave;
    plan.minutes = 1.5;
    plan.gridMm = 1.5;
    plan.vesselMm = 6.0;
    plan.vesselDistanceMm = 5.0;
    plan.threads = 1;
    therapy::AblationRun run = therapy::prepareAblation(plan);
    therapy::BioheatModel& m = run.model;
    therapy::BioheatMaterial other = m.materials[0];
    other.name = "test medium";
    other.conductivityWPerMK = 0.6;
    other.perfusionPerS *= 3.0;
    m.materials.push_back(other);
    const glm::ivec3 d = m.grid.dims;
    for (int k = 0; k < d.z; ++k)
        for (int j = 0; j < d.y; ++j)
            for (int i = 0; i < d.x; ++i) {
                const size_t c = m.grid.index(i, j, k);
                if (m.role[c] == therapy::CellRole::Tissue && glm::length(m.grid.centreMm(i, j, k) - glm::dvec3(-8, 0, 10)) < 6.0)
                    m.material[c] = 1;
            }
    therapy::finishModel(m, 1.0);
    run.state = therapy::makeBioheatState(m, plan.initialC);
    return run;
}

// The same run's fields on two steppers, and their Omega = 1 zones.
struct Difference {
    double maxC = 0.0, peakC = 0.0, omegaRelative = 0.0;
    therapy::ZoneSize cpuZone, gpuZone;
};

Difference differenceOf(const therapy::AblationRun& cpu, const therapy::AblationRun& gpu) {
    Difference d;
    for (size_t c = 0; c < cpu.model.grid.cellCount(); ++c) {
        d.maxC = std::max(d.maxC, std::abs(double(gpu.state.temperatureC[c]) - cpu.state.temperatureC[c]));
        d.peakC = std::max(d.peakC, std::abs(double(gpu.state.maxC[c]) - cpu.state.maxC[c]));
        if (cpu.state.omega[c] > 1e-3f)
            d.omegaRelative =
                std::max(d.omegaRelative, std::abs(double(gpu.state.omega[c]) / cpu.state.omega[c] - 1.0));
    }
    d.cpuZone = therapy::zoneOf(cpu.model, cpu.state, therapy::ZoneEdge::Arrhenius);
    d.gpuZone = therapy::zoneOf(gpu.model, gpu.state, therapy::ZoneEdge::Arrhenius);
    return d;
}

std::ostream& operator<<(std::ostream& o, const Difference& d) {
    return o << "max |T| difference " << d.maxC << " degC, peak " << d.peakC << ", Omega relative " << d.omegaRelative
             << "; zone CPU " << d.cpuZone.volumeMl << " ml " << d.cpuZone.longAxisMm << " x " << d.cpuZone.shortAxisMm
             << ", GPU " << d.gpuZone.volumeMl << " ml " << d.gpuZone.longAxisMm << " x " << d.gpuZone.shortAxisMm;
}

// The plan's generator program on the CPU reference (one thread) or through the port.
void runOnCpu(const therapy::AblationPlan& plan, therapy::AblationRun& run) {
    therapy::GeneratorProgram program{run.device, run.powerW, plan.freezeThawMin};
    therapy::runBioheat(run.model, run.state, program.durationS(plan.minutes),
                        [&](const therapy::BioheatState& s) { return program.next(s); }, 1);
}

void runOnGpu(render::GpuBioheat& stepper, const therapy::AblationPlan& plan, therapy::AblationRun& run) {
    therapy::GeneratorProgram program{run.device, run.powerW, plan.freezeThawMin};
    stepper.load(run.model, run.state);
    therapy::runBioheatOn(stepper, run.model, run.state, program.durationS(plan.minutes),
                          [&](const therapy::BioheatState& s) { return program.next(s); });
    stepper.read(run.state);
}

}  // namespace

TEST_CASE("the GPU bioheat step matches the CPU reference on a heterogeneous microwave case",
          "[render][gpu][bioheat]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    therapy::AblationPlan plan;
    therapy::AblationRun cpu = heterogeneousCase(plan);
    therapy::AblationRun gpu = heterogeneousCase(plan);
    render::GpuBioheat stepper(ctx);
    runOnCpu(plan, cpu);
    runOnGpu(stepper, plan, gpu);
    const Difference diff = differenceOf(cpu, gpu);
    const double maxDiff = diff.maxC, maxPeakDiff = diff.peakC, maxOmegaRel = diff.omegaRelative;
    const therapy::ZoneSize &zc = diff.cpuZone, &zg = diff.gpuZone;
    size_t mixed = 0;
    for (size_t c = 0; c < cpu.model.grid.cellCount(); ++c)
        if (cpu.model.material[c] == 1 && cpu.state.temperatureC[c] > 40.0f) ++mixed;
    INFO(diff);
    // Not vacuous: the antenna heated tissue past 90 degC, killed a zone, and the second tissue and
    // the vessel's wall took part.
    REQUIRE(cpu.state.hottestTissueC > 90.0f);
    REQUIRE(zc.volumeMl > 2.0);
    REQUIRE(mixed > 20);
    REQUIRE(zc.reachPlusXMm < zc.reachMinusXMm);
    // Enthalpy in double on both, temperatures stored as float on both: 0.001 degC (lavapipe:
    // 8e-6 degC, the float rounding of a temperature near 100 degC).
    CHECK(maxDiff < 1e-3);
    CHECK(maxPeakDiff < 1e-3);
    // The damage rate is float on the GPU (GLSL has no double exp): Omega within 1e-4 where it is
    // over 1e-3 (lavapipe: 6e-7), the zone's volume within 1 %, its axes within 0.1 mm (lavapipe:
    // equal).
    CHECK(maxOmegaRel < 1e-4);
    CHECK(std::abs(zg.volumeMl - zc.volumeMl) <= 0.01 * zc.volumeMl);
    CHECK(std::abs(zg.longAxisMm - zc.longAxisMm) < 0.1);
    CHECK(std::abs(zg.shortAxisMm - zc.shortAxisMm) < 0.1);
    CHECK(std::abs(gpu.state.timeS - cpu.state.timeS) < 1e-9);
    CHECK(std::abs(gpu.state.hottestTissueC - cpu.state.hottestTissueC) < 0.01);
    // Deterministic: the same run again gives the same bits.
    therapy::AblationRun again = heterogeneousCase(plan);
    runOnGpu(stepper, plan, again);
    CHECK(again.state.temperatureC == gpu.state.temperatureC);
    CHECK(again.state.omega == gpu.state.omega);
    CHECK(again.state.enthalpy == gpu.state.enthalpy);
    ctx.waitIdle();
    REQUIRE(ctx.validationEnabled());
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the GPU bioheat stepper refuses a freezing model", "[render][gpu][bioheat]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    therapy::AblationPlan plan;
    plan.modality = therapy::Modality::Cryo;
    plan.gridMm = 3.0;
    const therapy::AblationRun run = therapy::prepareAblation(plan);
    render::GpuBioheat stepper(ctx);
    REQUIRE_THROWS_AS(stepper.load(run.model, run.state), DataError);
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}

TEST_CASE("the GPU bioheat step scales the cooled RF electrode's probe-well faces as the CPU does",
          "[render][gpu][bioheat]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    therapy::AblationPlan plan;  // RF, the modality's default device
    plan.minutes = 1.5;
    plan.gridMm = 1.5;
    plan.threads = 1;
    therapy::AblationRun cpu = therapy::prepareAblation(plan);
    therapy::AblationRun gpu = therapy::prepareAblation(plan);
    // What the port did before it scaled the faces: the CPU reference with every scale 1.
    therapy::AblationRun unscaled = therapy::prepareAblation(plan);
    std::fill(unscaled.model.heldFaceScale.begin(), unscaled.model.heldFaceScale.end(), 1.0f);
    REQUIRE(cpu.device->id == "rf-cooled-17g-3cm");
    // Not vacuous: the electrode holds a disc whose faces to tissue are scaled down
    // (therapy/probe_well.h), and tissue lies beside it.
    float smallestScale = 1.0f;
    size_t beside = 0;
    for (size_t c = 0; c < cpu.model.grid.cellCount(); ++c) {
        if (cpu.model.role[c] == therapy::CellRole::Applicator)
            smallestScale = std::min(smallestScale, cpu.model.heldFaceScale[c]);
        if (cpu.model.role[c] == therapy::CellRole::Tissue && cpu.model.besideScaledHeld[c]) ++beside;
    }
    render::GpuBioheat stepper(ctx);
    runOnCpu(plan, cpu);
    runOnGpu(stepper, plan, gpu);
    runOnCpu(plan, unscaled);
    const Difference diff = differenceOf(cpu, gpu), before = differenceOf(cpu, unscaled);
    INFO(diff << "\nunscaled faces against the CPU: " << before << "\nsmallest face scale " << smallestScale
              << ", tissue cells beside the electrode " << beside << ", hottest tissue CPU "
              << cpu.state.hottestTissueC << " GPU " << gpu.state.hottestTissueC);
    REQUIRE(smallestScale < 0.9f);
    REQUIRE(beside > 100);
    REQUIRE(cpu.state.hottestTissueC > 90.0f);
    REQUIRE(diff.cpuZone.volumeMl > 5.0);
    // The scaling shows, far beyond the tolerances below (unscaled: 24 degC off beside the
    // electrode, a 20 % larger zone).
    REQUIRE(before.maxC > 1.0);
    REQUIRE(std::abs(before.gpuZone.volumeMl - before.cpuZone.volumeMl) > 0.05 * before.cpuZone.volumeMl);
    // As the microwave case above (lavapipe: 7.6e-6 degC, Omega 5.2e-7 relative, the same zone). An
    // Omega 1e-4 off moves the Omega = 1 surface by well under a micrometre where ln Omega falls by
    // about 1 per mm: the zone's volume within 0.1 %, its axes within 0.1 mm.
    CHECK(diff.maxC < 1e-3);
    CHECK(diff.peakC < 1e-3);
    CHECK(diff.omegaRelative < 1e-4);
    CHECK(std::abs(diff.gpuZone.volumeMl - diff.cpuZone.volumeMl) <= 1e-3 * diff.cpuZone.volumeMl);
    CHECK(std::abs(diff.gpuZone.longAxisMm - diff.cpuZone.longAxisMm) < 0.1);
    CHECK(std::abs(diff.gpuZone.shortAxisMm - diff.cpuZone.shortAxisMm) < 0.1);
    CHECK(std::abs(gpu.state.hottestTissueC - cpu.state.hottestTissueC) < 0.01);
    ctx.waitIdle();
    REQUIRE(ctx.validationErrorCount() == 0);
}
