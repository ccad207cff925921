#include "render/view3d_tubes.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "render/view3d.h"

namespace irsim::render {

namespace {

using gpu::vec4;

glm::vec3 f3(const glm::dvec3& v) { return glm::vec3(v); }

// The screen box, in pixels, of a ball (camera frame) for a view of `size` pixels; false when
// it reaches behind the eye's near plane (then it may cover anything).
bool ballBox(const glm::dvec3& c, double R, double tanHalf, int size, glm::dvec2& lo, glm::dvec2& hi) {
    const double zNear = c.z - R, zFar = c.z + R;
    if (zNear <= 1.0) return false;
    // x / z over the ball's bounding box: the extreme is at the nearer z for a positive x's top
    // and a negative x's bottom.
    const auto range = [&](double centre) {
        const double l = centre - R, h = centre + R;
        return glm::dvec2(l < 0.0 ? l / zNear : l / zFar, h > 0.0 ? h / zNear : h / zFar);
    };
    const glm::dvec2 u = range(c.x), v = range(c.y);
    const double s = 0.5 * size / tanHalf;
    lo = glm::min(lo, glm::dvec2(0.5 * size + s * u.x, 0.5 * size - s * v.y));
    hi = glm::max(hi, glm::dvec2(0.5 * size + s * u.y, 0.5 * size - s * v.x));
    return true;
}

}  // namespace

std::vector<View3dTube> view3dLumens(const patient::VesselTree& tree, double minRadiusMm, size_t maxTubes) {
    std::vector<size_t> order;
    for (size_t i = 0; i < tree.nodes.size(); ++i)
        if (tree.nodes[i].parent >= 0 && tree.nodes[i].radiusMm >= minRadiusMm) order.push_back(i);
    if (order.size() > maxTubes) {
        std::stable_sort(order.begin(), order.end(),
                         [&](size_t x, size_t y) { return tree.nodes[x].radiusMm > tree.nodes[y].radiusMm; });
        order.resize(maxTubes);
        std::sort(order.begin(), order.end());
    }
    std::vector<View3dTube> out;
    out.reserve(order.size());
    for (size_t i : order) {
        const patient::VesselNode& n = tree.nodes[i];
        out.push_back({tree.nodes[static_cast<size_t>(n.parent)].position, n.position, n.radiusMm,
                       glm::vec4(VIEW3D_LUMEN_COLOUR), false});
    }
    return out;
}

std::vector<View3dTube> view3dDevices(const std::vector<sim::DeviceOutline>& devices) {
    std::vector<View3dTube> out;
    for (const sim::DeviceOutline& d : devices) {
        const glm::vec4 colour = d.role == sim::DeviceRole::Catheter        ? glm::vec4(VIEW3D_CATHETER_COLOUR)
                                 : d.role == sim::DeviceRole::Microcatheter ? glm::vec4(VIEW3D_MICROCATHETER_COLOUR)
                                                                            : glm::vec4(VIEW3D_WIRE_COLOUR);
        for (size_t k = 0; k + 1 < d.pointsLps.size(); ++k)
            out.push_back({d.pointsLps[k], d.pointsLps[k + 1], d.radiusMm, colour, true});
    }
    return out;
}

View3dTubeBins binView3dTubes(const OrbitCamera& camera, int size, const std::vector<View3dTube>& tubes) {
    const CameraBasis b = basisOf(camera);
    const auto toCamera = [&](const glm::dvec3& p) {
        const glm::dvec3 d = p - b.eye;
        return glm::dvec3(glm::dot(d, b.right), glm::dot(d, b.up), glm::dot(d, b.forward));
    };
    View3dTubeBins out;
    // Lumens first, then devices, each in the order given.
    for (int pass = 0; pass < 2; ++pass)
        for (const View3dTube& t : tubes) {
            if (t.device != (pass == 1)) continue;
            gpu::View3dTube g;
            double radius = t.radiusMm;
            if (t.device) {
                // Never under kMinDevicePixels across where it is (a 0.46 mm wire is a third of a
                // pixel in a whole-abdomen view and would fall between the rays).
                const double z = 0.5 * (toCamera(t.a).z + toCamera(t.b).z);
                radius = std::max(radius, 0.5 * kMinDevicePixels * 2.0 * z * b.tanHalfFov / size);
            }
            g.a = glm::vec4(f3(toCamera(t.a)), static_cast<float>(radius));
            g.b = glm::vec4(f3(toCamera(t.b)), t.device ? 1.0f : 0.0f);
            g.colour = t.colour;
            out.tubes.push_back(g);
            if (!t.device) ++out.lumens;
        }
    const int tilesX = (size + VIEW3D_GROUP - 1) / VIEW3D_GROUP, tiles = tilesX * tilesX;
    std::vector<std::vector<uint32_t>> lists(static_cast<size_t>(tiles));
    for (size_t i = 0; i < out.tubes.size(); ++i) {
        const gpu::View3dTube& g = out.tubes[i];
        // Half a pixel and a hair of radius over: the float intersection may reach a little past
        // the double box.
        const double R = g.a.w * 1.001 + 1e-3;
        glm::dvec2 lo(1e30), hi(-1e30);
        const bool bounded = ballBox(glm::dvec3(glm::vec3(g.a)), R, b.tanHalfFov, size, lo, hi) &&
                             ballBox(glm::dvec3(glm::vec3(g.b)), R, b.tanHalfFov, size, lo, hi);
        int c0 = 0, c1 = tilesX - 1, r0 = 0, r1 = tilesX - 1;
        if (bounded) {
            const auto tile = [&](double px) { return static_cast<int>(std::floor(px)) / VIEW3D_GROUP; };
            if (hi.x < -1.0 || hi.y < -1.0 || lo.x > size + 1.0 || lo.y > size + 1.0) continue;
            c0 = std::max(0, tile(std::max(lo.x - 0.5, 0.0)));
            c1 = std::min(tilesX - 1, tile(std::min(hi.x + 0.5, size - 1.0)));
            r0 = std::max(0, tile(std::max(lo.y - 0.5, 0.0)));
            r1 = std::min(tilesX - 1, tile(std::min(hi.y + 0.5, size - 1.0)));
        }
        for (int r = r0; r <= r1; ++r)
            for (int c = c0; c <= c1; ++c) lists[static_cast<size_t>(r * tilesX + c)].push_back(static_cast<uint32_t>(i));
    }
    out.bins.resize(static_cast<size_t>(tiles) + 1);
    uint32_t at = static_cast<uint32_t>(tiles) + 1;
    for (int t = 0; t < tiles; ++t) {
        out.bins[static_cast<size_t>(t)] = at;
        at += static_cast<uint32_t>(lists[static_cast<size_t>(t)].size());
    }
    out.bins[static_cast<size_t>(tiles)] = at;
    for (const auto& l : lists) out.bins.insert(out.bins.end(), l.begin(), l.end());
    return out;
}

float view3dCapsuleHit(const gpu::View3dTube& T, const glm::vec3& r) {
    const glm::vec3 a(T.a), d = glm::vec3(T.b) - glm::vec3(T.a);
    const float R = T.a.w, dd = glm::dot(d, d);
    float best = 1e30f;
    if (dd > 0.0f) {
        const glm::vec3 rp = r - (glm::dot(r, d) / dd) * d;
        const glm::vec3 w = -a - (glm::dot(-a, d) / dd) * d;
        const float s2 = glm::dot(rp, rp);
        if (s2 > 1e-8f) {
            const float tc = -glm::dot(w, rp) / s2;
            const glm::vec3 m = w + tc * rp;
            const float e = R * R - glm::dot(m, m);
            if (e >= 0.0f) {
                const float t = tc - std::sqrt(e / s2);
                const float y = glm::dot(t * r - a, d);
                if (t > 0.0f && y >= 0.0f && y <= dd) best = t;
            }
        }
    }
    for (int end = 0; end < 2; ++end) {
        const glm::vec3 c = end == 0 ? glm::vec3(T.a) : glm::vec3(T.b);
        const float tc = glm::dot(r, c);
        const glm::vec3 m = tc * r - c;
        const float e = R * R - glm::dot(m, m);
        if (e >= 0.0f) {
            const float t = tc - std::sqrt(e);
            if (t > 0.0f) best = std::min(best, t);
        }
    }
    return best;
}

float view3dTubeShade(const gpu::View3dTube& T, const glm::vec3& r, float t) {
    const glm::vec3 a(T.a), d = glm::vec3(T.b) - glm::vec3(T.a);
    const float dd = glm::dot(d, d);
    const glm::vec3 x = t * r;
    const float f = dd > 0.0f ? std::clamp(glm::dot(x - a, d) / dd, 0.0f, 1.0f) : 0.0f;
    const glm::vec3 n = x - (a + f * d);
    const float l = glm::length(n);
    const float c = l > 1e-9f ? std::abs(glm::dot(n, r)) / l : 1.0f;
    return VIEW3D_AMBIENT + (1.0f - VIEW3D_AMBIENT) * std::min(c, 1.0f);
}

}  // namespace irsim::render
