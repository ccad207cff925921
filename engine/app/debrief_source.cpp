#include "app/debrief_source.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>
#include <mutex>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "assessment/debrief_html.h"
#include "assessment/iso8601.h"
#include "assessment/record_import.h"
#include "assessment/records.h"
#include "core/error.h"
#include "core/paths.h"
#include "sim/frames.h"
#include "sim/run_headless.h"

namespace irsim::app {

namespace as = irsim::assessment;
namespace fs = std::filesystem;

namespace {

bool isSessionId(const std::string& s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The scenario of a report, when its file can still be found and is the version the session ran
// on (the model to replay the log in; the rubric's targets and limits for reports that do not
// carry it). `path` (--scenario) overrides the search by id and the version check.
std::optional<sim::Scenario> scenarioOf(const nlohmann::json& report, const std::string& path) {
    if (!path.empty()) return sim::loadScenario(path);
    std::optional<sim::Scenario> s;
    try {
        s = sim::loadScenario(sim::resolveScenarioPath(report.value("scenario", std::string())));
    } catch (const DataError&) {
        return std::nullopt;
    }
    const std::string ranOn = report.value("scenario_fnv1a64", std::string());
    if (!ranOn.empty() && ranOn != s->contentHash) return std::nullopt;
    return s;
}

nlohmann::json parseReport(const std::string& text, const std::string& file) {
    nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
    if (j.is_discarded()) throw DataError(file, 0, "", "not valid JSON (expected a session report)");
    return j;
}

}  // namespace

std::string nowUtc() {
    // The app, unlike the engine, may read the clock: it stamps when the session was run.
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::system_clock::now().time_since_epoch())
                        .count();
    return as::formatIso8601Utc(ms);
}

std::vector<sim::Action> parseActionLog(const std::string& text, const std::string& file) {
    std::vector<sim::Action> log;
    std::istringstream in(text);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
        const auto first = line.find_first_not_of(" \t\r");
        if (first == std::string::npos || line[first] == '#') continue;  // as sim::readActionLog
        log.push_back(sim::parseActionLine(line, file, n));
    }
    return log;
}

LoadedDebrief debriefOfSession(const nlohmann::json& report, const sim::Scenario& scenario,
                               std::vector<sim::Action> log, const std::string& source) {
    LoadedDebrief d;
    d.source = source;
    d.scenario = scenario;
    d.debrief = as::debriefFromReport(report, &scenario.rubric, source);
    d.log = std::move(log);
    return d;
}

void addFromRecords(LoadedDebrief& d, const std::string& recordsUrl) {
    as::RecordStore store = as::RecordStore::open(recordsUrl);
    d.recordsUrl = recordsUrl;
    as::Debrief& b = d.debrief;
    if (b.sessionId) {
        if (auto s = store.session(b.sessionId)) b.ratings = s->ratings;
    }
    if (!b.trainee.empty()) as::addAttempts(b, store.list({b.trainee, b.scenario, false}));
    if (auto ref = store.referenceFor(b.scenario)) {
        if (auto expert = store.session(*ref)) as::addExpertReference(b, *expert);
    }
}

LoadedDebrief loadDebrief(const DebriefRequest& r) {
    if (isSessionId(r.target)) {
        as::RecordStore store = as::RecordStore::open(r.recordsUrl);
        const std::int64_t id = std::stoll(r.target);
        const auto s = store.session(id);
        if (!s) throw DataError(store.describe(), 0, "SESSION", "no session " + r.target + " in the records");
        const std::string file = store.describe() + " session " + r.target;
        LoadedDebrief d;
        d.source = file;
        const nlohmann::json report = parseReport(s->reportJson, file);
        d.scenario = scenarioOf(report, r.scenarioPath);
        d.debrief = as::debriefFromReport(report, d.scenario ? &d.scenario->rubric : nullptr, file);
        d.debrief.sessionId = id;
        d.debrief.trainee = s->trainee;
        d.debrief.startedAt = s->startedAt;
        d.log = parseActionLog(s->actionLog, s->actionLogPath.empty() ? file : s->actionLogPath);
        addFromRecords(d, r.recordsUrl);
        return d;
    }
    const std::string text = readTextFile(r.target);
    const nlohmann::json report = parseReport(text, r.target);
    LoadedDebrief d;
    d.source = r.target;
    d.scenario = scenarioOf(report, r.scenarioPath);
    d.debrief = as::debriefFromReport(report, d.scenario ? &d.scenario->rubric : nullptr, r.target);
    d.debrief.trainee = r.trainee;
    if (!r.actionsPath.empty()) {
        d.log = sim::readActionLog(r.actionsPath);
    } else if (const auto it = report.find("actions"); it != report.end() && it->is_array()) {
        // The report carries its session's actions: the images can be rendered again from it.
        std::string lines;
        for (const nlohmann::json& a : *it) lines += a.dump() + "\n";
        d.log = parseActionLog(lines, r.target + " (its actions)");
    }
    if (r.useRecords || !r.trainee.empty()) addFromRecords(d, r.recordsUrl);
    return d;
}

