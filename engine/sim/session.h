#pragma once
// A training session: an immutable scenario and patient (the model) and a plain-data state, advanced
// on a fixed clock of kTicksPerSecond ticks. Actions take effect at the first tick at or after their
// time, in the order given. Nothing here reads a wall clock, so the same scenario and action log give
// the same state and metrics bit for bit, with a window or without.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "assessment/rubric.h"
#include "core/rng.h"
#include "imaging/carm.h"
#include "imaging/dose.h"
#include "imaging/radiopaque.h"
#include "patient/patient.h"
#include "sim/action.h"
#include "sim/scenario.h"

namespace irsim::sim {

constexpr int64_t kTicksPerSecond = 240;  // also Bullet's fixed step (1/240 s)
constexpr double kTimeStepS = 1.0 / static_cast<double>(kTicksPerSecond);
int64_t tickAtOrAfter(double time_s);

enum class ImageKind { FluoroHold, Stored, Cine, Ct };
const char* toString(ImageKind kind);

// An image the trainee took: the last image of a fluoro run (last-image-hold), a stored image, a
// cine frame, a CT acquisition. Its pixels are rendered on demand from this record.
struct ImageTaken {
    double time_s = 0.0;
    ImageKind kind = ImageKind::FluoroHold;
    imaging::CArmPose pose;
    double kvp = 0.0;
    std::string label;
};

struct DoseTally {
    double fluoroTimeS = 0.0;             // pedal time with pulses
    int64_t fluoroPulses = 0;
    int64_t cineFrames = 0;
    imaging::DoseReport report;           // air kerma, KAP and runs as the system displays them
};

// Cumulative quantities sampled once per simulated second, for the debrief's plots.
struct TimelineSample {
    double time_s = 0.0;
    double referenceAirKermaMGy = 0.0;
    double kermaAreaProductGyCm2 = 0.0;
    double fluoroTimeS = 0.0;
    double contrastMl = 0.0;         // iodinated contrast injected so far
    double activityGBq = 0.0;        // Y-90 activity delivered so far
    double cementMl = 0.0;           // bone cement injected so far
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
    double centralRayWaterMm = 0.0;    // patient thickness along the current central ray
    std::vector<assessment::SessionEvent> events;
    std::vector<ImageTaken> images;
    std::vector<TimelineSample> timeline;  // one a second, and one at the end
    // Running totals procedures keep up to date (the status bar and the timeline read them).
    double contrastMl = 0.0;
    double activityGBq = 0.0;
    double cementMl = 0.0;
    bool ended = false;
    std::string endReason;
    Rng rng;

    double time_s() const { return static_cast<double>(tick) * kTimeStepS; }
};

class Session;

// What a procedure adds to the common imaging session: its own actions, its per-tick physics and
// its metrics. Made by name from the scenario (registerProcedure).
class Procedure {
public:
    virtual ~Procedure() = default;
    // True when the action was this procedure's; throw DataError for bad arguments.
    virtual bool apply(const Action& action, Session& session) = 0;
    virtual void step(Session& session) { (void)session; }
    virtual void addMetrics(const Session& session, assessment::Metrics& metrics) const = 0;
    // What the X-ray beam sees besides the anatomy now: devices, contrast, cement.
    virtual imaging::FrameContents radiopaqueContents(const Session& session) const {
        (void)session;
        return {};
    }
};

using ProcedureFactory =
    std::function<std::unique_ptr<Procedure>(const Scenario&, const patient::Patient&)>;
void registerProcedure(const std::string& name, ProcedureFactory factory);
std::vector<std::string> procedureNames();

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
    const Scenario& scenario() const { return scenario_; }
    const patient::Patient& patient() const { return *patient_; }
    std::shared_ptr<const patient::Patient> patientPtr() const { return patient_; }
    const SimState& state() const { return state_; }
    SimState& state() { return state_; }

    void addEvent(const std::string& kind, const std::string& details);
    imaging::FrameContents radiopaqueContents() const { return procedure_->radiopaqueContents(*this); }
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
    bool applyImaging(const Action& a);
    void firePulse(bool cine);
    void poseChanged();
    void sampleTimeline();

    Scenario scenario_;
    std::shared_ptr<const patient::Patient> patient_;
    std::unique_ptr<Procedure> procedure_;
    SimState state_;
    std::vector<Action> queue_;  // sorted by time, FIFO for equal times
    size_t queueHead_ = 0;
    ImageSink imageSink_;
    std::unique_ptr<imaging::SkinDoseMap> skinDose_;
    void imageTaken(ImageTaken image);
};

}  // namespace irsim::sim
