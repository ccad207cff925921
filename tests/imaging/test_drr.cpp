// The CPU ray march against exact line integrals of voxelised spheres, cylinders and slabs.
#include <catch2/catch.hpp>

#include <cmath>

#include "analytic_phantoms.h"
#include "imaging/drr.h"

using namespace irsim;
using namespace irsim::imaging;

namespace {

struct Worst {
    double relative = 0.0;
    int pixelsChecked = 0;
    int col = -1, row = -1;
    double exact = 0.0, measured = 0.0;
};

// Compares each pixel whose exact chord is at least `minChordMm` (rays well inside the object)
// with the analytic value times the object's water-equivalent density.
template <class Chord>
Worst compareImage(const GreyImage& img, const CArmPose& pose, const DetectorGrid& grid, double density,
                   double minChordMm, Chord chord) {
    const CArmFrame f = frameOf(pose);
    Worst w;
    for (int r = 0; r < grid.rows; ++r)
        for (int c = 0; c < grid.cols; ++c) {
            const glm::dvec3 px = detectorPixelCentre(f, pose, grid, c, r);
            const double exact = density * chord(f.source, px);
            if (exact < density * minChordMm) continue;
            const double rel = std::abs(img.at(c, r) - exact) / exact;
            if (rel > w.relative) w = {rel, w.pixelsChecked, c, r, exact, img.at(c, r)};
            ++w.pixelsChecked;
        }
    return w;
}

CArmPose testPose(double lao, double cran) {
    CArmPose p;
    p.laoDeg = lao;
    p.cranDeg = cran;
    p.isocentre = {0.0, 0.0, 0.0};
    p.sourceToIsocentreMm = 750.0;
    p.sourceToImageMm = 1100.0;
    p.detectorWidthMm = 300.0;
    p.detectorHeightMm = 300.0;
    return p;
}

const double kAngles[][2] = {{0, 0}, {30, 20}, {-45, -15}, {90, 0}, {-20, 35}};

}  // namespace

TEST_CASE("a water sphere's DRR equals its chord lengths within 0.5% for rays through its inner 80% at several C-arm angles", "[imaging][drr]") {
    const glm::dvec3 centre{12.0, -7.0, 9.0};
    const double radius = 60.0;
    const auto g = testing::cubeGeometry(112, 1.5);
    const auto ct = testing::voxelise(g, [&](const glm::dvec3& p) { return glm::length(p - centre) - radius; },
                                      0.0, -1000.0);
    const DetectorGrid grid{48, 40};
    for (const auto& a : kAngles) {
        const CArmPose pose = testPose(a[0], a[1]);
        const GreyImage img = waterEquivalentPathImage(ct, pose, grid, 1.0);
        const Worst w = compareImage(img, pose, grid, 1.0, 1.2 * radius, [&](auto s, auto px) {
            return testing::chordInSphere(s, px, centre, radius);
        });
        INFO("LAO " << a[0] << " CRAN " << a[1] << ": worst " << w.relative * 100 << "% over "
                    << w.pixelsChecked << " pixels, at pixel " << w.col << "," << w.row
                    << ": " << w.measured << " mm, exact " << w.exact << " mm");
        CHECK(w.pixelsChecked > 100);
        CHECK(w.relative < 0.005);
    }
}

TEST_CASE("a bone-density slab's DRR equals thickness over the cosine of the ray angle", "[imaging][drr]") {
    // A slab 100 mm thick in y (anterior-posterior) at HU 500, i.e. 1.5 times water's density,
    // filling the volume in x and z; its faces lie on voxel faces.
    const auto g = testing::cubeGeometry(100, 2.0);
    patient::CtVolume ct;
    ct.allocate(g, -1000);
    for (int k = 0; k < 100; ++k)
        for (int j = 25; j < 75; ++j)
            for (int i = 0; i < 100; ++i) ct.at(i, j, k) = 500;
    const DetectorGrid grid{32, 32};
    for (const auto& a : {std::array<double, 2>{0, 0}, {25, 0}, {-30, 20}, {10, -35}}) {
        const CArmPose pose = testPose(a[0], a[1]);
        const CArmFrame f = frameOf(pose);
        const GreyImage img = waterEquivalentPathImage(ct, pose, grid, 1.0);
        // Central pixels only: their rays leave through the slab's faces, not its sides.
        for (int r = 12; r < 20; ++r)
            for (int c = 12; c < 20; ++c) {
                const glm::dvec3 u = glm::normalize(detectorPixelCentre(f, pose, grid, c, r) - f.source);
                const double exact = 1.5 * 100.0 / std::abs(u.y);
                INFO("LAO " << a[0] << " CRAN " << a[1] << " pixel " << c << "," << r);
                CHECK(img.at(c, r) == Approx(exact).epsilon(0.005));
            }
    }
}

