// The Y-90 therapy on top of the navigation: the plan from the patient's labelled volumes and the
// tree's territory of the chosen branch, the vial, and infusions carried out tick by tick through
// the delivering catheter wherever its tip is at that moment.
#include "procedures/radioembolization/radioembolization.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/text.h"
#include "sim/frames.h"
#include "sim/scenario.h"

namespace irsim::procedures::radioembolization {

using sim::kTimeStepS;

namespace {

void refuse(Session& session, const std::string& why) { session.addEvent("action.refused", why); }

// A non-target organ is reported once it holds more than this share of the activity drawn:
// below it, a few spheres. Estimated (the clinical concern is any visible deposition; the scoring
// threshold is the scenario's rubric).
constexpr double kNonTargetReportShare = 0.005;

// The nodes of `branch`'s subtree (its first node and everything downstream of it).
std::vector<char> subtree(const patient::VesselTree& tree, int first) {
    std::vector<char> in(tree.nodes.size(), 0);
    if (first < 0) return in;
    for (size_t i = 0; i < tree.nodes.size(); ++i) {
        const int parent = tree.nodes[i].parent;
        in[i] = static_cast<int>(i) == first || (parent >= 0 && in[static_cast<size_t>(parent)]);
    }
    return in;
}

// What the planner reads for a territory: its tumour and normal-liver masses, and the
// tumour-to-normal uptake ratio a Tc-99m MAA scan would measure there. MAA particles lodge by flow
// like the spheres, so the ratio is that of the tree's own flows into tumour and liver.
struct TerritoryVolumes {
    double tumourKg = 0.0, normalKg = 0.0, tumourToNormal = 1.0;
};
TerritoryVolumes territoryVolumes(const therapy::MicrosphereModel& m, const std::vector<char>& in) {
    const size_t n = m.sinks.size();
    std::vector<double> flow(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        if (!in[i] || m.sinks[i].organ != "liver") continue;
        const int owner = m.sinks[i].sharesWith >= 0 ? m.sinks[i].sharesWith : static_cast<int>(i);
        flow[static_cast<size_t>(owner)] += m.baseOwnOutflowMlPerS[i];
    }
    TerritoryVolumes v;
    double toTumour = 0.0, toNormal = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const therapy::SinkTerritory& s = m.sinks[i];
        const double kg = s.tumourKg + s.normalLiverKg;
        if (!in[i] || kg <= 0.0) continue;
        v.tumourKg += s.tumourKg, v.normalKg += s.normalLiverKg;
        toTumour += flow[i] * s.tumourKg / kg, toNormal += flow[i] * s.normalLiverKg / kg;
    }
    if (v.tumourKg > 0.0 && v.normalKg > 0.0 && toNormal > 0.0)
        v.tumourToNormal = (toTumour / v.tumourKg) / (toNormal / v.normalKg);
    return v;
}

// The planner's density: volumes and masses convert with it both ways.
constexpr double kDensity = therapy::PlanInput{}.liverDensityGPerMl;

}  // namespace

Radioembolization::Radioembolization(const sim::Scenario& scenario, const patient::Patient& patient)
    : Endovascular(scenario, patient) {
    definition_ = std::static_pointer_cast<const Definition>(scenario.definition);
    const Definition& def = *definition_;
    auto d = std::make_shared<DeliveryModel>();
    const therapy::MicrosphereDef device =
        def.device == therapy::SphereKind::Resin ? therapy::MicrosphereDef::resin() : therapy::MicrosphereDef::glass();
    d->spheres = therapy::makeMicrosphereModel(*model().tree, device, def.lungShuntFraction);
    d->spheres.lungKg = def.lungKg;
    try {
        d->territories = therapy::assignTerritories(patient, d->spheres, kDensity);
    } catch (const DataError& e) {
        scenario.doc.fail("radioembolization.territory", e.what());
    }
    for (size_t v = 0; v < d->territories.tissue.size(); ++v) {
        if (d->territories.tissue[v] == 0) continue;
        const double ml = d->territories.voxelKg * 1e3 / kDensity;
        d->liverMl += ml;
        if (d->territories.tissue[v] == therapy::kTumourVoxel) d->tumourMl += ml;
    }
    if (model().tree->firstNodeOf(def.territory) < 0)
        scenario.doc.fail("radioembolization.territory", "the arterial tree of this patient has no branch '" + def.territory + "'");
    d->availableGBq = therapy::y90ActivityAt(def.vialGBq, def.hoursAfterCalibration);
    const int gda = model().tree->firstNodeOf("gastroduodenal");
    if (gda >= 0) d->gdaOrigin = model().tree->nodes[static_cast<size_t>(gda)].parent;
    delivery_ = d;
}

