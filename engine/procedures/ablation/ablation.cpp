// The ablation procedure: the trainee's actions (docs/actions.md) and what runs over the session's
// ticks. The applicator moves on a straight track at hand speed (a simpler model than the
// vertebroplasty trocar's physics/needle.h: a thin applicator in liver follows its line; no tissue
// forces, no bending). The generator heats or freezes the tissue on the bioheat grid with a time
// acceleration: each 1/240 s tick advances the tissue's clock by time_acceleration/240 s, and the
// bioheat model steps whenever a whole model step fits, so ten minutes of ablation replay in
// seconds of session time, in the same steps whatever the tick.
#include <algorithm>
#include <cmath>
#include <limits>

#include "procedures/ablation/ablation.h"

#include "core/error.h"
#include "core/text.h"

namespace irsim::procedures::ablation {

using sim::kTimeStepS;

namespace {

// Nerves and the epidural space: keep them within 10-45 degC (Sag & Husain 2022, Semin Intervent
// Radiol 39:157; ablation.md section 11, published).
constexpr double kNerveLowC = 10.0, kNerveHighC = 45.0;
// After the generator stops the tissue still kills cells while it is hot; it is followed until
// its hottest cell is below 42 degC (the damage integrals gain nothing measurable below; estimated)
// or for at most 5 minutes of tissue time.
constexpr double kCooledC = 42.0, kCoolingMaxS = 300.0;
// Collateral damage is reported once a structure has lost this much (a cell or two; estimated).
constexpr double kCollateralEventMl = 0.05;

void refuse(Session& session, const std::string& why) { session.addEvent("action.refused", why); }

std::string point(const glm::dvec3& p) { return formatted("(%.1f, %.1f, %.1f) mm", p.x, p.y, p.z); }

// Events of the second and third applicators say which; the first's read as when there was one.
std::string which(size_t applicator) { return applicator == 0 ? "" : formatted("applicator %zu: ", applicator + 1); }

}  // namespace

Ablation::Ablation(const sim::Scenario& scenario, const patient::Patient& patient) {
    definition_ = std::static_pointer_cast<const Definition>(scenario.definition);
    anatomy_ = std::make_shared<const Anatomy>(buildAnatomy(patient, *definition_, scenario.doc));
    state_.deviceId = definition_->device;
    state_.heat = std::make_shared<therapy::BioheatState>(therapy::makeBioheatState(anatomy_->tissue));
}

const therapy::AblationDevice& Ablation::device() const { return therapy::deviceNamed(state_.deviceId, "device"); }

glm::dvec3 Ablation::pointArg(const Action& a, const std::string& field, const Session& session) const {
    auto it = a.args.find(field);
    if (it == a.args.end()) throw DataError(a.file, a.line, field, "action '" + a.kind + "' needs '" + field + "'");
    if (it->is_array() && it->size() == 3 && (*it)[0].is_number() && (*it)[1].is_number() && (*it)[2].is_number())
        return {(*it)[0].get<double>(), (*it)[1].get<double>(), (*it)[2].get<double>()};
    if (!it->is_string()) throw DataError(a.file, a.line, field, "expected a landmark or structure name, or [x, y, z] in mm (LPS)");
    const std::string name = it->get<std::string>();
    auto lm = session.patient().landmarks.find(name);
    if (lm != session.patient().landmarks.end()) return lm->second;
    const Anatomy& an = *anatomy_;
    if (name == definition_->target) return an.tumourCentre;
    // A structure: its modelled point nearest the tumour.
    double best = std::numeric_limits<double>::infinity();
    glm::dvec3 at(0.0);
    const therapy::BioheatGrid& g = an.tissue.grid;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const uint16_t l = an.label[g.index(i, j, k)];
                if (l >= an.labelName.size() || an.labelName[l] != name) continue;
                const glm::dvec3 p = g.centreMm(i, j, k);
                const double d = glm::length(p - an.tumourCentre);
                if (d < best) best = d, at = p;
            }
    if (std::isinf(best))
        throw DataError(a.file, a.line, field, "'" + name + "' is neither a landmark nor a structure near the tumour");
    return at;
}

