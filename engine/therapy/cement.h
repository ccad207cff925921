#pragma once
// Bone cement for vertebroplasty: PMMA opacified with barium sulphate, mixed at a time the
// trainee chooses; its viscosity rises with time after mixing and decides how it flows.
// Injection through the trocar tip in small syringe volumes fills cancellous bone outward from the
// tip along the easiest paths (a Darcy-like front on the voxel grid: Dijkstra on a path resistance
// that rises with viscosity and falls with porosity, Kozeny-Carman), and leaks where the front
// reaches a gap in the cortex into the canal, the disc, a vein or the soft tissue, the more so the
// more liquid the cement. Volumes are integers (nanolitres) so that injected = in bone + leaked
// holds exactly. Frame: LPS mm; volumes ml at the API; time s (mixing and injection times share
// the simulation clock).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <glm/glm.hpp>

#include "patient/volume.h"
#include "physics/tissue.h"
#include "physics/vertebra.h"

namespace irsim::therapy {

enum class CementPhase : uint8_t { Liquid, Doughy, Working, Setting, Set };
const char* toString(CementPhase p);

struct CementDef {
    std::string name;
    // Viscosity curve: (minutes after mixing, Pa*s), interpolated log-linearly, at room temperature.
    std::vector<std::pair<double, double>> viscosityCurve;
    // Phase boundaries by viscosity, Pa*s: below doughy = liquid ("wet", runs off the spatula);
    // doughy..working = toothpaste consistency, the recommended injection window; working..setting
    // = still injectable with force; above setting = no longer injectable; above set = hard.
    double doughyPaS = 50.0, workingPaS = 300.0, settingPaS = 2000.0, setPaS = 1.0e5;
    // Radiopacifier as a mass fraction of the mixed cement (powder + monomer): 30 wt % BaSO4 in the
    // powder gives ~11 wt % Ba in the cement (J Biomed Mater Res A 2007, iodine- vs BaSO4-containing
    // VP cement; published), so BaSO4 = 0.11 x 233.39 / 137.33 = 0.187 of the cement. (Was 0.30,
    // the powder's fraction taken for the cement's.)
    double bariumSulphateMassFraction = 0.187;
    // Mixture rule for 0.187 BaSO4 (4.5 g/cm^3, handbook, estimated) in PMMA (1.19 g/cm^3, NIST
    // PMMA density, unverified), pores ignored: 1 / (0.813 / 1.19 + 0.187 / 4.5) = 1.38. (Was 1.8.)
    double densityGPerMl = 1.38;
    std::string source;
    static CementDef vertebroplastyPmma();
};

double viscosityPaS(const CementDef& def, double minutesAfterMixing);
CementPhase phaseOf(const CementDef& def, double minutesAfterMixing);

enum class LeakSite : uint8_t { Epidural, Disc, Venous, Paravertebral };
const char* toString(LeakSite s);

struct CementLeak {
    LeakSite site = LeakSite::Paravertebral;
    glm::dvec3 firstLps{0.0};  // where cement first left the bone at this site
    double volumeMl = 0.0;
};

struct CementOptions {
    double roiMarginMm = 10.0;          // around the vertebra's bounding box
    double referenceViscosityPaS = 100.0;
    // Path resistance of one voxel step (dimensionless, relative to cancellous bone of 90 %
    // porosity at the reference viscosity). Leak paths have their own base resistance and a
    // stronger viscosity dependence (exponent 2 against 1 for bone): liquid cement runs into veins
    // and cracks, doughy cement does not. Estimated to reproduce the clinical observation that
    // leaks are more frequent with low-viscosity cement (e.g. Baroud et al. 2006, Spine 31:2562).
    double leakResistance[4] = {1.5, 2.0, 0.8, 3.0};  // Epidural, Disc, Venous, Paravertebral
    double leakViscosityExponent = 2.0;
    double filledPassFactor = 0.05;     // a voxel already full of cement is an open channel
    // The basivertebral vein: from the centre of the body back through its foramen in the
    // posterior wall to the anterior internal vertebral venous plexus, the commonest route of
    // venous cement leakage (Yeom et al. 2003, J Bone Joint Surg Br 85:83, type B). Radius of the
    // vein, mm; 0 = not modelled (a label map with veins supplies its own paths).
    double basivertebralForamenRadiusMm = 0.0;
};

// Immutable: the voxel region around one vertebra with each voxel's role and capacity.
struct CementModel {
    CementDef cement;
    CementOptions options;
    physics::VertebraGeometry vertebra;
    patient::VolumeGeometry roi;        // sub-grid of the CT
    std::vector<uint8_t> kind;          // (roi voxels) 0 blocked, 1 bone, 2 + LeakSite for leak paths
    std::vector<int64_t> capacityNl;    // (roi voxels) cement room, nanolitres
    std::vector<float> stepCost;        // (roi voxels) resistance at the reference viscosity
    std::vector<uint8_t> inBody;        // (roi voxels) 1 for the vertebral body (fill percentage)
    int64_t voxelNl = 0;
};

struct CementState {
    double mixedAtS = -1.0;             // simulation time of mixing; < 0: not mixed yet
    std::vector<int64_t> cementNl;      // (roi voxels)
    int64_t injectedNl = 0;             // delivered through the trocar
    int64_t inBoneNl = 0;
    std::vector<CementLeak> leaks;      // one per site, in order of first appearance
    std::vector<int64_t> leakNl;        // parallel to leaks
};

struct InjectionResult {
    double deliveredMl = 0.0;           // less than asked when the cement has set or no room is left
    double viscosityPaS = 0.0;
    CementPhase phase = CementPhase::Liquid;
    double leakedMl = 0.0;              // of this injection
};

// Builds the model around `vertebra` from the tissue map (porosity from HU: bone volume fraction
// BV/TV = HU / 1800 clamped to [0.02, 0.6], 1800 HU ~ fully dense cortical bone).
CementModel makeCementModel(const physics::TissueMap& map, const physics::VertebraGeometry& vertebra,
                            const CementDef& cement = CementDef::vertebroplastyPmma(),
                            const CementOptions& options = {});
CementState makeCementState(const CementModel& model);
void mixCement(CementState& state, double timeS);
// Pushes `volumeMl` (0.1-0.5 ml syringe strokes) out of the trocar tip at `tipLps` at `timeS`.
InjectionResult injectCement(const CementModel& model, CementState& state, const glm::dvec3& tipLps,
                             double volumeMl, double timeS);

double injectedMl(const CementState& s);
double inBoneMl(const CementState& s);
double leakedMl(const CementState& s);
// Cement volume in the vertebral body over the body's volume, percent.
double bodyFillPercent(const CementModel& m, const CementState& s);
// Cement volume fraction per voxel (0..1) on the ROI grid, for the fluoroscopy renderer.
patient::Volume<float> cementFraction(const CementModel& m, const CementState& s);
// FNV-1a over the state, for determinism checks.
uint64_t hashCementState(const CementState& s);

}  // namespace irsim::therapy
