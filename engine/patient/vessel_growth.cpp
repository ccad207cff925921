#include "patient/vessel_growth.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/error.h"
#include "core/rng.h"
#include "core/units.h"

namespace irsim::patient {

namespace {

using glm::dvec3;


struct Grower {
    VesselTree& tree;
    double flowPerWeight;
    const TreeGrowthOptions& o;
    Rng rng;
    int terminals = 0;

    void grow(int parent, PerfusionSample* b, PerfusionSample* e, const std::string& name) {
        const std::string& child = o.branchName;
        double w = 0.0;
        dvec3 c(0.0);
        for (auto* s = b; s != e; ++s) {
            w += s->weight;
            c += s->position * s->weight;
        }
        if (w <= 0.0) return;
        c /= w;
        const dvec3 from = tree.nodes[static_cast<size_t>(parent)].position;
        if (w <= o.terminalWeight || e - b < 2) {
            tree.add(parent, c, name, 0.0, w * flowPerWeight);
            ++terminals;
            return;
        }
        // Longest principal axis of the territory by power iteration on its covariance.
        glm::dmat3 cov(0.0);
        for (auto* s = b; s != e; ++s) {
            const dvec3 d = s->position - c;
            cov += glm::outerProduct(d, d) * s->weight;
        }
        dvec3 axis = glm::normalize(dvec3(1.0, 0.71, 0.43));
        for (int it = 0; it < 24; ++it) {
            const dvec3 n = cov * axis;
            const double l = glm::length(n);
            if (l < 1e-12) break;
            axis = n / l;
        }
        axis = glm::normalize(axis + o.axisJitter * dvec3(rng.uniform(-1.0, 1.0), rng.uniform(-1.0, 1.0),
                                                          rng.uniform(-1.0, 1.0)));
        std::sort(b, e, [&](const PerfusionSample& x, const PerfusionSample& y) {
            const double px = glm::dot(x.position, axis), py = glm::dot(y.position, axis);
            if (px != py) return px < py;
            if (x.position.x != y.position.x) return x.position.x < y.position.x;
            if (x.position.y != y.position.y) return x.position.y < y.position.y;
            return x.position.z < y.position.z;
        });
        double acc = 0.0;
        PerfusionSample* mid = b;
        while (mid != e - 1 && acc + mid->weight <= w / 2.0) acc += (mid++)->weight;
        if (mid == b) ++mid;
        const double reach = glm::length(c - from);
        const dvec3 split = reach < 2.0 ? c : from + (c - from) * o.bifurcationFraction;
        const int node = tree.add(parent, split, name, 0.0, w * flowPerWeight);
        grow(node, b, mid, child);
        grow(node, mid, e, child);
    }
};

}  // namespace

int growPerfusionTree(VesselTree& tree, int entry, std::vector<PerfusionSample> samples, double flowPerWeight,
                      const TreeGrowthOptions& options) {
    if (samples.empty()) return 0;
    Grower g{tree, flowPerWeight, options, Rng::seeded(options.seed, 23u)};
    g.grow(entry, samples.data(), samples.data() + samples.size(),
           options.firstBranchName.empty() ? options.branchName : options.firstBranchName);
    return g.terminals;
}

void accumulateFlows(VesselTree& tree) {
    std::vector<double> sum(tree.nodes.size(), 0.0);
    std::vector<char> hasChild(tree.nodes.size(), 0);
    for (size_t i = tree.nodes.size(); i-- > 0;) {
        VesselNode& n = tree.nodes[i];
        if (hasChild[i]) n.flowMlPerMin = sum[i];
        if (n.parent >= 0) {
            sum[static_cast<size_t>(n.parent)] += n.flowMlPerMin;
            hasChild[static_cast<size_t>(n.parent)] = 1;
        }
    }
}

void assignMurrayRadii(VesselTree& tree, int root) {
    std::vector<char> below(tree.nodes.size(), 0);
    below[static_cast<size_t>(root)] = 1;
    const VesselNode& r = tree.nodes[static_cast<size_t>(root)];
    const double q0 = r.flowMlPerMin, r0 = r.radiusMm;
    for (size_t i = static_cast<size_t>(root) + 1; i < tree.nodes.size(); ++i) {
        VesselNode& n = tree.nodes[i];
        if (n.parent < 0 || !below[static_cast<size_t>(n.parent)]) continue;
        below[i] = 1;
        if (n.radiusMm == 0.0 && q0 > 0.0) n.radiusMm = r0 * std::cbrt(n.flowMlPerMin / q0);
    }
}

std::vector<double> distancesToTree(const LabelMap& labels, uint16_t label, const VesselTree& tree, double maxDistanceMm) {
    // Segments hashed into 4 mm cells; each voxel searches rings of cells outwards.
    const double cell = 4.0;
    auto key = [](int64_t x, int64_t y, int64_t z) {
        return (static_cast<uint64_t>(x + (1 << 20)) << 42) ^ (static_cast<uint64_t>(y + (1 << 20)) << 21) ^
               static_cast<uint64_t>(z + (1 << 20));
    };
    std::unordered_map<uint64_t, std::vector<int>> grid;
    auto cellOf = [&](const dvec3& p) {
        return glm::i64vec3(static_cast<int64_t>(std::floor(p.x / cell)), static_cast<int64_t>(std::floor(p.y / cell)),
                            static_cast<int64_t>(std::floor(p.z / cell)));
    };
    for (size_t i = 0; i < tree.nodes.size(); ++i) {
        const VesselNode& n = tree.nodes[i];
        if (n.parent < 0) continue;
        const dvec3 a = tree.nodes[static_cast<size_t>(n.parent)].position, b = n.position;
        const int steps = std::max(1, static_cast<int>(std::ceil(glm::length(b - a) / (cell * 0.5))));
        uint64_t last = ~0ULL;
        for (int s = 0; s <= steps; ++s) {
            const auto c = cellOf(a + (b - a) * (static_cast<double>(s) / steps));
            const uint64_t k = key(c.x, c.y, c.z);
            if (k == last) continue;
            auto& v = grid[k];
            if (v.empty() || v.back() != static_cast<int>(i)) v.push_back(static_cast<int>(i));
            last = k;
        }
    }
    std::vector<double> out;
    const VolumeGeometry& g = labels.geometry;
    const int maxRing = static_cast<int>(std::ceil(maxDistanceMm / cell)) + 1;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                if (labels.at(i, j, k) != label) continue;
                const dvec3 p = g.voxelToPatient(dvec3(i, j, k));
                const auto c = cellOf(p);
                double best = maxDistanceMm;
                for (int ring = 0; ring <= maxRing; ++ring) {
                    if (best <= (ring - 1) * cell) break;
                    for (int dz = -ring; dz <= ring; ++dz)
                        for (int dy = -ring; dy <= ring; ++dy)
                            for (int dx = -ring; dx <= ring; ++dx) {
                                if (std::max(std::abs(dx), std::max(std::abs(dy), std::abs(dz))) != ring) continue;
                                auto it = grid.find(key(c.x + dx, c.y + dy, c.z + dz));
                                if (it == grid.end()) continue;
                                for (int s : it->second) {
                                    const VesselNode& n = tree.nodes[static_cast<size_t>(s)];
                                    const dvec3 a = tree.nodes[static_cast<size_t>(n.parent)].position;
                                    const dvec3 ab = n.position - a;
                                    const double l2 = glm::dot(ab, ab);
                                    const double t = l2 > 0.0 ? std::clamp(glm::dot(p - a, ab) / l2, 0.0, 1.0) : 0.0;
                                    best = std::min(best, glm::length(p - (a + ab * t)));
                                }
                            }
                }
                out.push_back(best);
            }
    return out;
}