void Ablation::select(const Action& a, Session& session) {
    const std::string id = a.text("device", "");
    const therapy::AblationDevice& dev = therapy::deviceNamed(id, "device");
    for (const State::Track& t : state_.applicators)
        if (t.inPatient()) return refuse(session, "applicator.select: withdraw the applicator first");
    state_.deviceId = id;
    session.addEvent("applicator.select", dev.name);
}

int Ablation::applicatorArg(const Action& a, Session& session, bool mayAdd) {
    const int n = static_cast<int>(a.number("applicator", 1.0));
    const int have = static_cast<int>(state_.applicators.size());
    if (n < 1 || n > static_cast<int>(kMaxApplicators))
        throw DataError(a.file, a.line, "applicator", formatted("expected 1 to %zu", kMaxApplicators));
    if (n > have + (mayAdd ? 1 : 0)) {
        refuse(session, a.kind + formatted(": there is no applicator %d yet; place applicator %d first (applicator.place)", n, have + 1));
        return -1;
    }
    if (n == have + 1) state_.applicators.emplace_back();
    return n - 1;
}

void Ablation::place(const Action& a, Session& session) {
    State& s = state_;
    if (s.generatorOn) return refuse(session, "applicator.place: stop the generator first");
    const int index = applicatorArg(a, session, true);
    if (index < 0) return;
    State::Track& t = s.applicators[static_cast<size_t>(index)];
    const glm::dvec3 entry = pointArg(a, "entry", session), target = pointArg(a, "target", session);
    if (glm::length(target - entry) < 5.0)
        throw DataError(a.file, a.line, "target", "the target must be at least 5 mm from the entry");
    const glm::dvec3 dir = glm::normalize(target - entry);
    // The skin: walking back from the target past the entry, the start of the first 5 mm of air.
    const patient::Patient& pt = session.patient();
    const patient::MaterialTable& mt = anatomy_->materials;
    auto isAir = [&](const glm::dvec3& p) {
        const glm::dvec3 f = pt.labels.geometry.patientToVoxel(p);
        const int i = static_cast<int>(std::lround(f.x)), j = static_cast<int>(std::lround(f.y)), k = static_cast<int>(std::lround(f.z));
        if (!pt.labels.geometry.contains(i, j, k)) return true;
        const uint16_t l = pt.labels.at(i, j, k);
        return mt[l].xray == patient::XrayMaterial::Air || mt[l].outsideBody || (l == 0 && pt.ct.at(i, j, k) < -400);
    };
    // The air must be the CT's own: beyond the scan the patient goes on, unscanned, and there is no
    // skin there (found by `irsim soak`: a target above the CT put the applicator on the skin
    // outside the scan and its tip went on through nothing).
    glm::dvec3 skin = target;
    double airRun = 0.0;
    bool found = false;
    for (int n = 1; n <= 4000 && !found; ++n) {
        const glm::dvec3 p = target - dir * (0.25 * n);
        if (!anatomy_->tissueClasses.scanned(p) && airRun == 0.0)
            return refuse(session, "applicator.place: this line reaches the edge of the CT before it leaves the body: "
                                   "there is no skin to set the applicator on within the scan");
        if (isAir(p)) {
            if (airRun == 0.0) skin = p;
            airRun += 0.25;
            found = airRun >= 5.0;
        } else {
            airRun = 0.0;
        }
    }
    if (!found) throw DataError(a.file, a.line, "entry", "this line does not leave the body within a metre");
    if (t.inPatient() && s.runs == 0) ++s.repositionings;
    t.placed = true;
    t.skinLps = skin;
    t.dir = dir;
    t.depthMm = 0.0;
    t.advanceLeftMm = t.withdrawLeftMm = 0.0;
    t.crossed.clear();
    s.active = static_cast<size_t>(index);
    ++s.placements;
    session.addEvent("applicator.place", which(s.active) + device().name + " on the skin at " + point(skin) + ", " +
                                             formatted("%.0f mm", glm::length(target - skin)) + " to the target");
}

