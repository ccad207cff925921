// What the X-ray sees of the devices, where contrast enters, the metrics and the state hash.
// Radiopacity follows each device's file entry: a wire's metal core section by section (nitinol,
// steel) and its tip coil; a catheter's barium-filled polymer wall, faint; platinum marker bands.
#include <algorithm>
#include <cmath>

#include "procedures/endovascular/endovascular.h"

namespace irsim::procedures::endovascular {

namespace {

// The rod's centreline from arc `a` to arc `b` (mm from the sheath's tip), as points.
std::vector<glm::dvec3> stretch(const physics::CoaxialRodModel& m, const physics::CoaxialRodState& r, double a, double b) {
    std::vector<glm::dvec3> pts;
    const int n = static_cast<int>(r.nodes.size()) - 1;
    a = std::max(0.0, a), b = std::min(r.lengthMm, b);
    if (n < 1 || b - a < 1e-6) return pts;
    const auto at = [&](double arc) {
        for (int j = 0; j < n; ++j) {
            const double s0 = physics::nodeArcMm(m, r, j), s1 = physics::nodeArcMm(m, r, j + 1);
            if (arc <= s1 + 1e-9 || j == n - 1) {
                const double f = s1 > s0 ? std::clamp((arc - s0) / (s1 - s0), 0.0, 1.0) : 0.0;
                return r.nodes[static_cast<size_t>(j)] + f * (r.nodes[static_cast<size_t>(j) + 1] - r.nodes[static_cast<size_t>(j)]);
            }
        }
        return r.nodes.back();
    };
    pts.push_back(at(a));
    for (int i = 1; i < n; ++i) {
        const double s = physics::nodeArcMm(m, r, i);
        if (s > a + 1e-6 && s < b - 1e-6) pts.push_back(r.nodes[static_cast<size_t>(i)]);
    }
    pts.push_back(at(b));
    return pts;
}

imaging::Material metalOf(const physics::DeviceMaterial& m) {
    if (m.name == "nitinol") return imaging::Material::Nitinol;
    if (m.name.rfind("stainless", 0) == 0) return imaging::Material::Steel;
    return imaging::Material::Count;  // polymer: tissue-like, only its filler shows
}

}  // namespace

imaging::FrameContents Endovascular::radiopaqueContents(const Session&) const {
    imaging::FrameContents out;
    const physics::CoaxialRodState& r = state_.rod;
    for (size_t k = 0; k < rodModel_.devices.size(); ++k) {
        const physics::EndovascularDevice& d = rodModel_.devices[k];
        const double tip = r.insertedMm[k];
        if (tip < 0.5) continue;
        // Metal members, section by section from the tip back.
        double fromTip = 0.0;
        for (const physics::DeviceSection& sec : d.sections) {
            const double len = sec.lengthMm > 0.0 ? sec.lengthMm : d.lengthMm - fromTip;
            const imaging::Material mat = metalOf(sec.material);
            if (mat != imaging::Material::Count) {
                imaging::RadiopaquePath p;
                p.pointsLps = stretch(rodModel_, r, tip - fromTip - len, tip - fromTip);
                p.radiusMm = 0.25 * (sec.proximalOuterDiameterMm + sec.distalOuterDiameterMm);
                p.innerRadiusMm = 0.5 * sec.innerDiameterMm;
                p.material = mat;
                p.gPerCm3 = sec.material.density;
                if (p.pointsLps.size() >= 2) out.paths.push_back(std::move(p));
            }
            fromTip += len;
            if (fromTip >= tip) break;
        }
        // A platinum tip coil: steel stands in (the attenuation tables have no platinum; the real
        // coil is darker still), over the coil's length at the device's outer diameter.
        if (d.radiopacity.tipCoilMm > 0.0) {
            imaging::RadiopaquePath coil;
            coil.pointsLps = stretch(rodModel_, r, tip - d.radiopacity.tipCoilMm, tip);
            coil.radiusMm = 0.5 * d.outerDiameterMm;
            coil.innerRadiusMm = std::max(0.0, coil.radiusMm - 0.05);  // a 50 um wire wound round the core
            coil.material = imaging::Material::Steel;
            coil.gPerCm3 = imaging::nominalDensity(imaging::Material::Steel);
            if (coil.pointsLps.size() >= 2) out.paths.push_back(std::move(coil));
        }
        // A catheter's wall loaded with barium sulfate: faint, but the shape shows.
        if (d.radiopacity.shaftFiller == "barium_sulfate") {
            imaging::RadiopaquePath wall = imaging::catheter(stretch(rodModel_, r, 0.0, tip), d.outerDiameterMm * 3.0);
            wall.innerRadiusMm = 0.5 * d.innerDiameterMm;
            if (wall.pointsLps.size() >= 2) out.paths.push_back(std::move(wall));
        }
        for (double mm : d.radiopacity.markerBandsMmFromTip) {
            const std::vector<glm::dvec3> at = stretch(rodModel_, r, tip - mm - 1.0, tip - mm);
            if (at.size() >= 2) out.paths.push_back(imaging::tipMarker(at.back(), at.back() - at.front(), 0.5 * d.outerDiameterMm));
        }
    }
    // The sheath's marker band at its tip.
    if (!model_->sheath.radiopacity.markerBandsMmFromTip.empty())
        out.paths.push_back(imaging::tipMarker(model_->accessPoint, model_->accessDirection, 0.5 * model_->sheath.outerDiameterMm));
    return out;
}

std::vector<sim::DeviceOutline> Endovascular::deviceOutlines(const Session&) const {
    std::vector<sim::DeviceOutline> out;
    const physics::CoaxialRodState& r = state_.rod;
    for (size_t k = 0; k < rodModel_.devices.size(); ++k) {
        const physics::EndovascularDevice& d = rodModel_.devices[k];
        sim::DeviceOutline o;
        o.pointsLps = stretch(rodModel_, r, 0.0, r.insertedMm[k]);
        o.radiusMm = 0.5 * d.outerDiameterMm;
        switch (d.kind) {
            case physics::EndovascularKind::Catheter:
            case physics::EndovascularKind::Sheath: o.role = sim::DeviceRole::Catheter; break;
            case physics::EndovascularKind::Microcatheter: o.role = sim::DeviceRole::Microcatheter; break;
            default: o.role = sim::DeviceRole::Guidewire;
        }
        if (o.pointsLps.size() >= 2) out.push_back(std::move(o));
    }
    return out;
}

std::optional<glm::dvec3> Endovascular::catheterTip(const Session&) const {
    // Contrast goes through the innermost catheter (a microcatheter beyond the catheter), or the
    // sheath.
    // The distal node of the vessel segment the tip is tracked in: the session injects at the tree
    // node nearest this point, and the tip's own position can lie nearer a small liver branch
    // running beside the artery than to the artery's sparse nodes. Contrast then enters at the
    // start of the tip's segment, a few mm upstream at most.
    const int k = deliveryIndex();
    if (k < 0) return model_->accessPoint;
    const int seg = state_.rod.segment[static_cast<size_t>(tipNode(k))];
    if (!model_->lumen.isSegment(seg)) return state_.rod.nodes[static_cast<size_t>(tipNode(k))];
    return model_->lumen.end(seg);
}

std::vector<double> Endovascular::quantities(const Session&) const { return {state_.rod.lengthMm}; }

std::optional<double> Endovascular::injectionFlowLimitMlPerS(const Session&) const {
    const int k = deliveryIndex();
    if (k < 0) return std::nullopt;
    const physics::EndovascularDevice& d = rodModel_.devices[static_cast<size_t>(k)];
    if (d.ratedPressurePsi <= 0.0) return std::nullopt;
    constexpr double kPaPerPsi = 6894.757;  // 1 psi = 6.895 kPa (endovascular reference notes)
    return therapy::catheterFlowLimitMlPerS(d.innerDiameterMm, d.lengthMm, d.ratedPressurePsi * kPaPerPsi);
}

double Endovascular::arterialFlowShare(const Session& session, int segment) const {
    if (segment < 0 || static_cast<size_t>(segment) >= model_->tree->nodes.size()) return 1.0;
    const auto it = state_.spasmSinceS.find(model_->tree->nodes[static_cast<size_t>(segment)].branch);
    const WallForceLimits& lim = model_->limits;
    return it != state_.spasmSinceS.end() && session.time_s() - it->second < lim.spasmLastsS ? lim.spasmFlowShare : 1.0;
}

// Each device in the sheath, outermost first: its tip, how far it is out of the sheath, and the
// branch it lies in (the "tissue" of an endovascular device is its vessel).
std::vector<sim::DeviceState> Endovascular::devices(const Session&) const {
    std::vector<sim::DeviceState> out;
    for (size_t k = 0; k < state_.stack.size(); ++k) {
        const int node = tipNode(static_cast<int>(k));
        sim::DeviceState d;
        d.device = state_.stack[k];
        d.inPatient = state_.rod.insertedMm[k] > 0.0;
        d.tipLps = state_.rod.nodes[static_cast<size_t>(node)];
        d.depthFromSkinMm = state_.rod.insertedMm[k];
        d.tissueAtTip = branchAtNode(node);
        out.push_back(std::move(d));
    }
    return out;
}

void Endovascular::addMetrics(const Session&, assessment::Metrics& m) const {
    const State& s = state_;
    for (const std::string& b : model_->route) {
        if (s.reachedS.count(b)) m["time_to_" + b + "_s"] = {s.reachedS.at(b), "s"};
        m["dsa_runs_" + b] = {s.dsaRuns.count(b) ? static_cast<double>(s.dsaRuns.at(b)) : 0.0, "runs"};
    }
    m["wrong_branches"] = {static_cast<double>(s.wrongBranches.size()), "branches"};
    m["wall_force_events"] = {static_cast<double>(s.dissections + s.perforations + s.vasospasms), "events"};
    m["dissections"] = {static_cast<double>(s.dissections), "events"};
    m["perforations"] = {static_cast<double>(s.perforations), "events"};
    m["vasospasms"] = {static_cast<double>(s.vasospasms), "events"};
    m["tip_force_max_N"] = {s.maxTipForceN, "N"};
    m["wall_force_max_N"] = {s.maxWallForceN, "N"};
    m["roadmaps_stored"] = {static_cast<double>(s.roadmapsStored), "images"};
    m["device_exchanges"] = {static_cast<double>(s.exchanges), "exchanges"};
    m["length_inserted_mm"] = {s.rod.lengthMm, "mm"};
}

void Endovascular::hashState(StateHash& h) const {
    const State& s = state_;
    const physics::CoaxialRodState& r = s.rod;
    h.add(s.stack.size());
    for (const std::string& id : s.stack) h.add(id);
    h.add(s.active).add(r.insertedMm).add(r.hubAngleRad).add(r.twist).add(r.wallForceN).add(r.hubForceN);
    for (const glm::dvec3& p : r.nodes) h.add(p);
    for (const glm::dvec3& p : r.previous) h.add(p);
    for (int seg : r.segment) h.add(seg);
    h.add(r.lengthMm).add(static_cast<int64_t>(r.steps));
    for (const Hand& hand : s.hands) h.add(hand.leftMm).add(hand.speedMmS).add(hand.leftRad).add(hand.rateRadS);
    h.add(s.resting).add(s.settleTicks).add(s.tipBranch).add(s.catheterBranch);
    for (const std::string& b : s.wrongBranches) h.add(b);
    for (const auto& [b, t] : s.reachedS) h.add(b).add(t);
    for (const std::string& b : s.tipEntered) h.add(b);
    h.add(s.exchanges).add(s.maxTipForceN).add(s.maxWallForceN);
    for (const ForceWatch* w : {&s.dissection, &s.perforation}) h.add(w->heldS).add(w->fired);
    for (const auto& [b, w] : s.spasm) h.add(b).add(w.heldS).add(w.fired);
    for (const auto& [b, t] : s.spasmSinceS) h.add(b).add(t);
    h.add(s.dissections).add(s.perforations).add(s.vasospasms).add(s.eventsSeen).add(s.dsaBranch).add(s.dsaCounted);
    for (const auto& [b, n] : s.dsaRuns) h.add(b).add(n);
    h.add(s.roadmapsStored);
}

}  // namespace irsim::procedures::endovascular
