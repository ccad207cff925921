#include "app/debrief_source.h"

#include <algorithm>
#include <chrono>
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

// The scenario of a report, when its file can still be found (the rubric's targets and limits,
// and the model to replay the log in).
std::optional<sim::Scenario> scenarioOf(const std::string& id) {
    try {
        return sim::loadScenario(sim::resolveScenarioPath(id));
    } catch (const DataError&) {
        return std::nullopt;
    }
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
        d.scenario = scenarioOf(s->scenario);
        d.debrief = as::debriefFromReport(parseReport(s->reportJson, file), d.scenario ? &d.scenario->rubric : nullptr, file);
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
    d.scenario = scenarioOf(report.value("scenario", std::string()));
    d.debrief = as::debriefFromReport(report, d.scenario ? &d.scenario->rubric : nullptr, r.target);
    d.debrief.trainee = r.trainee;
    if (!r.actionsPath.empty()) d.log = sim::readActionLog(r.actionsPath);
    if (r.useRecords || !r.trainee.empty()) addFromRecords(d, r.recordsUrl);
    return d;
}

ScrubFrame replayTo(const sim::Scenario& scenario, std::shared_ptr<const patient::Patient> patient,
                    const std::vector<sim::Action>& log, double time_s, const assessment::Debrief* imagesOf) {
    sim::Session session(scenario, patient);
    ScrubFrame f;
    const double last = log.empty() ? 0.0 : log.back().time_s;
    const bool whole = time_s >= last;
    // Only the last image before the moment is wanted. Rendering is what takes time, so render just
    // it, and for a stored image the image it stores (a stored image repeats the one before), each
    // at the moment it was taken, with the devices and contrast of that moment.
    sim::ImageRenderer renderer;
    int wanted = -1, from = -1;
    if (imagesOf) {
        wanted = as::lastImageAtOrBefore(*imagesOf, whole ? imagesOf->duration_s + 1.0 : time_s);
        from = wanted;
        while (from > 0 && imagesOf->images[static_cast<size_t>(from)].kind == sim::toString(sim::ImageKind::Stored)) --from;
        session.setImageSink([&](const sim::Session& s, size_t index) {
            const int i = static_cast<int>(index);
            if (i < from || i > wanted) return;
            f.image = renderer.render(s, index);
        });
    }
    if (whole) {
        session.play(log);
    } else {
        for (const sim::Action& a : log) session.submit(a);
        session.advanceTo(time_s);
    }
    const sim::SimState& s = session.state();
    f.time_s = s.time_s();
    f.carm = s.carm;
    f.airKermaMGy = 1000.0 * s.dose.report.referenceAirKermaGy;
    f.kapGyCm2 = s.dose.report.kermaAreaProductGyCm2;
    f.fluoroTimeS = s.dose.fluoroTimeS;
    f.contrastMl = s.contrastMl;
    f.activityGBq = s.activityGBq;
    f.cementMl = s.cementMl;
    f.fluoroOn = s.fluoroOn;
    f.events = s.events.size();
    f.imageIndex = s.images.empty() ? -1 : static_cast<int>(s.images.size()) - 1;
    if (f.imageIndex != wanted) f.image = {};  // the report and the replay disagree: show nothing false
    return f;
}

std::vector<GreyImage> renderSessionImages(const sim::Scenario& scenario, std::shared_ptr<const patient::Patient> patient,
                                           const std::vector<sim::Action>& log) {
    sim::Session session(scenario, std::move(patient));
    sim::ImageRenderer renderer;
    std::vector<GreyImage> images;
    session.setImageSink([&](const sim::Session& s, size_t index) { images.push_back(renderer.render(s, index)); });
    session.play(log);
    return images;
}

std::vector<std::string> debriefImagesPng(const LoadedDebrief& d, const std::string& framesDir,
                                          std::shared_ptr<const patient::Patient> patient) {
    const auto& images = d.debrief.images;
    std::vector<std::string> png(images.size());
    bool allFound = !images.empty() && !framesDir.empty();
    for (size_t i = 0; allFound && i < images.size(); ++i) {
        const fs::path p = fs::path(framesDir) / images[i].file;
        if (images[i].file.empty() || !fs::exists(p)) {
            allFound = false;
            break;
        }
        std::ifstream in(p, std::ios::binary);
        std::ostringstream ss;
        ss << in.rdbuf();
        png[i] = ss.str();
    }
    if (allFound || images.empty() || !d.scenario || d.log.empty()) return png;
    if (!patient) patient = sim::loadScenarioPatient(*d.scenario);
    const auto rendered = renderSessionImages(*d.scenario, patient, d.log);
    for (size_t i = 0; i < png.size() && i < rendered.size(); ++i) png[i] = as::encodePngGrey8(rendered[i]);
    return png;
}

size_t writeDebriefHtml(const LoadedDebrief& d, const std::string& path, const std::string& framesDir,
                        std::shared_ptr<const patient::Patient> patient) {
    const auto png = debriefImagesPng(d, framesDir, std::move(patient));
    const std::string html = as::debriefHtml(d.debrief, png);
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
    return id;
}

}  // namespace irsim::app