void Ablation::advance(const Action& a, Session& session) {
    State& s = state_;
    const int index = applicatorArg(a, session, false);
    if (index < 0) return;
    State::Track& t = s.applicators[static_cast<size_t>(index)];
    if (!t.placed) return refuse(session, "applicator.advance: place the applicator first (applicator.place)");
    if (s.generatorOn) return refuse(session, "applicator.advance: stop the generator first");
    s.active = static_cast<size_t>(index);
    t.advanceLeftMm = a.requireNumber("mm");
    t.withdrawLeftMm = 0.0;
    t.speedMmS = a.number("speed_mm_s", 5.0);
}

void Ablation::withdraw(const Action& a, Session& session) {
    State& s = state_;
    const int index = applicatorArg(a, session, false);
    if (index < 0) return;
    State::Track& t = s.applicators[static_cast<size_t>(index)];
    if (!t.placed) return refuse(session, "applicator.withdraw: place the applicator first (applicator.place)");
    if (s.generatorOn) return refuse(session, "applicator.withdraw: stop the generator first");
    if (t.depthMm > 0.0 && s.runs == 0) ++s.repositionings;
    s.active = static_cast<size_t>(index);
    t.withdrawLeftMm = a.requireNumber("mm");
    t.advanceLeftMm = 0.0;
    t.speedMmS = a.number("speed_mm_s", 10.0);
}

void Ablation::start(const Action& a, Session& session) {
    State& s = state_;
    const therapy::AblationDevice& dev = device();
    if (s.generatorOn) return session.addEvent("generator.refused", "the generator is already running");
    // Every applicator in the patient runs, at the same power each (one generator driving them).
    std::vector<size_t> running;
    for (size_t i = 0; i < s.applicators.size(); ++i)
        if (s.applicators[i].inPatient()) running.push_back(i);
    if (running.empty()) return session.addEvent("generator.refused", "the applicator is not in the patient");
    const therapy::BioheatGrid& g = anatomy_->tissue.grid;
    for (size_t r : running) {
        const glm::dvec3 f = (tipLps(r) - g.originMm) / g.spacingMm;
        for (int i = 0; i < 3; ++i)
            if (f[i] < 2.0 || f[i] > g.dims[i] - 3.0)
                return session.addEvent("generator.refused", which(r) + "the tip at " + point(tipLps(r)) +
                                                                 " is outside the tissue modelled round the tumour");
    }
    const bool cryo = dev.modality == therapy::Modality::Cryo;
    s.powerW = cryo ? 0.0 : a.number("power_w", dev.defaultPowerW);
    if (!cryo && s.powerW > dev.maxPowerW)
        return session.addEvent("generator.refused", formatted("%s delivers at most %.0f W", dev.id.c_str(), dev.maxPowerW));
    s.freezeThawMin.clear();
    double seconds = 60.0 * a.number("minutes", 10.0);
    if (cryo) {
        const int cycles = static_cast<int>(a.number("cycles", 2.0));
        seconds = 0.0;
        for (int c = 0; c < cycles; ++c) {
            if (c > 0) s.freezeThawMin.push_back(a.number("thaw_min", 8.0));
            s.freezeThawMin.push_back(a.number("freeze_min", 10.0));
        }
        for (double m : s.freezeThawMin) seconds += 60.0 * m;
    }
    s.generatorOn = true;
    s.cooling = false;
    s.runStartS = s.heat->timeS;
    s.ablationClockS = s.heat->timeS;
    s.runEndS = s.heat->timeS + seconds;
    s.program = therapy::GeneratorProgram{&dev, s.powerW, s.freezeThawMin, static_cast<int>(running.size())};
    s.program.startS = s.runStartS;
    s.runTipsLps.clear(), s.runDirs.clear();
    for (size_t r : running) {
        s.runTipsLps.push_back(tipLps(r));
        s.runDirs.push_back(s.applicators[r].dir);
    }
    ++s.runs;
    std::string what = cryo ? formatted("%zu freezes of %.0f min", (s.freezeThawMin.size() + 1) / 2, s.freezeThawMin[0])
                            : formatted("%.0f W for %.1f min", s.powerW, seconds / 60.0);
    if (running.size() > 1) what += formatted(", %zu applicators", running.size()) + (cryo ? "" : " (power each)");
    session.addEvent("generator.start", dev.name + ": " + what + formatted(" (tissue time x%.0f)", definition_->timeAcceleration));
}