namespace {

// The images a moment shows: the last image taken at or before it (`wanted`) and, for a stored
// image, the images back to the one it stores (`from`): each is rendered at the moment it was
// taken, with the devices and contrast of that moment.
struct ImagesToRender {
    int wanted = -1, from = -1;
};

ImagesToRender imagesToRender(const as::Debrief* imagesOf, double time_s, bool whole) {
    ImagesToRender r;
    if (!imagesOf) return r;
    r.wanted = as::lastImageAtOrBefore(*imagesOf, whole ? imagesOf->duration_s + 1.0 : time_s);
    r.from = r.wanted;
    while (r.from > 0 && imagesOf->images[static_cast<size_t>(r.from)].kind == sim::toString(sim::ImageKind::Stored)) --r.from;
    return r;
}

// Plays the session's queued actions on to time_s (to the end, ended, when `whole`), rendering
// the wanted images on the way, and reads the frame off the state.
ScrubFrame playOn(sim::Session& session, double lastActionS, double time_s, bool whole, ImagesToRender want,
                  const std::vector<bool>& render) {
    ScrubFrame f;
    sim::ImageRenderer renderer;
    if (want.wanted >= 0) {
        session.setImageSink([&](const sim::Session& s, size_t index) {
            if (index >= render.size() || !render[index]) return;
            GreyImage image = renderer.render(s, index);
            if (static_cast<int>(index) >= want.from && static_cast<int>(index) <= want.wanted) f.image = std::move(image);
        });
    }
    if (whole) {
        session.advanceTo(lastActionS);
        if (!session.ended()) session.end("end of the action log");
    } else {
        session.advanceTo(time_s);
    }
    session.setImageSink({});
    const sim::SimState& s = session.state();
    f.time_s = s.time_s();
    f.carm = s.carm;
    f.airKermaMGy = 1000.0 * s.dose.report.referenceAirKermaGy;
    f.kapGyCm2 = s.dose.report.kermaAreaProductGyCm2;
    f.fluoroTimeS = s.dose.fluoroTimeS;
    const std::vector<double> values = session.quantities();
    for (size_t i = 0; i < values.size(); ++i)
        f.quantities.push_back({session.quantitySpecs()[i].label, session.quantitySpecs()[i].unit, values[i]});
    f.fluoroOn = s.fluoroOn;
    f.events = s.events.size();
    f.imageIndex = s.images.empty() ? -1 : static_cast<int>(s.images.size()) - 1;
    if (f.imageIndex != want.wanted) f.image = {};  // the report and the replay disagree: show nothing false
    return f;
}

}  // namespace

struct ReplayCache::Impl {
    sim::Scenario scenario;
    std::shared_ptr<const patient::Patient> patient;
    std::vector<sim::Action> log;
    double everyS = 5.0;
    std::mutex mutex;
    std::unique_ptr<sim::Session> session;                    // every action queued; restored per scrub
    std::vector<std::pair<double, sim::SessionSnapshot>> snaps;  // time order, the first at t = 0

    double last() const { return log.empty() ? 0.0 : log.back().time_s; }

    std::vector<sim::ImageTaken> images;                        // every image of the whole session
    std::vector<sim::ResultPicture> results;                    // the procedure's, at the end