VesselTree extractCentrelines(const Patient& patient, const std::vector<std::string>& names, const std::string& treeName) {
    VesselTree tree;
    tree.name = treeName;
    const LabelMap& lm = patient.labels;
    const VolumeGeometry& g = lm.geometry;
    if (lm.voxels.empty()) return tree;
    // Slice along the voxel axis closest to the patient's superior-inferior axis.
    int axis = 2;
    double bestZ = 0.0;
    for (int a = 0; a < 3; ++a)
        if (std::abs(g.direction[a].z) > bestZ) {
            bestZ = std::abs(g.direction[a].z);
            axis = a;
        }
    const int u = axis == 0 ? 1 : 0, v = axis == 2 ? 1 : 2;
    const double pixelArea = g.spacing[u] * g.spacing[v];
    int aortaLast = -1;
    for (const std::string& name : names) {
        const auto value = patient.labelOf(name);
        if (!value) continue;
        struct Disc { dvec3 centre; double radius; };
        std::vector<Disc> discs;
        std::vector<int> comp(static_cast<size_t>(g.dims[u]) * g.dims[v]);
        for (int s = 0; s < g.dims[axis]; ++s) {
            auto at = [&](int a, int b) {
                glm::ivec3 ijk;
                ijk[axis] = s;
                ijk[u] = a;
                ijk[v] = b;
                return lm.at(ijk.x, ijk.y, ijk.z) == *value;
            };
            std::fill(comp.begin(), comp.end(), 0);
            int best = 0, bestCount = 0, next = 0;
            dvec3 bestSum(0.0);
            std::vector<glm::ivec2> stack;
            for (int b = 0; b < g.dims[v]; ++b)
                for (int a = 0; a < g.dims[u]; ++a) {
                    if (comp[static_cast<size_t>(b) * g.dims[u] + a] || !at(a, b)) continue;
                    ++next;
                    int count = 0;
                    dvec3 sum(0.0);
                    stack.push_back({a, b});
                    comp[static_cast<size_t>(b) * g.dims[u] + a] = next;
                    while (!stack.empty()) {
                        const glm::ivec2 q = stack.back();
                        stack.pop_back();
                        ++count;
                        glm::dvec3 ijk;
                        ijk[axis] = s;
                        ijk[u] = q.x;
                        ijk[v] = q.y;
                        sum += ijk;
                        const glm::ivec2 nb[] = {{q.x + 1, q.y}, {q.x - 1, q.y}, {q.x, q.y + 1}, {q.x, q.y - 1}};
                        for (const auto& n : nb) {
                            if (n.x < 0 || n.y < 0 || n.x >= g.dims[u] || n.y >= g.dims[v]) continue;
                            int& c = comp[static_cast<size_t>(n.y) * g.dims[u] + n.x];
                            if (c || !at(n.x, n.y)) continue;
                            c = next;
                            stack.push_back(n);
                        }
                    }
                    if (count > bestCount) {
                        bestCount = count;
                        bestSum = sum;
                        best = next;
                    }
                }
            if (best == 0) continue;
            discs.push_back({g.voxelToPatient(bestSum / static_cast<double>(bestCount)),
                             std::sqrt(bestCount * pixelArea / kPi)});
        }
        std::sort(discs.begin(), discs.end(), [](const Disc& a, const Disc& b) { return a.centre.z > b.centre.z; });
        int parent = (name != "aorta" && aortaLast >= 0) ? aortaLast : -1;
        for (const Disc& d : discs) parent = tree.add(parent, d.centre, name, d.radius);
        if (name == "aorta") aortaLast = parent;
    }
    return tree;
}

}  // namespace irsim::patient