void Ablation::stop(const Action&, Session& session) {
    if (!state_.generatorOn) return refuse(session, "generator.stop: the generator is not running");
    endRun(session);
}

void Ablation::thermocouple(const Action& a, Session& session) {
    State::Thermocouple t;
    t.at = a.args.at("at").is_string() ? a.args.at("at").get<std::string>() : std::string("point");
    t.lps = pointArg(a, "at", session);
    t.nowC = t.maxC = t.minC = temperatureAt(t.lps);
    state_.thermocouples.push_back(t);
    session.addEvent("thermocouple.place", t.at + " at " + point(t.lps) + formatted(", %.1f degC", t.nowC));
}

void Ablation::endRun(Session& session) {
    State& s = state_;
    s.generatorOn = false;
    s.generatorSeconds += s.heat->timeS - s.runStartS;
    // Cryo: the passive thaw is not followed (its lethal ice is already marked by the coldest
    // temperature reached).
    s.cooling = device().modality != therapy::Modality::Cryo;
    s.coolingFromS = s.heat->timeS;
    session.addEvent("generator.stop", formatted("after %.1f min: zone %.1f ml, %.1f kJ", (s.heat->timeS - s.runStartS) / 60.0,
                                                 s.zoneMl, s.energyKj));
    if (!s.cooling) reportZone(session);
}

void Ablation::reportZone(Session& session) {
    const MarginResult r = margins();
    std::string where = formatted("zone %.1f ml: tumour %.1f %% covered, minimal margin %.1f mm at ", state_.zoneMl,
                                  r.tumourCoveragePercent, r.minimalMarginMm) + point(r.thinnestLps);
    if (r.thinnestToVesselMm >= 0.0 && r.thinnestToVesselMm <= 10.0)
        where += formatted(", %.1f mm from the ", r.thinnestToVesselMm) + nearestHeatSink(r.thinnestLps) +
                 " (a heat sink)";
    session.addEvent("ablation.zone", where);
}

std::string Ablation::nearestHeatSink(const glm::dvec3& lps) const {
    const Anatomy& an = *anatomy_;
    const therapy::BioheatGrid& g = an.tissue.grid;
    double best = std::numeric_limits<double>::infinity();
    std::string name;
    for (size_t c : an.heatSinkCells) {
        const size_t i = c % static_cast<size_t>(g.dims.x), j = c / static_cast<size_t>(g.dims.x) % static_cast<size_t>(g.dims.y),
                     k = c / (static_cast<size_t>(g.dims.x) * static_cast<size_t>(g.dims.y));
        const double d = glm::length(g.centreMm(static_cast<int>(i), static_cast<int>(j), static_cast<int>(k)) - lps);
        if (d < best) best = d, name = an.materials[an.label[c]].name;
    }
    return name;
}

const therapy::BioheatModel& Ablation::runModel() {
    const State& s = state_;
    if (!runModel_ || runModelTips_ != s.runTipsLps || runModelDirs_ != s.runDirs || runModelDevice_ != s.deviceId) {
        auto m = std::make_shared<therapy::BioheatModel>(anatomy_->tissue);
        std::vector<therapy::Applicator> apps;
        for (size_t i = 0; i < s.runTipsLps.size(); ++i) apps.push_back({s.runTipsLps[i], -s.runDirs[i]});
        therapy::placeApplicators(*m, device(), apps);
        therapy::finishModel(*m, 1.0);
        runModel_ = std::move(m);
        runModelTips_ = s.runTipsLps, runModelDirs_ = s.runDirs, runModelDevice_ = s.deviceId;
    }
    return *runModel_;
}

