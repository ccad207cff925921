#pragma once
// Arterial trees that perfuse an organ, and centrelines of the big vessels of a segmented CT.
//
// Growth is a deterministic space-filling construction (in the spirit of constrained constructive
// optimisation, Schreiner & Buxbaum 1993, IEEE TBME 40:482, but divide-and-conquer instead of
// adding one terminal at a time, so a whole liver grows in well under a second): the territory, a
// set of weighted sample points (weight = the perfusion it needs), is split recursively at its
// weighted median across its longest principal axis; each split adds a bifurcation between the
// parent's point and the territory's centroid, and a territory small enough becomes a terminal
// segment ending at its centroid. Flow is proportional to the weight perfused; radii follow
// Murray's law (r^3 proportional to flow; Murray 1926, PNAS 12:207), so every child is thinner than
// its parent. Hypervascular tumours get a larger weight per ml (their arterial supply is several
// times that of liver; tumour-to-normal ratios of 3-5 in Ho et al. 1996, Eur J Nucl Med 23:947).
#include <cstdint>
#include <string>
#include <vector>

#include "core/progress.h"
#include "patient/patient.h"

namespace irsim::patient {

struct PerfusionSample {
    glm::dvec3 position{0.0};  // LPS mm
    double weight = 1.0;       // relative perfusion demand (ml of tissue x relative flow per ml)
};

struct TreeGrowthOptions {
    uint64_t seed = 1;
    double terminalWeight = 0.25;   // territory weight below which a branch ends (ml at weight 1)
    double bifurcationFraction = 0.45;  // bifurcation point: this far from the parent to the centroid
    double axisJitter = 0.15;       // random tilt of the split plane (seeded), radians-ish
    std::string branchName = "hepatic_branch";  // name of the grown nodes
    std::string firstBranchName;    // name of the first segment from the entry ("" = branchName)
};

// Grows a subtree of `tree` from node `entry` that perfuses `samples` (consumed). Appends nodes in
// parent-before-child order; their flowMlPerMin is set to flowPerWeight x the weight they perfuse
// and their radius is left 0 (see assignMurrayRadii). Returns the number of terminals.
int growPerfusionTree(VesselTree& tree, int entry, std::vector<PerfusionSample> samples,
                      double flowPerWeight, const TreeGrowthOptions& options);

// Sets flowMlPerMin of every node with children to the sum of its children's flow plus its own
// (a node's own outflow is the flow it had before), in one bottom-up pass.
void accumulateFlows(VesselTree& tree);

// Radius of every node below `root` (exclusive) whose radius is 0: r = r_root (Q / Q_root)^(1/3).
void assignMurrayRadii(VesselTree& tree, int root);

// For each voxel of the mask (label value `label`), its distance (mm) to the nearest centreline
// segment of the tree with radius >= minRadiusMm; used to check that a tree perfuses an organ.
std::vector<double> distancesToTree(const LabelMap& labels, uint16_t label, const VesselTree& tree,
                                    double maxDistanceMm = 20.0);

// Centrelines of tubular structures in a label map: per slice along the volume's most
// superior-inferior axis, the centroid of each connected component and its equivalent radius
// sqrt(area / pi); components are chained slice to slice. One branch per label name found among
// `names` (e.g. "aorta", "iliac_artery_left", "iliac_artery_right"), each a chain of nodes running
// from superior to inferior; iliac chains start at the aorta's last node when both exist.
VesselTree extractCentrelines(const Patient& patient, const std::vector<std::string>& names,
                              const std::string& treeName = "centrelines");

struct HepaticGrowthOptions {
    uint64_t seed = 1;
    double terminalVolumeMl = 0.25;   // liver tissue per terminal branch
    double hepaticArteryFlowMlPerMin = 350.0;  // ~25% of ~1.4 l/min liver blood flow (Lautt 2009,
                                               // Hepatic Circulation, Morgan & Claypool)
    double tumourRelativePerfusion = 4.0;      // arterial flow per ml of tumour / of liver
    double properHepaticRadiusMm = 2.2;        // PHA lumen radius (diameter ~4-5 mm)
};

// Grows a hepatic arterial tree inside the liver label of a CT (e.g. TotalSegmentator's "liver"),
// connected to the aorta label at the celiac level: aorta centreline -> celiac trunk -> common and
// proper hepatic arteries -> right and left hepatic arteries -> the grown tree. Tumour labels
// ("liver_tumour") get more flow. Returns the tree named "arterial" (the patient's vessels are not
// changed). DataError when the patient has no liver or no aorta label.
VesselTree growHepaticArteries(const Patient& patient, const HepaticGrowthOptions& options = {},
                               const ProgressFn& progress = {});

// Landmarks of a grown arterial tree: "aorta.access", the aorta's most caudal node (of a full
// lumen: not a sliver the scan's edge slice caught), where a
// catheter starts when the femoral access lies below the scanned range (the access is taken as
// done), and "celiac_trunk.origin", its ostium on the aortic wall.
void addArterialLandmarks(Patient& patient);

}  // namespace irsim::patient
