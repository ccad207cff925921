#pragma once
// Internal to the phantom: signed distance functions (mm, negative inside) of simple shapes, and a
// painter that voxelises them into the CT and label map in a fixed order with partial-volume edges.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <thread>
#include <vector>

#include <glm/glm.hpp>

#include "patient/volume.h"

namespace irsim::patient::phantom {

using glm::dvec3;

// A hash of an integer lattice point and the seed, in [0, 1).
inline double hashLattice(int64_t ix, int64_t iy, int64_t iz, uint64_t seed) {
    uint64_t h = seed * 0x9E3779B97F4A7C15ULL;
    h ^= static_cast<uint64_t>(ix) * 0xBF58476D1CE4E5B9ULL;
    h = (h ^ (h >> 31)) * 0x94D049BB133111EBULL;
    h ^= static_cast<uint64_t>(iy) * 0x9E3779B97F4A7C15ULL;
    h = (h ^ (h >> 29)) * 0xBF58476D1CE4E5B9ULL;
    h ^= static_cast<uint64_t>(iz) * 0x94D049BB133111EBULL;
    h = (h ^ (h >> 32)) * 0x9E3779B97F4A7C15ULL;
    h ^= h >> 29;
    return static_cast<double>(h >> 11) * (1.0 / 9007199254740992.0);
}

// Deterministic value noise in [0, 1) from a position and the seed: the texture of a voxel must not
// depend on the order in which shapes were painted.
inline double hashNoise(const dvec3& p, double cellMm, uint64_t seed) {
    return hashLattice(static_cast<int64_t>(std::floor(p.x / cellMm)), static_cast<int64_t>(std::floor(p.y / cellMm)),
                       static_cast<int64_t>(std::floor(p.z / cellMm)), seed);
}

// Smooth value noise in [0, 1): the lattice values blended with a smoothstep between cells of
// `cellMm` (per axis), so thresholds give rounded blobs rather than cubes.
inline double smoothNoise(const dvec3& p, const dvec3& cellMm, uint64_t seed) {
    const dvec3 q = p / cellMm;
    const dvec3 f = glm::floor(q);
    dvec3 t = q - f;
    t = t * t * (3.0 - 2.0 * t);
    const auto ix = static_cast<int64_t>(f.x), iy = static_cast<int64_t>(f.y), iz = static_cast<int64_t>(f.z);
    double v[2][2][2];
    for (int c = 0; c < 2; ++c)
        for (int b = 0; b < 2; ++b)
            for (int a = 0; a < 2; ++a) v[c][b][a] = hashLattice(ix + a, iy + b, iz + c, seed);
    auto lerp = [](double x, double y, double w) { return x + (y - x) * w; };
    const double y0 = lerp(lerp(v[0][0][0], v[0][0][1], t.x), lerp(v[0][1][0], v[0][1][1], t.x), t.y);
    const double y1 = lerp(lerp(v[1][0][0], v[1][0][1], t.x), lerp(v[1][1][0], v[1][1][1], t.x), t.y);
    return lerp(y0, y1, t.z);
}

// Two octaves of smooth noise, in [0, 1): coarse shapes with finer detail on their edges.
inline double mottle(const dvec3& p, double cellMm, uint64_t seed) {
    return (2.0 * smoothNoise(p, dvec3(cellMm), seed) + smoothNoise(p, dvec3(cellMm * 0.4), seed + 101)) / 3.0;
}

// Threads that build a phantom: at most two, as the build shares its machine.
inline int phantomThreads() { return std::clamp(static_cast<int>(std::thread::hardware_concurrency()), 1, 2); }

// The slices of the grid a thread paints. The phantom is painted by two threads at once, each
// running the whole sequence of shapes over its own share of the slices: blocks of kSlices slices
// dealt in turn (so the thorax and the pelvis are split alike). Every voxel depends only on its own
// earlier paint, so which thread paints a slice does not change its bytes, and one thread start
// serves the whole build. A shape may keep state from its sdf to its hu call (each thread has its
// own), but nothing may carry from one voxel to another, and nothing may read the grid outside the
// voxel being painted.
struct SliceShare {
    static constexpr int kSlices = 8;
    int index = 0, count = 1;
    bool owns(int k) const { return count == 1 || (k / kSlices) % count == index; }
};
// This thread's share: every slice unless a ScopedSliceShare is live.
inline thread_local SliceShare tSliceShare;
class ScopedSliceShare {
public:
    ScopedSliceShare(int index, int count) : saved_(tSliceShare) { tSliceShare = {index, count}; }
    ~ScopedSliceShare() { tSliceShare = saved_; }
    ScopedSliceShare(const ScopedSliceShare&) = delete;
    ScopedSliceShare& operator=(const ScopedSliceShare&) = delete;

private:
    SliceShare saved_;
};

// Runs body(first, last) over the slices [0, n) of the grid: within a thread's SliceShare, over
// that share's blocks on this thread; else cut into one contiguous slab per thread. Each call must
// write only its own slices, so the result does not depend on the number of threads; the threads
// shorten the wait, not the CPU time.
template <class Body>
void forEachSlab(int n, const Body& body) {
    if (tSliceShare.count > 1) {
        for (int k = 0; k < n; k += SliceShare::kSlices)
            if (tSliceShare.owns(k)) body(k, std::min(n, k + SliceShare::kSlices));
        return;
    }
    if (phantomThreads() == 1 || n < 2) {
        body(0, n);
        return;
    }
    std::thread other([&] { body(n / 2, n); });
    body(0, n / 2);
    other.join();
}

struct Box {
    dvec3 lo{0.0}, hi{0.0};
    Box grown(double mm) const { return {lo - dvec3(mm), hi + dvec3(mm)}; }
};

inline Box boxAround(const dvec3& c, const dvec3& halfSize) { return {c - halfSize, c + halfSize}; }
inline Box boxOfSegment(const dvec3& a, const dvec3& b, double r) {
    return {glm::min(a, b) - dvec3(r), glm::max(a, b) + dvec3(r)};
}

// Approximate SDF of an axis-aligned ellipsoid: exact on the axes, a lower bound elsewhere (good
// enough for partial-volume edges).
inline double sdEllipsoid(const dvec3& p, const dvec3& c, const dvec3& r) {
    const double k = glm::length((p - c) / r);
    return (k - 1.0) * std::min(r.x, std::min(r.y, r.z));
}

// hypot of two non-negative numbers, exact (as hypot is) and cheap where one is zero, as it is
// for most voxels away from a rounded edge.
inline double hypotNonNegative(double a, double b) { return a == 0.0 ? b : (b == 0.0 ? a : std::hypot(a, b)); }

inline double sdSegment(const dvec3& p, const dvec3& a, const dvec3& b, double* tOut = nullptr) {
    const dvec3 ab = b - a;
    const double l2 = glm::dot(ab, ab);
    double t = l2 > 0.0 ? glm::dot(p - a, ab) / l2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    if (tOut) *tOut = t;
    return glm::length(p - (a + t * ab));
}

// A tube with radius ra at a and rb at b (a cone frustum with round ends).
inline double sdCapsule(const dvec3& p, const dvec3& a, const dvec3& b, double ra, double rb) {
    double t = 0.0;
    const double d = sdSegment(p, a, b, &t);
    return d - (ra + (rb - ra) * t);
}

// Elliptic cylinder along z: semi-axes (rx, ry) centred at (cx, cy), between z0 and z1.
inline double sdEllipticCylinderZ(const dvec3& p, double cx, double cy, double rx, double ry,
                                  double z0, double z1) {
    const double k = std::sqrt(((p.x - cx) / rx) * ((p.x - cx) / rx) + ((p.y - cy) / ry) * ((p.y - cy) / ry));
    const double dr = (k - 1.0) * std::min(rx, ry);
    const double dz = std::max(z0 - p.z, p.z - z1);
    return std::max(dr, dz);
}

// An oriented elliptic cylinder: axis from a to b, semi-axes (ru along `side`, rv along the third
// axis). `side` need not be exactly perpendicular to the axis.
struct OrientedCylinder {
    dvec3 a, axis, u, v;
    double length, ru, rv;
    OrientedCylinder(const dvec3& a_, const dvec3& b_, const dvec3& side, double ru_, double rv_)
        : a(a_), ru(ru_), rv(rv_) {
        axis = b_ - a_;
        length = glm::length(axis);
        axis /= length;
        u = glm::normalize(side - glm::dot(side, axis) * axis);
        v = glm::cross(axis, u);
    }
    double operator()(const dvec3& p) const {
        const dvec3 q = p - a;
        const double t = glm::dot(q, axis);
        const double x = glm::dot(q, u) / ru, y = glm::dot(q, v) / rv;
        const double dr = (std::sqrt(x * x + y * y) - 1.0) * std::min(ru, rv);
        return std::max(dr, std::max(-t, t - length));
    }
    Box bounds() const {
        const double r = std::max(ru, rv);
        return boxOfSegment(a, a + axis * length, r);
    }
};

// An oriented box: centre, three orthonormal axes, half sizes; edges rounded with radius `round`.
struct OrientedBox {
    dvec3 c, ax, ay, az, h;
    double round = 0.0;
    double operator()(const dvec3& p) const {
        const dvec3 q = p - c;
        const dvec3 d = glm::abs(dvec3(glm::dot(q, ax), glm::dot(q, ay), glm::dot(q, az))) - (h - dvec3(round));
        const dvec3 outside = glm::max(d, dvec3(0.0));
        return glm::length(outside) + std::min(std::max(d.x, std::max(d.y, d.z)), 0.0) - round;
    }
    Box bounds() const {
        const dvec3 e = glm::abs(ax) * h.x + glm::abs(ay) * h.y + glm::abs(az) * h.z;
        return {c - e, c + e};
    }
};

// Priority of each label when shapes overlap: a shape never overwrites a voxel already claimed by a
// label of higher priority (a kidney indents the liver, a vessel runs through fat, bone wins over
// muscle). Painting order then only matters among equal priorities.
using PriorityTable = std::array<uint8_t, 65536>;

class Painter {
public:
    Painter(const VolumeGeometry& g, const PriorityTable& priority)
        : g_(g), priority_(priority), hu_(g.voxelCount(), -1000.0f), labels_(g.voxelCount(), 0) {}

