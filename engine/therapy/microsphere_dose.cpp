#include "therapy/microsphere_dose.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "core/error.h"

namespace irsim::therapy {

namespace {

// Liver sinks bucketed on a grid of cubes, for the nearest-sink search.
struct SinkGrid {
    double cellMm = 6.0;
    glm::dvec3 lo{0.0};
    glm::ivec3 dims{1};
    std::vector<std::vector<int>> cells;  // sink indices into `positions`, ascending
    std::vector<glm::dvec3> positions;

    glm::ivec3 cellOf(const glm::dvec3& p) const {
        const glm::ivec3 c(glm::floor((p - lo) / cellMm));
        return glm::clamp(c, glm::ivec3(0), dims - 1);
    }
    size_t flat(const glm::ivec3& c) const {
        return (static_cast<size_t>(c.z) * dims.y + c.y) * dims.x + c.x;
    }
    explicit SinkGrid(std::vector<glm::dvec3> pts) : positions(std::move(pts)) {
        glm::dvec3 hi(-std::numeric_limits<double>::infinity());
        lo = glm::dvec3(std::numeric_limits<double>::infinity());
        for (const auto& p : positions) lo = glm::min(lo, p), hi = glm::max(hi, p);
        dims = glm::max(glm::ivec3(glm::floor((hi - lo) / cellMm)) + 1, glm::ivec3(1));
        cells.assign(static_cast<size_t>(dims.x) * dims.y * dims.z, {});
        for (size_t i = 0; i < positions.size(); ++i) cells[flat(cellOf(positions[i]))].push_back(static_cast<int>(i));
    }
    // Index of the nearest position (the lowest index among equals).
    int nearest(const glm::dvec3& p) const {
        const glm::ivec3 c = cellOf(p);
        int best = -1;
        double bestD2 = std::numeric_limits<double>::infinity();
        const int maxRing = std::max({dims.x, dims.y, dims.z});
        for (int r = 0; r <= maxRing; ++r) {
            for (int z = c.z - r; z <= c.z + r; ++z)
                for (int y = c.y - r; y <= c.y + r; ++y)
                    for (int x = c.x - r; x <= c.x + r; ++x) {
                        // Only the shell of ring r (the inside was searched before).
                        if (std::max({std::abs(x - c.x), std::abs(y - c.y), std::abs(z - c.z)}) != r) continue;
                        if (x < 0 || y < 0 || z < 0 || x >= dims.x || y >= dims.y || z >= dims.z) continue;
                        for (int i : cells[flat({x, y, z})]) {
                            const glm::dvec3 d = positions[static_cast<size_t>(i)] - p;
                            const double d2 = glm::dot(d, d);
                            if (d2 < bestD2 || (d2 == bestD2 && i < best)) bestD2 = d2, best = i;
                        }
                    }
            // Anything in ring r + 1 is at least r cells away (also from a point outside the grid).
            const double reach = r * cellMm;
            if (best >= 0 && bestD2 <= reach * reach) break;
        }
        return best;
    }
};

// The dose (Gy) at the q-quantile of a set of doses from below (q = 0.3: 70 % of the volume gets at
// least this).
double quantile(std::vector<float> v, double q) {
    if (v.empty()) return 0.0;
    const size_t k = std::min(v.size() - 1, static_cast<size_t>(std::floor(q * static_cast<double>(v.size()))));
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    return v[k];
}

}  // namespace

TerritoryMap assignTerritories(const patient::Patient& patient, MicrosphereModel& m, double density) {
    const auto liver = patient.labelOf("liver");
    const auto tumour = patient.labelOf("liver_tumour");
    if (!liver) throw DataError("patient.labels", 0, "liver", "expected a liver label to map the arterial territories");
    std::vector<int> liverSinks;
    std::vector<glm::dvec3> pts;
    for (size_t i = 0; i < m.sinks.size(); ++i) {
        if (m.sinks[i].organ != "liver") continue;
        m.sinks[i].tumourKg = m.sinks[i].normalLiverKg = 0.0;
        m.sinks[i].sharesWith = -1;
        liverSinks.push_back(static_cast<int>(i));
        pts.push_back(m.tree->nodes[i].position);
    }
    if (liverSinks.empty()) throw DataError("patient.vessels", 0, m.tree->name, "expected hepatic arteries with flow");
    const SinkGrid grid(pts);
    TerritoryMap map;
    const patient::VolumeGeometry& g = patient.labels.geometry;
    map.geometry = g;
    map.voxelKg = g.voxelVolumeMl() * density * 1e-3;
    map.sinkOfVoxel.assign(g.voxelCount(), -1);
    map.tissue.assign(g.voxelCount(), 0);
    std::vector<size_t> tumourCount(liverSinks.size(), 0), normalCount(liverSinks.size(), 0);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const size_t v = g.index(i, j, k);
                const uint16_t l = patient.labels.voxels[v];
                const bool isTumour = tumour && l == *tumour;
                if (l != *liver && !isTumour) continue;
                const int s = grid.nearest(g.voxelToPatient({i, j, k}));
                map.sinkOfVoxel[v] = liverSinks[static_cast<size_t>(s)];
                map.tissue[v] = isTumour ? kTumourVoxel : kNormalLiverVoxel;
                ++(isTumour ? tumourCount : normalCount)[static_cast<size_t>(s)];
            }
    std::vector<glm::dvec3> owners;
    std::vector<int> ownerNode;
    for (size_t s = 0; s < liverSinks.size(); ++s) {
        SinkTerritory& t = m.sinks[static_cast<size_t>(liverSinks[s])];
        t.tumourKg = static_cast<double>(tumourCount[s]) * map.voxelKg;
        t.normalLiverKg = static_cast<double>(normalCount[s]) * map.voxelKg;
        if (tumourCount[s] + normalCount[s] > 0) owners.push_back(pts[s]), ownerNode.push_back(liverSinks[s]);
    }
    if (owners.empty()) throw DataError("patient.labels", 0, "liver", "expected liver voxels near the hepatic arteries");
    const SinkGrid ownerGrid(owners);
    for (size_t s = 0; s < liverSinks.size(); ++s)
        if (tumourCount[s] + normalCount[s] == 0)
            m.sinks[static_cast<size_t>(liverSinks[s])].sharesWith = ownerNode[static_cast<size_t>(ownerGrid.nearest(pts[s]))];
    // Non-target organs' masses, for their mean doses.
    m.organKg.clear();
    const std::pair<const char*, const char*> organs[] = {{"stomach", "stomach"},   {"duodenum", "duodenum"},
                                                          {"gallbladder", "gallbladder"}, {"spleen", "spleen"},
                                                          {"small_bowel", "bowel"},  {"kidney_left", "kidney"},
                                                          {"kidney_right", "kidney"}};
    for (const auto& [label, organ] : organs) {
        const double ml = patient.volumeMlOf(label);
        if (ml > 0.0) m.organKg[organ] += ml * density * 1e-3;
    }
    return map;
}