int Radioembolization::tipSegment() const {
    const int k = deliveryIndex();
    if (k < 0) return model().accessSegment;
    const int seg = state().rod.segment[static_cast<size_t>(tipNode(k))];
    return model().lumen.isSegment(seg) ? seg : model().accessSegment;
}

double Radioembolization::deliveredGBq() const {
    return delivery_state_.spheres.drawnGBq - delivery_state_.spheres.inSetGBq;
}

// Path length along the tree from the GDA's origin to the tip: + when the tip is downstream of the
// origin (the spheres cannot reach the GDA with the flow), - when upstream (they go into it).
std::optional<double> Radioembolization::signedDistanceToGda(int segment) const {
    const patient::VesselTree& tree = *model().tree;
    const int origin = delivery_->gdaOrigin;
    if (origin < 0 || segment < 0) return std::nullopt;
    const glm::dvec3 tip = state().rod.nodes[static_cast<size_t>(tipNode(std::max(0, deliveryIndex())))];
    const auto pathUp = [&](int from, int to, glm::dvec3 start) -> std::optional<double> {
        double mm = 0.0;
        for (int node = from; node >= 0; node = tree.nodes[static_cast<size_t>(node)].parent) {
            if (node == to) return mm + glm::length(start - tree.nodes[static_cast<size_t>(node)].position);
            const int parent = tree.nodes[static_cast<size_t>(node)].parent;
            if (parent < 0) break;
            mm += glm::length(start - tree.nodes[static_cast<size_t>(parent)].position);
            start = tree.nodes[static_cast<size_t>(parent)].position;
        }
        return std::nullopt;
    };
    // The tip lies on the segment from parent(segment) to segment.
    const int above = tree.nodes[static_cast<size_t>(segment)].parent;
    if (above >= 0) {
        if (const auto down = pathUp(above, origin, tip)) return *down;
    }
    if (const auto up = pathUp(origin, segment, tree.nodes[static_cast<size_t>(origin)].position))
        return -(*up + glm::length(tip - tree.nodes[static_cast<size_t>(segment)].position));
    return std::nullopt;
}

void Radioembolization::planActivity(const Action& a, Session& session) {
    const Definition& def = *definition_;
    const DeliveryModel& d = *delivery_;
    const std::string territory = a.text("territory", def.territory);
    const int first = model().tree->firstNodeOf(territory);
    if (first < 0) throw DataError(a.file, a.line, "territory", "no branch '" + territory + "' in this patient's arteries");
    const TerritoryVolumes v = territoryVolumes(d.spheres, subtree(*model().tree, first));
    if (v.tumourKg + v.normalKg <= 0.0) return refuse(session, "plan.activity: " + territory + " perfuses no liver");
    const std::string method = a.text("method", "");
    therapy::PlanInput in;
    in.method = method == "mird" ? therapy::PlanningMethod::Mird
              : method == "bsa"  ? therapy::PlanningMethod::Bsa
                                 : therapy::PlanningMethod::Partition;
    in.device = def.device;
    in.targetGy = a.number("target_gy", -1.0);
    in.liverMl = d.liverMl;
    in.tumourMl = v.tumourKg * 1e3 / kDensity;
    in.perfusedMl = std::min(d.liverMl, (v.tumourKg + v.normalKg) * 1e3 / kDensity);
    in.tumourToNormal = in.method == therapy::PlanningMethod::Mird ? 1.0 : v.tumourToNormal;
    in.lungShuntFraction = def.lungShuntFraction;
    in.heightCm = def.heightCm, in.weightKg = def.weightKg;
    in.lungKg = def.lungKg;
    in.liverDensityGPerMl = kDensity;
    in.priorLungDoseGy = def.priorLungDoseGy;
    therapy::Plan plan;
    try {
        plan = therapy::planActivity(in);
    } catch (const DataError& e) {
        // A target the planner cannot use (e.g. none for mird) is the trainee's input: say so.
        return refuse(session, std::string("plan.activity: ") + e.what());
    }
    delivery_state_.plan = PlanMade{plan, territory};
    session.addEvent("plan.made",
                     formatted("%s plan for %s (%.0f ml, tumour %.0f ml, T/N %.1f, lung shunt %.0f %%): %.2f GBq; "
                               "tumour %.0f Gy, normal liver %.0f Gy, lung %.1f Gy",
                               therapy::toString(in.method), territory.c_str(), in.perfusedMl, in.tumourMl,
                               in.tumourToNormal, 100.0 * in.lungShuntFraction, plan.activityGBq, plan.tumourDoseGy,
                               plan.normalLiverDoseGy, plan.lungDoseGy));
    for (const therapy::PlanFinding& f : plan.findings)
        session.addEvent(f.forbids ? "plan.contraindicated" : "plan.caution", f.what + " (" + f.source + ")");
}

