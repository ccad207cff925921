// Contrast-filled vessels meeting at a branch point: the pieces share the joint, so a ray through it
// carries the chord through the union of the lumens (what the iodine fills), not the sum of
// overlapping bodies (the dark beads the old caps drew at every branch point).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include <catch2/catch.hpp>

#include "imaging/radiopaque.h"

using namespace irsim;
using glm::dvec3;

namespace {

double distanceToSegment(const dvec3& x, const dvec3& a, const dvec3& b) {
    const dvec3 ab = b - a;
    const double t = std::clamp(glm::dot(x - a, ab) / glm::dot(ab, ab), 0.0, 1.0);
    return glm::length(x - (a + t * ab));
}

}  // namespace

TEST_CASE("a bifurcation's three contrast paths project the union of their lumens: no excess at the branch point",
          "[imaging][radiopaque][joints]") {
    // A parent along -z into P, two children leaving it 35 degrees either side in the x-z plane, all
    // of radius 2.5 mm: the lumen is the union of the three capsules round the centrelines.
    const double r = 2.5;
    const dvec3 P(0.0, 0.0, 0.0);
    const double s = std::sin(35.0 * 3.14159265358979 / 180.0), c = std::cos(35.0 * 3.14159265358979 / 180.0);
    const dvec3 up(0.0, 0.0, 1.0), left(s, 0.0, -c), right(-s, 0.0, -c);
    const std::vector<std::vector<dvec3>> lines{{P + 40.0 * up, P + 20.0 * up, P}, {P, P + 20.0 * left, P + 40.0 * left},
                                                {P, P + 20.0 * right, P + 40.0 * right}};
    std::vector<imaging::RadiopaquePath> joined, summed;
    // Each piece's direction away from P, as the pieces' own points give it (therapy/contrast.cpp
    // does the same from the tree's nodes).
    const auto away = [&](size_t i) {
        return imaging::PathJoin{glm::normalize(i == 0 ? lines[0][1] - P : lines[i][1] - P), r};
    };
    for (size_t i = 0; i < lines.size(); ++i) {
        imaging::RadiopaquePath p = imaging::contrastInVessel(lines[i], r, 150.0);
        summed.push_back(p);
        // The parent's end meets both children; each child's start meets the parent and its sibling.
        if (i == 0) p.endJoins = {away(1), away(2)};
        else p.startJoins = {away(0), away(i == 1 ? 2 : 1)};
        joined.push_back(p);
    }
    const auto chordOf = [&](const std::vector<imaging::RadiopaquePath>& paths, const dvec3& from, const dvec3& dir) {
        double m = 0.0;
        for (const auto& p : paths) m += imaging::massPathThrough(p, from, dir);
        return m / (0.1 * 0.150);
    };
    // The union's chord by sampling the ray every 0.005 mm.
    const auto unionChord = [&](const dvec3& from, const dvec3& dir) {
        double inside = 0.0;
        const double step = 0.005;
        for (double t = 0.0; t < 100.0; t += step) {
            const dvec3 x = from + (t + 0.5 * step) * dir;
            bool in = false;
            for (const auto& l : lines)
                for (size_t k = 0; k + 1 < l.size() && !in; ++k) in = distanceToSegment(x, l[k], l[k + 1]) <= r;
            inside += in ? step : 0.0;
        }
        return inside;
    };
    // AP rays (the bifurcation in the image plane) and oblique ones through a grid round P.
    double worstJoined = 0.0, worstSummed = 0.0;
    for (const dvec3& dir : {dvec3(0.0, 1.0, 0.0), glm::normalize(dvec3(0.5, 1.0, 0.2))})
        for (double x = -4.0; x <= 4.01; x += 1.0)
            for (double z = -6.0; z <= 4.01; z += 1.0) {
                const dvec3 from = dvec3(x, 0.0, z) - 50.0 * dir;
                const double u = unionChord(from, dir);
                if (u < 0.5) continue;
                const double a = chordOf(joined, from, dir), b = chordOf(summed, from, dir);
                INFO("ray through (" << x << ", 0, " << z << "): union " << u << " mm, joined " << a << ", summed " << b);
                CHECK(a == Approx(u).margin(0.04 * 2.0 * r));
                worstJoined = std::max(worstJoined, (a - u) / (2.0 * r));
                worstSummed = std::max(worstSummed, (b - u) / (2.0 * r));
            }
    std::printf("bifurcation: largest excess over the union, of the vessel's diameter: joined %.1f %%, summed %.1f %%\n",
                100.0 * worstJoined, 100.0 * worstSummed);
    CHECK(worstJoined < 0.04);
    CHECK(worstSummed > 0.5);  // the old drawing: a bead of half a diameter's extra iodine or more
}

TEST_CASE("a bent path is mitred: a ray across its joint sees no overlap and no gap, and a straight one is unchanged",
          "[imaging][radiopaque][joints]") {
    // Two 20 mm segments with a 60 degree bend at the origin, radius 2 mm; AP rays across the joint.
    const double r = 2.0;
    const dvec3 bend = glm::normalize(dvec3(std::sin(1.0471975512), 0.0, -std::cos(1.0471975512)));
    imaging::RadiopaquePath p = imaging::contrastInVessel({dvec3(0.0, 0.0, 20.0), dvec3(0.0), 20.0 * bend}, r, 100.0);
    for (double x = -2.0; x <= 2.01; x += 0.5)
        for (double z = -2.0; z <= 2.01; z += 0.5) {
            const dvec3 from(x, -50.0, z), dir(0.0, 1.0, 0.0);
            double inside = 0.0;
            for (double t = 0.0; t < 100.0; t += 0.005) {
                const dvec3 q = from + (t + 0.0025) * dir;
                inside += (distanceToSegment(q, p.pointsLps[0], p.pointsLps[1]) <= r ||
                           distanceToSegment(q, p.pointsLps[1], p.pointsLps[2]) <= r)
                              ? 0.005
                              : 0.0;
            }
            const double chord = imaging::massPathThrough(p, from, dir) / (0.1 * 0.1);
            INFO("(" << x << ", " << z << "): " << chord << " mm, union " << inside);
            CHECK(chord == Approx(inside).margin(0.04 * 2.0 * r));
        }
}
