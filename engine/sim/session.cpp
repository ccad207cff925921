#include "sim/session.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "core/text.h"
#include "imaging/drr.h"
#include "patient/materials.h"

namespace irsim::sim {

namespace {
std::string fmt1(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}
// "the patient has no structure 'vertebrae_L9'", with the nearest name its label map holds and the
// structures of that kind it does hold ("vertebrae_T10 ... vertebrae_L5"), so that an instructor can
// pick one without opening the label map.
std::string noStructure(const patient::Patient& p, const std::string& name) {
    std::vector<bool> present(65536, false);
    for (uint16_t v : p.labels.voxels) present[v] = true;
    std::vector<std::string> names, sameKind;
    const std::string kind = name.substr(0, name.find('_') == std::string::npos ? 0 : name.find('_') + 1);
    for (const auto& [value, n] : p.labelNames)
        if (value && present[value]) {
            names.push_back(n);
            if (!kind.empty() && n.compare(0, kind.size(), kind) == 0) sameKind.push_back(n);
        }
    const std::string near = closestWord(name, names);
    std::string what = "the patient has no structure '" + name + "'";
    if (!near.empty()) what += "; did you mean '" + near + "'?";
    if (!sameKind.empty() && sameKind.size() <= 30) what += " (its label map has " + joinWords(sameKind, "and") + ")";
    return what;
}

}  // namespace

int64_t tickAtOrAfter(double time_s) {
    // The small allowance keeps 0.1 s (not exact in binary) on tick 24 rather than 25.
    return static_cast<int64_t>(std::ceil(time_s * static_cast<double>(kTicksPerSecond) - 1e-6));
}

const char* toString(ImageKind kind) {
    switch (kind) {
        case ImageKind::FluoroHold: return "fluoro";
        case ImageKind::Stored: return "stored";
        case ImageKind::Cine: return "cine";
        case ImageKind::Ct: return "ct";
        case ImageKind::DsaMask: return "dsa_mask";
        case ImageKind::Dsa: return "dsa";
        case ImageKind::Recalled: return "recall";
    }
    return "?";
}

Session::Session(Scenario scenario, std::shared_ptr<const patient::Patient> patient)
    : scenario_(std::move(scenario)), patient_(std::move(patient)) {
    spec_ = findProcedure(scenario_.procedure);
    if (!spec_)
        throw DataError(scenario_.file, scenario_.doc.lineOf("scenario.procedure"), "scenario.procedure",
                        "unknown procedure '" + scenario_.procedure + "'; expected " +
                            joinWords(procedureNames(), "or"));
    for (const ActionSpec& a : imagingActions()) actions_[a.name] = &a;
    for (const ActionSpec& a : spec_->actions) actions_[a.name] = &a;
    for (const EventSpec& e : imagingEvents()) eventCategories_[e.kind] = e.category;
    for (const EventSpec& e : spec_->events) eventCategories_[e.kind] = e.category;
    quantitySpecs_ = imagingQuantities();
    quantitySpecs_.insert(quantitySpecs_.end(), spec_->quantities.begin(), spec_->quantities.end());
    state_.carm = scenario_.carm;
    if (!scenario_.target.empty()) {
        auto c = patient_->centroidOf(scenario_.target);
        if (!c)
            throw DataError(scenario_.file, scenario_.doc.lineOf("scenario.target"), "scenario.target",
                            noStructure(*patient_, scenario_.target));
        state_.carm.isocentre = *c + scenario_.isocentreOffsetMm;
    }
    state_.pulseRatePps = scenario_.pulseRatePps;
    state_.rng = Rng::seeded(scenario_.patient.phantomSeed);
    procedure_ = spec_->make(scenario_, *patient_);
    // Contrast flows in the arterial tree (or the only tree a loader found).
    const patient::VesselTree* tree = patient_->vesselTree("arterial");
    if (!tree && !patient_->vessels.empty()) tree = &patient_->vessels.front();
    if (tree && !tree->nodes.empty())
        contrast_ = std::make_unique<therapy::ContrastModel>(therapy::makeContrastModel(*tree));
    skinDose_ = std::make_unique<imaging::SkinDoseMap>(
        imaging::bodyOutlineOf(patient_->ct, patient_->labels.voxels.empty() ? nullptr : &patient_->labels,
                               patient::materialsOf(*patient_)));
    poseChanged();
}

Session::~Session() = default;

const ActionSpec& Session::specOf(const Action& a) const {
    auto it = actions_.find(a.kind);
    if (it == actions_.end()) {
        std::vector<std::string> names;
        for (const auto& [n, spec] : actions_) names.push_back(n);
        const std::string near = closestWord(a.kind, names);
        throw DataError(a.file, a.line, "action",
                        "unknown action '" + a.kind + "' for procedure '" + scenario_.procedure + "'" +
                            (near.empty() ? "" : "; did you mean '" + near + "'?") + " (docs/actions.md)");
    }
    return *it->second;
}

void Session::submit(Action action) {
    // Checked now, against its declaration, so a bad action from a log or a window control is an
    // error before anything has happened rather than in the middle of a tick.
    validate(specOf(action), action);
    checkAgainstPatient(action);
    if (action.time_s + 1e-9 < time_s())
        throw DataError(action.file, action.line, "t",
                        "action '" + action.kind + "' at " + fmt1(action.time_s) +
                            " s is before the session's current time " + fmt1(time_s()) + " s");
    // Stable: equal times keep their submission order.
    auto pos = std::upper_bound(queue_.begin() + static_cast<long>(queueHead_), queue_.end(), action,
                                [](const Action& a, const Action& b) { return a.time_s < b.time_s; });
    queue_.insert(pos, std::move(action));
}

void Session::advanceTo(double time_s) {
    const int64_t until = tickAtOrAfter(time_s);
    while (!state_.ended && state_.tick < until) stepOnce();
    // Actions due exactly now are applied without stepping past them.
    while (!state_.ended && queueHead_ < queue_.size() &&
           tickAtOrAfter(queue_[queueHead_].time_s) <= state_.tick)
        apply(queue_[queueHead_++]);
}

void Session::play(const std::vector<Action>& log) {
    for (const Action& a : log) submit(a);
    const double last = log.empty() ? 0.0 : log.back().time_s;
    advanceTo(last);
    if (!state_.ended) end("end of the action log");
}

void Session::end(const std::string& reason) {
    if (state_.ended) return;
    if (state_.fluoroOn) apply(Action{time_s(), "fluoro.off", nlohmann::json::object(), "", 0});
    state_.ended = true;
    state_.endReason = reason;
    sampleTimeline();
    addEvent("session.end", reason);
}

void Session::addEvent(const std::string& kind, const std::string& details) {
    auto it = eventCategories_.find(kind);
    // A programming error, not bad input: every event a procedure raises is in its declaration.
    if (it == eventCategories_.end())
        throw std::logic_error("event kind '" + kind + "' is not declared by procedure '" + spec_->name + "'");
    state_.events.push_back({time_s(), kind, details, it->second});
}

std::vector<double> Session::quantities() const {
    std::vector<double> q = {state_.contrastMl};
    const std::vector<double> own = procedure_->quantities(*this);
    q.insert(q.end(), own.begin(), own.end());
    return q;
}

void Session::stepOnce() {
    // 1. Input: the trainee's actions due at this tick, in order.
    while (queueHead_ < queue_.size() && tickAtOrAfter(queue_[queueHead_].time_s) <= state_.tick) {
        apply(queue_[queueHead_++]);
        if (state_.ended) return;
    }
    // 2. Imaging: fluoro pulses and cine frames due at this tick.
    if (state_.fluoroOn && state_.tick >= state_.nextPulseTick) {
        firePulse(false);
        state_.nextPulseTick += static_cast<int64_t>(std::llround(kTicksPerSecond / state_.pulseRatePps));
    }
    if (state_.cineUntilTick >= 0) {
        if (state_.tick >= state_.cineUntilTick) {
            state_.cineUntilTick = -1;
            addEvent("cine.end", std::to_string(state_.dose.cineFrames) + " cine frames in total");
        } else if (state_.tick >= state_.nextCineTick) {
            firePulse(true);
            state_.nextCineTick += static_cast<int64_t>(std::llround(kTicksPerSecond / state_.cineFps));
        }
    }
    stepImagingModes();  // DSA frames; the roadmap follows the C-arm
    // 3. The procedure's physics and therapy, then the contrast in the arteries.
    procedure_->step(*this);
    if (contrast_) {
        const double before = state_.contrast.injectedMl;
        therapy::step(*contrast_, state_.contrast, kTimeStepS);
        state_.contrastMl += state_.contrast.injectedMl - before;
    }
    // 4. Timeline sample once per simulated second, then time.
    if (state_.tick % kTicksPerSecond == 0) sampleTimeline();
    if (state_.fluoroOn) state_.dose.fluoroTimeS += kTimeStepS;
    ++state_.tick;
    if (time_s() >= scenario_.timeLimitS) end("time limit of the scenario reached");
}

imaging::FluoroMode Session::fluoroMode(bool cine) const {
    imaging::FluoroMode mode;
    // The dose programme follows the pulse rate, as on most systems (low / normal / high).
    if (cine) mode = imaging::FluoroMode::cine();
    else if (state_.pulseRatePps <= 7.5) mode = imaging::FluoroMode::fluoroLow();
    else if (state_.pulseRatePps <= 15.0) mode = imaging::FluoroMode::fluoroNormal();
    else mode = imaging::FluoroMode::fluoroHigh();
    mode.pulsesPerSecond = cine ? state_.cineFps : state_.pulseRatePps;
    return mode;
}

void Session::imageTaken(ImageTaken image) {
    if (image.kind == ImageKind::FluoroHold && state_.modes.roadmapOn) image.roadmapIndex = state_.modes.roadmapIndex;
    state_.images.push_back(std::move(image));
    if (imageSink_) imageSink_(*this, state_.images.size() - 1);
}

void Session::firePulse(bool cine) {
    const imaging::FluoroMode mode = fluoroMode(cine);
    const imaging::PulseExposure e = imaging::automaticExposure(state_.carm, state_.centralRayWaterMm, mode);
    state_.kvp = e.kVp;
    state_.dose.report.addPulse(time_s(), state_.carm, mode, e);
    skinDose_->addPulse(state_.carm, e);
    if (cine) {
        ++state_.dose.cineFrames;
        imageTaken(imageOf(time_s(), ImageKind::Cine, state_.carm, state_.kvp, "cine"));
    } else {
        ++state_.dose.fluoroPulses;
    }
}

void Session::sampleTimeline() {
    TimelineSample t;
    t.time_s = time_s();
    t.referenceAirKermaMGy = state_.dose.report.referenceAirKermaGy * 1e3;
    t.kermaAreaProductGyCm2 = state_.dose.report.kermaAreaProductGyCm2;
    t.fluoroTimeS = state_.dose.fluoroTimeS;
    t.quantities = quantities();
    state_.timeline.push_back(t);
}

void Session::poseChanged() {
    const imaging::CArmFrame f = imaging::frameOf(state_.carm);
    state_.centralRayWaterMm =
        imaging::waterEquivalentPathMm(patient_->ct, f.source, f.detectorCentre, 1.0);
}

void Session::apply(const Action& a) { specOf(a).apply(*procedure_, a, *this); }

void Session::carmMove(const Action& a) {
    imaging::CArmPose& c = state_.carm;
    const bool absolute = a.kind == "carm.set";
    const double lao = absolute ? a.number("lao_deg", c.laoDeg) : c.laoDeg + a.number("dlao_deg", 0.0);
    const double cran = absolute ? a.number("cran_deg", c.cranDeg) : c.cranDeg + a.number("dcran_deg", 0.0);
    // The mechanical range of a typical floor-mounted C-arm.
    c.laoDeg = std::clamp(lao, -120.0, 120.0);
    c.cranDeg = std::clamp(cran, -45.0, 45.0);
    poseChanged();
}

void Session::tableMove(const Action& a) {
    // Moving the table carries the patient; the isocentre moves the other way through the
    // patient. Arguments say where the isocentre goes in the patient: lateral + to the
    // patient's left, longitudinal + toward the head, height + toward the back.
    imaging::CArmPose& c = state_.carm;
    c.isocentre.x += a.number("lateral_mm", 0.0);
    c.isocentre.z += a.number("longitudinal_mm", 0.0);
    c.isocentre.y += a.number("height_mm", 0.0);
    poseChanged();
}

void Session::fieldOfView(const Action& a) {
    imaging::CArmPose& c = state_.carm;
    c.detectorWidthMm = c.detectorHeightMm = a.requireNumber("mm");
}

void Session::collimate(const Action& a) {
    imaging::CArmPose& c = state_.carm;
    c.collimationX = a.number("x", c.collimationX);
    c.collimationY = a.number("y", c.collimationY);
}

void Session::fluoroRate(const Action& a) { state_.pulseRatePps = a.requireNumber("pps"); }

void Session::fluoroOn(const Action&) {
    SimState& s = state_;
    if (s.fluoroOn) return;
    s.fluoroOn = true;
    s.fluoroOnSince_s = time_s();
    s.nextPulseTick = s.tick;
    addEvent("fluoro.on", fmt1(s.pulseRatePps) + " pulses/s at LAO " + fmt1(s.carm.laoDeg) + " CRAN " +
                              fmt1(s.carm.cranDeg));
}

void Session::fluoroOff(const Action&) {
    SimState& s = state_;
    if (!s.fluoroOn) return;
    s.fluoroOn = false;
    // Last-image-hold: the last pulse stays on the monitor.
    imageTaken(imageOf(time_s(), ImageKind::FluoroHold, s.carm, s.kvp, "last image hold"));
    addEvent("fluoro.off", fmt1(time_s() - s.fluoroOnSince_s) + " s of fluoroscopy");
}

void Session::cineRun(const Action& a) {
    SimState& s = state_;
    const double fps = a.number("fps", 7.5);
    const double dur = a.number("duration_s", 4.0);
    s.cineFps = fps;
    s.nextCineTick = s.tick;
    s.cineUntilTick = s.tick + tickAtOrAfter(dur);
    addEvent("cine.run", fmt1(dur) + " s at " + fmt1(fps) + " frames/s");
}

void Session::imageStore(const Action& a) {
    SimState& s = state_;
    const std::string label = a.text("label", "image " + std::to_string(s.images.size() + 1));
    // Refused, not an error: the window's Enter key sends it whatever is on the monitor (pressed
    // before any fluoroscopy or twice, it once ended the window with a DataError).
    if (s.images.empty() || s.images.back().kind == ImageKind::Stored)
        return addEvent("action.refused", "image.store needs a new image on the monitor: take fluoro first");
    ImageTaken stored = s.images.back();
    stored.kind = ImageKind::Stored;
    stored.label = label;
    stored.time_s = time_s();
    imageTaken(stored);
    addEvent("image.store", label + " at LAO " + fmt1(stored.pose.laoDeg) + " CRAN " + fmt1(stored.pose.cranDeg));
}

void Session::sessionStart(const Action& a) {
    // The header line the app writes: which scenario the log belongs to.
    const std::string id = a.text("scenario", scenario_.id);
    if (id != scenario_.id)
        throw DataError(a.file, a.line, "scenario",
                        "this log was recorded on scenario '" + id + "', not '" + scenario_.id + "'");
}

void Session::procedureEnd(const Action& a) { end(a.text("reason", "the trainee ended the procedure")); }

assessment::Metrics Session::metrics() const {
    assessment::Metrics m;
    const DoseTally& d = state_.dose;
    m["procedure_time_s"] = {time_s(), "s"};
    m["fluoro_time_s"] = {d.fluoroTimeS, "s"};
    m["fluoro_pulses"] = {static_cast<double>(d.fluoroPulses), "pulses"};
    m["cine_frames"] = {static_cast<double>(d.cineFrames), "frames"};
    m["reference_air_kerma_mGy"] = {d.report.referenceAirKermaGy * 1e3, "mGy"};
    m["kerma_area_product_Gycm2"] = {d.report.kermaAreaProductGyCm2, "Gy cm2"};
    m["peak_skin_dose_mGy"] = {skinDose_->peakSkinDoseGy() * 1e3, "mGy"};
    int stored = 0, shots = 0;
    for (const ImageTaken& i : state_.images) {
        stored += i.kind == ImageKind::Stored;
        shots += i.kind == ImageKind::FluoroHold;
    }
    m["images_stored"] = {static_cast<double>(stored), "images"};
    m["dsa_frames"] = {static_cast<double>(d.dsaFrames), "frames"};
    m["contrast_ml"] = {state_.contrastMl, "ml"};
    m["ct_acquisitions"] = {static_cast<double>(d.ctAcquisitions), "acquisitions"};
    m["ct_dlp_mGycm"] = {d.ctDlpGyCm * 1e3, "mGy cm"};
    m["ct_ctdivol_mGy"] = {d.ctMaxCtdiVolGy * 1e3, "mGy"};
    m["fluoro_shots"] = {static_cast<double>(shots), "shots"};
    procedure_->addMetrics(*this, m);
    return m;
}

assessment::Assessment Session::assess() const {
    return assessment::assess(scenario_.rubric, metrics(), state_.events);
}

}  // namespace irsim::sim