    void build() {
        session = std::make_unique<sim::Session>(scenario, patient);
        for (const sim::Action& a : log) session->submit(a);
        snaps.push_back({0.0, session->snapshot()});
        for (double t = everyS; t < last(); t += everyS) {
            session->advanceTo(t);
            snaps.push_back({session->time_s(), session->snapshot()});
        }
        session->advanceTo(last());
        if (!session->ended()) session->end("end of the action log");
        images = session->state().images;
        results = session->procedure().resultPictures(*session);
    }

    // The latest snapshot taken before `beforeS` (strictly: an image taken at a snapshot's tick
    // must be rendered by playing through that tick).
    const sim::SessionSnapshot& snapshotBefore(double beforeS) const {
        size_t best = 0;
        for (size_t i = 0; i < snaps.size(); ++i)
            if (snaps[i].first < beforeS) best = i;
        return snaps[best].second;
    }
};

ReplayCache::ReplayCache(sim::Scenario scenario, std::shared_ptr<const patient::Patient> patient,
                         std::vector<sim::Action> log, double everyS)
    : impl_(std::make_unique<Impl>()) {
    impl_->scenario = std::move(scenario);
    impl_->patient = std::move(patient);
    impl_->log = std::move(log);
    impl_->everyS = everyS;
}

ReplayCache::~ReplayCache() = default;

size_t ReplayCache::snapshotCount() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    return impl_->snaps.size();
}

std::vector<sim::ResultPicture> ReplayCache::resultPictures() const {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    if (!impl_->session) impl_->build();
    return impl_->results;
}

ScrubFrame ReplayCache::replayTo(double time_s, const assessment::Debrief* imagesOf) const {
    Impl& d = *impl_;
    std::lock_guard<std::mutex> lock(d.mutex);
    if (!d.session) d.build();
    const bool whole = time_s >= d.last();
    const ImagesToRender want = imagesToRender(imagesOf, time_s, whole);
    // Start early enough to render what the moment shows: each image to render and whatever it
    // is drawn from (a DSA frame's mask, the roadmap's frame, the image a recall shows again),
    // each of which this replay's renderer must have rendered itself.
    double startBefore = whole ? d.last() + 1.0 : time_s;
    std::vector<int> pending;
    for (int i = want.from; i >= 0 && i <= want.wanted; ++i) pending.push_back(i);
    std::vector<bool> seen(d.images.size(), false);
    while (!pending.empty()) {
        const int i = pending.back();
        pending.pop_back();
        if (i < 0 || static_cast<size_t>(i) >= d.images.size() || seen[static_cast<size_t>(i)]) continue;
        seen[static_cast<size_t>(i)] = true;
        const sim::ImageTaken& im = d.images[static_cast<size_t>(i)];
        startBefore = std::min(startBefore, im.time_s);
        for (int dep : {im.maskIndex, im.roadmapIndex, im.recallIndex, im.kind == sim::ImageKind::Stored ? i - 1 : -1})
            pending.push_back(dep);
    }
    d.session->restore(d.snapshotBefore(startBefore));
    return playOn(*d.session, d.last(), time_s, whole, want, seen);
}

ScrubFrame replayTo(const sim::Scenario& scenario, std::shared_ptr<const patient::Patient> patient,
                    const std::vector<sim::Action>& log, double time_s, const assessment::Debrief* imagesOf) {
    // One snapshot, at the start: the whole replay.
    return ReplayCache(scenario, std::move(patient), log, std::numeric_limits<double>::infinity()).replayTo(time_s, imagesOf);
}

std::vector<GreyImage> renderSessionImages(const sim::Scenario& scenario, std::shared_ptr<const patient::Patient> patient,
                                           const std::vector<sim::Action>& log, std::vector<sim::ResultPicture>* results,
                                           bool renderImages) {
    sim::Session session(scenario, std::move(patient));
    sim::ImageRenderer renderer;
    std::vector<GreyImage> images;
    if (renderImages)
        session.setImageSink([&](const sim::Session& s, size_t index) { images.push_back(renderer.render(s, index)); });
    session.play(log);
    if (results) *results = session.procedure().resultPictures(session);
    return images;
}

