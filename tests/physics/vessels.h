#pragma once
// Vessel trees for endovascular tests: tubes along polylines, with branches and blind ends.
#include <cmath>
#include <vector>

#include <glm/glm.hpp>

#include "patient/patient.h"

namespace irsim::test {

// A tube through `points` (the first is the root) of lumen radius `radiusMm`, every segment at
// most `stepMm` long; returns the index of its last node.
inline int addTube(patient::VesselTree& t, int parent, const std::vector<glm::dvec3>& points, double radiusMm,
                   const std::string& branch, double stepMm = 2.0) {
    int node = parent;
    glm::dvec3 from = parent >= 0 ? t.nodes[static_cast<size_t>(parent)].position : points.front();
    size_t first = 0;
    if (parent < 0) {
        node = t.add(-1, points.front(), branch, radiusMm);
        first = 1;
    }
    for (size_t i = first; i < points.size(); ++i) {
        const glm::dvec3 to = points[i];
        const int pieces = std::max(1, static_cast<int>(std::ceil(glm::length(to - from) / stepMm)));
        for (int p = 1; p <= pieces; ++p) node = t.add(node, from + (to - from) * (double(p) / pieces), branch, radiusMm);
        from = to;
    }
    return node;
}

// A straight run along +z of `straightMm`, a bend of `bendDeg` on `bendRadiusMm` toward +x, then
// `afterMm` straight to a blind end.
inline patient::VesselTree bentTube(double radiusMm, double straightMm, double bendRadiusMm, double bendDeg,
                                    double afterMm) {
    std::vector<glm::dvec3> pts{{0.0, 0.0, 0.0}, {0.0, 0.0, straightMm}};
    const double a = bendDeg * 3.14159265358979323846 / 180.0;
    for (int i = 1; i <= 24; ++i) {
        const double th = a * i / 24.0;
        pts.push_back({bendRadiusMm * (1.0 - std::cos(th)), 0.0, straightMm + bendRadiusMm * std::sin(th)});
    }
    const glm::dvec3 dir{std::sin(a), 0.0, std::cos(a)};
    pts.push_back(pts.back() + afterMm * dir);
    patient::VesselTree t;
    addTube(t, -1, pts, radiusMm, "test_vessel");
    return t;
}

// A planar sinusoid along +z: amplitude `ampMm`, wavelength `waveMm`, `lengthMm` long.
inline patient::VesselTree tortuousTube(double radiusMm, double ampMm, double waveMm, double lengthMm) {
    std::vector<glm::dvec3> pts;
    for (double z = 0.0; z <= lengthMm + 1e-9; z += 2.0)
        pts.push_back({z < waveMm * 0.25 ? 0.0 : ampMm * std::sin(2.0 * 3.14159265358979323846 * (z - waveMm * 0.25) / waveMm),
                       z < waveMm * 0.25 ? 0.0 : 0.5 * ampMm * std::sin(3.14159265358979323846 * (z - waveMm * 0.25) / waveMm), z});
    patient::VesselTree t;
    addTube(t, -1, pts, radiusMm, "tortuous");
    return t;
}

}  // namespace irsim::test
