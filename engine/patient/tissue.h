#pragma once
// Tissue properties per structure, for imaging (X-ray material), therapy (heat transfer, perfusion)
// and physics (stiffness). Values are rounded means of the IT'IS Foundation Tissue Properties
// Database v4.1 (Hasgall et al. 2022, doi:10.13099/VIP21000-04-1) unless noted; stiffness from
// elastography and mechanical testing as noted per entry in tissue.cpp.
#include <string>

namespace irsim::patient {

struct TissueProperties {
    std::string material;               // X-ray material, a NIST SRD 126 / ICRU 44 name: "adipose",
                                        // "soft_tissue", "muscle", "lung", "blood", "cortical_bone",
                                        // "cancellous_bone", "water", "air"
    double densityKgPerM3 = 1000.0;     // mass density
    double conductivityWPerMK = 0.5;    // thermal conductivity, W/(m K)
    double heatCapacityJPerKgK = 3600;  // specific heat capacity, J/(kg K)
    double perfusionMlPerMinPerKg = 0;  // blood perfusion rate (Pennes' w_b), ml/(min kg)
    double youngsModulusKPa = 10.0;     // small-strain stiffness, kPa
};

// Properties of a structure by its label name ("liver", "vertebrae_L1", "rib_left_3", ...); an
// unknown name gets generic soft tissue.
const TissueProperties& tissueOf(const std::string& structureName);

}  // namespace irsim::patient
