// Coverage and margins against spheres, where the answers are closed forms.
#include <cmath>

#include <catch2/catch.hpp>

#include "core/units.h"
#include "procedures/ablation/ablation.h"

using namespace irsim;
using procedures::ablation::distanceTransform;
using procedures::ablation::ltpFreeSurvivalPercent;
using procedures::ablation::marginBand;
using procedures::ablation::MarginResult;
using procedures::ablation::measureMargins;

namespace {

const double kNoVessel = 1e9;

// Tumour: a sphere of radius r at the origin; zone: a sphere of radius rz centred at (e, 0, 0).
MarginResult spheres(double r, double rz, double e, double step = 0.5) {
    const glm::dvec3 half(r + 14.0);
    return measureMargins(
        -half, half, step, [&](const glm::dvec3& p) { return glm::length(p) <= r; },
        [&](const glm::dvec3& p) { return glm::length(p - glm::dvec3(e, 0.0, 0.0)) <= rz; },
        [](const glm::dvec3&) { return true; }, [](const glm::dvec3&) { return kNoVessel; });
}

double sphereMl(double r) { return 4.0 / 3.0 * kPi * r * r * r; }

// Volume shared by two spheres of radii a and b whose centres are d apart (|a - b| < d < a + b).
double lens(double a, double b, double d) {
    return kPi * (a + b - d) * (a + b - d) * (d * d + 2.0 * d * (a + b) - 3.0 * (a - b) * (a - b)) / (12.0 * d);
}

}  // namespace

TEST_CASE("concentric spheres: the margin is the difference of the radii and coverage the volume ratio", "[ablation][margins]") {
    const double r = 10.0, rz = 16.0;
    const MarginResult m = spheres(r, rz, 0.0);
    CHECK(m.tumourCoveragePercent == Approx(100.0));
    CHECK(m.margin5CoveragePercent == Approx(100.0));
    // The tumour grown by 10 mm is a sphere of 20 mm: the zone covers (16/20)^3 of it.
    CHECK(m.margin10CoveragePercent == Approx(100.0 * sphereMl(rz) / sphereMl(r + 10.0)).epsilon(0.03));
    // Within the half cell the sampling allows.
    CHECK(m.minimalMarginMm == Approx(rz - r).margin(0.5));
    CHECK(marginBand(m.minimalMarginMm) == 2);
}

TEST_CASE("offset spheres: the thinnest margin is on the far side and the 5 mm coverage is the lens volume", "[ablation][margins]") {
    const double r = 10.0, rz = 14.0, e = 3.0;
    const MarginResult m = spheres(r, rz, e);
    CHECK(m.tumourCoveragePercent == Approx(100.0));
    CHECK(m.minimalMarginMm == Approx(rz - r - e).margin(0.5));
    CHECK(m.thinnestLps.x < -r + 1.0);  // on the tumour's -x pole, away from the zone's shift
    CHECK(std::abs(m.thinnestLps.y) < 2.0);
    CHECK(std::abs(m.thinnestLps.z) < 2.0);
    CHECK(m.margin5CoveragePercent == Approx(100.0 * lens(r + 5.0, rz, e) / sphereMl(r + 5.0)).epsilon(0.03));
    // A zone that leaves part of the tumour out: margin 0, coverage the lens over the tumour.
    const MarginResult out = spheres(r, 10.0, 4.0);
    CHECK(out.minimalMarginMm == 0.0);
    CHECK(out.tumourCoveragePercent == Approx(100.0 * lens(r, 10.0, 4.0) / sphereMl(r)).epsilon(0.03));
    CHECK(marginBand(out.minimalMarginMm) == 0);
}

TEST_CASE("a margin is measured to living tissue, not across a vessel's lumen, and the heat-sink margin only beside it", "[ablation][margins]") {
    // A vessel (not tissue) along z at x = 15 mm, radius 2: the zone (radius 16) stops at it. The
    // margin is measured to the tissue left alive, so the vessel's lumen does not thin it.
    const double r = 10.0;
    auto inVessel = [](const glm::dvec3& p) { return std::hypot(p.x - 15.0, p.y) <= 2.0; };
    const glm::dvec3 half(24.0);
    const MarginResult m = measureMargins(
        -half, half, 0.5, [&](const glm::dvec3& p) { return glm::length(p) <= r; },
        [&](const glm::dvec3& p) { return glm::length(p) <= 16.0 && !inVessel(p); },
        [&](const glm::dvec3& p) { return !inVessel(p); },
        [&](const glm::dvec3& p) { return std::max(0.0, std::hypot(p.x - 15.0, p.y) - 2.0); });
    CHECK(m.minimalMarginMm == Approx(6.0).margin(0.5));
    // The tumour's surface within 10 mm of the vessel (its +x side, 3 mm from the wall): measured to
    // the living tissue round the lumen (about 6.4 mm away), not to the wall.
    CHECK(m.heatSinkMarginMm > 5.5);
    CHECK(m.heatSinkMarginMm < 7.0);
    // Without a vessel near, there is no heat-sink margin.
    CHECK(spheres(r, 16.0, 0.0).heatSinkMarginMm == -1.0);
}

TEST_CASE("the distance transform is the exact Euclidean distance to the nearest feature", "[ablation][margins]") {
    const glm::ivec3 dims(9, 7, 5);
    std::vector<uint8_t> f(static_cast<size_t>(dims.x * dims.y * dims.z), 0);
    const glm::ivec3 features[] = {{1, 1, 1}, {7, 5, 3}, {4, 0, 4}};
    auto index = [&](glm::ivec3 c) { return static_cast<size_t>((c.z * dims.y + c.y) * dims.x + c.x); };
    for (const glm::ivec3& c : features) f[index(c)] = 1;
    const std::vector<float> d = distanceTransform(f, dims, 0.5);
    for (int k = 0; k < dims.z; ++k)
        for (int j = 0; j < dims.y; ++j)
            for (int i = 0; i < dims.x; ++i) {
                double best = 1e9;
                for (const glm::ivec3& c : features) best = std::min(best, glm::length(glm::dvec3(glm::ivec3(i, j, k) - c)));
                CHECK(d[index({i, j, k})] == Approx(0.5 * best).margin(1e-5));
            }
    CHECK(std::isinf(distanceTransform(std::vector<uint8_t>(f.size(), 0), dims, 1.0)[0]));
}

TEST_CASE("local-progression bands follow Wang 2013: 0, 1-5, 6-10, > 10 mm", "[ablation][margins]") {
    CHECK(marginBand(0.0) == 0);
    CHECK(marginBand(0.4) == 0);
    CHECK(marginBand(1.0) == 1);
    CHECK(marginBand(5.4) == 1);
    CHECK(marginBand(5.6) == 2);
    CHECK(marginBand(10.0) == 2);
    CHECK(marginBand(10.6) == 3);
    // Two-year LTP-free survival 26 / 46 / 74 / 80 % (Wang 2013, CVIR 36:166; ablation.md section 10).
    CHECK(ltpFreeSurvivalPercent(0) == 26.0);
    CHECK(ltpFreeSurvivalPercent(1) == 46.0);
    CHECK(ltpFreeSurvivalPercent(2) == 74.0);
    CHECK(ltpFreeSurvivalPercent(3) == 80.0);
}
