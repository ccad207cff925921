// The vertebroplasty procedure: the trainee's actions (docs/actions.md) and the hands that carry
// them out over the session's ticks. A push, a withdrawal, a re-angle, a series of mallet taps and
// a syringe stroke each last simulated time and are stepped at 1/240 s, so the fluoroscopy taken
// meanwhile shows the trocar and the cement where they are at that moment.
#include "sim/vertebroplasty.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "physics/bone_collision.h"
#include "sim/procedures.h"

namespace irsim::sim::vertebroplasty {

namespace {

constexpr double kDeg = 3.14159265358979323846 / 180.0;
// Cement is computed in portions of this size during a stroke: fine enough that the fluoroscopy
// sees the fill grow, coarse enough that a 0.5 ml stroke costs ten flow solutions.
constexpr double kCementPortionMl = 0.05;

std::string fmt(const char* f, double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, f, v);
    return buf;
}

std::string point(const glm::dvec3& p) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "(%.1f, %.1f, %.1f) mm", p.x, p.y, p.z);
    return buf;
}

void refuse(Session& session, const std::string& why) { session.addEvent("action.refused", why); }

}  // namespace

Vertebroplasty::Vertebroplasty(const Scenario& scenario, const patient::Patient& patient) {
    const ScenarioDocument& d = scenario.doc;
    const std::string level = d.text("vertebroplasty.level", scenario.target);
    if (level.empty()) d.fail("vertebroplasty.level", "name the vertebra to treat, e.g. \"vertebrae_L1\"");
    anatomy_ = buildAnatomy(patient, level, d, d.find("vertebroplasty.level") ? "vertebroplasty.level" : "scenario.target");
    const std::string device = d.text("vertebroplasty.device", "trocar_11g_diamond");
    auto def = deviceNamed(device);
    if (!def) d.fail("vertebroplasty.device", "expected one of " + deviceNames());
    needleModel_.device = *def;
    state_.deviceName = device;
    needleModel_.tissue = &anatomy_.tissue;
    needleModel_.vertebrae = anatomy_.vertebrae;
    // Bullet finds the shaft lying on bone away from the tip (a lamina, a spinous process): the
    // tip's voxel lookup cannot.
    needleModel_.boneCollision = physics::makeBoneCollisionWorld(anatomy_.tissue);
    // The bone surface is the voxel boundary and the tip finds bone by sampling: near where the tip
    // entered bone, allow one and a half voxels so a coarse CT does not report the entry itself.
    const glm::dvec3 sp = patient.ct.geometry.spacing;
    needleModel_.shaftContactClearanceMm = std::max(needleModel_.shaftContactClearanceMm,
                                                    1.5 * std::max({sp.x, sp.y, sp.z}));
    needleModel_.dt = kTimeStepS;
    state_.needle.track.reserve(needleModel_.maxTrackPoints);
    state_.cement = therapy::makeCementState(anatomy_.cement);
}

glm::dvec3 Vertebroplasty::pointArg(const Action& a, const std::string& field, const Session& session) const {
    auto it = a.args.find(field);
    if (it == a.args.end()) throw DataError(a.file, a.line, field, "action '" + a.kind + "' needs '" + field + "'");
    if (it->is_string()) {
        const std::string name = it->get<std::string>();
        auto lm = session.patient().landmarks.find(name);
        if (lm != session.patient().landmarks.end()) return lm->second;
        // The ideal path's points, also where the patient has no landmarks (a real CT).
        for (const IdealPath& p : anatomy_.ideal) {
            if (!p.found) continue;
            const std::string base = anatomy_.level.name + (p.side > 0 ? ".pedicle_left" : ".pedicle_right");
            if (name == base + ".entry") return p.entryLps;
            if (name == base + ".axis_end") return p.targetLps;
        }
        throw DataError(a.file, a.line, field, "the patient has no landmark '" + name + "'");
    }
    if (it->is_array() && it->size() == 3 && (*it)[0].is_number() && (*it)[1].is_number() && (*it)[2].is_number())
        return {(*it)[0].get<double>(), (*it)[1].get<double>(), (*it)[2].get<double>()};
    throw DataError(a.file, a.line, field, "expected a landmark name or [x, y, z] in mm (LPS)");
}

