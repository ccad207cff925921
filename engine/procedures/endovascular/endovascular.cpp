// The endovascular procedure: the trainee's hands on the hubs (docs/actions.md) carried out over
// the session's ticks, the branch each tip is in, and the wall-force events. The rod is stepped
// only while a hand moves and until it has settled after: a resting rod stays where it is, so a
// replay pays for the seconds the devices move, not for the minutes of the whole session.
#include "procedures/endovascular/endovascular.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/text.h"
#include "core/units.h"
#include "patient/vessel_growth.h"
#include "sim/scenario.h"

namespace irsim::procedures::endovascular {

using sim::kTimeStepS;

namespace {

// The slot of a device in the coaxial stack: catheter outside, microcatheter, wire innermost.
int slotOf(physics::EndovascularKind k) {
    switch (k) {
        case physics::EndovascularKind::Catheter: return 0;
        case physics::EndovascularKind::Microcatheter: return 1;
        default: return 2;
    }
}

// A still rod: no node moved more than this in the last step (0.024 mm/s, a quarter of the
// issue's 0.1 mm/s "no jitter" bound), or the hands have been still this many ticks.
constexpr double kRestMmPerStep = 1e-4;
constexpr int kMaxSettleTicks = 480;
// A device pulled back to within this of the sheath's tip is in the sheath: it may be exchanged.
constexpr double kInSheathMm = 0.5;
// wire.retract parks the wire's tip this far inside the catheter's.
constexpr double kRetractedMm = 5.0;

void refuse(Session& session, const std::string& why) { session.addEvent("action.refused", why); }

std::string where(const glm::dvec3& p) { return formatted("(%.0f, %.0f, %.0f) mm", p.x, p.y, p.z); }

}  // namespace

Endovascular::Endovascular(const sim::Scenario& scenario, const patient::Patient& patient) {
    const auto& def = static_cast<const Definition&>(*scenario.definition);
    const sim::ScenarioDocument& doc = scenario.doc;
    auto m = std::make_shared<Model>();
    m->tree = patient.vesselTree("arterial");
    if (!m->tree) doc.fail("endovascular.access", "the patient has no arterial tree to navigate");
    const patient::VesselTree& tree = *m->tree;
    m->lumen = physics::VesselLumen(tree);
    const physics::DeviceLibrary& lib = physics::builtinDeviceLibrary();
    m->sheath = lib.device(def.sheath);
    for (const std::string& id : def.tray) m->tray[id] = lib.device(id);
    m->route = def.route;

    // The sheath: at the access landmark, along the artery toward the aorta.
    const auto lm = patient.landmarks.find(def.access + ".access");
    if (lm == patient.landmarks.end())
        doc.fail("endovascular.access", "the patient has no landmark '" + def.access + ".access'");
    m->accessPoint = lm->second;
    int near = -1;
    for (size_t i = 0; i < tree.nodes.size(); ++i)
        if (tree.nodes[i].parent >= 0 &&
            (near < 0 || glm::length(tree.nodes[i].position - m->accessPoint) <
                             glm::length(tree.nodes[static_cast<size_t>(near)].position - m->accessPoint)))
            near = static_cast<int>(i);
    if (near < 0) doc.fail("endovascular.access", "the arterial tree has no segments");
    const glm::dvec3 up = tree.nodes[static_cast<size_t>(tree.nodes[static_cast<size_t>(near)].parent)].position -
                          m->accessPoint;
    m->accessDirection = glm::normalize(up);
    m->accessSegment = near;

    // The path from the access to the target: its branches are never a wrong turn.
    const auto pathUp = [&](int node) {
        for (; node >= 0; node = tree.nodes[static_cast<size_t>(node)].parent) {
            const std::string& b = tree.nodes[static_cast<size_t>(node)].branch;
            if (std::find(m->onPath.begin(), m->onPath.end(), b) == m->onPath.end()) m->onPath.push_back(b);
        }
    };
    pathUp(near);
    for (size_t i = 0; i < def.route.size(); ++i) {
        const int first = tree.firstNodeOf(def.route[i]);
        if (first < 0)
            doc.fail("endovascular.route[" + std::to_string(i) + "]",
                     "the arterial tree of this patient has no branch '" + def.route[i] + "'");
        pathUp(first);
    }
    // Beyond the target is not a wrong turn either: a wire parked distally is support, not a miss.
    std::vector<char> beyond(tree.nodes.size(), 0);
    const int target = tree.firstNodeOf(def.route.back());
    for (size_t i = 0; i < tree.nodes.size(); ++i) {
        const int parent = tree.nodes[i].parent;
        beyond[i] = static_cast<int>(i) == target || (parent >= 0 && beyond[static_cast<size_t>(parent)]);
        const std::string& b = tree.nodes[i].branch;
        if (beyond[i] && std::find(m->onPath.begin(), m->onPath.end(), b) == m->onPath.end()) m->onPath.push_back(b);
    }
    model_ = m;
    rodModel_.lumen = &model_->lumen;
    rodModel_.accessSegment = m->accessSegment;
    rodModel_.options.accessPoint = m->accessPoint;
    rodModel_.options.accessDirection = m->accessDirection;
    // Hub angle 0: the tip curve toward the patient's front (-y), where the visceral arteries leave.
    rodModel_.options.referenceNormal = {0.0, -1.0, 0.0};
    setStack(def.loaded);
    track(nullptr);
}

int Endovascular::stackIndex(const std::string& id) const {
    const auto it = std::find(state_.stack.begin(), state_.stack.end(), id);
    return it == state_.stack.end() ? -1 : static_cast<int>(it - state_.stack.begin());
}

int Endovascular::tipNode(int k) const {
    const physics::CoaxialRodState& r = state_.rod;
    const int n = static_cast<int>(r.nodes.size()) - 1;
    const double ins = r.insertedMm[static_cast<size_t>(k)];
    if (ins >= r.lengthMm - 1e-9) return n;
    return std::clamp(static_cast<int>(std::floor(ins / rodModel_.options.segmentMm + 0.5)), 0, n);
}

int Endovascular::deliveryIndex() const {
    for (int k = static_cast<int>(state_.stack.size()) - 1; k >= 0; --k)
        if (slotOf(rodModel_.devices[static_cast<size_t>(k)].kind) < 2) return k;
    return -1;
}

std::string Endovascular::deviceInHand() const {
    return state_.stack.empty() ? std::string() : state_.stack[static_cast<size_t>(state_.active)];
}

std::string Endovascular::branchAtNode(int node) const {
    const int seg = state_.rod.segment[static_cast<size_t>(node)];
    return model_->lumen.isSegment(seg) ? model_->lumen.branch(seg) : std::string("sheath");
}

std::string Endovascular::branchPlaceAtNode(int node) const {
    const std::string branch = branchAtNode(node);
    if (branch != patient::TreeGrowthOptions{}.branchName) return branch;
    // A grown branch is nameless: say whose territory it is in ("hepatic_branch of segment_6").
    const std::vector<patient::VesselNode>& nodes = model_->tree->nodes;
    int n = state_.rod.segment[static_cast<size_t>(node)];
    while (n >= 0 && nodes[static_cast<size_t>(n)].branch == branch) n = nodes[static_cast<size_t>(n)].parent;
    return n < 0 ? branch : branch + " of " + nodes[static_cast<size_t>(n)].branch;
}

// Rebuilds the rod's device list for a new stack, keeping the shape and each remaining device's
// insertion, hub angle and twist (a device leaves or joins only while inside the sheath, so the
// centreline does not change).
void Endovascular::setStack(std::vector<std::string> stack) {
    std::stable_sort(stack.begin(), stack.end(), [&](const std::string& a, const std::string& b) {
        return slotOf(model_->tray.at(a).kind) < slotOf(model_->tray.at(b).kind);
    });
    State& s = state_;
    const std::vector<std::string> old = s.stack;
    const physics::CoaxialRodState before = s.rod;
    rodModel_.devices.clear();
    for (const std::string& id : stack) rodModel_.devices.push_back(model_->tray.at(id));
    const size_t D = stack.size(), oldD = old.size();
    std::vector<int> from(D, -1);
    for (size_t k = 0; k < D; ++k)
        for (size_t q = 0; q < oldD; ++q)
            if (old[q] == stack[k]) from[k] = static_cast<int>(q);
    if (oldD == 0 || before.nodes.empty()) {
        s.rod = physics::makeCoaxialRod(rodModel_, std::vector<double>(D, 0.0));
    } else {
        physics::CoaxialRodState& r = s.rod;
        const size_t edges = before.nodes.size() - 1;
        r.insertedMm.assign(D, 0.0);
        r.hubAngleRad.assign(D, 0.0);
        r.hubForceN.assign(D, 0.0);
        r.twist.assign(edges * D, 0.0);
        r.twistPrevious.assign(edges * D, 0.0);
        for (size_t k = 0; k < D; ++k) {
            if (from[k] < 0) continue;
            const size_t q = static_cast<size_t>(from[k]);
            r.insertedMm[k] = before.insertedMm[q];
            r.hubAngleRad[k] = before.hubAngleRad[q];
            for (size_t j = 0; j < edges; ++j) {
                r.twist[j * D + k] = before.twist[j * oldD + q];
                r.twistPrevious[j * D + k] = before.twistPrevious[j * oldD + q];
            }
        }
    }
    std::vector<Hand> hands(D);
    for (size_t k = 0; k < D; ++k)
        if (from[k] >= 0) hands[k] = s.hands[static_cast<size_t>(from[k])];
    s.hands = hands;
    s.stack = stack;
    s.active = std::clamp(s.active, 0, std::max(0, static_cast<int>(D) - 1));
    s.resting = false;
}

int Endovascular::deviceArg(const Action& a, Session& session) const {
    const std::string id = a.text("device", "");
    if (id.empty()) {
        if (state_.stack.empty()) {
            refuse(session, a.kind + ": no device is in the sheath (device.insert)");
            return -1;
        }
        return state_.active;
    }
    if (!model_->tray.count(id)) throw DataError(a.file, a.line, "device", "'" + id + "' is not on this scenario's tray");
    const int k = stackIndex(id);
    if (k < 0) refuse(session, a.kind + ": " + id + " is not in the sheath (device.insert)");
    return k;
}

void Endovascular::insert(const Action& a, Session& session) {
    const std::string id = a.text("device", "");
    if (!model_->tray.count(id)) throw DataError(a.file, a.line, "device", "'" + id + "' is not on this scenario's tray");
    if (stackIndex(id) >= 0) return refuse(session, "device.insert: " + id + " is already in");
    const physics::EndovascularDevice& d = model_->tray.at(id);
    for (const std::string& other : state_.stack)
        if (slotOf(model_->tray.at(other).kind) == slotOf(d.kind))
            return refuse(session, "device.insert: " + other + " is in its place (device.exchange)");
    if (d.outerDiameterMm > model_->sheath.innerDiameterMm + 1e-9)
        return refuse(session, "device.insert: " + id + " does not fit the " + model_->sheath.title);
    std::vector<std::string> stack = state_.stack;
    stack.push_back(id);
    setStack(stack);
    state_.active = stackIndex(id);
    session.addEvent("device.insert", d.title + " into the sheath");
}

void Endovascular::exchange(const Action& a, Session& session) {
    const std::string id = a.text("device", "");
    if (!model_->tray.count(id)) throw DataError(a.file, a.line, "device", "'" + id + "' is not on this scenario's tray");
    if (stackIndex(id) >= 0) return refuse(session, "device.exchange: " + id + " is already in");
    const physics::EndovascularDevice& d = model_->tray.at(id);
    std::vector<std::string> stack = state_.stack;
    for (std::string& other : stack) {
        if (slotOf(model_->tray.at(other).kind) != slotOf(d.kind)) continue;
        if (state_.rod.insertedMm[static_cast<size_t>(stackIndex(other))] > kInSheathMm)
            return refuse(session, "device.exchange: pull " + other + " back into the sheath first");
        const std::string out = other;
        other = id;
        setStack(stack);
        state_.active = stackIndex(id);
        ++state_.exchanges;
        return session.addEvent("device.exchange", model_->tray.at(out).title + " out, " + d.title + " in");
    }
    refuse(session, "device.exchange: nothing of its kind to exchange (device.insert)");
}

void Endovascular::remove(const Action& a, Session& session) {
    const int k = deviceArg(a, session);
    if (k < 0) return;
    if (state_.rod.insertedMm[static_cast<size_t>(k)] > kInSheathMm)
        return refuse(session, "device.remove: pull it back into the sheath first");
    std::vector<std::string> stack = state_.stack;
    const std::string id = stack[static_cast<size_t>(k)];
    stack.erase(stack.begin() + k);
    setStack(stack);
    session.addEvent("device.remove", model_->tray.at(id).title + " out of the sheath");
}

void Endovascular::select(const Action& a, Session& session) {
    const int k = deviceArg(a, session);
    if (k < 0) return;
    state_.active = k;
    session.addEvent("device.select", "the hand on " + rodModel_.devices[static_cast<size_t>(k)].title);
}

void Endovascular::push(const Action& a, Session& session) {
    const int k = deviceArg(a, session);
    if (k < 0) return;
    Hand& h = state_.hands[static_cast<size_t>(k)];
    const double mm = a.requireNumber("mm");
    h.leftMm = a.kind == "device.pull" ? -mm : mm;
    h.speedMmS = a.number("speed_mm_s", controls::kHandSpeedMmS);
}

void Endovascular::torque(const Action& a, Session& session) {
    const int k = deviceArg(a, session);
    if (k < 0) return;
    Hand& h = state_.hands[static_cast<size_t>(k)];
    h.leftRad = a.requireNumber("deg") * kDegToRad;
    h.rateRadS = a.number("rate_deg_s", controls::kTurnRateDegS) * kDegToRad;
}

void Endovascular::wire(const Action& a, Session& session) {
    // The wire is the innermost device; the catheter the one around it.
    const int w = static_cast<int>(state_.stack.size()) - 1;
    if (w < 1 || slotOf(rodModel_.devices[static_cast<size_t>(w)].kind) != 2)
        return refuse(session, a.kind + ": it needs a wire inside a catheter");
    const double catheter = state_.rod.insertedMm[static_cast<size_t>(w) - 1];
    const double target = a.kind == "wire.retract" ? std::max(0.0, catheter - kRetractedMm)
                                                   : catheter + a.requireNumber("mm");
    Hand& h = state_.hands[static_cast<size_t>(w)];
    h.leftMm = target - state_.rod.insertedMm[static_cast<size_t>(w)];
    h.speedMmS = a.number("speed_mm_s", controls::kHandSpeedMmS);
}

// The branch of each tip after a step, and the events it gives: a route branch the catheter has
// reached, a branch off the path the leading tip has entered.
void Endovascular::track(Session* session) {
    State& s = state_;
    if (s.stack.empty()) return;
    const int n = static_cast<int>(s.rod.nodes.size()) - 1;
    const std::string tip = branchAtNode(n);
    // The catheter that reaches a branch is the innermost one: a microcatheter beyond the Cobra.
    const int delivery = std::max(0, deliveryIndex());
    const std::string cath = branchAtNode(tipNode(delivery));
    const bool live = session != nullptr;
    if (tip != s.tipBranch && live) {
        const bool onPath = std::find(model_->onPath.begin(), model_->onPath.end(), tip) != model_->onPath.end();
        if (!onPath && tip != "sheath" &&
            std::find(s.wrongBranches.begin(), s.wrongBranches.end(), tip) == s.wrongBranches.end()) {
            s.wrongBranches.push_back(tip);
            session->addEvent("device.wrong_branch", "the tip entered " + tip + ", off the way to " + model_->route.back());
        }
        const bool route = std::find(model_->route.begin(), model_->route.end(), tip) != model_->route.end();
        if (route && std::find(s.tipEntered.begin(), s.tipEntered.end(), tip) == s.tipEntered.end()) {
            s.tipEntered.push_back(tip);
            session->addEvent("device.branch_entered", "the tip entered " + tip);
        }
    }
    if (cath != s.catheterBranch && live) {
        const bool route = std::find(model_->route.begin(), model_->route.end(), cath) != model_->route.end();
        if (route && !s.reachedS.count(cath)) {
            s.reachedS[cath] = session->time_s();
            session->addEvent("device.branch_reached",
                              rodModel_.devices[static_cast<size_t>(delivery)].title + formatted(" in %s at %.1f s", cath.c_str(), session->time_s()));
        }
    }
    s.tipBranch = tip;
    s.catheterBranch = cath;
}

// Wall force: at the leading tip (dissection, perforation), and held on small arteries (spasm).
// Read only while no hub is being pushed or pulled: during a push the rod's insertion places the
// tip kinematically (follow-the-leader), and the wall's reaction to each placement is not a force
// the hand applies. Once the hand stops, what the wall holds is what the devices press on it with:
// a stiff wire jammed into a branch stays pressed there, a floppy tip that went round a bend not.
void Endovascular::watchWall(Session& session, bool pushing) {
    State& s = state_;
    if (pushing || s.stack.empty() || s.rod.nodes.size() < 2) return;
    const WallForceLimits& lim = model_->limits;
    const physics::CoaxialRodState& r = s.rod;
    const int n = static_cast<int>(r.nodes.size()) - 1;
    // The highest force on one node of the distal part of the leading device: where a tip driven
    // on is pressed into the wall, or a wire wedged into a small branch is forced against it.
    double tipN = 0.0;
    int at = n;
    for (int i = n; i >= 1 && r.lengthMm - physics::nodeArcMm(rodModel_, r, i) <= lim.distalMm; --i)
        if (r.wallForceN[static_cast<size_t>(i)] > tipN) tipN = r.wallForceN[static_cast<size_t>(i)], at = i;
    s.maxTipForceN = std::max(s.maxTipForceN, tipN);
    std::map<std::string, double> small;
    for (int i = 1; i <= n; ++i) {
        s.maxWallForceN = std::max(s.maxWallForceN, r.wallForceN[static_cast<size_t>(i)]);
        const int seg = r.segment[static_cast<size_t>(i)];
        if (model_->lumen.isSegment(seg) && model_->lumen.radiusMm(seg) < lim.spasmRadiusMm)
            small[model_->lumen.branch(seg)] += r.wallForceN[static_cast<size_t>(i)];
    }
    // The device whose tip leads: the force is read on the rod's distal part, which is that device's
    // (a wire pulled back inside the catheter no longer is).
    size_t leading = 0;
    for (size_t k = 1; k < r.insertedMm.size(); ++k)
        if (r.insertedMm[k] > r.insertedMm[leading]) leading = k;
    const std::string who = rodModel_.devices[leading].title;
    const auto watch = [&](ForceWatch& w, bool over, bool under, double holdS, const std::string& kind,
                           const std::string& details) {
        if (over) w.heldS += kTimeStepS;
        else if (under) w = {};
        if (over && !w.fired && w.heldS >= holdS - 1e-12) {
            w.fired = true;
            session.addEvent(kind, details);
            return true;
        }
        return false;
    };
    const std::string site = formatted(" %.0f mm from the tip of the ", r.lengthMm - physics::nodeArcMm(rodModel_, r, at)) +
                             who + ", against the wall of " + branchAtNode(at) + " at " + where(r.nodes[static_cast<size_t>(at)]);
    if (watch(s.perforation, tipN >= lim.perforationN, tipN < 0.5 * lim.perforationN, lim.holdS, "vessel.perforation",
              formatted("%.2f N", tipN) + site))
        ++s.perforations;
    if (watch(s.dissection, tipN >= lim.dissectionN, tipN < 0.5 * lim.dissectionN, lim.holdS, "vessel.dissection",
              formatted("%.2f N", tipN) + site))
        ++s.dissections;
    for (auto& [branch, w] : s.spasm) {
        if (!small.count(branch)) w.heldS = 0.0;
    }
    for (const auto& [branch, force] : small) {
        if (watch(s.spasm[branch], force >= lim.spasmN, force < lim.spasmN, lim.spasmHoldS, "vessel.vasospasm",
                  formatted("%.2f N held on ", force) + branch + formatted(" for %.0f s", lim.spasmHoldS))) {
            ++s.vasospasms;
            s.spasmSinceS[branch] = session.time_s();
        }
    }
}

// DSA runs and roadmaps are the session's; which branch they opacified is the catheter's.
void Endovascular::readSession(Session& session) {
    State& s = state_;
    const auto& events = session.state().events;
    for (; s.eventsSeen < events.size(); ++s.eventsSeen) {
        const assessment::SessionEvent& e = events[s.eventsSeen];
        if (e.kind == "dsa.run") {
            s.dsaBranch = s.catheterBranch;
            s.dsaCounted = false;
        } else if (e.kind == "contrast.inject" && !s.dsaCounted &&
                   session.state().modes.dsaUntilTick > session.state().tick) {
            s.dsaCounted = true;
            if (std::find(model_->route.begin(), model_->route.end(), s.dsaBranch) != model_->route.end())
                ++s.dsaRuns[s.dsaBranch];
        } else if (e.kind == "image.store" && session.state().modes.roadmapOn) {
            ++s.roadmapsStored;
        }
    }
}

void Endovascular::step(Session& session) {
    State& s = state_;
    readSession(session);
    if (s.stack.empty()) return;
    const double dt = kTimeStepS;
    std::vector<physics::HubMotion> motion(s.stack.size());
    bool moving = false, pushing = false;
    for (size_t k = 0; k < s.stack.size(); ++k) {
        Hand& h = s.hands[k];
        if (h.leftMm != 0.0) {
            const double v = std::min(h.speedMmS, std::fabs(h.leftMm) / dt);
            motion[k].pushMmPerS = h.leftMm > 0.0 ? v : -v;
            h.leftMm = h.leftMm > 0.0 ? std::max(0.0, h.leftMm - v * dt) : std::min(0.0, h.leftMm + v * dt);
            if (std::fabs(h.leftMm) < 1e-9) h.leftMm = 0.0;
            moving = pushing = true;
        }
        if (h.leftRad != 0.0) {
            const double w = std::min(h.rateRadS, std::fabs(h.leftRad) / dt);
            motion[k].turnRadPerS = h.leftRad > 0.0 ? w : -w;
            h.leftRad = h.leftRad > 0.0 ? std::max(0.0, h.leftRad - w * dt) : std::min(0.0, h.leftRad + w * dt);
            if (std::fabs(h.leftRad) < 1e-12) h.leftRad = 0.0;
            moving = true;
        }
    }
    if (moving || !s.resting) {
        physics::stepCoaxialRod(rodModel_, s.rod, motion);
        if (moving) {
            s.resting = false;
            s.settleTicks = 0;
        } else {
            double most = 0.0;
            for (size_t i = 0; i < s.rod.nodes.size(); ++i)
                most = std::max(most, glm::length(s.rod.nodes[i] - s.rod.previous[i]));
            s.resting = most < kRestMmPerStep || ++s.settleTicks >= kMaxSettleTicks;
        }
        track(&session);
    }
    watchWall(session, pushing);
}

}  // namespace irsim::procedures::endovascular
