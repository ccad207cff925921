#include "sim/run_headless.h"

#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "core/image_io.h"
#include "patient/loader.h"
#include "patient/phantom_cache.h"
#include "sim/frames.h"
#include "sim/report.h"

namespace irsim::sim {

std::shared_ptr<const patient::Patient> loadScenarioPatient(const Scenario& scenario, const ProgressFn& progress,
                                                            std::function<void()>* deferredCacheWrite) {
    if (deferredCacheWrite) *deferredCacheWrite = nullptr;
    const ScenarioPatient& sp = scenario.patient;
    if (!sp.phantom) {
        patient::PatientSpec spec;
        spec.ctPath = sp.ctPath;
        spec.labelsPath = sp.labelsPath;
        for (const ScenarioLesion& l : sp.lesions) spec.lesions.push_back({l.centreLps, l.diameterMm, l.organ});
        try {
            return std::make_shared<const patient::Patient>(patient::loadPatient(spec, progress));
        } catch (const DataError& e) {
            if (e.field().rfind("patient.lesion[", 0) == 0) {
                // The lesion's own words, at the scenario's line for it.
                std::string what = e.what();
                const size_t at = what.find(e.field() + ": ");
                if (at != std::string::npos) what = what.substr(at + e.field().size() + 2);
                throw DataError(scenario.file, scenario.doc.lineOf(e.field()), e.field(), what);
            }
            // The instructor fixes the scenario's field, not the file the loader tried to read.
            const bool labels = !sp.labelsPath.empty() && e.file() == sp.labelsPath;
            if (e.file() != sp.ctPath && !labels) throw;
            const std::string field = labels ? "patient.labels" : "patient.ct";
            throw DataError(scenario.file, scenario.doc.lineOf(field), field, e.what());
        }
    }
    // Every option was checked when the scenario loaded (scenario.cpp).
    patient::PhantomOptions o;
    o.seed = sp.phantomSeed;
    o.voxelMm = sp.phantomVoxelMm;
    o.osteoporotic = sp.osteoporotic;
    o.bodySize = sp.bodySize;
    if (!sp.michelsType.empty()) o.michels = patient::parseMichelsType(sp.michelsType);
    for (const ScenarioTumour& t : sp.tumours) {
        patient::PhantomLesion lesion;
        lesion.site = t.site;
        lesion.diameterMm = t.diameterMm;
        lesion.kind = *patient::parseLesionKind(t.kind);
        lesion.heightLossFraction = t.heightLoss;
        o.lesions.push_back(lesion);
    }
    if (!deferredCacheWrite) return std::make_shared<const patient::Patient>(patient::makePhantomCached(o, progress));
    patient::PhantomStore store;
    auto p = std::make_shared<const patient::Patient>(patient::makePhantomCached(o, progress, &store));
    if (store) *deferredCacheWrite = [store, p] { store(*p); };
    return p;
}

nlohmann::json runHeadless(const HeadlessRun& run, const ProgressFn& progress) {
    Scenario scenario = loadScenario(run.scenarioPath);
    const std::vector<Action> log = readActionLog(run.actionsPath);
    Session session(scenario, loadScenarioPatient(scenario, progress));
    std::vector<std::string> files;
    ImageRenderer renderer;
    if (!run.framesDir.empty()) {
        std::filesystem::create_directories(run.framesDir);
        // Each image is rendered when it is taken, with the devices and contrast of that moment.
        session.setImageSink([&](const Session& s, size_t index) {
            const ImageTaken& taken = s.state().images[index];
            char name[96];
            std::snprintf(name, sizeof name, "%03zu-%s-%07.2fs.png", index, toString(taken.kind), taken.time_s);
            writePng8((std::filesystem::path(run.framesDir) / name).string(), renderer.render(s, index));
            files.push_back(name);
        });
    }
    session.play(log);
    if (!run.framesDir.empty())
        for (const ResultPicture& p : session.procedure().resultPictures(session))
            writePngRgba((std::filesystem::path(run.framesDir) / ("result-" + p.name + ".png")).string(), p.width,
                         p.height, p.rgba);
    nlohmann::json report = buildReport(session, files);
    if (!run.reportPath.empty()) writeReport(run.reportPath, report);
    return report;
}

}  // namespace irsim::sim