void Vertebroplasty::place(const Action& a, Session& session) {
    const glm::dvec3 entry = pointArg(a, "entry", session);
    const int side = entry.x >= anatomy_.level.midlineXMm ? 1 : -1;
    glm::dvec3 dir;
    if (a.args.contains("target")) {
        const glm::dvec3 target = pointArg(a, "target", session);
        if (glm::length(target - entry) < 1.0)
            throw DataError(a.file, a.line, "target", "the target must be at least 1 mm from the entry");
        dir = glm::normalize(target - entry);
    } else {
        const double medial = a.number("medial_deg", 0.0), caudal = a.number("caudal_deg", 0.0);
        if (std::fabs(medial) > 60.0) throw DataError(a.file, a.line, "medial_deg", "expected -60 to 60 degrees");
        if (std::fabs(caudal) > 60.0) throw DataError(a.file, a.line, "caudal_deg", "expected -60 to 60 degrees");
        dir = headingFromAngles(side, medial, caudal);
    }
    // The trainee sets the tip on the skin where this line comes out of the back: walk back from
    // the entry until 5 mm of air, then start 2 mm outside.
    glm::dvec3 skin = entry;
    double airRun = 0.0;
    bool found = false;
    for (int n = 1; n <= 2400 && !found; ++n) {
        const glm::dvec3 p = entry - dir * (0.25 * n);
        if (anatomy_.tissue.tissueAt(p) == physics::Tissue::Air) {
            if (airRun == 0.0) skin = p;
            airRun += 0.25;
            found = airRun >= 5.0;
        } else {
            airRun = 0.0;
        }
    }
    if (!found) throw DataError(a.file, a.line, "entry", "this line does not leave the body within 600 mm");
    if (state_.placed && state_.needle.phase != physics::NeedlePhase::Outside && state_.cement.injectedNl == 0)
        ++state_.repositionings;
    physics::placeNeedle(needleModel_, state_.needle, skin - dir * 2.0, dir);
    state_.placed = true;
    state_.removing = false;
    state_.styletIn = true;
    ++state_.placements;
    state_.advanceLeftMm = state_.withdrawLeftMm = 0.0;
    state_.reangleTicksLeft = 0;
    state_.tapsLeft = 0;
    state_.needleEventsSeen = 0;
    state_.breachEvents.clear();
    const double medial = std::atan2(-side * dir.x, -dir.y) / kDeg;
    const double caudal = std::asin(std::clamp(-dir.z, -1.0, 1.0)) / kDeg;
    session.addEvent("needle.place", state_.deviceName + " on the skin at " + point(state_.needle.tipLps) + ", " +
                                         fmt("%.1f", medial) + " deg medial, " + fmt("%.1f", caudal) + " deg caudal");
}

