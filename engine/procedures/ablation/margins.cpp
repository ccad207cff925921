// How well an ablation zone covers a tumour: coverage of the tumour and of the tumour grown by 5
// and 10 mm, the minimal ablative margin and where it is thinnest, and the local-progression band
// that margin falls in. Measured on a fine grid of point tests, so the same code scores a session
// and an analytic sphere-in-sphere case in the tests.
#include <algorithm>
#include <cmath>
#include <limits>

#include "procedures/ablation/ablation.h"

namespace irsim::procedures::ablation {

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// One line of the squared-distance transform: f holds 0 at features and infinity elsewhere (or
// the squared distances of the previous axes); d receives min_q (f(q) + (p - q)^2), in cells^2.
void transformLine(const std::vector<double>& f, std::vector<double>& d, std::vector<int>& v, std::vector<double>& z) {
    const int n = static_cast<int>(f.size());
    int k = -1;
    for (int q = 0; q < n; ++q) {
        if (std::isinf(f[q])) continue;
        if (k < 0) {
            k = 0, v[0] = q, z[0] = -std::numeric_limits<double>::infinity(), z[1] = std::numeric_limits<double>::infinity();
            continue;
        }
        // z[0] is -infinity, so k stays >= 0.
        double s = 0.0;
        for (;; --k) {
            const int r = v[k];
            s = ((f[q] + q * q) - (f[r] + r * r)) / (2.0 * (q - r));
            if (s > z[k]) break;
        }
        ++k;
        v[k] = q, z[k] = s, z[k + 1] = std::numeric_limits<double>::infinity();
    }
    if (k < 0) {
        std::fill(d.begin(), d.end(), std::numeric_limits<double>::infinity());
        return;
    }
    int j = 0;
    for (int q = 0; q < n; ++q) {
        while (z[j + 1] < q) ++j;
        const double dq = q - v[j];
        d[q] = dq * dq + f[v[j]];
    }
}

}  // namespace

std::vector<float> distanceTransform(const std::vector<uint8_t>& feature, const glm::ivec3& dims, double stepMm) {
    const size_t n = static_cast<size_t>(dims.x) * dims.y * dims.z;
    std::vector<double> g(n);
    for (size_t c = 0; c < n; ++c) g[c] = feature[c] ? 0.0 : std::numeric_limits<double>::infinity();
    const int longest = std::max({dims.x, dims.y, dims.z});
    std::vector<double> f(static_cast<size_t>(longest)), d(static_cast<size_t>(longest)), z(static_cast<size_t>(longest) + 1);
    std::vector<int> v(static_cast<size_t>(longest));
    const size_t stride[3] = {1, static_cast<size_t>(dims.x), static_cast<size_t>(dims.x) * dims.y};
    for (int axis = 0; axis < 3; ++axis) {
        const int a1 = (axis + 1) % 3, a2 = (axis + 2) % 3;
        const int len = dims[axis];
        f.resize(static_cast<size_t>(len)), d.resize(static_cast<size_t>(len));
        for (int u = 0; u < dims[a1]; ++u)
            for (int w = 0; w < dims[a2]; ++w) {
                const size_t base = u * stride[a1] + w * stride[a2];
                for (int q = 0; q < len; ++q) f[static_cast<size_t>(q)] = g[base + q * stride[axis]];
                transformLine(f, d, v, z);
                for (int q = 0; q < len; ++q) g[base + q * stride[axis]] = d[static_cast<size_t>(q)];
            }
    }
    std::vector<float> out(n);
    for (size_t c = 0; c < n; ++c) out[c] = std::isinf(g[c]) ? kInf : static_cast<float>(std::sqrt(g[c]) * stepMm);
    return out;
}