namespace irsim::sim {

SessionSnapshot Session::snapshot() const {
    return {state_, std::shared_ptr<const Procedure>(procedure_->clone()),
            std::make_shared<const imaging::SkinDoseMap>(*skinDose_), queueHead_};
}

void Session::restore(const SessionSnapshot& snap) {
    state_ = snap.state;
    procedure_ = snap.procedure->clone();
    skinDose_ = std::make_unique<imaging::SkinDoseMap>(*snap.skinDose);
    queueHead_ = snap.queueHead;
}

namespace {

void hashPose(StateHash& h, const imaging::CArmPose& p) {
    h.add(p.laoDeg).add(p.cranDeg).add(p.isocentre).add(p.sourceToIsocentreMm).add(p.sourceToImageMm);
    h.add(p.detectorWidthMm).add(p.detectorHeightMm).add(p.collimationX).add(p.collimationY);
}

}  // namespace

uint64_t Session::stateHash() const {
    StateHash h;
    const SimState& s = state_;
    h.add(s.tick);
    hashPose(h, s.carm);
    h.add(s.kvp).add(s.fluoroOn).add(s.pulseRatePps).add(s.nextPulseTick).add(s.fluoroOnSince_s);
    h.add(s.cineUntilTick).add(s.cineFps).add(s.nextCineTick);
    const DoseTally& d = s.dose;
    h.add(d.fluoroTimeS).add(d.fluoroPulses).add(d.cineFrames).add(d.dsaFrames).add(d.ctAcquisitions);
    h.add(d.ctDlpGyCm).add(d.ctMaxCtdiVolGy).add(d.report.referenceAirKermaGy).add(d.report.kermaAreaProductGyCm2);
    h.add(d.report.fluoroscopyTimeS).add(d.report.runs.size());
    const ImagingModesState& m = s.modes;
    h.add(m.dsaUntilTick).add(m.dsaFps).add(m.nextDsaTick).add(m.dsaMaskIndex).add(m.dsaPeakIndex).add(m.dsaPeakMg);
    h.add(m.roadmapOn).add(m.roadmapIndex);
    h.add(s.contrast.injectedMl).add(s.contrast.injectedMg).add(s.contrast.forgottenMg).add(s.contrast.boluses.size());
    for (const therapy::Bolus& b : s.contrast.boluses)
        h.add(b.segment).add(b.leftToInjectMl).add(b.rateMlPerS).add(b.mixingMg).add(b.pumpedMl).add(b.injectedMg).add(b.flowShare);
    h.add(s.centralRayWaterMm);
    h.add(s.events.size());
    for (const assessment::SessionEvent& e : s.events) h.add(e.time_s).add(e.kind).add(e.details);
    h.add(s.images.size());
    for (const ImageTaken& i : s.images) {
        h.add(i.time_s).add(static_cast<int>(i.kind)).add(i.kvp).add(i.label).add(i.maskIndex).add(i.roadmapIndex);
        hashPose(h, i.pose);
    }
    h.add(s.timeline.size());
    for (const TimelineSample& t : s.timeline)
        h.add(t.time_s).add(t.referenceAirKermaMGy).add(t.kermaAreaProductGyCm2).add(t.fluoroTimeS).add(t.quantities);
    h.add(s.contrastMl).add(s.ended).add(s.endReason).add(s.rng.state).add(s.rng.inc);
    h.add(skinDose_->doseGy());
    procedure_->hashState(h);
    return h.value();
}

}  // namespace irsim::sim