void Radioembolization::prepare(const Action& a, Session& session) {
    DeliveryState& st = delivery_state_;
    const double planned = st.plan ? st.plan->plan.activityGBq : -1.0;
    const double gbq = a.number("gbq", planned);
    if (gbq <= 0.0) return refuse(session, "spheres.prepare: no activity given and no plan made (plan.activity)");
    const double left = delivery_->availableGBq - st.spheres.drawnGBq;
    if (gbq > left + 1e-12)
        return refuse(session, formatted("spheres.prepare: the vial holds %.2f GBq now, not %.2f", left, gbq));
    therapy::prepareSpheres(delivery_->spheres, st.spheres, gbq, definition_->hoursAfterCalibration);
    session.addEvent("spheres.prepared",
                     formatted("%.2f GBq of %s spheres drawn into the delivery set (%.2f GBq planned)", gbq,
                               therapy::toString(definition_->device), std::max(0.0, planned)));
}

void Radioembolization::infuse(const Action& a, Session& session) {
    DeliveryState& st = delivery_state_;
    const bool flush = a.kind == "spheres.flush";
    if (!flush && st.spheres.drawnGBq <= 0.0) return refuse(session, "spheres.infuse: no spheres drawn (spheres.prepare)");
    if (deliveryIndex() < 0) return refuse(session, a.kind + ": no catheter to infuse through");
    // Both optional in the action table (spec.cpp), with these defaults: a flush of 5 ml, 5 ml/min.
    // Required here, an infusion without a rate once failed mid-tick (irsim soak).
    const double ml = a.number("ml", 5.0);
    st.infusion.leftMl += ml;
    st.infusion.rateMlPerS = a.number("rate_ml_s", 5.0 / 60.0);
    st.infusion.refluxSeen = false;
    const int seg = tipSegment();
    const std::string branch = model().tree->nodes[static_cast<size_t>(seg)].branch;
    if (!flush && st.infusions++ == 0) {
        st.firstInfusionBranch = branch;
        st.tipToGdaMm = signedDistanceToGda(seg);
    }
    session.addEvent(flush ? "spheres.flush" : "spheres.infusion",
                     formatted("%.1f ml at %.1f ml/min from ", ml, 60.0 * st.infusion.rateMlPerS) + branch);
}

// The spheres move in steps of the model's volume, so the flows follow the embolic load as it grows.
void Radioembolization::moveSpheres(Session& session) {
    DeliveryState& st = delivery_state_;
    Infusion& f = st.infusion;
    if (f.leftMl <= 0.0) return;
    const double ml = std::min(f.leftMl, f.rateMlPerS * kTimeStepS);
    f.leftMl -= ml;
    if (f.leftMl < 1e-12) f.leftMl = 0.0;
    f.pendingMl += ml;
    if (f.pendingMl < delivery_->spheres.def.stepMl && f.leftMl > 0.0) return;
    const therapy::MicrosphereModel& m = delivery_->spheres;
    const int seg = tipSegment();
    const double refluxBefore = st.spheres.refluxedGBq;
    therapy::infuseSpheres(m, st.spheres, seg, f.pendingMl, f.rateMlPerS);
    f.pendingMl = 0.0;
    const std::string& branch = model().tree->nodes[static_cast<size_t>(seg)].branch;
    if (st.spheres.refluxedGBq > refluxBefore && !f.refluxSeen) {
        f.refluxSeen = true;
        session.addEvent("spheres.reflux",
                         formatted("spheres refluxed back out of %s at %.1f ml/min, faster than its flow of %.0f ml/min",
                                   branch.c_str(), 60.0 * f.rateMlPerS,
                                   60.0 * therapy::currentFlowMlPerS(m, st.spheres)[static_cast<size_t>(seg)]));
    }
    const therapy::ActivityBalance b = therapy::activityBalance(m, st.spheres);
    const double delivered = deliveredGBq();
    for (const auto& [organ, gbq] : b.nonTargetByOrgan) {
        if (gbq <= kNonTargetReportShare * st.spheres.drawnGBq) continue;
        if (std::find(st.nonTargetOrgans.begin(), st.nonTargetOrgans.end(), organ) != st.nonTargetOrgans.end()) continue;
        st.nonTargetOrgans.push_back(organ);
        session.addEvent("spheres.non_target", formatted("spheres in the %s (%.3f GBq so far), infused from ", organ.c_str(), gbq) + branch);
    }
    if (!st.stasisSeen && therapy::stasis(m, st.spheres, seg)) {
        st.stasisSeen = true;
        session.addEvent("spheres.stasis",
                         formatted("stasis in %s: its flow is down to %.0f %% with %.2f GBq delivered", branch.c_str(),
                                   100.0 * therapy::flowFraction(m, st.spheres, seg), delivered));
    }
}