bool Vertebroplasty::apply(const Action& a, Session& session) {
    State& s = state_;
    const bool inPatient = s.placed && s.needle.phase != physics::NeedlePhase::Outside;
    if (a.kind == "needle.select") {
        const std::string name = a.text("device", "");
        auto def = deviceNamed(name);
        if (!def) throw DataError(a.file, a.line, "device", "expected one of " + deviceNames());
        if (inPatient) {
            refuse(session, "needle.select: withdraw the trocar before changing it");
            return true;
        }
        needleModel_.device = *def;
        s.deviceName = name;
        s.deviceChosen = true;
        if (s.placed) physics::placeNeedle(needleModel_, s.needle, s.needle.tipLps, s.needle.tipDir);
        session.addEvent("needle.select", def->name);
        return true;
    }
    if (a.kind == "needle.place") {
        place(a, session);
        return true;
    }
    if (a.kind.rfind("needle.", 0) == 0 && !s.placed && a.kind != "needle.stylet_out" && a.kind != "needle.stylet_in") {
        refuse(session, a.kind + ": place the trocar first (needle.place)");
        return true;
    }
    if (a.kind == "needle.advance") {
        const double mm = a.requireNumber("mm");
        const double speed = a.number("speed_mm_s", 5.0);
        if (!(mm > 0.0 && mm <= 200.0)) throw DataError(a.file, a.line, "mm", "expected 0 to 200 mm");
        if (!(speed >= 0.5 && speed <= 50.0)) throw DataError(a.file, a.line, "speed_mm_s", "expected 0.5 to 50 mm/s");
        auto tw = a.args.find("twist");
        if (tw != a.args.end() && !tw->is_boolean()) throw DataError(a.file, a.line, "twist", "expected true or false");
        s.advanceLeftMm = mm;
        s.advanceSpeedMmS = speed;
        s.twisting = tw != a.args.end() && tw->get<bool>();
        s.withdrawLeftMm = 0.0;
        return true;
    }
    if (a.kind == "needle.tap") {
        const double e = a.number("energy_j", 0.5);
        const double count = a.number("count", 1.0);
        const double interval = a.number("interval_s", 0.5);
        if (!(e >= 0.1 && e <= 5.0)) throw DataError(a.file, a.line, "energy_j", "expected 0.1 to 5 J per tap");
        if (!(count >= 1.0 && count <= 100.0 && count == std::floor(count)))
            throw DataError(a.file, a.line, "count", "expected a whole number of taps, 1 to 100");
        if (!(interval >= 0.2 && interval <= 5.0)) throw DataError(a.file, a.line, "interval_s", "expected 0.2 to 5 s");
        s.tapEnergyJ = e;
        s.tapsLeft = static_cast<int>(count);
        s.tapIntervalTicks = std::max<int64_t>(1, tickAtOrAfter(interval));
        s.nextTapTick = session.state().tick;
        s.advanceLeftMm = 0.0;
        return true;
    }
    if (a.kind == "needle.withdraw" || a.kind == "needle.remove") {
        const bool all = a.kind == "needle.remove";
        const double mm = all ? s.needle.insertedMm + s.needle.indentationMm + 10.0 : a.requireNumber("mm");
        const double speed = a.number("speed_mm_s", all ? 20.0 : 10.0);
        if (!(mm > 0.0 && mm <= 300.0)) throw DataError(a.file, a.line, "mm", "expected 0 to 300 mm");
        if (!(speed >= 0.5 && speed <= 50.0)) throw DataError(a.file, a.line, "speed_mm_s", "expected 0.5 to 50 mm/s");
        if (!all && inPatient && s.cement.injectedNl == 0) ++s.repositionings;
        s.withdrawLeftMm = mm;
        s.withdrawSpeedMmS = speed;
        s.removing = all;
        if (all && !s.haveDeliveryPose && inPatient) {
            s.haveDeliveryPose = true;
            s.finalPose = s.needle;
        }
        s.advanceLeftMm = 0.0;
        s.tapsLeft = 0;
        return true;
    }
    if (a.kind == "needle.reangle") {
        const double medial = a.number("medial_deg", 0.0), cranial = a.number("cranial_deg", 0.0);
        const double rate = a.number("rate_deg_s", 5.0);
        if (std::fabs(medial) > 45.0) throw DataError(a.file, a.line, "medial_deg", "expected -45 to 45 degrees");
        if (std::fabs(cranial) > 45.0) throw DataError(a.file, a.line, "cranial_deg", "expected -45 to 45 degrees");
        if (!(rate >= 0.5 && rate <= 90.0)) throw DataError(a.file, a.line, "rate_deg_s", "expected 0.5 to 90 deg/s");
        const glm::dvec3 axis = s.needle.phase == physics::NeedlePhase::Outside ? s.needle.tipDir : s.needle.hubAxis;
        const glm::dvec3 ref = s.needle.phase == physics::NeedlePhase::Outside ? s.needle.tipLps : s.needle.skinEntryLps;
        const int side = ref.x >= anatomy_.level.midlineXMm ? 1 : -1;
        // A positive rotation about +z turns an anterior heading toward +x (the patient's left).
        glm::dvec3 theta = glm::dvec3(0.0, 0.0, -side * medial * kDeg);
        const glm::dvec3 across = glm::cross(axis, glm::dvec3(0.0, 0.0, 1.0));
        if (glm::length(across) > 1e-9) theta += glm::normalize(across) * (cranial * kDeg);
        const double angle = glm::length(theta);
        if (angle <= 0.0) return true;
        const double seconds = angle / (rate * kDeg);
        s.reangleTicksLeft = std::max<int64_t>(1, static_cast<int64_t>(std::llround(seconds / kTimeStepS)));
        s.reangleOmega = theta / (static_cast<double>(s.reangleTicksLeft) * kTimeStepS);
        if (inPatient && s.cement.injectedNl == 0) ++s.repositionings;
        return true;
    }
    if (a.kind == "needle.stylet_out" || a.kind == "needle.stylet_in") {
        s.styletIn = a.kind == "needle.stylet_in";
        session.addEvent(a.kind, s.styletIn ? "stylet back in the cannula" : "stylet removed: the cannula is open");
        return true;
    }
    if (a.kind == "cement.mix") {
        if (s.cement.mixedAtS >= 0.0) {
            refuse(session, "cement.mix: the cement is already mixed");
            return true;
        }
        therapy::mixCement(s.cement, session.time_s());
        session.addEvent("cement.mix", anatomy_.cement.cement.name);
        return true;
    }
    if (a.kind == "cement.inject") {
        const double ml = a.requireNumber("ml");
        const double rate = a.number("rate_ml_s", 0.1);
        if (!(ml >= 0.05 && ml <= 1.0))
            throw DataError(a.file, a.line, "ml", "expected 0.05 to 1 ml per stroke (1-ml syringes; 0.1-0.5 is usual)");
        if (!(rate >= 0.01 && rate <= 1.0)) throw DataError(a.file, a.line, "rate_ml_s", "expected 0.01 to 1 ml/s");
        if (s.cement.mixedAtS < 0.0) return refuse(session, "cement.inject: mix the cement first (cement.mix)"), true;
        if (!inPatient) return refuse(session, "cement.inject: the trocar is not in the patient"), true;
        if (s.styletIn) return refuse(session, "cement.inject: take the stylet out first (needle.stylet_out)"), true;
        const double minutes = (session.time_s() - s.cement.mixedAtS) / 60.0;
        const therapy::CementDef& def = anatomy_.cement.cement;
        session.addEvent("cement.inject", fmt("%.2f ml", ml) + fmt(" at %.2f ml/s, ", rate) +
                                               therapy::toString(therapy::phaseOf(def, minutes)) + " cement (" +
                                               fmt("%.0f Pa s", therapy::viscosityPaS(def, minutes)) + ")");
        s.injectLeftMl += ml;
        s.injectRateMlS = rate;
        return true;
    }
    return false;
}

