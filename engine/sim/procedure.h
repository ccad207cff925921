#pragma once
// The procedure seam (docs/architecture.md). A procedure (C-arm positioning, vertebroplasty, ...)
// lives in its own folder under engine/procedures/ and is added to the simulator by one
// registration line. It declares everything it adds to the common imaging session, and shared code
// (session, report, debrief, window) iterates over those declarations without naming it:
// - its scenario sections, parsed once at load into its typed definition; a key it does not read
//   is an error naming the file, the line and the key;
// - its actions, as a table of arguments with types, units and ranges, and their handlers;
// - its metrics and event kinds (with their category), so a rubric naming something the procedure
//   never produces is refused at load;
// - its running quantities (cement ml, activity GBq, ...) for the status bar, timeline and debrief;
// - its panel: controls, key bindings, readouts and help lines, as data (sim/panel.h);
// - what it adds to images (devices and agents for the X-ray, a CT overlay) and the point the CT
//   follows; tissue whose CT number it changed (an ablation zone, an ice ball) as a CT overlay;
// - its devices' state (tip, depth from the skin, tissue at the tip) for the report.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "assessment/rubric.h"
#include "core/state_hash.h"
#include "imaging/radiopaque.h"
#include "patient/patient.h"
#include "sim/action_spec.h"
#include "sim/panel.h"

