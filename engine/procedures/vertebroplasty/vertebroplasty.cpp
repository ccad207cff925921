// The vertebroplasty procedure: the trainee's actions (docs/actions.md) and the hands that carry
// them out over the session's ticks. A push, a withdrawal, a re-angle, a series of mallet taps and
// a syringe stroke each last simulated time and are stepped at 1/240 s, so the fluoroscopy taken
// meanwhile shows the trocar and the cement where they are at that moment.
#include "procedures/vertebroplasty/vertebroplasty.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/text.h"
#include "physics/bone_collision.h"
#include "core/units.h"

namespace irsim::procedures::vertebroplasty {

using sim::kTimeStepS;
using sim::tickAtOrAfter;

namespace {

constexpr double kDeg = kDegToRad;
// Cement is computed in portions of this size during a stroke: fine enough that the fluoroscopy
// sees the fill grow, coarse enough that a 0.5 ml stroke costs ten flow solutions.
constexpr double kCementPortionMl = 0.05;


std::string point(const glm::dvec3& p) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "(%.1f, %.1f, %.1f) mm", p.x, p.y, p.z);
    return buf;
}

void refuse(Session& session, const std::string& why) { session.addEvent("action.refused", why); }


}  // namespace

Vertebroplasty::Vertebroplasty(const sim::Scenario& scenario, const patient::Patient& patient) {
    const auto& def = static_cast<const Definition&>(*scenario.definition);
    anatomy_ = std::make_shared<const Anatomy>(buildAnatomy(patient, def.level, scenario.doc, def.levelField));
    needleModel_.device = *deviceNamed(def.device);
    state_.deviceName = def.device;
    needleModel_.tissue = &anatomy_->tissue;
    needleModel_.vertebrae = anatomy_->vertebrae;
    // Bullet finds the shaft lying on bone away from the tip (a lamina, a spinous process): the
    // tip's voxel lookup cannot.
    needleModel_.boneCollision = physics::makeBoneCollisionWorld(anatomy_->tissue);
    // The bone surface is the voxel boundary and the tip finds bone by sampling: near where the tip
    // entered bone, allow one and a half voxels so a coarse CT does not report the entry itself.
    const glm::dvec3 sp = patient.ct.geometry.spacing;
    needleModel_.shaftContactClearanceMm = std::max(needleModel_.shaftContactClearanceMm,
                                                    1.5 * std::max({sp.x, sp.y, sp.z}));
    needleModel_.dt = kTimeStepS;
    state_.needle.track.reserve(needleModel_.maxTrackPoints);
    state_.cement = therapy::makeCementState(anatomy_->cement);
}