void Vertebroplasty::inject(Session& session, double ml) {
    State& s = state_;
    if (!s.haveDeliveryPose) {
        s.haveDeliveryPose = true;
        s.finalPose = s.needle;
        s.firstInjectionS = session.time_s();
    }
    const therapy::InjectionResult r =
        therapy::injectCement(anatomy_.cement, s.cement, s.needle.tipLps, ml, session.time_s());
    if (r.deliveredMl + 1e-9 < ml) {
        s.injectLeftMl = 0.0;
        s.injectAccumMl = 0.0;
        const bool set = r.phase == therapy::CementPhase::Setting || r.phase == therapy::CementPhase::Set;
        session.addEvent("cement.stopped", set ? std::string("the cement has set: it can no longer be pushed")
                                               : std::string("no room for cement at the trocar tip"));
    }
    session.state().cementMl = therapy::injectedMl(s.cement);
}

void Vertebroplasty::reportNeedleEvents(Session& session) {
    State& s = state_;
    const auto& events = s.needle.events;
    for (; s.needleEventsSeen < events.size(); ++s.needleEventsSeen) {
        const physics::NeedleEvent& e = events[s.needleEventsSeen];
        switch (e.kind) {
            case physics::NeedleEventKind::Puncture:
                // Fat and muscle give way many times on the way in (fascial planes, and the CT's
                // noise at their boundary): only the punctures a clinician feels and names count.
                if (e.tissue == physics::Tissue::Fat || e.tissue == physics::Tissue::Muscle) break;
                session.addEvent("needle.puncture", std::string(physics::toString(e.tissue)) + " at " + point(e.whereLps));
                break;
            case physics::NeedleEventKind::Breach:
                ++s.breaches;
                session.addEvent(breachEventKind(e.breach), "");
                s.breachEvents.push_back({s.needleEventsSeen, session.state().events.size() - 1});
                break;
            case physics::NeedleEventKind::Stalled:
                session.addEvent("needle.stalled", std::string(physics::toString(e.tissue)) +
                                                       ": the hand's push is not enough; tap with the mallet or twist");
                break;
            case physics::NeedleEventKind::ShaftBent:
                session.addEvent("needle.shaft_bent", "levering against bone would bend the trocar: withdraw to re-angle");
                break;
            case physics::NeedleEventKind::ReangleBlocked:
                session.addEvent("needle.reangle_blocked", "the tissue holds the trocar: withdraw before re-angling further");
                break;
            case physics::NeedleEventKind::ShaftBoneContact:
                session.addEvent("needle.shaft_on_bone", "the shaft rests on bone at " + point(e.whereLps) +
                                                             ": the path crosses a bony element");
                break;
        }
    }
    // A breach's depth grows while the tip stays beyond the wall: keep its sentence current.
    for (const auto& [ni, si] : s.breachEvents) {
        const physics::NeedleEvent& e = events[ni];
        std::string& details = session.state().events[si].details;
        details = std::string(physics::toString(e.breach)) + " of " + anatomy_.tissue.nameOf(e.vertebra) + " at " +
                  point(e.whereLps) + ", tip " + fmt("%.1f", e.beyondWallMm) + " mm beyond the wall in " +
                  physics::toString(e.tissue);
    }
}

