#include "physics/vessel_lumen.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace irsim::physics {

VesselLumen::VesselLumen(const patient::VesselTree& tree) {
    const size_t n = tree.nodes.size();
    pos_.resize(n);
    parent_.resize(n);
    radius_.resize(n);
    branch_.resize(n);
    adjacent_.resize(n);
    std::vector<std::vector<int>> children(n);
    for (size_t i = 0; i < n; ++i) {
        const patient::VesselNode& v = tree.nodes[i];
        pos_[i] = v.position;
        parent_[i] = v.parent;
        radius_[i] = v.radiusMm;
        branch_[i] = v.branch;
        if (v.parent >= 0) children[static_cast<size_t>(v.parent)].push_back(static_cast<int>(i));
    }
    // Segments meet where they share a node: the parent segment, the children, the siblings.
    for (size_t i = 0; i < n; ++i) {
        if (parent_[i] < 0) continue;
        std::vector<int>& adj = adjacent_[i];
        const int p = parent_[i];
        if (parent_[static_cast<size_t>(p)] >= 0) adj.push_back(p);
        for (int c : children[i]) adj.push_back(c);
        for (int c : children[static_cast<size_t>(p)])
            if (c != static_cast<int>(i)) adj.push_back(c);
    }
}

glm::dvec3 VesselLumen::nearestOnAxis(int s, const glm::dvec3& p, double& u) const {
    const glm::dvec3 a = start(s), ab = end(s) - a;
    const double len2 = glm::dot(ab, ab);
    u = len2 > 0.0 ? glm::dot(p - a, ab) / len2 : 0.0;
    return a + ab * std::clamp(u, 0.0, 1.0);
}

double VesselLumen::freeRadiusMm(int s, double deviceRadiusMm) const {
    return std::max(radiusMm(s) - deviceRadiusMm, kWedgedClearanceMm);
}

LumenContact VesselLumen::contact(int s, const glm::dvec3& p, double deviceRadiusMm) const {
    LumenContact c;
    double u = 0.0;
    c.axisPoint = nearestOnAxis(s, p, u);
    c.beyondEnd = u <= 0.0 || u >= 1.0;
    const glm::dvec3 d = p - c.axisPoint;
    const double dist = glm::length(d);
    if (dist > 1e-12) {
        c.normal = d / dist;
    } else {
        // On the axis: any direction perpendicular to it (the node is as far from the wall as it gets).
        const glm::dvec3 ab = end(s) - start(s);
        const double len2 = glm::dot(ab, ab);
        const glm::dvec3 axis = len2 > 0.0 ? ab / std::sqrt(len2) : glm::dvec3(0.0, 0.0, 1.0);
        const glm::dvec3 other = std::abs(axis.x) < 0.9 ? glm::dvec3(1.0, 0.0, 0.0) : glm::dvec3(0.0, 1.0, 0.0);
        c.normal = glm::normalize(glm::cross(axis, other));
    }
    c.penetrationMm = dist - freeRadiusMm(s, deviceRadiusMm);
    return c;
}

double VesselLumen::penetration(int s, const glm::dvec3& p, double deviceRadiusMm) const {
    double u = 0.0;
    return glm::length(p - nearestOnAxis(s, p, u)) - freeRadiusMm(s, deviceRadiusMm);
}

int VesselLumen::track(int s, const glm::dvec3& p, double deviceRadiusMm) const {
    int best = s;
    double bestPen = penetration(s, p, deviceRadiusMm);
    // A node moves well under one segment per step; a few walks cover a fast one.
    for (int walk = 0; walk < 8; ++walk) {
        int next = best;
        for (int c : adjacent(best)) {
            const double pen = penetration(c, p, deviceRadiusMm);
            if (pen < bestPen - 1e-12) {
                bestPen = pen;
                next = c;
            }
        }
        if (next == best) break;
        best = next;
    }
    const LumenContact bestContact = contact(best, p, deviceRadiusMm);
    // Near the wall of its capsule's end cap, a node may already be deep in a capsule a few
    // segments on (a thin branch leaving through the dome at a big vessel's end). Hand it over only while it is inside
    // both capsules, so it never crosses a wall to get there.
    if (bestContact.beyondEnd && bestPen > -0.5 && bestPen <= 0.05) {
        constexpr int kMaxVisited = 128, kDepth = 8;
        int visited[kMaxVisited], depth[kMaxVisited];
        int count = 0;
        visited[count] = best;
        depth[count++] = 0;
        int candidate = best;
        double candidatePen = bestPen;
        for (int head = 0; head < count; ++head) {
            if (depth[head] >= kDepth) continue;
            for (int c : adjacent(visited[head])) {
                bool seen = false;
                for (int q = 0; q < count && !seen; ++q) seen = visited[q] == c;
                if (seen || count >= kMaxVisited) continue;
                visited[count] = c;
                depth[count++] = depth[head] + 1;
                const double pen = penetration(c, p, deviceRadiusMm);
                if (pen < candidatePen - 1e-12) {
                    candidatePen = pen;
                    candidate = c;
                }
            }
        }
        best = candidate;
    }
    return best;
}

int VesselLumen::locate(const glm::dvec3& p, double deviceRadiusMm) const {
    int best = -1;
    double bestPen = std::numeric_limits<double>::infinity();
    for (int s = 0; s < size(); ++s) {
        if (!isSegment(s)) continue;
        const double pen = penetration(s, p, deviceRadiusMm);
        if (pen < bestPen) {
            bestPen = pen;
            best = s;
        }
    }
    return best;
}

}  // namespace irsim::physics
