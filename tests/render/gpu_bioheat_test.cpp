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

}  // namespace

TEST_CASE("the GPU bioheat step matches the CPU reference on a heterogeneous microwave case",
          "[render][gpu][bioheat]") {
    render::testing::ValidationOn validation;
    render::Context ctx;
    therapy::AblationPlan plan;
    therapy::AblationRun cpu = heterogeneousCase(plan);
    therapy::AblationRun gpu = heterogeneousCase(plan);
    const therapy::GeneratorProgram program{cpu.device, cpu.powerW, plan.freezeThawMin};
    const auto controls = [&](const therapy::BioheatState& s) { return program.at(s); };
    const double seconds = program.durationS(plan.minutes);
    therapy::runBioheat(cpu.model, cpu.state, seconds, controls, 1);

    render::GpuBioheat stepper(ctx);
    stepper.load(gpu.model, gpu.state);
    therapy::runBioheatOn(stepper, gpu.model, gpu.state, seconds, controls);
    stepper.read(gpu.state);

    double maxDiff = 0.0, maxPeakDiff = 0.0, maxOmegaRel = 0.0;
    size_t mixed = 0;
    for (size_t c = 0; c < cpu.model.grid.cellCount(); ++c) {
        maxDiff = std::max(maxDiff, std::abs(double(gpu.state.temperatureC[c]) - cpu.state.temperatureC[c]));
        maxPeakDiff = std::max(maxPeakDiff, std::abs(double(gpu.state.maxC[c]) - cpu.state.maxC[c]));
        if (cpu.state.omega[c] > 1e-3f)
            maxOmegaRel = std::max(maxOmegaRel, std::abs(double(gpu.state.omega[c]) / cpu.state.omega[c] - 1.0));
        if (cpu.model.material[c] == 1 && cpu.state.temperatureC[c] > 40.0f) ++mixed;
    }
    const therapy::ZoneSize zc = therapy::zoneOf(cpu.model, cpu.state, therapy::ZoneEdge::Arrhenius);
    const therapy::ZoneSize zg = therapy::zoneOf(gpu.model, gpu.state, therapy::ZoneEdge::Arrhenius);
    INFO("max |T| difference " << maxDiff << " degC, peak " << maxPeakDiff << ", Omega relative " << maxOmegaRel
                               << "; zone CPU " << zc.volumeMl << " ml " << zc.longAxisMm << " x " << zc.shortAxisMm
                               << ", GPU " << zg.volumeMl << " ml " << zg.longAxisMm << " x " << zg.shortAxisMm);
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
    stepper.load(again.model, again.state);
    therapy::runBioheatOn(stepper, again.model, again.state, seconds, controls);
    stepper.read(again.state);
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