void Radioembolization::step(Session& session) {
    Endovascular::step(session);
    moveSpheres(session);
}

double Radioembolization::arterialFlowShare(const Session& session, int segment) const {
    const double spasm = Endovascular::arterialFlowShare(session, segment);
    if (delivery_state_.spheres.lodgedGBq.empty() || segment < 0) return spasm;
    return spasm * therapy::flowFraction(delivery_->spheres, delivery_state_.spheres, segment);
}

std::vector<double> Radioembolization::quantities(const Session& session) const {
    std::vector<double> q = Endovascular::quantities(session);
    q.push_back(deliveredGBq());
    return q;
}

void Radioembolization::addMetrics(const Session& session, assessment::Metrics& m) const {
    Endovascular::addMetrics(session, m);
    const DeliveryState& st = delivery_state_;
    const therapy::MicrosphereModel& model = delivery_->spheres;
    const double delivered = deliveredGBq();
    if (st.plan) {
        const therapy::Plan& p = st.plan->plan;
        m["planned_activity_GBq"] = {p.activityGBq, "GBq"};
        m["planned_tumour_dose_Gy"] = {p.tumourDoseGy, "Gy"};
        m["planned_lung_dose_Gy"] = {p.lungDoseGy, "Gy"};
        if (p.activityGBq > 0.0) m["delivered_of_planned_percent"] = {100.0 * delivered / p.activityGBq, "%"};
    }
    m["activity_drawn_GBq"] = {st.spheres.drawnGBq, "GBq"};
    m["activity_delivered_GBq"] = {delivered, "GBq"};
    const therapy::ActivityBalance b = therapy::activityBalance(model, st.spheres);
    m["non_target_activity_percent"] = {delivered > 0.0 ? 100.0 * b.nonTargetGBq / delivered : 0.0, "%"};
    const therapy::DeliveredDose dd = therapy::deliveredDose(model, st.spheres);
    const therapy::DoseVolume dv = therapy::voxelDose(model, st.spheres, delivery_->territories);
    m["tumour_dose_Gy"] = {dv.meanTumourGy, "Gy"};
    m["tumour_D70_Gy"] = {dv.tumourD70Gy, "Gy"};
    m["tumour_V100_percent"] = {100.0 * dv.tumourV100, "%"};
    m["normal_liver_dose_Gy"] = {dv.meanNormalLiverGy, "Gy"};
    m["normal_liver_V40_percent"] = {100.0 * dv.normalLiverV40, "%"};
    m["lung_dose_Gy"] = {dd.lungGy, "Gy"};
    double worst = 0.0;
    for (const auto& [organ, gy] : dd.nonTargetGyByOrgan) worst = std::max(worst, gy);
    m["non_target_dose_max_Gy"] = {worst, "Gy"};
    m["stasis_reached"] = {st.stasisSeen ? 1.0 : 0.0, "yes/no"};
    if (st.tipToGdaMm) m["delivery_tip_to_gda_mm"] = {*st.tipToGdaMm, "mm"};
}