void Vertebroplasty::reportLeaks(Session& session) {
    State& s = state_;
    for (size_t i = 0; i < s.cement.leaks.size(); ++i) {
        const therapy::CementLeak& l = s.cement.leaks[i];
        if (i >= s.leakEvents.size()) {
            session.addEvent("cement.leak", "");
            s.leakEvents.push_back(session.state().events.size() - 1);
        }
        session.state().events[s.leakEvents[i]].details = std::string(therapy::toString(l.site)) + ": " +
                                                          fmt("%.2f ml", l.volumeMl) + ", first at " + point(l.firstLps);
    }
}

void Vertebroplasty::step(Session& session) {
    State& s = state_;
    const double dt = kTimeStepS;
    if (s.placed) {
        // Hands: what the trainee is doing during this tick.
        physics::NeedleInput in;
        if (s.tapsLeft > 0 && session.state().tick >= s.nextTapTick) {
            in.malletTapJ = s.tapEnergyJ;
            --s.tapsLeft;
            ++s.tapsTotal;
            s.nextTapTick += s.tapIntervalTicks;
        } else if (s.advanceLeftMm > 0.0) {
            in.advanceMmPerS = std::min(s.advanceSpeedMmS, s.advanceLeftMm / dt);
            in.twisting = s.twisting;
        } else if (s.withdrawLeftMm > 0.0) {
            in.advanceMmPerS = -std::min(s.withdrawSpeedMmS, s.withdrawLeftMm / dt);
        }
        if (s.reangleTicksLeft > 0) {
            in.reangleRadPerS = s.reangleOmega;
            --s.reangleTicksLeft;
        }
        // Needle physics.
        physics::stepNeedle(needleModel_, s.needle, in);
        if (in.advanceMmPerS > 0.0) {
            if (s.needle.stalled) s.advanceLeftMm = 0.0;  // the hand stops; the event says why
            else s.advanceLeftMm = std::max(0.0, s.advanceLeftMm - in.advanceMmPerS * dt);
            if (s.needle.insertedMm >= needleModel_.device.lengthMm - 1e-6) {
                s.advanceLeftMm = 0.0;
                session.addEvent("needle.hub_at_skin", "the trocar is in to its hub");
            }
        } else if (in.advanceMmPerS < 0.0) {
            s.withdrawLeftMm = std::max(0.0, s.withdrawLeftMm + in.advanceMmPerS * dt);
            if (s.removing && s.needle.phase == physics::NeedlePhase::Outside) {
                // Out of the skin and put down: nothing left in the beam.
                s.placed = false;
                s.removing = false;
                s.withdrawLeftMm = 0.0;
                session.addEvent("needle.removed", "the trocar is out of the patient");
            }
        }
        s.maxAxialHubForceN = std::max(s.maxAxialHubForceN, s.needle.axialHubForceN);
        reportNeedleEvents(session);
    }
    // Cement: the syringe stroke in portions.
    if (s.injectLeftMl > 0.0) {
        const double dv = std::min(s.injectRateMlS * dt, s.injectLeftMl);
        s.injectLeftMl -= dv;
        s.injectAccumMl += dv;
        if (s.injectAccumMl >= kCementPortionMl - 1e-12 || s.injectLeftMl <= 1e-12) {
            const double ml = s.injectAccumMl;
            s.injectAccumMl = 0.0;
            if (s.injectLeftMl <= 1e-12) s.injectLeftMl = 0.0;
            inject(session, ml);
            reportLeaks(session);
        }
    }
}

}  // namespace irsim::sim::vertebroplasty

namespace irsim::sim {

void registerVertebroplasty() {
    registerProcedure("vertebroplasty", [](const Scenario& s, const patient::Patient& p) {
        return std::make_unique<vertebroplasty::Vertebroplasty>(s, p);
    });
}

}  // namespace irsim::sim
