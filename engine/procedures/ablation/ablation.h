#pragma once
// CT-guided percutaneous thermal ablation (engine/procedures/ablation/README.md): the trainee
// places an applicator (RF electrode, microwave antenna or cryoprobe) on a straight track into a
// tumour under intermittent CT, runs the generator, and watches the zone grow over the tumour and
// its margin while large vessels carry heat away. The bioheat and damage models are
// therapy/bioheat.h and therapy/ablation_devices.h; this is the procedure around them: the patient's
// tissues on a grid round the tumour, the applicator's track, the generator on the session's clock
// with a time acceleration, events, metrics (coverage, margins, collateral damage) and the zone on CT.
// Frame: LPS mm; s; degC; W; ml.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "physics/tissue.h"
#include "sim/procedure.h"
#include "sim/session.h"
#include "therapy/ablation_devices.h"
#include "therapy/ablation_zone.h"
#include "therapy/bioheat.h"

namespace irsim::procedures::ablation {

using sim::Action;
using sim::Session;

sim::ProcedureSpec spec();

// The applicator as the X-ray and CT see it: a steel shaft this long, mm.
constexpr double kShaftLengthMm = 200.0;

// The [ablation] section of a scenario, typed.
struct Definition final : sim::ProcedureDefinition {
    therapy::Modality modality = therapy::Modality::Microwave;
    std::string device;                  // ablation device id (therapy::ablationDevices())
    std::string target = "liver_tumour"; // the lesion's structure
    double marginMm = 5.0;               // the margin the plan aims for
    std::vector<std::string> protect;    // structures whose damage is collateral
    std::vector<std::string> nerves;     // structures to keep within 10-45 degC
    double gridMm = 1.5;                 // bioheat grid spacing
    double gridMarginMm = 30.0;          // tissue modelled beyond the tumour
    double timeAcceleration = 30.0;      // ablation seconds per session second
    // A lesion the label map does not hold (a real CT's labels name organs, not tumours): a sphere
    // inside an organ, named `target`, with the thermal row of that name (patient/materials.h).
    struct Lesion {
        glm::dvec3 centreLps{0.0};
        double diameterMm = 20.0;
        std::string organ = "liver";
    };
    std::optional<Lesion> lesion;
    std::vector<sim::MetricSpec> metrics() const override;
};

// Metric key of a structure's collateral damage: "collateral_<name>_ml".
std::string collateralMetric(const std::string& structure);

// Everything fixed for the session, derived once from the patient (the model).
struct Anatomy {
    therapy::BioheatModel tissue;        // the grid round the tumour: materials, blood, boundary; no applicator
    std::vector<uint16_t> label;         // (cells) the patient's label at each cell centre
    patient::MaterialTable materials;    // the patient's labels: names and what they are made of
    std::vector<std::string> labelName;  // by label value ("" unnamed)
    glm::dvec3 tumourCentre{0.0};        // centroid of the target's voxels
    double tumourRadiusMm = 0.0;         // of the sphere with its volume
    double tumourMl = 0.0;
    // The target's voxels in a box of the patient's label map, for coverage and margins.
    patient::VolumeGeometry tumourBox;   // the label map's geometry, cut to the tumour's voxels
    std::vector<uint8_t> tumourMask;     // (tumourBox cells)
    double lesionRadiusMm = 0.0;         // > 0: the tumour is Definition::lesion's sphere, not a label
    bool inTumour(const glm::dvec3& lps) const;
    std::vector<float> tumourDistanceMm;  // (cells) from the cell's centre to the nearest tumour cell's
    // Large vessels in the grid (heat sinks): their cells, and their names.
    std::vector<size_t> heatSinkCells;
    std::vector<float> vesselDistanceMm;  // (cells) to the nearest heat-sink cell
    std::vector<std::string> heatSinkNames;
    // Structures to protect and nerves: their cells in the grid, by structure.
    struct Structure {
        std::string name;
        std::vector<size_t> cells;
    };
    std::vector<Structure> protect, nerves;
    // The tissue class at a point (the vocabulary vertebroplasty's trocar reports), for the devices'
    // tips; it points into the patient, which outlives the session's procedure.
    physics::TissueMap tissueClasses;
};

Anatomy buildAnatomy(const patient::Patient& patient, const Definition& def, const sim::ScenarioDocument& doc);

// Coverage and margins of a tumour by an ablation zone, on a fine grid (what is scored).
struct MarginResult {
    double tumourCoveragePercent = 0.0;
    double margin5CoveragePercent = 0.0;   // of the tumour grown by 5 mm, the tumour included
    double margin10CoveragePercent = 0.0;
    double minimalMarginMm = 0.0;          // over the tumour's surface: distance to living tissue; 0 if uncovered
    glm::dvec3 thinnestLps{0.0};           // where it is thinnest (on the tumour's surface)
    double heatSinkMarginMm = -1.0;        // the minimal margin within 10 mm of a large vessel; -1 if none near
    double thinnestToVesselMm = -1.0;      // from the thinnest point to the nearest large vessel
};
// `inTumour(p)` and `ablated(p)` sampled at the centres of cells of `stepMm` over the box [lo, hi];
// `tissue(p)` is false in a vessel's lumen (neither tumour nor tissue a margin is measured to);
// `vesselDistance(p)` is the distance from p to the nearest large vessel (huge when none). A margin
// is measured from the tumour's surface to the nearest living tissue (exact Euclidean distance
// transform between cell centres, less half a cell: within a cell of the continuous value).
using PointTest = std::function<bool(const glm::dvec3&)>;
MarginResult measureMargins(const glm::dvec3& lo, const glm::dvec3& hi, double stepMm, const PointTest& inTumour,
                            const PointTest& ablated, const PointTest& tissue,
                            const std::function<double(const glm::dvec3&)>& vesselDistance);
// Euclidean distance (mm) from each cell of a grid to the nearest cell where `feature` is set
// (infinity when none): Felzenszwalb & Huttenlocher's separable exact transform.
std::vector<float> distanceTransform(const std::vector<uint8_t>& feature, const glm::ivec3& dims, double stepMm);

// Two-year local-tumour-progression band of a minimal margin: 0 (0 mm), 1 (1-5 mm), 2 (6-10 mm),
// 3 (> 10 mm), and the band's 2-year LTP-free survival, % (Wang et al. 2013, CVIR 36:166).
int marginBand(double minimalMarginMm);
double ltpFreeSurvivalPercent(int band);

// At most this many applicators at once (a generator drives up to three antennas or probes
// together; estimated from the three-probe systems of ablation.md section 8).
constexpr size_t kMaxApplicators = 3;

// The procedure's plain-data state.
struct State {
    std::string deviceId;
    // One applicator on a straight track: from `skinLps` along `dir`, `depthMm` in.
    struct Track {
        bool placed = false;
        glm::dvec3 skinLps{0.0}, dir{0.0, 0.0, 1.0};
        double depthMm = 0.0;
        double advanceLeftMm = 0.0, withdrawLeftMm = 0.0, speedMmS = 5.0;
        std::vector<std::string> crossed;  // structures the track has crossed (events once each)
        glm::dvec3 tip() const { return skinLps + dir * depthMm; }
        bool inPatient() const { return placed && depthMm > 0.0; }
    };
    // The first applicator is always there (placed or not); the trainee may add more.
    std::vector<Track> applicators = std::vector<Track>(1);
    size_t active = 0;  // the applicator last placed or moved (the CT follows its tip)
    int placements = 0, repositionings = 0;
    bool pneumothorax = false;
    // Generator.
    bool generatorOn = false;
    double powerW = 0.0;
    std::vector<double> freezeThawMin;
    double runStartS = 0.0, runEndS = 0.0;  // tissue time at which this run started and ends
    // The run's power and cycles, and a cryoprobe wall's warming under its load (therapy's model).
    therapy::GeneratorProgram program;
    double coolingFromS = 0.0;
    double ablationClockS = 0.0;      // the tissue's time, advanced by the time acceleration
    double generatorSeconds = 0.0;    // tissue seconds with the generator on, all runs
    int runs = 0;
    bool cooling = false;             // after a run, until the tissue is back under 42 degC
    // The applicators of the model in use (those in the patient when the run started).
    std::vector<glm::dvec3> runTipsLps, runDirs;
    // The tissue's heat and damage: shared with snapshots until this copy changes it (a few MB).
    std::shared_ptr<therapy::BioheatState> heat;
    double zoneMl = 0.0;
    double energyKj = 0.0;
    // Thermocouples.
    struct Thermocouple {
        std::string at;
        glm::dvec3 lps{0.0};
        double nowC = therapy::kBodyTemperatureC, maxC = therapy::kBodyTemperatureC, minC = therapy::kBodyTemperatureC;
        bool alarmed = false;
    };
    std::vector<Thermocouple> thermocouples;
    std::vector<std::string> damaged;      // protected structures with collateral events
    std::vector<std::string> nerveAlarms;  // nerves with temperature events
    double nerveMaxC = therapy::kBodyTemperatureC, nerveMinC = therapy::kBodyTemperatureC;
};

class Ablation final : public sim::Procedure {
public:
    Ablation(const sim::Scenario& scenario, const patient::Patient& patient);

