#pragma once
// Absorbed dose of delivered Y-90 microspheres per voxel of the patient's liver, and the
// dose-volume figures read from it (mean tumour and normal-liver dose, D70 and V100 of the tumour,
// V40 of the normal liver).
//
// Territories: every liver and tumour voxel belongs to the nearest liver sink of the arterial tree
// (a terminal's position is the centroid of the tissue it was grown to perfuse, vessel_growth.h), so
// a sink's activity spreads evenly over its voxels: local deposition, D = k A / M per territory
// (the 2.5 mm mean beta range is about one territory across; a dose point kernel is not applied).
// Where the tree perfuses tumour more densely (hypervascular tumours) its territories are smaller
// there, and the tumour's dose per GBq higher.
#include <cstdint>
#include <vector>

#include "patient/patient.h"
#include "therapy/microspheres.h"

namespace irsim::therapy {

struct TerritoryMap {
    patient::VolumeGeometry geometry;  // the label map's
    std::vector<int32_t> sinkOfVoxel;  // per voxel: the tree node whose territory it is, -1 elsewhere
    std::vector<uint8_t> tissue;       // per voxel: 0 none, 1 normal liver, 2 tumour
    double voxelKg = 0.0;
};
inline constexpr uint8_t kNormalLiverVoxel = 1, kTumourVoxel = 2;

// Assigns the patient's "liver" and "liver_tumour" voxels to the liver sinks of `m`'s tree and sets
// each sink's tumourKg and normalLiverKg from them (density in g/ml; the planner's 1.03 by default),
// and the masses of the non-target organs the labels hold (stomach, duodenum, gallbladder, spleen,
// small bowel, kidneys). A liver sink whose position no voxel is nearest to shares the territory
// of the sink nearest to it. DataError (field "patient.labels") without a liver label or liver sinks.
TerritoryMap assignTerritories(const patient::Patient& patient, MicrosphereModel& m, double densityGPerMl = 1.03);

struct DoseVolume {
    std::vector<float> doseGy;  // per voxel of the map (0 outside the liver)
    double meanTumourGy = 0.0, meanNormalLiverGy = 0.0;
    double tumourD70Gy = 0.0;     // the dose at least 70 % of the tumour volume receives
    double tumourV100 = 0.0;      // share of the tumour volume at >= 100 Gy
    double normalLiverV40 = 0.0;  // share of the normal liver at >= 40 Gy
};
DoseVolume voxelDose(const MicrosphereModel& m, const MicrosphereState& s, const TerritoryMap& map);

}  // namespace irsim::therapy