void Radioembolization::hashState(StateHash& h) const {
    Endovascular::hashState(h);
    const DeliveryState& st = delivery_state_;
    h.add(st.plan.has_value());
    if (st.plan) h.add(st.plan->plan.activityGBq).add(st.plan->territory);
    const therapy::MicrosphereState& s = st.spheres;
    h.add(s.lodgedGBq).add(s.lodgedSpheres).add(s.drawnGBq).add(s.spheresPerGBq).add(s.inSetGBq).add(s.residualGBq);
    h.add(s.lungGBq).add(s.refluxedGBq).add(s.infusedMl).add(s.tipSegment);
    h.add(st.infusion.leftMl).add(st.infusion.rateMlPerS).add(st.infusion.pendingMl).add(st.infusion.refluxSeen);
    for (const std::string& o : st.nonTargetOrgans) h.add(o);
    h.add(st.stasisSeen).add(st.infusions).add(st.firstInfusionBranch).add(st.tipToGdaMm.value_or(0.0));
}

// Parenchymal enhancement while contrast runs from the catheter: the arterial blood of the
// territory carries iodine at the mixed concentration c = C r / (r + Q) (the medium's C at rate r
// into the vessel's flow Q, as therapy/contrast.h dilutes it), and a voxel shows
// 26 HU per mg/ml (sim/frames.h, Bae 2010) x its blood volume x the arterial share of its inflow.
// Estimated: liver blood volume 0.25 ml/ml and arterial share 0.25 (the hepatic artery brings
// about a quarter of the liver's inflow, the portal vein the rest, unopacified); a hypervascular
// tumour is fed by the artery alone (share 1). A selective injection of 1 ml/s into a right hepatic
// artery carrying 5 ml/s then gives about 80 HU to the liver and 300 HU to the tumour.
namespace {
constexpr double kLiverBloodVolume = 0.25, kLiverArterialShare = 0.25, kTumourArterialShare = 1.0;
}  // namespace

void Radioembolization::ctOverlay(const Session& session, sim::CtOverlay& overlay) const {
    const therapy::TerritoryMap& map = delivery_->territories;
    const patient::VolumeGeometry& g = map.geometry;
    const patient::CtVolume& ct = session.patient().ct;
    const bool isotropic = std::abs(g.spacing.x - g.spacing.y) < 1e-6 && std::abs(g.spacing.x - g.spacing.z) < 1e-6;
    const bool alongLps = glm::length(g.direction[0] - glm::dvec3(1, 0, 0)) + glm::length(g.direction[1] - glm::dvec3(0, 1, 0)) +
                              glm::length(g.direction[2] - glm::dvec3(0, 0, 1)) < 1e-6;
    if (map.sinkOfVoxel.empty() || ct.geometry.dims != g.dims || !isotropic || !alongLps || !session.contrastModel()) return;
    const int tip = tipSegment();
    const therapy::Bolus* running = nullptr;
    for (const therapy::Bolus& b : session.state().contrast.boluses)
        if (b.segment == tip && b.leftToInjectMl > 0.0) running = &b;
    if (!running) return;
    const double q = running->baseFlowMlPerS * running->flowShare;
    const double c = running->mgIodinePerMl * running->rateMlPerS / (running->rateMlPerS + q);
    const double liverHu = sim::kCtHuPerMgIodinePerMl * c * kLiverBloodVolume * kLiverArterialShare;
    const double tumourHu = sim::kCtHuPerMgIodinePerMl * c * kLiverBloodVolume * kTumourArterialShare;
    const std::vector<char> below = subtree(*model().tree, tip);
    sim::CtOverlayField f;
    f.material = "liver enhanced by arterial contrast";
    f.originLps = g.voxelToPatient(glm::dvec3(0.0));
    f.spacingMm = g.spacing.x;
    f.dims = g.dims;
    f.hu.assign(g.voxelCount(), std::numeric_limits<float>::quiet_NaN());
    bool any = false;
    for (size_t v = 0; v < f.hu.size(); ++v) {
        const int sink = map.sinkOfVoxel[v];
        if (sink < 0 || !below[static_cast<size_t>(sink)]) continue;
        const double add = map.tissue[v] == therapy::kTumourVoxel ? tumourHu : liverHu;
        f.hu[v] = static_cast<float>(ct.voxels[v] + add);
        any = true;
    }
    if (any) overlay.fields.push_back(std::move(f));
}

}  // namespace irsim::procedures::radioembolization