void Ablation::moveApplicator(Session& session) {
    for (size_t n = 0; n < state_.applicators.size(); ++n) moveTrack(session, n);
}

void Ablation::moveTrack(Session& session, size_t n) {
    State& s = state_;
    State::Track& t = s.applicators[n];
    if (!t.placed || (t.advanceLeftMm <= 0.0 && t.withdrawLeftMm <= 0.0)) return;
    const double dx = std::min(t.speedMmS * kTimeStepS, std::max(t.advanceLeftMm, t.withdrawLeftMm));
    if (t.advanceLeftMm > 0.0) {
        // The tip stops at the edge of the scan: nothing is known of the patient beyond it.
        if (!anatomy_->tissueClasses.scanned(t.skinLps + t.dir * (t.depthMm + dx))) {
            t.advanceLeftMm = 0.0;
            session.addEvent("applicator.scan_edge", which(n) + "the tip at " + point(t.tip()) + " is at the edge of the CT");
            return;
        }
        t.depthMm += dx;
        t.advanceLeftMm = std::max(0.0, t.advanceLeftMm - dx);
    } else {
        t.depthMm = std::max(0.0, t.depthMm - dx);
        t.withdrawLeftMm = t.depthMm > 0.0 ? std::max(0.0, t.withdrawLeftMm - dx) : 0.0;
        return;
    }
    // What the tip has reached.
    const patient::Patient& pt = session.patient();
    const glm::dvec3 f = pt.labels.geometry.patientToVoxel(t.tip());
    const int i = static_cast<int>(std::lround(f.x)), j = static_cast<int>(std::lround(f.y)), k = static_cast<int>(std::lround(f.z));
    if (!pt.labels.geometry.contains(i, j, k)) return;
    const std::string who = which(n);
    const std::string& target = definition_->target;
    if (definition_->lesion && anatomy_->inTumour(t.tip())) {
        // A lesion the labels do not hold: the tip is in it by its sphere.
        if (std::find(t.crossed.begin(), t.crossed.end(), target) != t.crossed.end()) return;
        t.crossed.push_back(target);
        session.addEvent("applicator.in_tumour", who + formatted("tip %.0f mm in, ", t.depthMm) + point(t.tip()));
        return;
    }
    const uint16_t l = pt.labels.at(i, j, k);
    const patient::StructureMaterial& row = anatomy_->materials[l];
    if (row.name.empty() || std::find(t.crossed.begin(), t.crossed.end(), row.name) != t.crossed.end()) return;
    t.crossed.push_back(row.name);
    if (row.xray == patient::XrayMaterial::Lung) {
        // Crossing aerated lung on the way to a dome lesion: the pleura twice (ablation.md section 11).
        if (!s.pneumothorax)
            session.addEvent("pneumothorax.risk", who + "the track crosses the pleura and " + row.name + " at " + point(t.tip()));
        s.pneumothorax = true;
    } else if (row.name == target) {
        session.addEvent("applicator.in_tumour", who + formatted("tip %.0f mm in, ", t.depthMm) + point(t.tip()));
    } else if (row.vessel || row.critical ||
               std::find(definition_->protect.begin(), definition_->protect.end(), row.name) != definition_->protect.end()) {
        session.addEvent("applicator.crossed", who + row.name + " at " + point(t.tip()));
    }
}