glm::dvec3 Vertebroplasty::pointArg(const Action& a, const std::string& field, const Session& session) const {
    auto it = a.args.find(field);
    if (it == a.args.end()) throw DataError(a.file, a.line, field, "action '" + a.kind + "' needs '" + field + "'");
    if (it->is_string()) {
        const std::string name = it->get<std::string>();
        auto lm = session.patient().landmarks.find(name);
        if (lm != session.patient().landmarks.end()) return lm->second;
        // The ideal path's points, also where the patient has no landmarks (a real CT).
        for (const IdealPath& p : anatomy_->ideal) {
            if (!p.found) continue;
            const std::string base = anatomy_->level.name + (p.side > 0 ? ".pedicle_left" : ".pedicle_right");
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
    const int side = entry.x >= anatomy_->level.midlineXMm ? 1 : -1;
    glm::dvec3 dir;
    if (a.args.contains("target")) {
        const glm::dvec3 target = pointArg(a, "target", session);
        if (glm::length(target - entry) < 1.0)
            throw DataError(a.file, a.line, "target", "the target must be at least 1 mm from the entry");
        dir = glm::normalize(target - entry);
    } else {
        dir = headingFromAngles(side, a.number("medial_deg", 0.0), a.number("caudal_deg", 0.0));
    }
    // The trainee sets the tip on the skin where this line comes out of the back: walk back from
    // the entry until 5 mm of air, then start 2 mm outside. The air must be the CT's own: a line
    // that reaches the edge of the volume first leaves through the face where the scan cut the
    // body, and there is no skin there (the patient goes on, unscanned).
    glm::dvec3 skin = entry;
    double airRun = 0.0;
    bool found = false;
    for (int n = 1; n <= 2400 && !found; ++n) {
        const glm::dvec3 p = entry - dir * (0.25 * n);
        if (!anatomy_->tissue.scanned(p) && airRun == 0.0)
            return refuse(session, "needle.place: this line reaches the edge of the CT before it leaves the body: "
                                   "there is no skin to set the trocar on within the scan (aim from the back)");
        if (anatomy_->tissue.tissueAt(p) == physics::Tissue::Air) {
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
                                         formatted("%.1f", medial) + " deg medial, " + formatted("%.1f", caudal) + " deg caudal");
}

bool Vertebroplasty::inPatient() const { return state_.placed && state_.needle.phase != physics::NeedlePhase::Outside; }

bool Vertebroplasty::refusedUnplaced(const Action& a, Session& session) {
    if (state_.placed) return false;
    refuse(session, a.kind + ": place the trocar first (needle.place)");
    return true;
}

void Vertebroplasty::select(const Action& a, Session& session) {
    State& s = state_;
    const std::string name = a.text("device", "");
    const physics::NeedleDef def = *deviceNamed(name);  // the table allows only known names
    if (inPatient()) return refuse(session, "needle.select: withdraw the trocar before changing it");
    needleModel_.device = def;
    s.deviceName = name;
    s.deviceChosen = true;
    if (s.placed) physics::placeNeedle(needleModel_, s.needle, s.needle.tipLps, s.needle.tipDir);
    session.addEvent("needle.select", def.name);
}

void Vertebroplasty::advance(const Action& a, Session& session) {
    if (refusedUnplaced(a, session)) return;
    State& s = state_;
    // A push given while the hand is still pushing adds to it: two quick clicks of "Advance
    // 2 mm" are 4 mm of travel, not the second 2 mm in place of what was left of the first.
    s.advanceLeftMm += a.requireNumber("mm");
    s.advanceSpeedMmS = a.number("speed_mm_s", 5.0);
    auto tw = a.args.find("twist");
    s.twisting = tw != a.args.end() && tw->get<bool>();
    s.withdrawLeftMm = 0.0;
}

void Vertebroplasty::tap(const Action& a, Session& session) {
    if (refusedUnplaced(a, session)) return;
    State& s = state_;
    s.tapEnergyJ = a.number("energy_j", 0.5);
    s.tapsLeft = static_cast<int>(a.number("count", 1.0));
    s.tapIntervalTicks = std::max<int64_t>(1, tickAtOrAfter(a.number("interval_s", 0.5)));
    s.nextTapTick = session.state().tick;
    s.advanceLeftMm = 0.0;
}

void Vertebroplasty::withdraw(const Action& a, Session& session) {
    if (refusedUnplaced(a, session)) return;
    State& s = state_;
    const bool all = a.kind == "needle.remove";
    const bool inside = inPatient();
    const double mm = all ? s.needle.insertedMm + s.needle.indentationMm + 10.0 : a.requireNumber("mm");
    if (!all && inside && s.cement.injectedNl == 0) ++s.repositionings;
    s.withdrawLeftMm = all ? mm : s.withdrawLeftMm + mm;  // as needle.advance: a pull under way goes on
    s.withdrawSpeedMmS = a.number("speed_mm_s", all ? 20.0 : 10.0);
    s.removing = all;
    if (all && !s.haveDeliveryPose && inside) {
        s.haveDeliveryPose = true;
        s.finalPose = s.needle;
    }
    s.advanceLeftMm = 0.0;
    s.tapsLeft = 0;
}

void Vertebroplasty::reangle(const Action& a, Session& session) {
    if (refusedUnplaced(a, session)) return;
    State& s = state_;
    const double medial = a.number("medial_deg", 0.0), cranial = a.number("cranial_deg", 0.0);
    const double rate = a.number("rate_deg_s", 5.0);
    const bool outside = s.needle.phase == physics::NeedlePhase::Outside;
    const glm::dvec3 axis = outside ? s.needle.tipDir : s.needle.hubAxis;
    const glm::dvec3 ref = outside ? s.needle.tipLps : s.needle.skinEntryLps;
    const int side = ref.x >= anatomy_->level.midlineXMm ? 1 : -1;
    // A positive rotation about +z turns an anterior heading toward +x (the patient's left).
    glm::dvec3 theta = glm::dvec3(0.0, 0.0, -side * medial * kDeg);
    const glm::dvec3 across = glm::cross(axis, glm::dvec3(0.0, 0.0, 1.0));
    if (glm::length(across) > 1e-9) theta += glm::normalize(across) * (cranial * kDeg);
    const double angle = glm::length(theta);
    if (angle <= 0.0) return;
    const double seconds = angle / (rate * kDeg);
    s.reangleTicksLeft = std::max<int64_t>(1, static_cast<int64_t>(std::llround(seconds / kTimeStepS)));
    s.reangleOmega = theta / (static_cast<double>(s.reangleTicksLeft) * kTimeStepS);
    if (inPatient() && s.cement.injectedNl == 0) ++s.repositionings;
}

void Vertebroplasty::stylet(const Action& a, Session& session) {
    state_.styletIn = a.kind == "needle.stylet_in";
    session.addEvent(a.kind, state_.styletIn ? "stylet back in the cannula" : "stylet removed: the cannula is open");
}

void Vertebroplasty::mixCement(const Action&, Session& session) {
    if (state_.cement.mixedAtS >= 0.0) return refuse(session, "cement.mix: the cement is already mixed");
    therapy::mixCement(state_.cement, session.time_s());
    session.addEvent("cement.mix", anatomy_->cement.cement.name);
}

void Vertebroplasty::injectCement(const Action& a, Session& session) {
    State& s = state_;
    const double ml = a.requireNumber("ml");
    const double rate = a.number("rate_ml_s", 0.1);
    if (s.cement.mixedAtS < 0.0) return refuse(session, "cement.inject: mix the cement first (cement.mix)");
    if (!inPatient()) return refuse(session, "cement.inject: the trocar is not in the patient");
    if (s.styletIn) return refuse(session, "cement.inject: take the stylet out first (needle.stylet_out)");
    const double minutes = (session.time_s() - s.cement.mixedAtS) / 60.0;
    const therapy::CementDef& def = anatomy_->cement.cement;
    session.addEvent("cement.inject", formatted("%.2f ml", ml) + formatted(" at %.2f ml/s, ", rate) +
                                          therapy::toString(therapy::phaseOf(def, minutes)) + " cement (" +
                                          formatted("%.0f Pa s", therapy::viscosityPaS(def, minutes)) + ")");
    s.injectLeftMl += ml;
    s.injectRateMlS = rate;
}

void Vertebroplasty::inject(Session& session, double ml) {
    State& s = state_;
    if (!s.haveDeliveryPose) {
        s.haveDeliveryPose = true;
        s.finalPose = s.needle;
        s.firstInjectionS = session.time_s();
    }
    const therapy::InjectionResult r =
        therapy::injectCement(anatomy_->cement, s.cement, s.needle.tipLps, ml, session.time_s());
    if (r.deliveredMl + 1e-9 < ml) {
        s.injectLeftMl = 0.0;
        s.injectAccumMl = 0.0;
        const bool set = r.phase == therapy::CementPhase::Setting || r.phase == therapy::CementPhase::Set;
        session.addEvent("cement.stopped", set ? std::string("the cement has set: it can no longer be pushed")
                                               : std::string("no room for cement at the trocar tip"));
    }
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
            case physics::NeedleEventKind::ScanEdge:
                session.addEvent("needle.scan_edge", "the tip is at the edge of the CT at " + point(e.whereLps) +
                                                         ": nothing is known of the patient beyond it, so the trocar goes no further");
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
        details = std::string(physics::toString(e.breach)) + " of " + anatomy_->tissue.nameOf(e.vertebra) + " at " +
                  point(e.whereLps) + ", tip " + formatted("%.1f", e.beyondWallMm) + " mm beyond the wall in " +
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
                                                          formatted("%.2f ml", l.volumeMl) + ", first at " + point(l.firstLps);
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

}  // namespace irsim::procedures::vertebroplasty
