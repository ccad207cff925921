#include "physics/synthetic_vertebra.h"
#include "core/units.h"

#include <algorithm>
#include <cmath>

namespace irsim::physics {

namespace {
constexpr uint16_t kVertebra = 31, kCord = 79, kAorta = 52, kDisc = 201, kVein = 202;
}  // namespace

SyntheticVertebra makeSyntheticVertebra(const SyntheticVertebraOptions& o) {
    SyntheticVertebra out;
    patient::VolumeGeometry g;
    const glm::dvec3 lo(-40.0, -40.0, -25.0), hi(40.0, o.skinYMm + 10.0, 25.0);
    g.spacing = glm::dvec3(o.spacingMm);
    g.origin = lo;
    g.dims = glm::ivec3(glm::floor((hi - lo) / o.spacingMm)) + 1;
    out.ct.allocate(g, -1000);
    out.labels.allocate(g, 0);
    out.names = {{kVertebra, "vertebrae_L1"}, {kCord, "spinal_cord"}, {kAorta, "aorta"},
                 {kDisc, "intervertebral_disc"}, {kVein, "basivertebral_vein"}};

    const double a = o.pedicleTransverseAngleDeg * kPi / 180.0;
    for (int s = 0; s < 2; ++s) {
        double side = s == 0 ? -1.0 : 1.0;
        out.pedicleAxisPoint[s] = glm::dvec3(side * o.pedicleCentreXMm, o.canalCentreYMm, 0.0);
        out.pedicleAxisDir[s] = glm::dvec3(-side * std::sin(a), -std::cos(a), 0.0);
    }

    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                glm::dvec3 p = g.voxelToPatient(glm::dvec3(i, j, k));
                size_t idx = g.index(i, j, k);
                int16_t hu = p.y > o.skinYMm ? int16_t(-1000) : (p.y > o.skinYMm - 10.0 ? int16_t(-100) : o.softTissueHu);
                uint16_t label = 0;
                // Depth inside the bone (mm, > 0 inside) as the largest depth over the parts.
                double depth = -1e9;
                double r = std::hypot(p.x, p.y);
                depth = std::max(depth, std::min(o.bodyRadiusMm - r, o.bodyHalfHeightMm - std::fabs(p.z)));
                for (int s = 0; s < 2; ++s) {
                    glm::dvec3 d = p - out.pedicleAxisPoint[s];
                    const glm::dvec3& ax = out.pedicleAxisDir[s];
                    double along = glm::dot(d, ax);
                    glm::dvec3 perp = d - ax * along;
                    glm::dvec3 lateral = glm::normalize(glm::cross(ax, glm::dvec3(0, 0, 1)));
                    double u = glm::dot(perp, lateral) / o.pedicleHalfWidthMm, w = perp.z / o.pedicleHalfHeightMm;
                    double ell = (1.0 - std::sqrt(u * u + w * w)) * std::min(o.pedicleHalfWidthMm, o.pedicleHalfHeightMm);
                    // Axis runs from pedicleEndYMm (posterior) to pedicleAnteriorYMm.
                    double yAxis = out.pedicleAxisPoint[s].y + along * ax.y;
                    double capDepth = std::min(o.pedicleEndYMm - yAxis, yAxis - o.pedicleAnteriorYMm);
                    depth = std::max(depth, std::min(ell, capDepth));
                }
                // Posterior arch: lamina ring behind the canal and the spinous process.
                double rc = std::hypot(p.x, p.y - o.canalCentreYMm);
                if (p.y >= o.canalCentreYMm)
                    depth = std::max(depth, std::min({rc - o.canalRadiusMm, o.canalRadiusMm + 5.0 - rc, 8.0 - std::fabs(p.z)}));
                depth = std::max(depth, std::min({3.0 - std::fabs(p.x), p.y - (o.canalCentreYMm + o.canalRadiusMm),
                                                  60.0 - p.y, 10.0 - std::fabs(p.z)}));
                if (depth > 0.0) {
                    label = kVertebra;
                    hu = depth < o.corticalThicknessMm ? o.corticalHu : o.cancellousHu;
                }
                // Discs above and below the body.
                if (r < o.bodyRadiusMm && std::fabs(p.z) > o.bodyHalfHeightMm && std::fabs(p.z) <= o.bodyHalfHeightMm + 8.0) {
                    label = kDisc;
                    hu = 80;
                }
                if (rc < o.canalRadiusMm && std::fabs(p.z) <= 25.0) {
                    label = kCord;
                    hu = 15;
                }
                if (std::hypot(p.x - 15.0, p.y + 34.0) < 10.0) {
                    label = kAorta;
                    hu = 45;
                }
                if (o.posteriorWallDefect && label == kVertebra && p.y > 14.0 && p.y < o.bodyRadiusMm + 0.5 &&
                    std::fabs(p.x) < 2.5 && std::fabs(p.z) < 2.5 && r > o.bodyRadiusMm - 3.0)
                    hu = o.softTissueHu;  // tumour replacing the posterior cortex
                if (o.basivertebralVein && std::fabs(p.x) < 1.0 && std::fabs(p.z) < 1.0 && p.y > 5.0 &&
                    p.y < o.canalCentreYMm - o.canalRadiusMm) {
                    label = kVein;
                    hu = 40;
                }
                out.ct.voxels[idx] = hu;
                out.labels.voxels[idx] = label;
            }
    return out;
}

}  // namespace irsim::physics
