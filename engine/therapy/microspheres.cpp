#include "therapy/microspheres.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/units.h"

namespace irsim::therapy {

namespace {

[[noreturn]] void badTree(const patient::VesselTree& t, size_t i, const std::string& what) {
    throw DataError("patient.vessels", 0, t.name + ".nodes[" + std::to_string(i) + "]", what);
}

bool contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

// Segment flows as the sums of the own outflows below them (parents come before children).
std::vector<double> subtreeSums(const MicrosphereModel& m, std::vector<double> own) {
    const auto& nodes = m.tree->nodes;
    for (size_t i = nodes.size(); i-- > 0;)
        if (nodes[i].parent >= 0) own[static_cast<size_t>(nodes[i].parent)] += own[i];
    return own;
}

// Lodges `gbq` in node i's territory; the liver's lung shunt goes on to the lungs.
void lodge(const MicrosphereModel& m, MicrosphereState& s, size_t i, double gbq) {
    if (m.sinks[i].organ == "liver") {
        const double shunted = gbq * m.lungShuntFraction;
        s.lungGBq += shunted;
        gbq -= shunted;
    }
    s.lodgedGBq[i] += gbq;
    s.lodgedSpheres[i] += gbq * s.spheresPerGBq;
}

// Splits `gbq` entering segment `seg` over its subtree by the flows now.
void distribute(const MicrosphereModel& m, MicrosphereState& s, const std::vector<double>& own,
                const std::vector<double>& flow, int seg, double gbq) {
    if (flow[static_cast<size_t>(seg)] <= 0.0) {
        // Everything below is full: the spheres stay where they enter.
        lodge(m, s, static_cast<size_t>(seg), gbq);
        return;
    }
    std::vector<std::pair<int, double>> stack{{seg, gbq}};
    while (!stack.empty()) {
        const auto [i, a] = stack.back();
        stack.pop_back();
        const size_t u = static_cast<size_t>(i);
        const double q = flow[u];
        if (q <= 0.0 || a == 0.0) continue;
        if (own[u] > 0.0) lodge(m, s, u, a * (own[u] / q));
        for (int c : m.children[u]) {
            const double qc = flow[static_cast<size_t>(c)];
            if (qc > 0.0) stack.push_back({c, a * (qc / q)});
        }
    }
}

}  // namespace

MicrosphereDef MicrosphereDef::resin() {
    MicrosphereDef d;
    d.kind = SphereKind::Resin;
    d.diameterUm = 32.0;        // 32 +/- 10 um (Sirtex product page; CVIR 2019)
    d.densityGPerMl = 1.6;      // 1.6 g/ml (WJH 2015; HepOncol 2014); Sirtex gives 1.125-1.6
    // 3 GBq per vial of 44e6 spheres at calibration (Sirtex product page): 68 Bq per sphere, within
    // the 50-80 Bq the review tables and radiologykey.com give.
    d.bqPerSphereAtCalibration = 3.0e9 / 44.0e6;
    d.residualFraction = 0.0301;  // median residual in the delivery set, Hoang et al. JVIR
    // Estimated: a resin administration takes up to ~20 min at <= 5 ml/min (van Roekel thesis p. 36),
    // ~100 ml, which washes 1 - e^-5 = 99.3 % of the deliverable activity out of a 20 ml volume.
    d.setMixingMl = 20.0;
    return d;
}

MicrosphereDef MicrosphereDef::glass() {
    MicrosphereDef d;
    d.kind = SphereKind::Glass;
    d.diameterUm = 25.0;  // 20-30 um (TheraSphere package insert); mean 25 (WJH 2015)
    // Sources differ (3.2 HepOncol 2014, 3.4 CVIR 2019, 3.6 WJH 2015); chosen: 3.6, the value most
    // often quoted as the package insert's (unverified). At 25 um every one of them gives a
    // spheres-per-mg count inside the package insert's 22,000-73,000 (tested).
    d.densityGPerMl = 3.6;
    d.bqPerSphereAtCalibration = 2500.0;  // HepOncol 2014; WJH 2015; Walrand
    d.residualFraction = 0.0061;           // median residual, Hoang et al. JVIR
    // Estimated: the 0.6 ml vial (TheraSphere package insert) and the set's lines; a 20 ml saline
    // flush over a few minutes delivers all but the residual (e^-10).
    d.setMixingMl = 2.0;
    return d;
}

double spheresPerGBq(const MicrosphereDef& d, double hoursAfterCalibration) {
    return 1e9 / (d.bqPerSphereAtCalibration * y90DecayFactor(hoursAfterCalibration));
}

double spheresPerMg(const MicrosphereDef& d) {
    const double rMm = 0.5e-3 * d.diameterUm;
    const double volumeMl = 4.0 / 3.0 * kPi * rMm * rMm * rMm * 1e-3;
    return 1.0 / (volumeMl * d.densityGPerMl * 1e3);
}

std::string organOfBranch(const std::string& b) {
    if (b.rfind("segment_", 0) == 0 || b == "hepatic_branch" || contains(b, "hepatic")) return "liver";
    if (b == "gastroduodenal" || contains(b, "pancreaticoduodenal")) return "duodenum";
    if (contains(b, "gastric") || contains(b, "gastroepiploic")) return "stomach";
    if (contains(b, "cystic")) return "gallbladder";
    if (contains(b, "falciform")) return "abdominal wall";
    if (contains(b, "splenic")) return "spleen";
    if (b == "sma" || contains(b, "mesenteric")) return "bowel";
    if (contains(b, "renal")) return "kidney";
    return "systemic";
}

MicrosphereModel makeMicrosphereModel(const patient::VesselTree& tree, const MicrosphereDef& device,
                                      double lungShuntFraction, double liverKg, const DeliveryDef& def) {
    MicrosphereModel m;
    m.tree = &tree;
    m.device = device;
    m.def = def;
    m.lungShuntFraction = lungShuntFraction;
    const size_t n = tree.nodes.size();
    m.children.assign(n, {});
    std::vector<double> q(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        const patient::VesselNode& v = tree.nodes[i];
        if (v.parent >= static_cast<int>(i)) badTree(tree, i, "expected parents before children");
        if (!(v.flowMlPerMin >= 0.0) || !std::isfinite(v.flowMlPerMin)) badTree(tree, i, "expected a flow >= 0 ml/min");
        q[i] = v.flowMlPerMin / 60.0;
        if (v.parent >= 0) m.children[static_cast<size_t>(v.parent)].push_back(static_cast<int>(i));
    }
    m.baseOwnOutflowMlPerS.assign(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        double sum = 0.0;
        for (int c : m.children[i]) sum += q[static_cast<size_t>(c)];
        m.baseOwnOutflowMlPerS[i] = std::max(0.0, q[i] - sum);
    }
    m.baseFlowMlPerS = subtreeSums(m, m.baseOwnOutflowMlPerS);
    m.capacitySpheres.assign(n, 0.0);
    m.sinks.assign(n, {});
    double liverFlow = 0.0;
    for (size_t i = 0; i < n; ++i) {
        if (m.baseOwnOutflowMlPerS[i] <= 0.0) continue;
        m.capacitySpheres[i] = def.capacitySpheresPerMlPerMin * m.baseOwnOutflowMlPerS[i] * 60.0;
        m.sinks[i].organ = organOfBranch(tree.nodes[i].branch);
        if (m.sinks[i].organ == "liver") liverFlow += m.baseOwnOutflowMlPerS[i];
    }
    if (liverFlow <= 0.0 && liverKg > 0.0) throw DataError("patient.vessels", 0, tree.name, "expected hepatic arteries with flow");
    for (size_t i = 0; i < n; ++i)
        if (m.sinks[i].organ == "liver") m.sinks[i].normalLiverKg = liverKg * m.baseOwnOutflowMlPerS[i] / liverFlow;
    return m;
}

void prepareSpheres(const MicrosphereModel& m, MicrosphereState& s, double drawnGBq, double hours) {
    const size_t n = m.tree->nodes.size();
    if (s.lodgedGBq.size() != n) s.lodgedGBq.assign(n, 0.0), s.lodgedSpheres.assign(n, 0.0);
    s.drawnGBq += drawnGBq;
    s.inSetGBq += drawnGBq;
    s.residualGBq += drawnGBq * m.device.residualFraction;
    s.spheresPerGBq = spheresPerGBq(m.device, hours);
}

std::vector<double> currentOwnOutflowMlPerS(const MicrosphereModel& m, const MicrosphereState& s) {
    std::vector<double> own = m.baseOwnOutflowMlPerS;
    if (s.lodgedSpheres.empty()) return own;
    for (size_t i = 0; i < own.size(); ++i)
        if (m.capacitySpheres[i] > 0.0) own[i] *= std::max(0.0, 1.0 - s.lodgedSpheres[i] / m.capacitySpheres[i]);
    return own;
}

std::vector<double> currentFlowMlPerS(const MicrosphereModel& m, const MicrosphereState& s) {
    return subtreeSums(m, currentOwnOutflowMlPerS(m, s));
}

void infuseSpheres(const MicrosphereModel& m, MicrosphereState& s, int segment, double ml, double rate) {
    const auto& nodes = m.tree->nodes;
    if (segment < 0 || static_cast<size_t>(segment) >= nodes.size() || s.lodgedGBq.size() != nodes.size())
        return;  // no tip in the tree, or nothing prepared: the syringe pushes nothing
    s.tipSegment = segment;
    double left = ml;
    while (left > 1e-12) {
        const double dv = std::min(left, m.def.stepMl);
        left -= dv;
        s.infusedMl += dv;
        // What this step washes out of the delivery set (the residual never leaves).
        const double deliverable = s.inSetGBq - s.residualGBq;
        const double out = deliverable * -std::expm1(-dv / m.device.setMixingMl);
        if (out <= 0.0) continue;
        s.inSetGBq -= out;
        const std::vector<double> own = currentOwnOutflowMlPerS(m, s);
        const std::vector<double> flow = subtreeSums(m, own);
        // Forward as much as the vessel's flow carries; the rest backs up to the branch point above.
        double amount = out, excessRate = rate;
        int seg = segment;
        while (true) {
            const double carries = m.def.refluxRateRatio * flow[static_cast<size_t>(seg)];
            const int parent = nodes[static_cast<size_t>(seg)].parent;
            if (excessRate <= carries || parent < 0) {
                distribute(m, s, own, flow, seg, amount);
                break;
            }
            const double forward = amount * (carries / excessRate);
            distribute(m, s, own, flow, seg, forward);
            if (seg == segment) s.refluxedGBq += amount - forward;
            amount -= forward;
            excessRate -= carries;
            seg = parent;
        }
    }
}

patient::VesselTree embolizedTree(const MicrosphereModel& m, const MicrosphereState& s) {
    patient::VesselTree t = *m.tree;
    const std::vector<double> flow = currentFlowMlPerS(m, s);
    for (size_t i = 0; i < t.nodes.size(); ++i) t.nodes[i].flowMlPerMin = flow[i] * 60.0;
    return t;
}

double flowFraction(const MicrosphereModel& m, const MicrosphereState& s, int segment) {
    const double base = m.baseFlowMlPerS[static_cast<size_t>(segment)];
    return base > 0.0 ? currentFlowMlPerS(m, s)[static_cast<size_t>(segment)] / base : 0.0;
}

bool stasis(const MicrosphereModel& m, const MicrosphereState& s, int segment) {
    return flowFraction(m, s, segment) < m.def.stasisFlowFraction;
}

ActivityBalance activityBalance(const MicrosphereModel& m, const MicrosphereState& s) {
    ActivityBalance b;
    b.drawnGBq = s.drawnGBq;
    b.inSetGBq = s.inSetGBq;
    b.lungGBq = s.lungGBq;
    for (size_t i = 0; i < s.lodgedGBq.size(); ++i) {
        const double a = s.lodgedGBq[i];
        if (a == 0.0) continue;
        const SinkTerritory& t = m.sinks[i];
        // A node with no territory of its own (spheres stuck above an occluded bed) counts with the
        // organ its branch feeds.
        const std::string organ = t.organ.empty() ? organOfBranch(m.tree->nodes[i].branch) : t.organ;
        if (organ != "liver") {
            b.nonTargetGBq += a;
            b.nonTargetByOrgan[organ] += a;
            continue;
        }
        const SinkTerritory& where = t.sharesWith >= 0 ? m.sinks[static_cast<size_t>(t.sharesWith)] : t;
        const double kg = where.tumourKg + where.normalLiverKg;
        const double tumour = kg > 0.0 ? a * (where.tumourKg / kg) : 0.0;
        b.tumourGBq += tumour;
        b.normalLiverGBq += a - tumour;
    }
    return b;
}

DeliveredDose deliveredDose(const MicrosphereModel& m, const MicrosphereState& s) {
    const ActivityBalance b = activityBalance(m, s);
    double tumourKg = 0.0, normalKg = 0.0;
    for (const SinkTerritory& t : m.sinks) tumourKg += t.tumourKg, normalKg += t.normalLiverKg;
    DeliveredDose d;
    const double k = kY90GyKgPerGBq;
    if (tumourKg > 0.0) d.tumourGy = k * b.tumourGBq / tumourKg;
    if (normalKg > 0.0) d.normalLiverGy = k * b.normalLiverGBq / normalKg;
    if (m.lungKg > 0.0) d.lungGy = k * b.lungGBq / m.lungKg;
    for (const auto& [organ, gbq] : b.nonTargetByOrgan) {
        const auto it = m.organKg.find(organ);
        if (it != m.organKg.end() && it->second > 0.0) d.nonTargetGyByOrgan[organ] = k * gbq / it->second;
    }
    return d;
}

}  // namespace irsim::therapy