TEST_CASE("a fat cylinder along the patient's long axis gives its analytic chords", "[imaging][drr]") {
    const glm::dvec3 centre{-8.0, 5.0, 0.0}, axis{0.0, 0.0, 1.0};
    const double radius = 70.0;
    // Cylinder longer than the volume so the ends never cut a checked ray.
    auto g = testing::cubeGeometry(80, 2.0);
    g.dims.z = 220;
    g.origin.z = -0.5 * 219 * 2.0;
    const auto ct = testing::voxelise(g, [&](const glm::dvec3& p) {
        return std::hypot(p.x - centre.x, p.y - centre.y) - radius;
    }, -100.0, -1000.0);
    const DetectorGrid grid{40, 40};
    for (const auto& a : {std::array<double, 2>{0, 0}, {60, 0}, {-35, 25}}) {
        const CArmPose pose = testPose(a[0], a[1]);
        const GreyImage img = waterEquivalentPathImage(ct, pose, grid, 1.0);
        const Worst w = compareImage(img, pose, grid, 0.9, 0.6 * 2 * radius, [&](auto s, auto px) {
            return testing::chordInCylinder(s, px, centre, axis, radius);
        });
        INFO("LAO " << a[0] << " CRAN " << a[1] << ": worst " << w.relative * 100 << "% over "
                    << w.pixelsChecked << " pixels, at pixel " << w.col << "," << w.row
                    << ": " << w.measured << " mm, exact " << w.exact << " mm");
        CHECK(w.pixelsChecked > 100);
        CHECK(w.relative < 0.005);
    }
}

TEST_CASE("air below -1000 HU counts as nothing and rays that miss the volume give zero", "[imaging][drr]") {
    const auto g = testing::cubeGeometry(20, 5.0);
    patient::CtVolume ct;
    ct.allocate(g, -1024);  // the scanner's padding value
    CHECK(waterEquivalentPathMm(ct, {0, -500, 0}, {0, 500, 0}) == 0.0);
    ct.voxels.assign(ct.voxels.size(), 0);
    // Through the whole box along y: 20 voxels of 5 mm, exactly 100 mm of water, whatever the step.
    CHECK(waterEquivalentPathMm(ct, {3, -500, 1}, {3, 500, 1}, 1.0) == Approx(100.0).epsilon(1e-9));
    CHECK(waterEquivalentPathMm(ct, {3, -500, 1}, {3, 500, 1}, 3.7) == Approx(100.0).epsilon(1e-9));
    // A ray that stops inside the box counts only up to its end.
    CHECK(waterEquivalentPathMm(ct, {3, -500, 1}, {3, 10, 1}, 1.0) == Approx(60.0).epsilon(1e-9));
    CHECK(waterEquivalentPathMm(ct, {80, -500, 0}, {80, 500, 0}) == 0.0);
}

TEST_CASE("the DRR is the same image on every run", "[imaging][drr][determinism]") {
    const glm::dvec3 centre{0.0, 0.0, 0.0};
    const auto g = testing::cubeGeometry(40, 4.0);
    const auto ct = testing::voxelise(g, [&](const glm::dvec3& p) { return glm::length(p - centre) - 50.0; },
                                      300.0, -1000.0);
    const DetectorGrid grid{33, 31};
    const GreyImage a = waterEquivalentPathImage(ct, testPose(20, 10), grid);
    const GreyImage b = waterEquivalentPathImage(ct, testPose(20, 10), grid);
    REQUIRE(a.pixels.size() == b.pixels.size());
    CHECK(a.pixels == b.pixels);
    // Each pixel equals the single-ray function, so the threads computed every row once.
    const CArmFrame f = frameOf(testPose(20, 10));
    for (int r : {0, 15, 30})
        for (int c : {0, 16, 32})
            CHECK(a.at(c, r) == static_cast<float>(waterEquivalentPathMm(
                                    ct, f.source, detectorPixelCentre(f, testPose(20, 10), grid, c, r))));
}

TEST_CASE("at AP the patient's left is on the image's right and the head at the top", "[imaging][drr][geometry]") {
    // A small dense marker on the patient's left (+x) and superior (+z).
    const auto g = testing::cubeGeometry(50, 4.0);
    const glm::dvec3 marker{60.0, 0.0, 60.0};
    const auto ct = testing::voxelise(g, [&](const glm::dvec3& p) { return glm::length(p - marker) - 15.0; },
                                      1000.0, -1000.0);
    const DetectorGrid grid{21, 21};
    const GreyImage img = waterEquivalentPathImage(ct, testPose(0, 0), grid);
    int bestC = 0, bestR = 0;
    for (int r = 0; r < 21; ++r)
        for (int c = 0; c < 21; ++c)
            if (img.at(c, r) > img.at(bestC, bestR)) { bestC = c; bestR = r; }
    CHECK(bestC > 10);  // right half
    CHECK(bestR < 10);  // top half
    const CArmFrame f = frameOf(testPose(0, 0));
    CHECK(f.source.y > 0.0);  // tube posterior, under the table
}
