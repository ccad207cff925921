#pragma once
// The size of an ablation zone, and a planner's run: one or more parallel applicators in a
// homogeneous perfused tissue (the properties of a label in patient/materials.h), with an optional
// large vessel alongside. What `irsim ablation` prints and what the tests hold against published
// zone sizes. Frame: applicators along +z (tip at z = 0, shaft towards +z), mm.
#include <string>
#include <vector>

#include "therapy/ablation_devices.h"
#include "therapy/bioheat.h"

namespace irsim::therapy {

struct ZoneSize {
    double longAxisMm = 0.0;   // along the applicators (z)
    double shortAxisMm = 0.0;  // the smaller of the two widths across them (x, y)
    double widthXMm = 0.0, widthYMm = 0.0;
    double volumeMl = 0.0;
    // How far the zone reaches from the central applicator axis towards +x and -x (the vessel lies
    // at +x), through the plane of widest extent.
    double reachPlusXMm = 0.0, reachMinusXMm = 0.0;
};

// The zone where `field` >= threshold, tissue cells only. Axes by linear interpolation of the
// field between cell centres (the largest extent over grid lines), volume by cell count.
ZoneSize measureZone(const BioheatModel& m, const std::vector<float>& field, double threshold);

// Heated liver shrinks (protein denaturation, collagen contraction, drying), so a zone measured
// after the ablation, at gross pathology or on the post-ablation CT, is smaller than the tissue it
// killed: the linear shrinkage of tissue whose hottest temperature was `peakC` (0..1).
double thermalShrinkage(double peakC);
// The zone as it is measured afterwards: every cell's length shrunk by thermalShrinkage of its
// hottest temperature (axes along the grid lines, volume by cell), isotropic.
ZoneSize measureContractedZone(const BioheatModel& m, const std::vector<float>& field, double threshold,
                               const std::vector<float>& peakC);

// Which measure marks the zone: the Arrhenius edge Omega = 1, CEM43 >= 240 min, the hottest
// temperature reached >= T (heat) or the coldest <= T (cryo).
enum class ZoneEdge : uint8_t { Arrhenius, Cem43, Hottest, Coldest };
ZoneSize zoneOf(const BioheatModel& m, const BioheatState& s, ZoneEdge edge, double temperatureC = 0.0);

// Sapareto & Dewey's widely quoted necrosis threshold, 240 CEM43 min (kwavers code; ablation.md
// section 5, in open-source code).
inline constexpr double kCem43NecrosisMin = 240.0;
// Cryo's damage edge: "lethal ice" below -30 degC (Littrup et al. 2009, JVIR 20:1343; ablation.md
// section 7, published).
inline constexpr double kLethalIceC = -30.0;

struct AblationPlan {
    Modality modality = Modality::Rf;
    std::string deviceId;                       // empty: the modality's default device
    double powerW = 0.0;                        // per applicator; <= 0: the device's default
    double minutes = 10.0;                      // RF / MW
    int probes = 1;
    double spacingMm = 20.0;                    // side of the regular polygon the probes stand on
    std::vector<double> freezeThawMin{10.0, 8.0, 10.0};
    std::string tissue = "liver";               // a label name: its properties in patient/materials.h
    double vesselMm = 0.0;                      // large vessel parallel to the applicators; 0: none
    double vesselDistanceMm = 10.0;             // from the nearest applicator axis to the vessel wall
    double gridMm = 1.0;
    double marginMm = 0.0;                      // tissue beyond the applicators; <= 0: by modality
    double initialC = kBodyTemperatureC;
    double perfusionScale = 1.0;                // times the tissue's perfusion (0: ex vivo)
    unsigned threads = 0;
};

struct AblationRun {
    BioheatModel model;
    BioheatState state;
    const AblationDevice* device = nullptr;
    double powerW = 0.0;
};

// Builds the homogeneous model of a plan (DataError naming the plan's field for bad values).
AblationRun prepareAblation(const AblationPlan& plan);
// Runs it to the end of its program.
void runAblation(const AblationPlan& plan, AblationRun& run);

struct AblationResult {
    ZoneSize damage;                       // Omega = 1 (heat) or lethal ice (cryo)
    ZoneSize contracted;                   // heat: the Omega = 1 zone after the tissue shrank
    ZoneSize cem43;                        // heat only
    std::vector<double> isothermC;         // 50, 60 (heat); 0, -20, -40 (cryo)
    std::vector<ZoneSize> isotherms;
    double deliveredKj = 0.0;              // into tissue (heat)
    double hottestC = 0.0, coldestC = 0.0;
    double seconds = 0.0;
    int steps = 0;
    glm::ivec3 dims{0};
};
AblationResult summarizeAblation(const AblationPlan& plan, const AblationRun& run);
AblationResult simulateAblation(const AblationPlan& plan);

}  // namespace irsim::therapy
