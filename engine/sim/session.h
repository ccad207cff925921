#pragma once
// A training session: an immutable scenario and patient (the model) and a plain-data state, advanced
// on a fixed clock of kTicksPerSecond ticks. Actions take effect at the first tick at or after their
// time, in the order given. Nothing here reads a wall clock, so the same scenario and action log give
// the same state and metrics bit for bit, with a window or without.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "assessment/rubric.h"
#include "core/rng.h"
#include "imaging/carm.h"
#include "imaging/dose.h"
#include "imaging/radiopaque.h"
#include "patient/patient.h"
#include "sim/action.h"
#include "sim/phases.h"
#include "sim/procedure.h"
#include "sim/scenario.h"
#include "therapy/contrast.h"

namespace irsim::sim {

constexpr int64_t kTicksPerSecond = 240;  // also Bullet's fixed step (1/240 s)
constexpr double kTimeStepS = 1.0 / static_cast<double>(kTicksPerSecond);
int64_t tickAtOrAfter(double time_s);

// DsaMask / Dsa: a DSA run's mask and its subtraction frames; Recalled: a stored image shown again
// (imaging_modes.cpp).
enum class ImageKind { FluoroHold, Stored, Cine, Ct, DsaMask, Dsa, Recalled };
const char* toString(ImageKind kind);

// An image the trainee took: the last image of a fluoro run (last-image-hold), a stored image, a
// cine frame, a CT acquisition. Its pixels are rendered on demand from this record.
struct ImageTaken {
    double time_s = 0.0;
    ImageKind kind = ImageKind::FluoroHold;
    imaging::CArmPose pose;
    double kvp = 0.0;
    std::string label;
    int maskIndex = -1;     // Dsa: the run's mask image
    int roadmapIndex = -1;  // FluoroHold with the roadmap on: the DSA frame overlaid
    int recallIndex = -1;   // Recalled: the image shown again
    // Ct: the acquisition's z range and the axial slice shown (LPS z, mm), and its window.
    double ctFromMm = 0.0, ctToMm = 0.0, ctSliceZMm = 0.0;
    std::string ctWindow;
};
inline ImageTaken imageOf(double time_s, ImageKind kind, const imaging::CArmPose& pose, double kvp, std::string label) {
    ImageTaken i;
    i.time_s = time_s, i.kind = kind, i.pose = pose, i.kvp = kvp, i.label = std::move(label);
    return i;
}

struct DoseTally {
    double fluoroTimeS = 0.0;             // pedal time with pulses
    int64_t fluoroPulses = 0;
    int64_t cineFrames = 0;
    int64_t dsaFrames = 0;                // masks included
    int64_t ctAcquisitions = 0;
    double ctDlpGyCm = 0.0;               // summed over CT acquisitions
    double ctMaxCtdiVolGy = 0.0;          // highest CTDIvol of any acquisition
    imaging::DoseReport report;           // air kerma, KAP and runs as the system displays them
};

// Cumulative quantities sampled once per simulated second, for the debrief's plots. `quantities`
// follow Session::quantitySpecs(): the imaging ones (contrast), then the procedure's.
struct TimelineSample {
    double time_s = 0.0;
    double referenceAirKermaMGy = 0.0;
    double kermaAreaProductGyCm2 = 0.0;
    double fluoroTimeS = 0.0;
    std::vector<double> quantities;
};

// DSA runs, the roadmap and CT acquisitions (imaging_modes.cpp).
struct ImagingModesState {
    int64_t dsaUntilTick = -1;         // DSA run in progress until this tick
    double dsaFps = 3.0;
    int64_t nextDsaTick = 0;
    int dsaMaskIndex = -1;             // mask of the run in progress or the last run
    int dsaPeakIndex = -1;             // the last run's frame with the most iodine in view
    double dsaPeakMg = -1.0;
    bool roadmapOn = false;
    int roadmapIndex = -1;
};

struct SimState {
    int64_t tick = 0;
    imaging::CArmPose carm;
    double kvp = 0.0;                  // set by the automatic exposure control at each pulse
    bool fluoroOn = false;
    double pulseRatePps = 15.0;
    int64_t nextPulseTick = 0;
    double fluoroOnSince_s = 0.0;
    int64_t cineUntilTick = -1;        // cine run in progress until this tick
    double cineFps = 7.5;
    int64_t nextCineTick = 0;
    DoseTally dose;
    ImagingModesState modes;
    therapy::ContrastState contrast;   // iodinated contrast in the patient's arteries
    double centralRayWaterMm = 0.0;    // patient thickness along the current central ray
    std::vector<assessment::SessionEvent> events;
    std::vector<ImageTaken> images;
    std::vector<TimelineSample> timeline;  // one a second, and one at the end
    double contrastMl = 0.0;           // iodinated contrast injected so far
    bool ended = false;
    std::string endReason;
    Rng rng;

    double time_s() const { return static_cast<double>(tick) * kTimeStepS; }
};

class Session;

// Everything a session needs to go on from one moment exactly as it would have: its state, its
// procedure's state, the skin dose so far and where it is in the queued actions.
struct SessionSnapshot {
    SimState state;
    std::shared_ptr<const Procedure> procedure;
    std::shared_ptr<const imaging::SkinDoseMap> skinDose;
    size_t queueHead = 0;
};

class Session {
public:
    // Throws DataError (naming the scenario file) when the procedure is unknown or the patient lacks
    // what the scenario needs.
    Session(Scenario scenario, std::shared_ptr<const patient::Patient> patient);
    ~Session();