    const VolumeGeometry& geometry() const { return g_; }
    std::vector<float>& hu() { return hu_; }
    std::vector<uint16_t>& labels() { return labels_; }

    // Voxelises a shape: sdf(p) in mm, hu(p, d) the shape's HU at p (d = its sdf there). A voxel
    // whose centre lies within half a voxel of the surface gets a partial-volume blend; the label
    // is set where the shape covers at least half the voxel.
    template <class Sdf, class Hu>
    void paint(const Box& bounds, uint16_t label, const Sdf& sdf, const Hu& hu) {
        int lo[3], hi[3];
        if (!voxelRange(bounds, lo, hi)) return;
        const double h = g_.spacing.x;
        const uint8_t pr = priority_[label];
        for (int k = lo[2]; k <= hi[2]; ++k) {
            if (!tSliceShare.owns(k)) continue;
            for (int j = lo[1]; j <= hi[1]; ++j)
                for (int i = lo[0]; i <= hi[0]; ++i) {
                    const size_t idx = g_.index(i, j, k);
                    if (priority_[labels_[idx]] > pr) continue;
                    const dvec3 p = g_.origin + g_.spacing * dvec3(i, j, k);
                    blend(idx, label, h, p, sdf(p), hu);
                }
        }
    }
    // One voxel of paint() whose priority check has passed, for passes fused over the same voxels
    // (each voxel depends only on its own earlier paint, so fusing passes gives the same bytes).
    template <class Hu>
    void blend(size_t idx, uint16_t label, double h, const dvec3& p, double d, const Hu& hu) {
        const double cover = std::clamp(0.5 - d / h, 0.0, 1.0);
        if (cover <= 0.0) return;
        const double v = hu(p, d);
        hu_[idx] = static_cast<float>(hu_[idx] + (v - hu_[idx]) * cover);
        if (cover >= 0.5) labels_[idx] = label;
    }
    bool claimable(size_t idx, uint16_t label) const { return priority_[labels_[idx]] <= priority_[label]; }
    template <class Sdf>
    void paint(const Box& bounds, uint16_t label, const Sdf& sdf, double huValue) {
        paint(bounds, label, sdf, [huValue](const dvec3&, double) { return huValue; });
    }