MarginResult measureMargins(const glm::dvec3& lo, const glm::dvec3& hi, double step, const PointTest& inTumour,
                            const PointTest& ablated, const PointTest& tissue,
                            const std::function<double(const glm::dvec3&)>& vesselDistance) {
    MarginResult r;
    glm::ivec3 dims;
    for (int a = 0; a < 3; ++a) dims[a] = std::max(1, static_cast<int>(std::ceil((hi[a] - lo[a]) / step)));
    const size_t n = static_cast<size_t>(dims.x) * dims.y * dims.z;
    auto centre = [&](int i, int j, int k) { return lo + step * (glm::dvec3(i, j, k) + 0.5); };
    auto index = [&](int i, int j, int k) { return (static_cast<size_t>(k) * dims.y + j) * dims.x + i; };
    std::vector<uint8_t> tumour(n), living(n), counts(n);
    for (int k = 0; k < dims.z; ++k)
        for (int j = 0; j < dims.y; ++j)
            for (int i = 0; i < dims.x; ++i) {
                const glm::dvec3 p = centre(i, j, k);
                const size_t c = index(i, j, k);
                tumour[c] = inTumour(p) ? 1 : 0;
                counts[c] = tumour[c] || tissue(p);
                living[c] = counts[c] && !ablated(p);
            }
    const std::vector<float> toTumour = distanceTransform(tumour, dims, step);
    const std::vector<float> toLiving = distanceTransform(living, dims, step);
    size_t t = 0, tc = 0, g5 = 0, g5c = 0, g10 = 0, g10c = 0;
    for (size_t c = 0; c < n; ++c) {
        if (!counts[c]) continue;
        const bool covered = !living[c];
        if (tumour[c]) ++t, tc += covered;
        if (toTumour[c] <= 5.0f) ++g5, g5c += covered;
        if (toTumour[c] <= 10.0f) ++g10, g10c += covered;
    }
    if (t == 0) return r;
    r.tumourCoveragePercent = 100.0 * static_cast<double>(tc) / static_cast<double>(t);
    r.margin5CoveragePercent = 100.0 * static_cast<double>(g5c) / static_cast<double>(g5);
    r.margin10CoveragePercent = 100.0 * static_cast<double>(g10c) / static_cast<double>(g10);
    // The tumour's surface: its cells with a neighbour outside it (or at the box's edge).
    double minimal = std::numeric_limits<double>::infinity(), nearSink = std::numeric_limits<double>::infinity();
    for (int k = 0; k < dims.z; ++k)
        for (int j = 0; j < dims.y; ++j)
            for (int i = 0; i < dims.x; ++i) {
                const size_t c = index(i, j, k);
                if (!tumour[c]) continue;
                bool surface = false;
                const glm::ivec3 nb[6] = {{i - 1, j, k}, {i + 1, j, k}, {i, j - 1, k}, {i, j + 1, k}, {i, j, k - 1}, {i, j, k + 1}};
                for (const glm::ivec3& q : nb)
                    surface = surface || q.x < 0 || q.y < 0 || q.z < 0 || q.x >= dims.x || q.y >= dims.y ||
                              q.z >= dims.z || !tumour[index(q.x, q.y, q.z)];
                if (!surface) continue;
                // Both edges lie half a cell beyond the centres the transform measures between.
                const double margin = living[c] ? 0.0 : std::max(0.0, static_cast<double>(toLiving[c]) - 0.5 * step);
                const glm::dvec3 p = centre(i, j, k);
                if (margin < minimal) {
                    minimal = margin;
                    r.thinnestLps = p;
                }
                if (vesselDistance(p) <= 10.0) nearSink = std::min(nearSink, margin);
            }
    r.minimalMarginMm = minimal;
    r.heatSinkMarginMm = std::isinf(nearSink) ? -1.0 : nearSink;
    const double v = vesselDistance(r.thinnestLps);
    r.thinnestToVesselMm = v > 1e6 ? -1.0 : v;
    return r;
}

int marginBand(double mm) {
    // Wang 2013 bands by whole millimetres: 0, 1-5, 6-10, > 10 mm.
    const double rounded = std::round(mm);
    if (rounded < 1.0) return 0;
    if (rounded <= 5.0) return 1;
    if (rounded <= 10.0) return 2;
    return 3;
}

double ltpFreeSurvivalPercent(int band) {
    // Two-year local-tumour-progression-free survival by minimal margin 0 / 1-5 / 6-10 / 11-15 mm:
    // 26 / 46 / 74 / 80 % (Wang X et al. 2013, CVIR 36:166, CRC liver metastases after RFA;
    // ablation.md section 10, published). Over 15 mm takes the 11-15 mm figure.
    static const double kPercent[4] = {26.0, 46.0, 74.0, 80.0};
    return kPercent[std::clamp(band, 0, 3)];
}

}  // namespace irsim::procedures::ablation
