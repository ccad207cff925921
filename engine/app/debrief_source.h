#pragma once
// Where a debrief's data comes from, without a window: a session in the records (its report and
// action log) or a report file, the scenario's rubric, the trainee's earlier attempts, the expert
// reference and the ratings; the state at any moment of the session by replaying its action log
// in a fresh sim::Session (deterministic: the same log gives the same state bit for bit); and the
// pixels of every image taken, rendered on the CPU by sim::ImageRenderer. Used by
// `irsim debrief`, the HTML export, `irsim run/replay --trainee` and the window's debrief.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assessment/debrief.h"
#include "assessment/debrief_html.h"
#include "core/image_io.h"
#include "sim/action.h"
#include "sim/scenario.h"
#include "sim/session.h"

namespace irsim::app {

struct DebriefRequest {
    std::string target;      // a session id in the records, or a report file (irsim.report/1)
    std::string recordsUrl;  // "" = the default store (only opened for a session id or a trainee)
    bool useRecords = false; // also read attempts and the expert reference for a report file
    std::string trainee;     // for a report file: whose learning curve to show
    std::string actionsPath; // for a report file: its action log (scrubbing, rendering images)
    std::string scenarioPath; // "" = found by the report's scenario id in scenarios/; else this file
};

struct LoadedDebrief {
    assessment::Debrief debrief;
    // Absent when the scenario file cannot be found, or is not the version the session ran on (the
    // rubric then comes from the report).
    std::optional<sim::Scenario> scenario;
    std::vector<sim::Action> log;           // empty when the action log is unknown
    std::string recordsUrl;                 // where ratings are stored (valid when debrief.sessionId)
    std::string source;                     // what was opened, for messages
};

LoadedDebrief loadDebrief(const DebriefRequest& request);

// A debrief of a session just played (the window's end of procedure, `replay --debrief-...`).
LoadedDebrief debriefOfSession(const nlohmann::json& report, const sim::Scenario& scenario,
                               std::vector<sim::Action> log, const std::string& source);

// Attempts (this trainee, this scenario), the expert reference and the ratings from the records.
void addFromRecords(LoadedDebrief& d, const std::string& recordsUrl);

// The session at one moment, replayed.
struct ScrubFrame {
    double time_s = 0.0;
    imaging::CArmPose carm;
    double airKermaMGy = 0.0, kapGyCm2 = 0.0, fluoroTimeS = 0.0;
    struct Quantity {
        std::string label, unit;
        double value = 0.0;
    };
    std::vector<Quantity> quantities;  // the session's running quantities (contrast, cement, ...)
    bool fluoroOn = false;
    size_t events = 0;    // events up to this moment
    int imageIndex = -1;  // the last image taken at or before time_s, -1 when none
    GreyImage image;      // its pixels (empty when none, or not asked for)
};

// Plays `log` into a fresh session up to time_s (the whole log, ended, when time_s is at or past
// the last action) and reports the state; with imagesOf (the debrief's image list), also renders
// the last image taken at or before time_s.
ScrubFrame replayTo(const sim::Scenario& scenario, std::shared_ptr<const patient::Patient> patient,
                    const std::vector<sim::Action>& log, double time_s, const assessment::Debrief* imagesOf);

// Snapshots of a session every few simulated seconds, so that scrubbing the debrief's timeline
// replays at most that far from the nearest snapshot instead of from the start. Thread-safe: the
// window replays in the background. The same moment gives the same frame as replayTo.
class ReplayCache {
public:
    ReplayCache(sim::Scenario scenario, std::shared_ptr<const patient::Patient> patient, std::vector<sim::Action> log,
                double everyS = 5.0);
    ~ReplayCache();
    ScrubFrame replayTo(double time_s, const assessment::Debrief* imagesOf) const;
    size_t snapshotCount() const;
    // The procedure's pictures of the result at the end of the session (a dose map).
    std::vector<sim::ResultPicture> resultPictures() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// Every image the session took, rendered when it was taken (what `run --frames` writes); with
// `results`, also the procedure's pictures of its result at the end (a dose map). renderImages
// false plays the log without rendering (only the results are wanted).
std::vector<GreyImage> renderSessionImages(const sim::Scenario& scenario,
                                           std::shared_ptr<const patient::Patient> patient,
                                           const std::vector<sim::Action>& log,
                                           std::vector<sim::ResultPicture>* results = nullptr,
                                           bool renderImages = true);

// How the window and the debrief name a result picture: its file stem in words ("Dose map").
std::string resultPictureTitle(const std::string& name);

// PNG bytes per image for the HTML: from framesDir when it holds the report's files, else rendered
// by replay when the scenario and log are known, else empty strings. With `results`, also the
// procedure's result pictures: the result-*.png files of a framesDir that holds every image (what
// `run --frames` writes), else replayed when the scenario and log are known.
std::vector<std::string> debriefImagesPng(const LoadedDebrief& d, const std::string& framesDir,
                                          std::shared_ptr<const patient::Patient> patient = nullptr,
                                          std::vector<assessment::ResultPng>* results = nullptr);

// Writes the HTML export; returns the number of images embedded.
size_t writeDebriefHtml(const LoadedDebrief& d, const std::string& path, const std::string& framesDir,
                        std::shared_ptr<const patient::Patient> patient = nullptr);

// Stores a finished session for a trainee (report in memory, action log from its file) and
// returns its id. startedAt comes from the app's clock (nowUtc), never the engine's.
std::int64_t storeSession(const std::string& recordsUrl, const std::string& trainee, const std::string& startedAt,
                          const nlohmann::json& report, const std::string& reportPath,
                          const std::string& actionLogPath);
std::string nowUtc();

// An action log held as text (the records keep it so).
std::vector<sim::Action> parseActionLog(const std::string& text, const std::string& file);

}  // namespace irsim::app
