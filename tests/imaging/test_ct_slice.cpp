// CT slices: trilinear resampling of a known volume, radiological orientation, window presets,
// the needle-aligned plane and devices drawn into slices.
#include <catch2/catch.hpp>

#include <cmath>

#include "imaging/ct_slice.h"

using namespace irsim;
using namespace irsim::imaging;

namespace {

// HU = 2x + 3y - z + 10 at every voxel centre (integers: 1 mm voxels on integer positions), which
// trilinear interpolation reproduces exactly between the centres.
double linearHu(const glm::dvec3& p) { return 2.0 * p.x + 3.0 * p.y - p.z + 10.0; }

patient::CtVolume linearVolume() {
    patient::VolumeGeometry g;
    g.dims = {61, 61, 61};
    g.origin = {-30, -30, -30};
    patient::CtVolume ct;
    ct.allocate(g);
    for (int k = 0; k < 61; ++k)
        for (int j = 0; j < 61; ++j)
            for (int i = 0; i < 61; ++i) ct.at(i, j, k) = static_cast<int16_t>(linearHu(g.voxelToPatient({i, j, k})));
    return ct;
}

}  // namespace

TEST_CASE("an oblique slice of a linear volume is the linear function at every pixel", "[imaging][ct]") {
    const auto ct = linearVolume();
    const SlicePlane plane = obliquePlane({1.3, -2.1, 4.7}, {0.3, -0.5, 0.8}, 30.0, 41);
    const GreyImage hu = resampleSlice(ct, plane);
    double worst = 0.0;
    for (int r = 0; r < plane.rows; ++r)
        for (int c = 0; c < plane.cols; ++c)
            worst = std::max(worst, std::abs(hu.at(c, r) - linearHu(plane.pixelCentre(c, r))));
    CHECK(worst < 1e-3);
    // Outside the volume's box the slice shows air.
    const GreyImage far = resampleSlice(ct, axialPlane({0, 0, 0}, 200.0, 21));
    CHECK(far.at(0, 0) == -1000.0f);
    CHECK(far.at(10, 10) == Approx(10.0));
}

TEST_CASE("axial, coronal and sagittal slices are oriented as radiologists read them", "[imaging][ct]") {
    const auto ct = linearVolume();
    const GreyImage ax = resampleSlice(ct, axialPlane({0, 0, 0}, 40.0, 21));
    CHECK(ax.at(20, 10) > ax.at(0, 10));   // patient's left (+x) on the image's right
    CHECK(ax.at(10, 0) < ax.at(10, 20));   // anterior (-y) at the top
    const GreyImage cor = resampleSlice(ct, coronalPlane({0, 0, 0}, 40.0, 21));
    CHECK(cor.at(20, 10) > cor.at(0, 10));  // patient's left on the right
    CHECK(cor.at(10, 0) < cor.at(10, 20));  // head (+z, lower HU here) at the top
    const SlicePlane sag = sagittalPlane({0, 0, 0}, 40.0, 21);
    CHECK(sag.pixelCentre(0, 10).y < sag.pixelCentre(20, 10).y);  // anterior on the left
    CHECK(sag.normal().x == Approx(-1.0));                         // seen from the patient's left
    // Scrolling moves along the viewing direction: an axial plane toward the head.
    CHECK(axialPlane({0, 0, 0}, 40.0, 21).scrolled(5.0).centreLps.z == Approx(5.0));
}

TEST_CASE("window presets map level to mid-grey and level -/+ width/2 to black and white", "[imaging][ct]") {
    GreyImage hu;
    hu.width = 5;
    hu.height = 1;
    hu.pixels = {-160.0f, 40.0f, 240.0f, -600.0f, 1300.0f};
    const GreyImage soft = applyWindow(hu, WindowLevel::softTissue());
    CHECK(soft.pixels[0] == 0.0f);
    CHECK(soft.pixels[1] == Approx(0.5));
    CHECK(soft.pixels[2] == 1.0f);
    CHECK(applyWindow(hu, WindowLevel::lung()).pixels[3] == Approx(0.5));
    CHECK(applyWindow(hu, WindowLevel::bone()).pixels[4] == 1.0f);
    CHECK(applyWindow(hu, WindowLevel::liver()).pixels[1] == Approx((40.0 - (60.0 - 75.0)) / 150.0));
}

TEST_CASE("the needle-aligned plane contains the needle, which draws as a line along it", "[imaging][ct][needle]") {
    const glm::dvec3 hub{-60, -80, 12}, tip{10, 5, 20};  // a steep oblique path, slightly cranial
    for (double around : {0.0, 90.0}) {
        const SlicePlane plane = needlePlane(hub, tip, 200.0, 201, around);
        CHECK(std::abs(glm::dot(hub - plane.centreLps, plane.normal())) < 1e-9);
        CHECK(std::abs(glm::dot(tip - plane.centreLps, plane.normal())) < 1e-9);
        CHECK(glm::length(glm::cross(plane.right, plane.down)) == Approx(1.0));
        GreyImage img;
        img.width = img.height = 201;
        img.pixels.assign(201 * 201, 0.0f);
        const int drawn = drawPolyline(img, plane, {hub, tip}, 1.0, 1.0f, 1.0);
        // ~ length x width / pixel area (1 mm pixels): 111 mm x 2 mm.
        const double length = glm::length(tip - hub);
        CHECK(drawn == Approx(length * 2.0).epsilon(0.15));
        CHECK(img.at(100, 100) == 1.0f);  // the tip is the centre
    }
    // At 0 degrees the plane is the one nearest to axial: its normal is closest to +z.
    const SlicePlane p0 = needlePlane(hub, tip, 200.0, 201, 0.0);
    CHECK(std::abs(p0.normal().z) > 0.99);
}

TEST_CASE("a device off the slice is not drawn, and one crossing it draws only where it is near", "[imaging][ct][needle]") {
    const SlicePlane ax = axialPlane({0, 0, 0}, 100.0, 101);
    GreyImage img;
    img.width = img.height = 101;
    img.pixels.assign(101 * 101, 0.0f);
    CHECK(drawPolyline(img, ax, {{-20, 0, 30}, {20, 0, 30}}, 1.0, 1.0f, 5.0) == 0);
    // A needle through the slice at 45 degrees: only its 10 mm (projected) within the +-5 mm slab
    // shows, 2 mm wide: on 1 mm pixels with the round ends, 3 columns x 11-13 rows.
    const int drawn = drawPolyline(img, ax, {{0, -40, -40}, {0, 40, 40}}, 1.0, 1.0f, 5.0);
    CHECK(drawn > 15);
    CHECK(drawn < 40);
}