void Ablation::stepHeat(Session& session) {
    State& s = state_;
    if (!s.generatorOn && !s.cooling) return;
    s.ablationClockS += definition_->timeAcceleration * kTimeStepS;
    const therapy::BioheatModel& m = runModel();
    for (;;) {
        const double now = s.heat->timeS;
        double dt = m.timeStepS;
        if (s.generatorOn && now + dt > s.runEndS) dt = s.runEndS - now;  // land on the run's end
        if (s.generatorOn && dt <= 1e-9) {
            endRun(session);
            continue;
        }
        if (!s.generatorOn && !s.cooling) break;
        if (now + dt > s.ablationClockS + 1e-9) break;
        therapy::BioheatControls c;
        if (!s.generatorOn) {
            c.groupC = {std::numeric_limits<double>::quiet_NaN()};  // pump and power off
        } else {
            c = s.program.next(*s.heat);
        }
        if (s.heat.use_count() > 1) s.heat = std::make_shared<therapy::BioheatState>(*s.heat);  // a snapshot holds it
        therapy::stepBioheatBy(m, *s.heat, c, dt, 0);
        watchTissue(session);
        if (s.cooling && (s.heat->hottestTissueC < kCooledC || s.heat->timeS - s.coolingFromS > kCoolingMaxS)) {
            s.cooling = false;
            reportZone(session);
        }
    }
}

void Ablation::watchTissue(Session& session) {
    State& s = state_;
    const Anatomy& an = *anatomy_;
    const therapy::BioheatState& h = *s.heat;
    const double cellMl = an.tissue.grid.cellVolumeM3() * 1e6;
    auto dead = [&](size_t c) { return h.omega[c] >= 1.0f || h.minC[c] <= therapy::kLethalIceC; };
    size_t zone = 0;
    for (size_t c = 0; c < h.omega.size(); ++c) zone += an.tissue.role[c] == therapy::CellRole::Tissue && dead(c);
    s.zoneMl = static_cast<double>(zone) * cellMl;
    s.energyKj = h.energy.depositedJ / 1000.0;
    for (const Anatomy::Structure& st : an.protect) {
        if (std::find(s.damaged.begin(), s.damaged.end(), st.name) != s.damaged.end()) continue;
        size_t n = 0;
        for (size_t c : st.cells) n += dead(c);
        if (static_cast<double>(n) * cellMl >= kCollateralEventMl) {
            s.damaged.push_back(st.name);
            session.addEvent("collateral.damage", st.name + " is being ablated");
        }
    }
    for (const Anatomy::Structure& st : an.nerves)
        for (size_t c : st.cells) {
            const double t = h.temperatureC[c];
            s.nerveMaxC = std::max(s.nerveMaxC, t), s.nerveMinC = std::min(s.nerveMinC, t);
            if ((t > kNerveHighC || t < kNerveLowC) &&
                std::find(s.nerveAlarms.begin(), s.nerveAlarms.end(), st.name) == s.nerveAlarms.end()) {
                s.nerveAlarms.push_back(st.name);
                session.addEvent("nerve.temperature", st.name + formatted(" at %.1f degC (keep within 10-45 degC)", t));
            }
        }
    for (State::Thermocouple& t : s.thermocouples) {
        t.nowC = temperatureAt(t.lps);
        t.maxC = std::max(t.maxC, t.nowC), t.minC = std::min(t.minC, t.nowC);
        const bool out = t.nowC > kNerveHighC || t.nowC < kNerveLowC;
        if (out && !t.alarmed) session.addEvent("thermocouple.alarm", t.at + formatted(" reads %.1f degC", t.nowC));
        t.alarmed = out;
    }
}

double Ablation::temperatureAt(const glm::dvec3& lps) const {
    const therapy::BioheatGrid& g = anatomy_->tissue.grid;
    const glm::dvec3 f = (lps - g.originMm) / g.spacingMm;
    const int i = static_cast<int>(std::lround(f.x)), j = static_cast<int>(std::lround(f.y)), k = static_cast<int>(std::lround(f.z));
    if (i < 0 || j < 0 || k < 0 || i >= g.dims.x || j >= g.dims.y || k >= g.dims.z) return therapy::kBodyTemperatureC;
    return state_.heat->temperatureC[g.index(i, j, k)];
}

void Ablation::step(Session& session) {
    moveApplicator(session);
    stepHeat(session);
}

}  // namespace irsim::procedures::ablation
