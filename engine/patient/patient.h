#pragma once
// The patient model that imaging, physics and therapy read: a CT in Hounsfield units, a label map
// of structures, and vessel trees. Everything is in the patient frame (LPS, mm; volume.h).
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "patient/volume.h"

namespace irsim::patient {

// Structure names follow TotalSegmentator's "total" task (labels_total.json), e.g. "liver",
// "aorta", "vertebrae_L1", "spinal_cord", so a real segmented CT and the procedural phantom are
// read the same way. Structures TotalSegmentator has no class for use values from 200 up
// (labels.h lists them).
using LabelTable = std::map<uint16_t, std::string>;

struct VesselNode {
    glm::dvec3 position{0.0};  // LPS mm, on the centreline
    // The segment from the parent to this node belongs to this node: its lumen radius, branch name
    // and flow.
    double radiusMm = 0.0;     // lumen radius, mm
    int parent = -1;           // index into the tree's nodes; -1 for the root
    std::string branch;        // "aorta", "celiac_trunk", "common_hepatic", "right_hepatic", ...
    double flowMlPerMin = 0.0; // blood flow through this segment, ml/min
};

struct VesselTree {
    std::string name;               // "arterial"
    std::vector<VesselNode> nodes;  // parents before children

    // Appends a node (its parent must already be in the tree) and returns its index.
    int add(int parent, const glm::dvec3& position, const std::string& branch, double radiusMm = 0.0,
            double flowMlPerMin = 0.0);

    // Index of the first node of a branch (the one whose parent lies outside it), -1 if absent.
    int firstNodeOf(const std::string& branch) const;
    // Nodes of a branch in tree order.
    std::vector<int> nodesOf(const std::string& branch) const;
};

struct Patient {
    std::string source;  // file path or "phantom seed N", for reports
    CtVolume ct;
    LabelMap labels;     // same geometry as ct, or empty
    LabelTable labelNames;
    std::vector<VesselTree> vessels;
    // Named points for procedures, LPS mm. The phantom fills, per vertebra T10-L5 (e.g. "vertebrae_L1"):
    //   "<v>.body_centre", "<v>.anterior_cortex" (midline, mid-height, on the anterior cortex),
    //   "<v>.pedicle_left.centre" / "<v>.pedicle_right.centre" (the isthmus, on the pedicle axis),
    //   "<v>.pedicle_left.entry" (where the pedicle axis leaves the posterior cortex, the trocar's
    //   entry point), "<v>.pedicle_left.axis_end" (the axis 2/3 of the way into the body);
    // vessels: "celiac_trunk.origin", "sma.origin", "aorta.bifurcation",
    //   "common_femoral_artery_left.access" / "..._right.access" (over the femoral head),
    //   "hepatic_hilum"; tumours: "tumour_1.centre", ... (in the order they were asked for).
    std::map<std::string, glm::dvec3> landmarks;
    // Couinaud segment (1-8) of each liver voxel, 0 elsewhere; same geometry as labels, or empty
    // when unknown (a real CT without a segment map).
    LabelMap liverSegments;
    // Facts about this patient for reports and scenarios, e.g. "michels_type" -> "III".
    std::map<std::string, std::string> attributes;

    std::optional<uint16_t> labelOf(const std::string& name) const;
    // Centroid (LPS mm) and volume (ml) of a structure; nullopt when it is absent.
    std::optional<glm::dvec3> centroidOf(const std::string& name) const;
    double volumeMlOf(const std::string& name) const;
    // A landmark by name; DataError naming it when the patient has none of that name.
    glm::dvec3 landmark(const std::string& name) const;
    // The tree of that name ("arterial"), or nullptr.
    const VesselTree* vesselTree(const std::string& name) const;
};

}  // namespace irsim::patient