    // Changes HU (not labels) where `label` is already painted: textures inside an organ.
    template <class Fn>
    void retouch(const Box& bounds, uint16_t label, const Fn& fn) {
        int lo[3], hi[3];
        if (!voxelRange(bounds, lo, hi)) return;
        for (int k = lo[2]; k <= hi[2]; ++k) {
            if (!tSliceShare.owns(k)) continue;
            for (int j = lo[1]; j <= hi[1]; ++j)
                for (int i = lo[0]; i <= hi[0]; ++i) {
                    const size_t idx = g_.index(i, j, k);
                    if (labels_[idx] != label) continue;
                    const dvec3 p = g_.origin + g_.spacing * dvec3(i, j, k);
                    hu_[idx] = static_cast<float>(fn(p, static_cast<double>(hu_[idx])));
                }
        }
    }

private:
    bool voxelRange(const Box& b, int lo[3], int hi[3]) const {
        for (int a = 0; a < 3; ++a) {
            const double l = (b.lo[a] - g_.origin[a]) / g_.spacing[a];
            const double u = (b.hi[a] - g_.origin[a]) / g_.spacing[a];
            lo[a] = std::max(0, static_cast<int>(std::floor(l)) - 1);
            hi[a] = std::min(g_.dims[a] - 1, static_cast<int>(std::ceil(u)) + 1);
            if (lo[a] > hi[a]) return false;
        }
        return true;
    }

    VolumeGeometry g_;
    const PriorityTable& priority_;
    std::vector<float> hu_;
    std::vector<uint16_t> labels_;
};

}  // namespace irsim::patient::phantom
