#include "therapy/probe_well.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include "core/error.h"

namespace irsim::therapy {

namespace {

// Half the side of the square of cells solved on, in cells; the far field is fitted between
// kFitFrom and kFitTo cells from the axis, well inside the fixed outer ring.
constexpr int kHalf = 20;
constexpr double kFitFrom = 4.0, kFitTo = 10.0;

}  // namespace

double heldEquivalentRadius(double heldRadius, double faceScale, glm::dvec2 offset) {
    const int n = 2 * kHalf + 1;
    enum Kind : uint8_t { Free, Held, Far };
    std::vector<uint8_t> kind(static_cast<size_t>(n) * n);
    std::vector<double> t(kind.size(), 0.0);
    const auto at = [&](int i, int j) { return static_cast<size_t>(j) * n + i; };
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            const double r = std::hypot(i - kHalf - offset.x, j - kHalf - offset.y);
            const size_t c = at(i, j);
            // The cell the axis runs through is always held.
            kind[c] = (r <= heldRadius || (i == kHalf && j == kHalf)) ? Held : r > kHalf - 1.5 ? Far : Free;
            t[c] = kind[c] == Held ? 1.0 : 0.0;
        }
    // Steady conduction, k = 1: Gauss-Seidel with over-relaxation, in a fixed order.
    const int offsets[4][2] = {{1, 0}, {-1, 0}, {0, 1}, {0, -1}};
    const double relax = 2.0 / (1.0 + std::sin(M_PI / n));
    for (int sweep = 0; sweep < 20000; ++sweep) {
        double change = 0.0;
        for (int j = 1; j + 1 < n; ++j)
            for (int i = 1; i + 1 < n; ++i) {
                const size_t c = at(i, j);
                if (kind[c] != Free) continue;
                double num = 0.0, den = 0.0;
                for (const auto& o : offsets) {
                    const size_t b = at(i + o[0], j + o[1]);
                    const double g = kind[b] == Held ? faceScale : 1.0;
                    num += g * t[b];
                    den += g;
                }
                const double next = t[c] + relax * (num / den - t[c]);
                change = std::max(change, std::abs(next - t[c]));
                t[c] = next;
            }
        if (change < 1e-13) break;
    }
    // The heat the held cells draw, and the far field's a - Q/(2 pi) ln r fitted to the free cells.
    double q = 0.0;
    for (int j = 1; j + 1 < n; ++j)
        for (int i = 1; i + 1 < n; ++i) {
            if (kind[at(i, j)] != Held) continue;
            for (const auto& o : offsets) {
                const size_t b = at(i + o[0], j + o[1]);
                if (kind[b] == Free) q += faceScale * (1.0 - t[b]);
            }
        }
    double a = 0.0;
    int count = 0;
    for (int j = 0; j < n; ++j)
        for (int i = 0; i < n; ++i) {
            const double r = std::hypot(i - kHalf - offset.x, j - kHalf - offset.y);
            if (kind[at(i, j)] != Free || r < kFitFrom || r > kFitTo) continue;
            a += t[at(i, j)] + q / (2.0 * M_PI) * std::log(r);
            ++count;
        }
    a /= count;
    return std::exp(2.0 * M_PI * (a - 1.0) / q);
}

ProbeWell fitProbeWell(double spacingMm, double radiusMm, glm::dvec2 offsetMm) {
    // A few hundred 2D solves: done once per grid and probe.
    static std::mutex lock;
    static std::map<std::array<double, 4>, ProbeWell> fitted;
    const std::lock_guard<std::mutex> guard(lock);
    const std::array<double, 4> key{spacingMm, radiusMm, offsetMm.x, offsetMm.y};
    if (auto it = fitted.find(key); it != fitted.end()) return it->second;
    if (!(spacingMm > 0.0) || !(radiusMm > 0.0) || radiusMm > 4.0 * spacingMm)
        throw DataError("probe well", 0, "radius", "a probe radius above 0 and within 4 grid cells");
    const double rw = radiusMm / spacingMm;
    const glm::dvec2 offset = offsetMm / spacingMm;
    if (std::abs(offset.x) > 0.5 + 1e-9 || std::abs(offset.y) > 0.5 + 1e-9)
        throw DataError("probe well", 0, "offset", "an axis within half a cell of a cell centre");
    // The distances of cell centres from the axis, smallest first: each one adds a ring of cells.
    std::set<double> rings;
    for (int j = -8; j <= 8; ++j)
        for (int i = -8; i <= 8; ++i) rings.insert(std::hypot(i - offset.x, j - offset.y));
    for (double ring : rings) {
        const double held = ring + 1e-9;
        const double full = heldEquivalentRadius(held, 1.0, offset);
        if (full < rw) continue;
        // Scale the faces down until the held set draws heat as a cylinder of the probe's radius.
        double lo = 1e-3, hi = 1.0;
        for (int it = 0; it < 30; ++it) {
            const double mid = 0.5 * (lo + hi);
            (heldEquivalentRadius(held, mid, offset) < rw ? lo : hi) = mid;
        }
        const double scale = 0.5 * (lo + hi);
        return fitted[key] = ProbeWell{held * spacingMm, scale, heldEquivalentRadius(held, scale, offset) * spacingMm};
    }
    throw DataError("probe well", 0, "radius", "a probe radius within 4 grid cells");
}

}  // namespace irsim::therapy