    std::unique_ptr<sim::Procedure> clone() const override { return std::make_unique<Ablation>(*this); }
    void step(Session& session) override;
    void addMetrics(const Session& session, assessment::Metrics& metrics) const override;
    std::vector<double> quantities(const Session& session) const override;
    imaging::FrameContents radiopaqueContents(const Session& session) const override;
    std::optional<glm::dvec3> ctFollowPoint(const Session& session) const override;
    void ctOverlay(const Session& session, sim::CtOverlay& overlay) const override;
    void hashState(StateHash& hash) const override;
    // Each applicator on the skin or in the patient (those still on the tray are left out).
    std::vector<sim::DeviceState> devices(const Session& session) const override;

    const Anatomy& anatomy() const { return *anatomy_; }
    const Definition& definition() const { return *definition_; }
    const State& state() const { return state_; }
    const therapy::AblationDevice& device() const;
    glm::dvec3 tipLps(size_t applicator = 0) const { return state_.applicators.at(applicator).tip(); }
    // The margins and coverage of the zone now.
    MarginResult margins() const;
    // The large vessel nearest a point ("" when there is none in the grid).
    std::string nearestHeatSink(const glm::dvec3& lps) const;
    // Temperature at a point now (body temperature outside the grid).
    double temperatureAt(const glm::dvec3& lps) const;