DoseVolume voxelDose(const MicrosphereModel& m, const MicrosphereState& s, const TerritoryMap& map) {
    const size_t n = m.sinks.size();
    // Activity spread over each territory (its own and that of sinks sharing it), then Gy.
    std::vector<double> gbq(n, 0.0), gy(n, 0.0);
    for (size_t i = 0; i < n && i < s.lodgedGBq.size(); ++i) {
        if (m.sinks[i].organ != "liver") continue;
        const int owner = m.sinks[i].sharesWith >= 0 ? m.sinks[i].sharesWith : static_cast<int>(i);
        gbq[static_cast<size_t>(owner)] += s.lodgedGBq[i];
    }
    for (size_t i = 0; i < n; ++i) {
        const double kg = m.sinks[i].tumourKg + m.sinks[i].normalLiverKg;
        if (kg > 0.0) gy[i] = kY90GyKgPerGBq * gbq[i] / kg;
    }
    DoseVolume d;
    d.doseGy.assign(map.sinkOfVoxel.size(), 0.0f);
    std::vector<float> tumour;
    double tumourSum = 0.0, normalSum = 0.0;
    size_t normalCount = 0, normalOver40 = 0, tumourOver100 = 0;
    for (size_t v = 0; v < map.sinkOfVoxel.size(); ++v) {
        const int sink = map.sinkOfVoxel[v];
        if (sink < 0) continue;
        const double dose = gy[static_cast<size_t>(sink)];
        d.doseGy[v] = static_cast<float>(dose);
        if (map.tissue[v] == kTumourVoxel) {
            tumour.push_back(static_cast<float>(dose));
            tumourSum += dose;
            tumourOver100 += dose >= 100.0;
        } else {
            ++normalCount;
            normalSum += dose;
            normalOver40 += dose >= 40.0;
        }
    }
    if (!tumour.empty()) {
        d.meanTumourGy = tumourSum / static_cast<double>(tumour.size());
        d.tumourV100 = static_cast<double>(tumourOver100) / static_cast<double>(tumour.size());
        d.tumourD70Gy = quantile(std::move(tumour), 0.3);
    }
    if (normalCount > 0) {
        d.meanNormalLiverGy = normalSum / static_cast<double>(normalCount);
        d.normalLiverV40 = static_cast<double>(normalOver40) / static_cast<double>(normalCount);
    }
    return d;
}

}  // namespace irsim::therapy