namespace irsim::sim {

class Session;
struct Scenario;
struct ScenarioDocument;

// What a procedure adds to a CT slice besides its devices: regions of tissue whose CT number it
// has changed (an ablation zone, an ice ball), each a grid of HU values over the patient with the
// material it is made of. NaN leaves the anatomy's HU as it is.
struct CtOverlayField {
    std::string material;         // "coagulated liver", "ice"
    glm::dvec3 originLps{0.0};    // centre of cell (0,0,0), axes along LPS
    double spacingMm = 1.0;
    glm::ivec3 dims{0};
    std::vector<float> hu;        // (dims.z x dims.y x dims.x), i fastest; NaN: unchanged
    // The overlay's HU at a point (nearest cell), NaN outside the grid or where it is unchanged.
    float huAt(const glm::dvec3& lps) const {
        const glm::dvec3 f = (lps - originLps) / spacingMm;
        const glm::ivec3 c(static_cast<int>(std::lround(f.x)), static_cast<int>(std::lround(f.y)),
                           static_cast<int>(std::lround(f.z)));
        if (c.x < 0 || c.y < 0 || c.z < 0 || c.x >= dims.x || c.y >= dims.y || c.z >= dims.z)
            return std::numeric_limits<float>::quiet_NaN();
        return hu[(static_cast<size_t>(c.z) * dims.y + c.y) * dims.x + c.x];
    }
};
// A line where a quantity crosses a level on the CT view (an isotherm, the edge of a zone or of a
// margin), in its colour with its legend. The window draws it over the slice; the value is sampled
// trilinearly between cell centres, so the line is smooth on a coarse grid.
struct CtOverlayContour {
    std::string label;            // the legend: "Omega = 1", "60 degC"
    uint32_t rgba = 0xffffffffu;  // 0xRRGGBBAA
    glm::dvec3 originLps{0.0};    // centre of cell (0,0,0), axes along LPS
    double spacingMm = 1.0;
    glm::ivec3 dims{0};
    std::vector<float> value;     // (dims.z x dims.y x dims.x), i fastest
    float level = 0.0f;           // inside where value >= level
    // Trilinear between cell centres; NaN outside the cells' centres.
    float valueAt(const glm::dvec3& lps) const;
};
struct CtOverlay {
    std::vector<CtOverlayField> fields;
    std::vector<CtOverlayContour> contours;
};

// A picture of the procedure's result for the session's images folder (a dose map over the CT).
struct ResultPicture {
    std::string name;           // file stem ("dose-map")
    int width = 0, height = 0;
    std::vector<uint8_t> rgba;  // row 0 at the top
};

// An endovascular device as the 3D view draws it: its centreline from the sheath to its tip and
// its outer radius (a wire, a catheter and a microcatheter each in a colour of its own).
enum class DeviceRole { Guidewire, Catheter, Microcatheter };
struct DeviceOutline {
    std::vector<glm::dvec3> pointsLps;  // mm, at least two
    double radiusMm = 0.0;
    DeviceRole role = DeviceRole::Guidewire;
};

struct MetricSpec {
    std::string name;   // report key ("cement_injected_ml")
    std::string unit;
    std::string label;  // how the debrief names it by default
};

struct EventSpec {
    std::string kind;  // "cement.leak"
    assessment::EventCategory category = assessment::EventCategory::Device;
    std::string label; // "Cement leak"
};

// A running total the status bar shows, the timeline samples and the debrief plots.
struct QuantitySpec {
    std::string key;    // timeline field in the report ("cement_ml")
    std::string label;  // "Cement injected"
    std::string unit;   // "ml"
};

// A device as the session leaves it (the report's `devices`): where its tip is and in what, so a
// headless run shows what the window's readout showed.
struct DeviceState {
    std::string device;          // "trocar_11g_diamond"
    bool inPatient = false;      // through the skin (else on the skin or put down)
    glm::dvec3 tipLps{0.0};      // mm
    double depthFromSkinMm = 0.0;  // track length from the skin entry to the tip
    std::string tissueAtTip;     // "muscle", "cancellous_bone", "air"
};

// What a procedure's scenario sections say, typed, parsed once when the scenario loads. The
// procedure's own class; shared code keeps it behind this base.
class ProcedureDefinition {
public:
    virtual ~ProcedureDefinition() = default;
    // The metrics a session of this scenario produces (some depend on the definition: one per
    // view goal of a C-arm positioning exercise).
    virtual std::vector<MetricSpec> metrics() const = 0;
};

// A running procedure: the immutable model (patient-derived anatomy, devices, collision shapes,
// shared between copies) and a plain-data state that is copied by clone() and hashed.
class Procedure {
public:
    virtual ~Procedure() = default;
    // A copy with the same model and a copy of the state (session snapshots).
    virtual std::unique_ptr<Procedure> clone() const = 0;
    virtual void step(Session& session) { (void)session; }
    virtual void addMetrics(const Session& session, assessment::Metrics& metrics) const = 0;
    // Running quantities, in the order of ProcedureSpec::quantities.
    virtual std::vector<double> quantities(const Session& session) const {
        (void)session;
        return {};
    }
    // What the X-ray beam sees besides the anatomy now: devices and agents, each with its material.
    virtual imaging::FrameContents radiopaqueContents(const Session& session) const {
        (void)session;
        return {};
    }
    // Where a catheter's tip is now (LPS mm), for contrast.inject at "catheter_tip".
    virtual std::optional<glm::dvec3> catheterTip(const Session& session) const {
        (void)session;
        return std::nullopt;
    }
    // The share of its baseline blood flow the arterial segment `segment` (a tree node) carries now:
    // 1 unless the procedure has slowed it (an embolic load, a spasm). Contrast injected there is
    // pumped on at that flow.
    virtual double arterialFlowShare(const Session& session, int segment) const {
        (void)session;
        (void)segment;
        return 1.0;
    }
    // The highest contrast flow (ml/s) the catheter at catheterTip() lets through at its rated
    // pressure, when the procedure knows its lumen; an injection asking for more runs at this.
    virtual std::optional<double> injectionFlowLimitMlPerS(const Session& session) const {
        (void)session;
        return std::nullopt;
    }
    // The point a CT acquisition's displayed slice follows (a needle tip, a probe), when any.
    virtual std::optional<glm::dvec3> ctFollowPoint(const Session& session) const {
        (void)session;
        return std::nullopt;
    }
    // Each device's state now, in a fixed order (the report writes them at the end).
    virtual std::vector<DeviceState> devices(const Session& session) const {
        (void)session;
        return {};
    }
    // The endovascular devices in the patient, outermost first, for the 3D view; none by default.
    virtual std::vector<DeviceOutline> deviceOutlines(const Session& session) const {
        (void)session;
        return {};
    }
    // Tissue whose CT number the procedure has changed (drawn under the devices in CT slices and CT
    // fluoroscopy); nothing by default.
    virtual void ctOverlay(const Session& session, CtOverlay& overlay) const {
        (void)session;
        (void)overlay;
    }
    // Pictures of the result, written beside the images a headless run saves; none by default.
    virtual std::vector<ResultPicture> resultPictures(const Session& session) const {
        (void)session;
        return {};
    }
    // Feeds the plain-data state into the session's state hash.
    virtual void hashState(StateHash& hash) const = 0;
};

// A tumour or fracture of the phantom, as a scenario's [[patient.phantom.tumour]] names it.
struct ScenarioTumour {
    std::string site;       // "liver_segment_8", "vertebrae_T12"
    std::string kind;       // "hypervascular", "lytic", "compression_fracture"
    double diameterMm = 0.0;
    double heightLoss = 0.3;  // compression fracture: fraction of the body's height lost
};

// What `irsim scenario new` writes for a procedure, as commented TOML in which "{target}" stands for
// the structure the scenario is about (--target). The shared parts (scenario, patient, C-arm, the
// pass mark, fluoroscopy time, the list of every metric and event) come from the declarations.
struct ScenarioTemplate {
    std::string target;    // the structure when --target is not given ("vertebrae_L1")
    // What an author may pick as the target (`irsim author` offers the structures of the label
    // map among these); empty: any structure.
    std::vector<std::string> targetChoices;
    std::string phantom;   // keys under [patient.phantom] the procedure needs ("osteoporotic = true")
    std::vector<ScenarioTumour> tumours;  // the phantom's tumours and fractures (site may be "{target}")
    std::string sections;  // the procedure's own tables ([vertebroplasty], [[goal.view]])
    // Its goals (what the procedure is for: a session that does nothing must miss one), usual
    // metrics and critical errors; names and reasons may hold "{target}".
    assessment::Rubric rubric;
};

struct ProcedureSpec {
    std::string name;                   // what scenario.procedure names
    std::string title;                  // "Vertebroplasty"
    std::string docs;                   // its page ("engine/procedures/vertebroplasty/README.md")
    // Reads its sections (and the common fields it needs) into its definition; errors through
    // doc.fail(field, ...). Every key it reads is consumed; the loader refuses the rest.
    std::function<std::shared_ptr<const ProcedureDefinition>(const Scenario&)> parse;
    // The running procedure for this scenario and patient; patient-dependent errors through
    // scenario.doc.fail(field, ...).
    std::function<std::unique_ptr<Procedure>(const Scenario&, const patient::Patient&)> make;
    std::vector<ActionSpec> actions;
    std::vector<EventSpec> events;
    std::vector<QuantitySpec> quantities;
    PanelSpec panel;
    ScenarioTemplate scenarioTemplate;  // empty: `scenario new` writes only the shared parts
};

// ProcedureSpec::make for a procedure class constructed from (scenario, patient).
template <class P>
auto constructed() {
    return [](const Scenario& scenario, const patient::Patient& patient) -> std::unique_ptr<Procedure> {
        return std::make_unique<P>(scenario, patient);
    };
}

// Adds a procedure (the one registration line of each, engine/procedures/builtin.cpp; a test may
// register its own). Returns true, so a registration can initialise a static.
bool registerProcedure(ProcedureSpec spec);
// nullptr when no procedure has this name.
const ProcedureSpec* findProcedure(const std::string& name);
std::vector<std::string> procedureNames();

// The fluoroscopy pulse rates the C-arm offers (its low, normal and high dose programmes): what
// `fluoro.rate` and a scenario's carm.pulse_rate accept.
inline const std::vector<double> kFluoroPulseRatesPps{7.5, 15.0, 30.0};

// What every session has whatever its procedure: the imaging actions, events, metrics and
// quantities (session.cpp, imaging_modes.cpp).
const std::vector<ActionSpec>& imagingActions();
const std::vector<EventSpec>& imagingEvents();
const std::vector<MetricSpec>& imagingMetrics();
const std::vector<QuantitySpec>& imagingQuantities();

// docs/actions.md's generated part: the imaging actions and every registered procedure's.
std::string actionsMarkdown();

}  // namespace irsim::sim