    // The actions (spec() binds them; ablation.cpp).
    void select(const Action& a, Session& session);
    void place(const Action& a, Session& session);
    void advance(const Action& a, Session& session);
    void withdraw(const Action& a, Session& session);
    void start(const Action& a, Session& session);
    void stop(const Action& a, Session& session);
    void thermocouple(const Action& a, Session& session);

private:
    // The action's `applicator` (1 for the first, the default), as an index; -1 after refusing.
    int applicatorArg(const Action& a, Session& session, bool mayAdd);
    glm::dvec3 pointArg(const Action& a, const std::string& field, const Session& session) const;
    void moveApplicator(Session& session);
    void moveTrack(Session& session, size_t applicator);
    void stepHeat(Session& session);
    void watchTissue(Session& session);
    void endRun(Session& session);
    void reportZone(Session& session);
    const therapy::BioheatModel& runModel();
    void overlayContours(sim::CtOverlay& overlay) const;

    std::shared_ptr<const Definition> definition_;
    std::shared_ptr<const Anatomy> anatomy_;   // the model, shared by copies
    // The tissue model with the applicator of the current run: a cache built from the state's
    // run poses (shared by copies; rebuilt when they differ).
    std::shared_ptr<const therapy::BioheatModel> runModel_;
    std::vector<glm::dvec3> runModelTips_, runModelDirs_;
    std::string runModelDevice_;
    State state_;
};

// The window's controls (panel.cpp).
namespace controls {
constexpr double kAdvanceStepMm = 5.0;
constexpr double kHandSpeedMmS = 5.0;
// `applicator` 1 (the first) is left out of the action, as logs written before there were several.
Action applicatorPlace(double time_s, const glm::dvec3& entry, const glm::dvec3& target, int applicator = 1);
Action applicatorAdvance(double time_s, double mm, double speedMmS = kHandSpeedMmS, int applicator = 1);
Action applicatorWithdraw(double time_s, double mm, double speedMmS = kHandSpeedMmS, int applicator = 1);
Action generatorStart(double time_s, double powerW, double minutes);
Action generatorStop(double time_s);
// The entry on a line to the target from the patient's right (azimuth 0: straight from the right,
// + toward the front) tilted `cranialDeg` (+ the tip heads to the head), `distanceMm` out.
glm::dvec3 entryFromAngles(const glm::dvec3& target, double azimuthDeg, double cranialDeg, double distanceMm = 150.0);
sim::PanelSpec panel();
}  // namespace controls

}  // namespace irsim::procedures::ablation
