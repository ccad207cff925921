// A procedure's CT overlay contours on a slice (sim/frames.h): the line the window draws where a
// quantity crosses its level.
#include <catch2/catch.hpp>

#include <cmath>

#include "sim/frames.h"

using namespace irsim;

namespace {

// A ball of radius r round c: value r - |p - c|, on a 1.5 mm grid.
sim::CtOverlayContour ball(const glm::dvec3& c, double r) {
    sim::CtOverlayContour k;
    k.spacingMm = 1.5;
    k.dims = {41, 41, 41};
    k.originLps = c - 20.0 * k.spacingMm;
    k.value.resize(static_cast<size_t>(k.dims.x) * k.dims.y * k.dims.z);
    for (int z = 0; z < k.dims.z; ++z)
        for (int y = 0; y < k.dims.y; ++y)
            for (int x = 0; x < k.dims.x; ++x)
                k.value[(static_cast<size_t>(z) * k.dims.y + y) * k.dims.x + x] =
                    static_cast<float>(r - glm::length(k.originLps + k.spacingMm * glm::dvec3(x, y, z) - c));
    return k;
}

}  // namespace

TEST_CASE("a ball's contour on a slice is the circle where the slice cuts it, closed, at the right place",
          "[sim][ct-overlay]") {
    const glm::dvec3 c(10.0, -20.0, 100.0);
    const double r = 17.0;
    const sim::CtOverlayContour k = ball(c, r);
    for (double dz : {0.0, 8.0}) {
        // An axial 160 mm field of 512 pixels through the ball, 3 mm off its centre in x.
        const imaging::SlicePlane plane = imaging::axialPlane(c + glm::dvec3(3.0, 0.0, dz), 160.0, 512);
        const std::vector<sim::SliceSegment> segs = sim::contourOnSlice(k, plane);
        REQUIRE(!segs.empty());
        // The circle cut: radius sqrt(r^2 - dz^2) round the ball's centre projected on the slice.
        const double expected = std::sqrt(r * r - dz * dz);
        const double mmPerPixel = 160.0 / 512.0;
        double length = 0.0, worst = 0.0;
        for (const sim::SliceSegment& s : segs) {
            for (const glm::dvec2& p : {s.a, s.b}) {
                // Pixel units back to the plane's millimetres round its centre.
                const glm::dvec2 mm = (p - 256.0) * mmPerPixel;
                const glm::dvec2 centre(c.x - plane.centreLps.x, c.y - plane.centreLps.y);
                worst = std::max(worst, std::abs(glm::length(mm - centre) - expected));
            }
            length += glm::length(s.b - s.a) * mmPerPixel;
        }
        CAPTURE(dz, worst, length);
        // Linear interpolation of an exact distance field on 1.5 mm samples: under 0.1 mm off.
        CHECK(worst < 0.1);
        // Its length is the circle's, within 1 % (the polygon's chords fall a little short).
        CHECK(length == Approx(2.0 * M_PI * expected).epsilon(0.01));
    }
    // A slice that misses the ball has no line; nor does one outside the grid.
    CHECK(sim::contourOnSlice(k, imaging::axialPlane(c + glm::dvec3(0.0, 0.0, r + 2.0), 160.0, 512)).empty());
    CHECK(sim::contourOnSlice(k, imaging::axialPlane(c + glm::dvec3(0.0, 0.0, 80.0), 160.0, 512)).empty());
    // Trilinear between cell centres: exact for a linear field.
    sim::CtOverlayContour lin = k;
    for (int z = 0; z < k.dims.z; ++z)
        for (int y = 0; y < k.dims.y; ++y)
            for (int x = 0; x < k.dims.x; ++x)
                lin.value[(static_cast<size_t>(z) * k.dims.y + y) * k.dims.x + x] = static_cast<float>(2.0 * x - y + 0.5 * z);
    const glm::dvec3 f(3.25, 7.5, 11.75);
    CHECK(lin.valueAt(lin.originLps + lin.spacingMm * f) == Approx(2.0 * f.x - f.y + 0.5 * f.z).epsilon(1e-6));
    CHECK(std::isnan(lin.valueAt(lin.originLps - 1.0)));
}