std::string resultPictureTitle(const std::string& name) {
    std::string t = name;
    std::replace(t.begin(), t.end(), '-', ' ');
    if (!t.empty()) t[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(t[0])));
    return t;
}

namespace {

std::string readBinary(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The result-NAME.png files `run --frames` wrote, by name.
std::vector<as::ResultPng> resultsInFolder(const std::string& framesDir) {
    std::vector<as::ResultPng> out;
    std::error_code ec;
    if (framesDir.empty() || !fs::is_directory(framesDir, ec)) return out;
    for (const fs::directory_entry& e : fs::directory_iterator(framesDir, ec)) {
        const std::string file = e.path().filename().string();
        if (file.rfind("result-", 0) != 0 || e.path().extension() != ".png") continue;
        const std::string name = e.path().stem().string().substr(7);
        out.push_back({name, resultPictureTitle(name), readBinary(e.path())});
    }
    std::sort(out.begin(), out.end(), [](const as::ResultPng& a, const as::ResultPng& b) { return a.name < b.name; });
    return out;
}

}  // namespace

std::vector<std::string> debriefImagesPng(const LoadedDebrief& d, const std::string& framesDir,
                                          std::shared_ptr<const patient::Patient> patient,
                                          std::vector<as::ResultPng>* results) {
    const auto& images = d.debrief.images;
    std::vector<std::string> png(images.size());
    bool allFound = !images.empty() && !framesDir.empty();
    for (size_t i = 0; allFound && i < images.size(); ++i) {
        const fs::path p = fs::path(framesDir) / images[i].file;
        if (images[i].file.empty() || !fs::exists(p)) {
            allFound = false;
            break;
        }
        png[i] = readBinary(p);
    }
    // A `run --frames` folder holding every image also holds the run's result pictures.
    const bool canReplay = d.scenario && !d.log.empty();
    const bool needImages = !allFound && !images.empty();
    const bool needResults = results && !allFound && canReplay;
    if (results && !needResults) *results = resultsInFolder(framesDir);
    if (!canReplay || (!needImages && !needResults)) return png;
    if (!patient) patient = sim::loadScenarioPatient(*d.scenario);
    std::vector<sim::ResultPicture> pictures;
    const auto rendered = renderSessionImages(*d.scenario, patient, d.log, needResults ? &pictures : nullptr, needImages);
    for (size_t i = 0; needImages && i < png.size() && i < rendered.size(); ++i) png[i] = as::encodePngGrey8(rendered[i]);
    if (needResults) {
        results->clear();
        for (const sim::ResultPicture& p : pictures)
            results->push_back({p.name, resultPictureTitle(p.name), as::encodePngRgba8(p.width, p.height, p.rgba)});
    }
    return png;
}

size_t writeDebriefHtml(const LoadedDebrief& d, const std::string& path, const std::string& framesDir,
                        std::shared_ptr<const patient::Patient> patient) {
    std::vector<as::ResultPng> results;
    const auto png = debriefImagesPng(d, framesDir, std::move(patient), &results);
    const std::string html = as::debriefHtml(d.debrief, png, results);
    std::ofstream out(path, std::ios::binary);
    if (!out) throw DataError(path, 0, "--html", "cannot write the debrief");
    out << html;
    if (!out) throw DataError(path, 0, "--html", "short write of the debrief");
    return static_cast<size_t>(std::count_if(png.begin(), png.end(), [](const std::string& s) { return !s.empty(); }));
}

std::int64_t storeSession(const std::string& recordsUrl, const std::string& trainee, const std::string& startedAt,
                          const nlohmann::json& report, const std::string& reportPath,
                          const std::string& actionLogPath) {
    as::RecordStore store = as::RecordStore::open(recordsUrl);
    as::SessionSource src{trainee, startedAt, reportPath, actionLogPath,
                          actionLogPath.empty() ? std::string() : readTextFile(actionLogPath)};
    const std::int64_t id = store.addSession(as::recordFromReport(report, src));
    std::printf("stored session %lld for trainee %s in %s\n", static_cast<long long>(id), trainee.c_str(),
                store.describe().c_str());
    std::fflush(stdout);  // a script waiting on the window's output sees it now
    return id;
}

}  // namespace irsim::app