    // Queues an action. Its time must not be before the current time; an action for the current
    // tick is applied at the next advance.
    void submit(Action action);
    // Steps until the clock reaches `time_s` (applying queued actions on the way).
    void advanceTo(double time_s);
    // Plays a whole log: each action at its time, then ends the session at the last action.
    void play(const std::vector<Action>& log);
    void end(const std::string& reason);

    bool ended() const { return state_.ended; }
    double time_s() const { return state_.time_s(); }
    // Every action submitted so far, in the order they take effect (the report carries them, so
    // a debrief can replay the session from the report alone).
    const std::vector<Action>& actions() const { return queue_; }
    const Scenario& scenario() const { return scenario_; }
    const patient::Patient& patient() const { return *patient_; }
    std::shared_ptr<const patient::Patient> patientPtr() const { return patient_; }
    const SimState& state() const { return state_; }
    SimState& state() { return state_; }
    // The running procedure, and what it declared (actions, events, quantities, panel).
    const Procedure& procedure() const { return *procedure_; }
    // The running procedure of class P: the session's own or, in a phased scenario (sim/phases.h),
    // its phase of that class (a procedure's panel reads its own state through this).
    template <class P>
    const P& procedureAs() const;
    const ProcedureSpec& procedureSpec() const { return *spec_; }

    // Records an event of a declared kind (imagingEvents() or the procedure's); its category
    // comes from the declaration.
    void addEvent(const std::string& kind, const std::string& details);
    // The running quantities now, in the order of quantitySpecs().
    const std::vector<QuantitySpec>& quantitySpecs() const { return quantitySpecs_; }
    std::vector<double> quantities() const;

    SessionSnapshot snapshot() const;
    // Goes back (or forward) to a snapshot of this session; queued actions are kept.
    void restore(const SessionSnapshot& snapshot);
    // FNV-1a over the plain-data state, the procedure's included: equal only when bit-identical.
    uint64_t stateHash() const;
    // The procedure's devices and agents, then the contrast in the arteries.
    imaging::FrameContents radiopaqueContents() const;
    // The arterial tree's contrast model; nullptr when the patient has no vessel tree.
    const therapy::ContrastModel* contrastModel() const { return contrast_.get(); }
    // The dose programme of the current pulse rate (fluoro low / normal / high) or cine.
    imaging::FluoroMode fluoroMode(bool cine) const;

    // Called at the moment an image is taken (index into state().images), while the devices and
    // contrast are where they were: the headless runner renders it then, the window shows it.
    using ImageSink = std::function<void(const Session&, size_t index)>;
    void setImageSink(ImageSink sink) { imageSink_ = std::move(sink); }
    assessment::Metrics metrics() const;
    // Peak skin dose map on the patient's body outline, accumulated pulse by pulse.
    const imaging::SkinDoseMap& skinDose() const { return *skinDose_; }
    assessment::Assessment assess() const;

private:
    void stepOnce();
    void apply(const Action& a);
    // What an action names in this patient (a vessel branch) must exist when it is submitted.
    void checkAgainstPatient(const Action& a) const;
    const ActionSpec& specOf(const Action& a) const;  // throws DataError for an unknown action
    // The imaging actions' handlers (session.cpp; imaging_modes.cpp: contrast.inject, dsa.run,
    // roadmap.on/off, image.recall, ct.scan, ct.fluoro). imagingActions() binds them.
    friend const std::vector<ActionSpec>& imagingActions();
    void carmMove(const Action& a);
    void tableMove(const Action& a);
    void fieldOfView(const Action& a);
    void collimate(const Action& a);
    void fluoroRate(const Action& a);
    void fluoroOn(const Action& a);
    void fluoroOff(const Action& a);
    void cineRun(const Action& a);
    void imageStore(const Action& a);
    void sessionStart(const Action& a);
    void procedureEnd(const Action& a);
    void contrastInject(const Action& a);
    void dsaRun(const Action& a);
    void roadmapOn(const Action& a);
    void roadmapOff(const Action& a);
    void imageRecall(const Action& a);
    void ctAcquire(const Action& a);
    void stepImagingModes();
    void firePulse(bool cine);
    void poseChanged();
    void sampleTimeline();

    Scenario scenario_;
    std::shared_ptr<const patient::Patient> patient_;
    const ProcedureSpec* spec_ = nullptr;
    std::unique_ptr<Procedure> procedure_;
    std::map<std::string, const ActionSpec*> actions_;
    std::map<std::string, assessment::EventCategory> eventCategories_;
    std::vector<QuantitySpec> quantitySpecs_;
    SimState state_;
    std::vector<Action> queue_;  // sorted by time, FIFO for equal times
    size_t queueHead_ = 0;
    ImageSink imageSink_;
    std::unique_ptr<imaging::SkinDoseMap> skinDose_;
    std::unique_ptr<therapy::ContrastModel> contrast_;
    void imageTaken(ImageTaken image);
};

template <class P>
const P& Session::procedureAs() const {
    if (const auto* p = dynamic_cast<const P*>(procedure_.get())) return *p;
    if (const auto* phased = dynamic_cast<const PhasedProcedure*>(procedure_.get()))
        for (size_t i = 0; i < phased->phaseCount(); ++i)
            if (const auto* p = dynamic_cast<const P*>(&phased->phase(i))) return *p;
    throw std::logic_error("the session runs no procedure of the class asked for");
}

}  // namespace irsim::sim
