#include "physics/needle.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "physics/bone_collision.h"
#include "physics/shaft.h"
#include "core/units.h"

namespace irsim::physics {

namespace {


glm::dvec3 rotate(const glm::dvec3& v, const glm::dvec3& k, double a) {
    double c = std::cos(a), s = std::sin(a);
    return v * c + glm::cross(k, v) * s + k * glm::dot(k, v) * (1.0 - c);
}

glm::dvec3 anyPerpendicular(const glm::dvec3& d) {
    glm::dvec3 a = std::fabs(d.x) < 0.9 ? glm::dvec3(1, 0, 0) : glm::dvec3(0, 1, 0);
    return glm::normalize(a - d * glm::dot(a, d));
}

double angleBetween(const glm::dvec3& a, const glm::dvec3& b) {
    return std::atan2(glm::length(glm::cross(a, b)), glm::dot(a, b));
}

// Tissue the tip would be cutting at p: skin for the first mm after the entry.
Tissue tissueAhead(const NeedleModel& m, const NeedleState& s, const glm::dvec3& p) {
    Tissue t = m.tissue->tissueAt(p);
    if (s.skinLeftMm > 0.0 && t != Tissue::Air && !isBone(t)) return Tissue::Skin;
    return t;
}

// A membrane must be indented before the tip enters `next` from `current`; moving within bone
// from cortex into cancellous bone needs no new puncture.
bool needsPuncture(const NeedleModel& m, Tissue current, Tissue next) {
    if (next == current || next == Tissue::Air) return false;
    if (current == Tissue::CorticalBone && next == Tissue::CancellousBone) return false;
    return m.forces[next].punctureForceN > 0.0;
}

// Axial friction along the shaft. While the hand twists the trocar, the shaft slides mostly
// around its axis in bone, so only part of the bone's sliding friction opposes the push (the
// axial share of the sliding velocity; twisting kinetics as studied for bone needles by Heiner et
// al. 2001, J Biomech Eng 123:629); the same twistFactor as at the tip (estimated).
double frictionForceN(const NeedleModel& m, const NeedleState& s, double v, bool twisting = false) {
    double f = 0.0;
    for (int i = 0; i < kTissueCount; ++i) {
        if (s.lengthInMm[i] <= 0.0) continue;
        const auto& p = m.forces.rows[i];
        const double twist = twisting && isBone(static_cast<Tissue>(i)) ? m.twistFactor : 1.0;
        f += karnoppFrictionNPerMm(p.friction, v, 0.0) * frictionScale(p, m.device) * s.lengthInMm[i] * twist;
    }
    return f;
}

double boneFactorAt(const NeedleModel& m, Tissue t, const glm::dvec3& p) {
    return isBone(t) ? boneDensityFactor(t, m.tissue->huAt(p)) : 1.0;
}

void addEvent(NeedleState& s, NeedleEventKind kind, const glm::dvec3& where, Tissue t) {
    NeedleEvent e;
    e.kind = kind;
    e.timeS = s.timeS;
    e.whereLps = where;
    e.tissue = t;
    s.events.push_back(e);
}

const VertebraGeometry* findVertebra(const NeedleModel& m, uint16_t label) {
    for (const auto& v : m.vertebrae)
        if (v.label == label) return &v;
    return nullptr;
}

// After the tip moved from `prev` to s.tipLps: open, extend or close breach events.
void trackBreaches(const NeedleModel& m, NeedleState& s, const glm::dvec3& prev) {
    Tissue t = m.tissue->tissueAt(s.tipLps);
    uint16_t label = m.tissue->labelAt(s.tipLps);
    double arc = s.insertedMm;
    if (isBone(t) && m.tissue->isVertebralLesionLabel(label) && s.lastBoneVertebra != 0) {
        s.openBreach = -1;  // inside a lytic lesion of the vertebra: still within its walls
        return;
    }
    if (isBone(t) && m.tissue->isVertebraLabel(label)) {
        s.lastBoneVertebra = label;
        s.openBreach = -1;  // back in bone: the breach is over (the event stays)
        return;
    }
    bool dangerous = t == Tissue::SpinalCanal || t == Tissue::GreatVessel;
    if (s.openBreach < 0 && (s.lastBoneVertebra != 0 || dangerous)) {
        const VertebraGeometry* v = findVertebra(m, s.lastBoneVertebra);
        NeedleEvent e;
        e.kind = NeedleEventKind::Breach;
        e.timeS = s.timeS;
        e.whereLps = prev;
        e.tissue = t;
        e.vertebra = s.lastBoneVertebra;
        if (v) e.breach = classifyBreach(*v, prev, s.tipLps, t);
        else e.breach = t == Tissue::GreatVessel ? BreachKind::GreatVessel : BreachKind::PedicleMedial;
        s.events.push_back(e);
        s.openBreach = static_cast<int>(s.events.size()) - 1;
        s.breachExitArcMm = arc - glm::length(s.tipLps - prev);
    } else if (s.openBreach >= 0 && t == Tissue::GreatVessel &&
               s.events[static_cast<size_t>(s.openBreach)].breach != BreachKind::GreatVessel) {
        // Through the anterior cortex and on into the aorta/IVC: a second, graver event.
        NeedleEvent e = s.events[static_cast<size_t>(s.openBreach)];
        e.breach = BreachKind::GreatVessel;
        e.timeS = s.timeS;
        e.tissue = t;
        s.events.push_back(e);
        s.openBreach = static_cast<int>(s.events.size()) - 1;
    }
    if (s.openBreach >= 0) {
        auto& e = s.events[static_cast<size_t>(s.openBreach)];
        e.beyondWallMm = std::max(e.beyondWallMm, arc - s.breachExitArcMm);
    }
}

void appendTrack(const NeedleModel& m, NeedleState& s, Tissue t) {
    // The last point follows the tip; a new one starts once it is a spacing past the one before.
    size_t n = s.track.size();
    if (n < 2 || s.track[n - 1].arcMm - s.track[n - 2].arcMm >= m.trackSpacingMm) {
        if (s.track.size() < m.maxTrackPoints) s.track.push_back({s.tipLps, s.insertedMm, t});
    } else {
        s.track.back().lps = s.tipLps;
        s.track.back().arcMm = s.insertedMm;
    }
}

enum class Advance { Moved, Stalled, ScanEdge };

// The tip may not go where the CT has no voxel while it is in the patient, nor enter the patient
// from beyond the volume (through the face where the scan cut the body): tissueAt reads air there,
// and a trocar would glide on through it without resistance. It stops, with one event.
Advance stopAtScanEdge(NeedleState& s) {
    bool already = !s.events.empty() && s.events.back().kind == NeedleEventKind::ScanEdge;
    if (!already) addEvent(s, NeedleEventKind::ScanEdge, s.tipLps, s.tipTissue);
    return Advance::ScanEdge;
}

// Moves the tip forward by at most `distance` (hand push) or spends `energy` (N*mm, mallet).
// Stalled: a resistance the hand cannot overcome; ScanEdge: the tip is at the edge of the CT.
Advance advance(const NeedleModel& m, NeedleState& s, double distance, double energy, const NeedleInput& in,
                double velocity) {
    const bool tapping = energy > 0.0;
    double budget = tapping ? 1.0e9 : distance;
    int guard = 0;
    while (budget > 1e-12 && (!tapping || energy > 1e-12) && ++guard < 100000) {
        double sub = std::min(budget, m.sampleStepMm);
        if (s.phase == NeedlePhase::Outside) {
            glm::dvec3 next = s.tipLps + s.tipDir * sub;
            Tissue t = m.tissue->tissueAt(next);
            if (t == Tissue::Air) {
                s.tipLps = next;
                budget -= sub;
                if (tapping) return Advance::Moved;  // a tap in air does nothing useful
                continue;
            }
            if (!m.tissue->scanned(s.tipLps)) return stopAtScanEdge(s);
            // Skin contact: the entry point is the first point in tissue.
            s.tipLps = next;
            budget -= sub;
            s.skinEntryLps = s.tipLps;
            s.insertedMm = 0.0;
            s.track.clear();
            s.track.push_back({s.tipLps, 0.0, Tissue::Air});
            s.skinLeftMm = isBone(t) ? 0.0 : m.tissue->options().skinThicknessMm;
            s.hubAxis = s.tipDir;
            s.tipTissue = Tissue::Air;
            s.indentTissue = (isBone(t) || s.skinLeftMm <= 0.0) ? t : Tissue::Skin;
            s.indentationMm = 0.0;
            s.phase = NeedlePhase::Indenting;
            continue;
        }
        double friction = frictionForceN(m, s, velocity, in.twisting && !tapping);
        if (s.phase == NeedlePhase::Indenting) {
            const auto& p = m.forces[s.indentTissue];
            double bone = boneFactorAt(m, s.indentTissue, s.tipLps + s.tipDir * sub);
            TissueForceParams scaled = p;
            double scale = bone * (isBone(s.indentTissue) ? cuttingScale(p, m.device, s.indentTissue) : 1.0);
            if (in.twisting && isBone(s.indentTissue)) scale *= m.twistFactor;
            scaled.stiffnessA1NPerMm *= scale;
            scaled.stiffnessA2NPerMm2 *= scale;
            scaled.punctureForceN *= scale;
            double zp = punctureDepthMm(scaled);
            if (tapping) {
                double need = stiffnessEnergyNmm(scaled, zp) - stiffnessEnergyNmm(scaled, s.indentationMm);
                double frictionWork = friction * std::max(zp - s.indentationMm, 0.0);
                if (energy >= need + frictionWork) {
                    energy -= need + frictionWork;
                    s.indentationMm = zp;
                } else {
                    double e = energy * need / std::max(need + frictionWork, 1e-12);
                    s.indentationMm = indentationAfterEnergyMm(scaled, s.indentationMm, e);
                    s.stiffnessN = stiffnessForceN(scaled, s.indentationMm);
                    energy = 0.0;
                    break;
                }
            } else {
                double z = std::min(s.indentationMm + sub, zp);
                double f = stiffnessForceN(scaled, z) + friction;
                if (f > in.pushLimitN) {
                    s.stiffnessN = stiffnessForceN(scaled, s.indentationMm);
                    return Advance::Stalled;
                }
                budget -= z - s.indentationMm;
                s.indentationMm = z;
            }
            s.stiffnessN = stiffnessForceN(scaled, s.indentationMm);
            if (s.indentationMm >= zp - 1e-12) {
                addEvent(s, NeedleEventKind::Puncture, s.tipLps, s.indentTissue);
                s.tipTissue = s.indentTissue;
                // The membrane gives and springs back along the shaft: the tip, which the hand
                // had carried zp past the undeformed surface, is now that far into the tissue
                // (the "pop" of Okamura 2004). A hand push keeps its travel, so the indentation
                // becomes track to cut in this step, against the same forces as any other; a
                // mallet tap is an energy budget and has no travel to keep.
                if (!tapping) budget += s.indentationMm;
                s.indentationMm = 0.0;
                s.stiffnessN = 0.0;
                s.phase = NeedlePhase::Cutting;
            }
            continue;
        }
        // Cutting, until the hub meets the skin.
        sub = std::min(sub, m.device.lengthMm - s.insertedMm);
        if (sub <= 1e-12) return Advance::Moved;
        glm::dvec3 next = s.tipLps + s.tipDir * sub;
        if (!m.tissue->scanned(next)) return stopAtScanEdge(s);
        // The tissue ahead is sampled a fixed distance ahead, whatever this sub-step's length: a
        // hand push moves a few hundredths of a mm a step and a tap many sub-steps, and at a
        // boundary the two must agree on what the tip meets, or they take turns puncturing the
        // tissues on either side of it without moving.
        Tissue t = tissueAhead(m, s, s.tipLps + s.tipDir * m.sampleStepMm);
        if (needsPuncture(m, s.tipTissue, t)) {
            s.indentTissue = t;
            s.indentationMm = 0.0;
            s.phase = NeedlePhase::Indenting;
            continue;
        }
        const auto& p = m.forces[t];
        double cut = p.cuttingForceN * cuttingScale(p, m.device, t) * boneFactorAt(m, t, next);
        if (in.twisting && isBone(t)) cut *= m.twistFactor;
        double need = cut + friction;
        if (tapping) {
            if (need * sub > energy) sub = energy / std::max(need, 1e-12);
            energy -= need * sub;
        } else if (need > in.pushLimitN) {
            s.cuttingN = cut;
            return Advance::Stalled;
        } else {
            budget -= sub;
        }
        s.cuttingN = cut;
        glm::dvec3 prev = s.tipLps;
        s.tipLps = s.tipLps + s.tipDir * sub;
        s.insertedMm += sub;
        s.lengthInMm[static_cast<int>(t)] += sub;
        s.skinLeftMm = std::max(0.0, s.skinLeftMm - sub);
        s.tipTissue = t;
        // Bevel steering: the tip frame turns about (heading x bevel side) at curvature kappa.
        double kappa = bevelCurvaturePerMm(m, t);
        if (kappa > 0.0) {
            glm::dvec3 axis = glm::normalize(glm::cross(s.tipDir, s.bevelDir));
            s.tipDir = glm::normalize(rotate(s.tipDir, axis, kappa * sub));
            s.bevelDir = glm::normalize(rotate(s.bevelDir, axis, kappa * sub));
        }
        if (isBone(t) && !s.heldInBone) {
            s.heldInBone = true;
            s.boneEntryArcMm = s.insertedMm - sub;
            s.boneEntryLps = prev;
            s.boneTrackDir = s.tipDir;
        }
        appendTrack(m, s, t);
        trackBreaches(m, s, prev);
    }
    return Advance::Moved;
}

void withdraw(const NeedleModel& m, NeedleState& s, double distance) {
    if (s.phase == NeedlePhase::Indenting && s.indentationMm > 0.0) {
        double back = std::min(distance, s.indentationMm);
        s.indentationMm -= back;
        distance -= back;
    }
    while (distance > 1e-12 && s.phase != NeedlePhase::Outside) {
        if (s.track.size() < 2) {
            // Out of the skin.
            s.phase = NeedlePhase::Outside;
            s.insertedMm = 0.0;
            s.tipLps = s.skinEntryLps;
            std::fill(std::begin(s.lengthInMm), std::end(s.lengthInMm), 0.0);
            s.track.clear();
            s.tipTissue = Tissue::Air;
            s.heldInBone = false;
            s.lastBoneVertebra = 0;
            s.openBreach = -1;
            break;
        }
        const TrackPoint& last = s.track.back();
        const TrackPoint& before = s.track[s.track.size() - 2];
        double seg = last.arcMm - before.arcMm;
        double back = std::min(distance, seg);
        double f = seg > 0.0 ? back / seg : 1.0;
        s.tipLps = last.lps + (before.lps - last.lps) * f;
        s.insertedMm -= back;
        s.lengthInMm[static_cast<int>(last.tissue)] = std::max(0.0, s.lengthInMm[static_cast<int>(last.tissue)] - back);
        distance -= back;
        s.phase = NeedlePhase::Cutting;
        if (back >= seg) {
            s.track.pop_back();
            s.tipTissue = s.track.back().tissue == Tissue::Air ? Tissue::Skin : s.track.back().tissue;
        } else {
            s.track.back().lps = s.tipLps;
            s.track.back().arcMm = s.insertedMm;
        }
        s.tipDir = glm::normalize(s.track.back().lps - s.track[s.track.size() > 1 ? s.track.size() - 2 : 0].lps + s.tipDir * 1e-9);
        if (s.heldInBone && s.insertedMm <= s.boneEntryArcMm) {
            s.heldInBone = false;
            s.bendDeflectionMm = 0.0;
            s.lateralHubForceN = 0.0;
        }
        uint16_t label = m.tissue->labelAt(s.tipLps);
        if (isBone(m.tissue->tissueAt(s.tipLps)) && m.tissue->isVertebraLabel(label)) s.openBreach = -1;
    }
    if (s.phase == NeedlePhase::Outside && distance > 0.0) s.tipLps -= s.tipDir * distance;
}

void reangle(const NeedleModel& m, NeedleState& s, const glm::dvec3& omega) {
    double rate = glm::length(omega);
    if (rate <= 0.0) return;
    glm::dvec3 k = omega / rate;
    double a = rate * m.dt;
    if (s.phase == NeedlePhase::Outside) {
        s.tipDir = glm::normalize(rotate(s.tipDir, k, a));
        s.bevelDir = glm::normalize(rotate(s.bevelDir, k, a));
        s.hubAxis = s.tipDir;
        return;
    }
    glm::dvec3 newAxis = glm::normalize(rotate(s.hubAxis, k, a));
    if (s.heldInBone) {
        // The shaft is clamped where it entered bone: the hub's sideways offset from the
        // bone-held line bends it as a cantilever of the free length (bone entry to hub).
        double freeLength = m.device.lengthMm - s.boneEntryArcMm;
        double deflection = std::sin(angleBetween(newAxis, s.boneTrackDir)) * freeLength;
        double force = lateralForceForDeflectionN(m.device, freeLength, deflection, 12);
        double stress = force * freeLength * 0.5 * m.device.outerDiameterMm / secondMomentMm4(m.device);
        if (stress > yieldStressNPerMm2(m.device.material)) {
            bool already = !s.events.empty() && s.events.back().kind == NeedleEventKind::ShaftBent;
            if (!already) addEvent(s, NeedleEventKind::ShaftBent, s.boneEntryLps, s.tipTissue);
            return;  // the hand stops: further levering would kink the trocar
        }
        s.hubAxis = newAxis;
        s.bendDeflectionMm = deflection;
        s.lateralHubForceN = force;
        return;
    }
    double fromTrack = angleBetween(newAxis, glm::normalize(s.track.size() > 1 ? s.track[1].lps - s.track[0].lps : s.tipDir));
    if (fromTrack > m.softReangleLimitDeg * kPi / 180.0) {
        bool already = !s.events.empty() && s.events.back().kind == NeedleEventKind::ReangleBlocked;
        if (!already) addEvent(s, NeedleEventKind::ReangleBlocked, s.skinEntryLps, s.tipTissue);
        return;
    }
    s.hubAxis = newAxis;
    // Soft tissue yields: the tip's heading follows part of the hub's rotation.
    s.tipDir = glm::normalize(rotate(s.tipDir, k, a * m.steerFraction));
    s.bevelDir = glm::normalize(rotate(s.bevelDir, k, a * m.steerFraction));
}

// The shaft inside the body against bone surfaces (Bullet): capsules along the track from the skin
// to where the tip's own bone begins, so a shaft resting on a lamina or process is seen even
// though the tip, and every voxel it sampled, is elsewhere. The track's own bony part is left out.
void shaftAgainstBone(const NeedleModel& m, NeedleState& s) {
    const uint16_t was = s.shaftContactLabel;
    s.shaftContactLabel = 0;
    s.shaftContactDepthMm = 0.0;
    s.shaftContactLps = glm::dvec3(0.0);
    if (!m.boneCollision || s.phase == NeedlePhase::Outside || s.track.size() < 2) return;
    const double radius = 0.5 * m.device.outerDiameterMm;
    double endArc = (s.heldInBone ? std::min(s.boneEntryArcMm, s.insertedMm) : s.insertedMm) - m.shaftContactClearanceMm - radius;
    if (endArc <= s.track[0].arcMm) return;
    std::vector<ShaftBoneContact>& contacts = m.boneCollision->scratch();
    contacts.clear();
    glm::dvec3 start = s.track[0].lps;
    double startArc = s.track[0].arcMm;
    for (size_t n = 1; n < s.track.size(); ++n) {
        const TrackPoint& p = s.track[n];
        bool last = p.arcMm >= endArc || n + 1 == s.track.size();
        if (!last && p.arcMm - startArc < m.shaftCapsuleMm) continue;
        glm::dvec3 end = p.lps;
        if (p.arcMm > endArc) {
            const TrackPoint& q = s.track[n - 1];
            double span = p.arcMm - q.arcMm;
            double f = span > 1e-12 ? std::clamp((endArc - q.arcMm) / span, 0.0, 1.0) : 0.0;
            end = q.lps + (p.lps - q.lps) * f;
        }
        m.boneCollision->capsuleContacts(start, end, radius, contacts);
        if (last) break;
        start = end;
        startArc = p.arcMm;
    }
    for (const ShaftBoneContact& c : contacts)
        if (c.depthMm > s.shaftContactDepthMm) {
            s.shaftContactLabel = c.label;
            s.shaftContactDepthMm = c.depthMm;
            s.shaftContactLps = c.onBoneLps;
        }
    if (s.shaftContactLabel != 0 && s.shaftContactLabel != was) {
        addEvent(s, NeedleEventKind::ShaftBoneContact, s.shaftContactLps, Tissue::CorticalBone);
        s.events.back().vertebra = s.shaftContactLabel;
        s.events.back().depthMm = s.shaftContactDepthMm;
    }
}

}  // namespace

const char* toString(NeedleEventKind k) {
    switch (k) {
        case NeedleEventKind::Puncture: return "puncture";
        case NeedleEventKind::Breach: return "breach";
        case NeedleEventKind::Stalled: return "stalled";
        case NeedleEventKind::ShaftBent: return "shaft bent";
        case NeedleEventKind::ReangleBlocked: return "re-angle blocked";
        case NeedleEventKind::ShaftBoneContact: return "shaft on bone";
        case NeedleEventKind::ScanEdge: return "at the edge of the scan";
    }
    return "?";
}

double bevelCurvaturePerMm(const NeedleModel& m, Tissue t) {
    if (m.device.tip != NeedleTip::Bevel || !isSoft(t)) return 0.0;
    // The published curvature is for the reference needle; a stiffer shaft turns less, in
    // proportion to its flexural rigidity (estimated scaling; Webster et al. 2006 discuss the
    // needle's stiffness as the reason a flexible needle is needed to steer).
    static const double kReferenceEi = flexuralRigidityNmm2(NeedleDef::websterNitinol083());
    return m.forces[t].bevelCurvaturePerMm * kReferenceEi / flexuralRigidityNmm2(m.device);
}

void placeNeedle(const NeedleModel& model, NeedleState& s, const glm::dvec3& tip, const glm::dvec3& direction,
                 const glm::dvec3& bevelSide) {
    std::vector<TrackPoint> track = std::move(s.track);
    std::vector<NeedleEvent> events = std::move(s.events);
    s = NeedleState{};
    s.track = std::move(track);
    s.track.clear();
    s.track.reserve(model.maxTrackPoints);
    s.events = std::move(events);
    s.events.clear();
    s.events.reserve(64);
    s.tipLps = tip;
    s.tipDir = glm::normalize(direction);
    glm::dvec3 side = bevelSide - s.tipDir * glm::dot(bevelSide, s.tipDir);
    s.bevelDir = glm::length(side) > 1e-9 ? glm::normalize(side) : anyPerpendicular(s.tipDir);
    s.hubAxis = s.tipDir;
}

void stepNeedle(const NeedleModel& m, NeedleState& s, const NeedleInput& in) {
    s.stalled = false;
    // Re-angle and bevel roll.
    reangle(m, s, in.reangleRadPerS);
    if (in.bevelRollRadPerS != 0.0)
        s.bevelDir = glm::normalize(rotate(s.bevelDir, s.tipDir, in.bevelRollRadPerS * m.dt));

    // Insertion, mallet tap, or withdrawal.
    double v = in.advanceMmPerS;
    bool atPushLimit = false;
    if (in.malletTapJ > 0.0) {
        advance(m, s, 0.0, in.malletTapJ * 1000.0 * m.malletEfficiency, in, 1.0);
    } else if (v > 0.0) {
        const Advance r = advance(m, s, v * m.dt, 0.0, in, v);
        s.stalled = r != Advance::Moved;  // the hand stops either way
        atPushLimit = r == Advance::Stalled;
        bool already = !s.events.empty() && s.events.back().kind == NeedleEventKind::Stalled;
        if (r == Advance::Stalled && !already)
            addEvent(s, NeedleEventKind::Stalled, s.tipLps, s.phase == NeedlePhase::Indenting ? s.indentTissue : s.tipTissue);
    } else if (v < 0.0) {
        withdraw(m, s, -v * m.dt);
    }

    // Forces at the hub: the hand pushes; the needle pushes back.
    double friction = s.phase == NeedlePhase::Outside ? 0.0 : frictionForceN(m, s, s.stalled ? 0.0 : v, in.twisting);
    s.frictionN = friction;
    bool cutting = s.phase == NeedlePhase::Cutting && v > 0.0 && !s.stalled;
    if (!cutting) s.cuttingN = 0.0;
    if (s.phase != NeedlePhase::Indenting) s.stiffnessN = 0.0;
    s.axialHubForceN = atPushLimit ? in.pushLimitN : s.stiffnessN + s.cuttingN + friction;
    glm::dvec3 lateral(0.0);
    if (s.heldInBone && s.lateralHubForceN > 0.0) {
        glm::dvec3 off = s.hubAxis - s.boneTrackDir * glm::dot(s.hubAxis, s.boneTrackDir);
        if (glm::length(off) > 1e-12) lateral = -glm::normalize(off) * s.lateralHubForceN;
    }
    s.hubForceLps = -s.hubAxis * s.axialHubForceN + lateral;
    shaftAgainstBone(m, s);

    s.timeS += m.dt;
    ++s.steps;
}

glm::dvec3 hubPosition(const NeedleModel& m, const NeedleState& s) {
    if (s.phase == NeedlePhase::Outside) return s.tipLps - s.tipDir * m.device.lengthMm;
    double outside = m.device.lengthMm - s.insertedMm - s.indentationMm;
    return s.skinEntryLps - s.hubAxis * outside;
}

namespace {
struct Fnv {
    uint64_t h = 1469598103934665603ULL;
    void bytes(const void* p, size_t n) {
        const auto* c = static_cast<const unsigned char*>(p);
        for (size_t i = 0; i < n; ++i) { h ^= c[i]; h *= 1099511628211ULL; }
    }
    void d(double x) { bytes(&x, sizeof x); }
    void v(const glm::dvec3& x) { d(x.x); d(x.y); d(x.z); }
    void u(uint64_t x) { bytes(&x, sizeof x); }
};
}  // namespace

uint64_t hashNeedleState(const NeedleState& s) {
    Fnv f;
    f.d(s.timeS); f.u(s.steps); f.u(static_cast<uint64_t>(s.phase));
    f.v(s.tipLps); f.v(s.tipDir); f.v(s.bevelDir); f.v(s.hubAxis); f.v(s.skinEntryLps);
    f.d(s.insertedMm); f.d(s.indentationMm); f.d(s.skinLeftMm);
    for (double l : s.lengthInMm) f.d(l);
    for (const auto& p : s.track) { f.v(p.lps); f.d(p.arcMm); f.u(static_cast<uint64_t>(p.tissue)); }
    f.d(s.stiffnessN); f.d(s.cuttingN); f.d(s.frictionN); f.d(s.axialHubForceN); f.d(s.lateralHubForceN);
    f.v(s.hubForceLps); f.d(s.bendDeflectionMm);
    for (const auto& e : s.events) {
        f.u(static_cast<uint64_t>(e.kind)); f.d(e.timeS); f.v(e.whereLps);
        f.u(static_cast<uint64_t>(e.breach)); f.u(e.vertebra); f.d(e.beyondWallMm); f.d(e.depthMm);
    }
    f.u(s.shaftContactLabel); f.d(s.shaftContactDepthMm); f.v(s.shaftContactLps);
    return f.h;
}

}  // namespace irsim::physics
