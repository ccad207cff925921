#pragma once
// The lumen of an arterial tree as the union of capsules around its centreline segments (each
// segment, parent node to node, with the node's lumen radius), the contact geometry of
// endovascular devices: a device node is inside when its distance to the axis of the segment it
// is tracked in is under the lumen radius minus the device's radius. A node is tracked from
// segment to adjacent segment only (parent, children, siblings), so it can never cross a wall into
// a vessel that merely runs close by: no tunnelling by construction. No triangle mesh.
#include <string>
#include <vector>

#include <glm/glm.hpp>

#include "patient/patient.h"

namespace irsim::physics {

struct LumenContact {
    double penetrationMm = 0.0;  // > 0: outside the free lumen by this much
    glm::dvec3 normal{0.0};      // unit, from the axis toward the node (the wall's outward normal)
    glm::dvec3 axisPoint{0.0};   // nearest point on the segment's axis
    bool beyondEnd = false;      // the nearest axis point is an end of the segment (its cap)
};

class VesselLumen {
public:
    VesselLumen() = default;
    // Every node with a parent is a segment, indexed by its node index in the tree.
    explicit VesselLumen(const patient::VesselTree& tree);

    int size() const { return static_cast<int>(radius_.size()); }
    bool isSegment(int s) const { return s >= 0 && s < size() && parent_[static_cast<size_t>(s)] >= 0; }
    double radiusMm(int s) const { return radius_[static_cast<size_t>(s)]; }
    const std::string& branch(int s) const { return branch_[static_cast<size_t>(s)]; }
    glm::dvec3 start(int s) const { return pos_[static_cast<size_t>(parent_[static_cast<size_t>(s)])]; }
    glm::dvec3 end(int s) const { return pos_[static_cast<size_t>(s)]; }
    const std::vector<int>& adjacent(int s) const { return adjacent_[static_cast<size_t>(s)]; }

    // Contact of a node of radius `deviceRadiusMm` at `p` with segment `s`'s capsule.
    LumenContact contact(int s, const glm::dvec3& p, double deviceRadiusMm) const;
    // contact(...).penetrationMm alone, bit for bit (the hot walks compare depths only).
    double penetration(int s, const glm::dvec3& p, double deviceRadiusMm) const;
    // The segment `p` lies deepest in, walking from `s` through adjacent segments only.
    int track(int s, const glm::dvec3& p, double deviceRadiusMm) const;
    // The segment whose capsule `p` lies deepest in, searching all (for placing a device).
    int locate(const glm::dvec3& p, double deviceRadiusMm) const;

    // The smallest clearance a device is given in a vessel narrower than itself: it is wedged on
    // the axis rather than pushed through the wall.
    static constexpr double kWedgedClearanceMm = 0.02;

private:
    // The point of segment s's axis nearest p; u its unclamped position along it (0 start, 1 end).
    glm::dvec3 nearestOnAxis(int s, const glm::dvec3& p, double& u) const;
    // How far a device's axis may stray from the vessel's before it touches the wall.
    double freeRadiusMm(int s, double deviceRadiusMm) const;

    std::vector<glm::dvec3> pos_;
    std::vector<int> parent_;
    std::vector<double> radius_;
    std::vector<std::string> branch_;
    std::vector<std::vector<int>> adjacent_;
};

}  // namespace irsim::physics
