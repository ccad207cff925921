// The phantom's painter on two threads (patient/phantom/painter.h, SliceShare): each thread runs
// every shape over its own share of the slices, and the voxels come out as one thread paints them.
#include <catch2/catch.hpp>

#include <cmath>
#include <future>
#include <vector>

#include "patient/labels.h"
#include "patient/phantom/anatomy.h"

using namespace irsim::patient;
using namespace irsim::patient::phantom;

namespace {

VolumeGeometry grid() {
    VolumeGeometry g;
    g.dims = {40, 36, 50};  // 50 slices: 6 whole blocks of 8 and a short one
    g.spacing = dvec3(1.5);
    g.origin = dvec3(-30.0, -27.0, -37.5);
    g.direction = glm::dmat3(1.0);
    return g;
}

constexpr double kRadiusMm = 20.0;

// Two overlapping spheres as one shape whose hu reads which sphere the sdf found nearest: state
// carried from a voxel's sdf call to its hu call, as the bowel's winding tubes keep it.
void paintShapes(Painter& pa) {
    pa.paint({dvec3(-30.0), dvec3(30.0)}, labels::liver, [](const dvec3& p) { return glm::length(p) - kRadiusMm; }, 58.0);
    const dvec3 c[2] = {{-8.0, 0.0, -12.0}, {9.0, 3.0, 14.0}};
    int nearest = 0;
    pa.paint({dvec3(-25.0), dvec3(25.0)}, labels::spleen,
             [&](const dvec3& p) {
                 const double d0 = glm::length(p - c[0]) - 9.0, d1 = glm::length(p - c[1]) - 7.0;
                 nearest = d1 < d0 ? 1 : 0;
                 return std::min(d0, d1);
             },
             [&](const dvec3&, double) { return nearest == 0 ? 40.0 : 120.0; });
    pa.retouch({dvec3(-30.0), dvec3(30.0)}, labels::liver,
               [](const dvec3& p, double v) { return v + 6.0 * (hashNoise(p, 3.0, 5) - 0.5); });
}

}  // namespace

TEST_CASE("two threads painting their shares of the slices give the bytes of one thread", "[patient][phantom]") {
    const PriorityTable priority = makePriorities();
    Painter one(grid(), priority);
    paintShapes(one);

    Painter two(grid(), priority);
    auto share = [&](int index) {
        const ScopedSliceShare only(index, 2);
        paintShapes(two);
    };
    auto other = std::async(std::launch::async, share, 1);
    share(0);
    other.get();
    CHECK(two.hu() == one.hu());
    CHECK(two.labels() == one.labels());

    // And the painted sphere is a sphere: its labelled voxels hold 4/3 pi r^3 within 2% (the
    // label is set where a voxel is at least half covered).
    size_t liver = 0;
    for (uint16_t l : one.labels()) liver += l == labels::liver;
    const double sphereMm3 = 4.0 / 3.0 * M_PI * kRadiusMm * kRadiusMm * kRadiusMm;
    const double spheresMm3 = 4.0 / 3.0 * M_PI * (9.0 * 9.0 * 9.0 + 7.0 * 7.0 * 7.0);
    // The spleen's spheres lie wholly inside the liver's and take its voxels (higher priority).
    CHECK(static_cast<double>(liver) * 1.5 * 1.5 * 1.5 == Approx(sphereMm3 - spheresMm3).epsilon(0.03));
}

TEST_CASE("within a share, forEachSlab runs over that share's slices only, and the shares cover each slice once",
          "[patient][phantom]") {
    const int n = 50;
    std::vector<int> seen(n, 0);
    for (int index = 0; index < 2; ++index) {
        const ScopedSliceShare only(index, 2);
        forEachSlab(n, [&](int first, int last) {
            for (int k = first; k < last; ++k) {
                CHECK(tSliceShare.owns(k));
                ++seen[static_cast<size_t>(k)];
            }
        });
    }
    for (int k = 0; k < n; ++k) CHECK(seen[static_cast<size_t>(k)] == 1);
    CHECK(tSliceShare.count == 1);  // the scope restored the whole grid
}
