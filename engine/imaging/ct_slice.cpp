#include "imaging/ct_slice.h"

#include <algorithm>
#include <cmath>

#include "imaging/parallel.h"
#include "imaging/raymarch.h"

namespace irsim::imaging {

namespace {

SlicePlane makePlane(const glm::dvec3& centre, const glm::dvec3& right, const glm::dvec3& down, double fov, int size) {
    SlicePlane p;
    p.centreLps = centre;
    p.right = right;
    p.down = down;
    p.widthMm = p.heightMm = fov;
    p.cols = p.rows = size;
    return p;
}

// The unit component of v perpendicular to unit n; zero when v is along n.
glm::dvec3 perpendicular(const glm::dvec3& v, const glm::dvec3& n) {
    const glm::dvec3 w = v - n * glm::dot(v, n);
    const double len = glm::length(w);
    return len > 1e-9 ? w / len : glm::dvec3(0.0);
}

}  // namespace

SlicePlane SlicePlane::scrolled(double mm) const {
    SlicePlane p = *this;
    p.centreLps += normal() * mm;
    return p;
}

SlicePlane axialPlane(const glm::dvec3& c, double fov, int size) { return makePlane(c, {1, 0, 0}, {0, 1, 0}, fov, size); }
SlicePlane coronalPlane(const glm::dvec3& c, double fov, int size) { return makePlane(c, {1, 0, 0}, {0, 0, -1}, fov, size); }
SlicePlane sagittalPlane(const glm::dvec3& c, double fov, int size) { return makePlane(c, {0, 1, 0}, {0, 0, -1}, fov, size); }

SlicePlane obliquePlane(const glm::dvec3& centre, const glm::dvec3& normal, double fov, int size) {
    const glm::dvec3 n = glm::normalize(normal);
    glm::dvec3 down = std::abs(n.z) > 0.9 ? perpendicular({0, 1, 0}, n) : perpendicular({0, 0, -1}, n);
    if (glm::length(down) == 0.0) down = perpendicular({1, 0, 0}, n);
    return makePlane(centre, glm::cross(down, n), down, fov, size);
}

SlicePlane needlePlane(const glm::dvec3& hub, const glm::dvec3& tip, double fov, int size, double aroundDeg) {
    const glm::dvec3 a = glm::normalize(tip - hub);
    glm::dvec3 n0 = perpendicular({0, 0, 1}, a);  // nearest to axial: normal nearest to +z
    if (glm::length(n0) == 0.0) n0 = perpendicular({0, 1, 0}, a);
    const double t = glm::radians(aroundDeg);
    const glm::dvec3 n = glm::normalize(n0 * std::cos(t) + glm::cross(a, n0) * std::sin(t));
    glm::dvec3 down = perpendicular({0, 1, 0}, n);
    if (glm::length(down) == 0.0) down = perpendicular({0, 0, -1}, n);
    return makePlane(tip, glm::cross(down, n), down, fov, size);
}

GreyImage resampleSlice(const patient::CtVolume& ct, const SlicePlane& plane) {
    GreyImage img;
    img.width = plane.cols;
    img.height = plane.rows;
    img.pixels.assign(static_cast<size_t>(plane.cols) * plane.rows, -1000.0f);
    const auto& g = ct.geometry;
    if (g.voxelCount() == 0) return img;
    forEachRow(plane.rows, [&](int r) {
        for (int c = 0; c < plane.cols; ++c) {
            const glm::dvec3 q = g.patientToVoxel(plane.pixelCentre(c, r));
            bool inside = true;
            for (int a = 0; a < 3; ++a) inside = inside && q[a] >= -0.5 && q[a] <= g.dims[a] - 0.5;
            if (!inside) continue;
            const TrilinearStencil s(g, q);
            img.at(c, r) = static_cast<float>(s.apply(ct.voxels, [](int16_t hu) { return static_cast<double>(hu); }));
        }
    });
    return img;
}

GreyImage applyWindow(const GreyImage& hu, const WindowLevel& w) {
    GreyImage out = hu;
    const double lo = w.levelHu - 0.5 * w.widthHu;
    for (float& v : out.pixels) v = static_cast<float>(std::clamp((v - lo) / w.widthHu, 0.0, 1.0));
    return out;
}

int drawPolyline(GreyImage& image, const SlicePlane& plane, const std::vector<glm::dvec3>& points, double radiusMm,
                 float value, double slabMm) {
    const glm::dvec3 n = plane.normal();
    int drawn = 0;
    for (size_t k = 0; k + 1 < points.size(); ++k) {
        // Clip the segment to the slab |distance to the plane| <= slabMm.
        const double d0 = glm::dot(points[k] - plane.centreLps, n), d1 = glm::dot(points[k + 1] - plane.centreLps, n);
        double t0 = 0.0, t1 = 1.0;
        if (std::abs(d1 - d0) < 1e-12) {
            if (std::abs(d0) > slabMm) continue;
        } else {
            double ta = (-slabMm - d0) / (d1 - d0), tb = (slabMm - d0) / (d1 - d0);
            if (ta > tb) std::swap(ta, tb);
            t0 = std::max(t0, ta), t1 = std::min(t1, tb);
            if (t1 < t0) continue;
        }
        auto inPlane = [&](double t) {
            const glm::dvec3 p = points[k] + (points[k + 1] - points[k]) * t - plane.centreLps;
            return glm::dvec2(glm::dot(p, plane.right), glm::dot(p, plane.down));
        };
        const glm::dvec2 a = inPlane(t0), b = inPlane(t1);
        // Pixel box of the segment widened by the radius.
        auto colOf = [&](double u) { return (u / plane.widthMm + 0.5) * plane.cols - 0.5; };
        auto rowOf = [&](double v) { return (v / plane.heightMm + 0.5) * plane.rows - 0.5; };
        const int c0 = std::max(0, static_cast<int>(std::floor(colOf(std::min(a.x, b.x) - radiusMm))));
        const int c1 = std::min(plane.cols - 1, static_cast<int>(std::ceil(colOf(std::max(a.x, b.x) + radiusMm))));
        const int r0 = std::max(0, static_cast<int>(std::floor(rowOf(std::min(a.y, b.y) - radiusMm))));
        const int r1 = std::min(plane.rows - 1, static_cast<int>(std::ceil(rowOf(std::max(a.y, b.y) + radiusMm))));
        const glm::dvec2 ab = b - a;
        const double len2 = glm::dot(ab, ab);
        for (int r = r0; r <= r1; ++r)
            for (int c = c0; c <= c1; ++c) {
                const glm::dvec2 p{((c + 0.5) / plane.cols - 0.5) * plane.widthMm, ((r + 0.5) / plane.rows - 0.5) * plane.heightMm};
                const double s = len2 > 0.0 ? std::clamp(glm::dot(p - a, ab) / len2, 0.0, 1.0) : 0.0;
                if (glm::length(p - (a + ab * s)) <= radiusMm && image.at(c, r) != value) {
                    image.at(c, r) = value;
                    ++drawn;
                }
            }
    }
    return drawn;
}

}  // namespace irsim::imaging
