#include "therapy/contrast.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/units.h"

namespace irsim::therapy {

namespace {


// Cum(u) of a bolus: 0 before the first injection, linear between tick samples, flat after the last.
double cumulativeMg(const Bolus& b, double u) {
    const auto& us = b.historyU;
    if (us.empty() || u <= us.front()) return 0.0;
    if (u >= us.back()) return b.historyCumMg.back();
    const size_t hi = static_cast<size_t>(std::upper_bound(us.begin(), us.end(), u) - us.begin());
    const size_t lo = hi - 1;
    const double w = (u - us[lo]) / (us[hi] - us[lo]);
    return b.historyCumMg[lo] + (b.historyCumMg[hi] - b.historyCumMg[lo]) * w;
}

// The flow a node passes on to its children and its own outflow: the larger of its own flow and its
// children's, so that fractions always add up even where a tree's flows do not.
double throughFlow(const ContrastModel& m, int i) {
    double sum = 0.0;
    for (int c : m.children[static_cast<size_t>(i)]) sum += m.flowMlPerS[static_cast<size_t>(c)];
    return std::max(m.flowMlPerS[static_cast<size_t>(i)], sum);
}

double ownFraction(const ContrastModel& m, const Bolus& b, int i) {
    const double through = throughFlow(m, i);
    if (through <= 0.0) return 0.0;
    return b.fraction[static_cast<size_t>(i)] * m.ownOutflowMlPerS[static_cast<size_t>(i)] / through;
}

// Pumped volume at the proximal end of node i's segment.
double proximalReach(const ContrastModel& m, const Bolus& b, int i) {
    if (i == b.segment) return 0.0;
    return b.reachMl[static_cast<size_t>(m.tree->nodes[static_cast<size_t>(i)].parent)];
}

double bolusSegmentMg(const ContrastModel& m, const Bolus& b, int i) {
    if (b.reachMl[static_cast<size_t>(i)] < 0.0) return 0.0;
    const double wp = proximalReach(m, b, i), wi = b.reachMl[static_cast<size_t>(i)];
    return b.fraction[static_cast<size_t>(i)] * (cumulativeMg(b, b.pumpedMl - wp) - cumulativeMg(b, b.pumpedMl - wi));
}

ContrastBalance bolusBalance(const ContrastModel& m, const Bolus& b) {
    ContrastBalance r;
    r.injectedMg = b.injectedMg;
    r.inVesselsMg = b.mixingMg;
    r.washedOutMg = b.forgottenMg;
    for (size_t i = 0; i < b.reachMl.size(); ++i) {
        if (b.reachMl[i] < 0.0) continue;
        r.inVesselsMg += bolusSegmentMg(m, b, static_cast<int>(i));
        r.washedOutMg += ownFraction(m, b, static_cast<int>(i)) * cumulativeMg(b, b.pumpedMl - b.reachMl[i]);
    }
    return r;
}

Bolus makeBolus(const ContrastModel& m, int segment) {
    const auto& nodes = m.tree->nodes;
    Bolus b;
    b.segment = segment;
    b.baseFlowMlPerS = m.flowMlPerS[static_cast<size_t>(segment)];
    b.reachMl.assign(nodes.size(), -1.0);
    b.fraction.assign(nodes.size(), 0.0);
    b.fraction[static_cast<size_t>(segment)] = 1.0;
    b.reachMl[static_cast<size_t>(segment)] = m.segmentVolumeMl[static_cast<size_t>(segment)];
    b.mixingVolumeMl = b.baseFlowMlPerS * m.def.tipMixingTimeS;
    // Parents come before children, so one pass in index order reaches the whole subtree.
    for (size_t i = static_cast<size_t>(segment); i < nodes.size(); ++i) {
        if (b.reachMl[i] < 0.0) continue;
        const double through = throughFlow(m, static_cast<int>(i));
        for (int c : m.children[i]) {
            const double q = m.flowMlPerS[static_cast<size_t>(c)];
            if (q <= 0.0 || through <= 0.0) continue;  // a dead end: no blood, no contrast
            const double f = b.fraction[i] * q / through;
            b.fraction[static_cast<size_t>(c)] = f;
            b.reachMl[static_cast<size_t>(c)] = b.reachMl[i] + m.segmentVolumeMl[static_cast<size_t>(c)] / f;
        }
    }
    b.historyU.push_back(0.0);
    b.historyCumMg.push_back(0.0);
    return b;
}

}  // namespace

ContrastModel makeContrastModel(const patient::VesselTree& tree, const ContrastDef& def) {
    ContrastModel m;
    m.tree = &tree;
    m.def = def;
    const size_t n = tree.nodes.size();
    m.children.assign(n, {});
    m.segmentLengthMm.assign(n, 0.0);
    m.segmentVolumeMl.assign(n, 0.0);
    m.flowMlPerS.assign(n, 0.0);
    m.ownOutflowMlPerS.assign(n, 0.0);
    for (size_t i = 0; i < n; ++i) {
        const patient::VesselNode& v = tree.nodes[i];
        if (v.parent >= static_cast<int>(i))
            throw DataError("patient.vessels", 0, tree.name + ".nodes[" + std::to_string(i) + "].parent",
                            "expected parents before children");
        if (v.flowMlPerMin < 0.0 || v.radiusMm < 0.0 || !std::isfinite(v.flowMlPerMin))
            throw DataError("patient.vessels", 0, tree.name + ".nodes[" + std::to_string(i) + "]",
                            "expected a flow and a radius >= 0");
        m.flowMlPerS[i] = v.flowMlPerMin / 60.0;
        if (v.parent < 0) continue;
        m.children[static_cast<size_t>(v.parent)].push_back(static_cast<int>(i));
        m.segmentLengthMm[i] = glm::length(v.position - tree.nodes[static_cast<size_t>(v.parent)].position);
        m.segmentVolumeMl[i] = kPi * v.radiusMm * v.radiusMm * m.segmentLengthMm[i] * 1e-3;
    }
    for (size_t i = 0; i < n; ++i) {
        double sum = 0.0;
        for (int c : m.children[i]) sum += m.flowMlPerS[static_cast<size_t>(c)];
        m.ownOutflowMlPerS[i] = std::max(0.0, m.flowMlPerS[i] - sum);
    }
    return m;
}

double catheterFlowLimitMlPerS(double innerDiameterMm, double lengthMm, double pressurePa, const ContrastMedium& c) {
    if (!(innerDiameterMm > 0.0 && lengthMm > 0.0 && pressurePa > 0.0)) return 0.0;
    const double d = innerDiameterMm * 1e-3, l = lengthMm * 1e-3;
    // Pressure drop (Pa) at mean velocity v (m/s); increasing in v, with a step up at the transition.
    const auto drop = [&](double v) {
        const double re = c.densityKgPerM3 * v * d / c.viscosityPaS;
        const double f = re < 2300.0 ? 64.0 / std::max(re, 1e-12) : 0.316 * std::pow(re, -0.25);
        return f * (l / d) * 0.5 * c.densityKgPerM3 * v * v;
    };
    double lo = 0.0, hi = 1.0;
    while (drop(hi) < pressurePa && hi < 1e4) hi *= 2.0;
    for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
        const double mid = 0.5 * (lo + hi);
        (drop(mid) < pressurePa ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi) * 0.25 * kPi * d * d * 1e6;
}

int segmentOfBranch(const ContrastModel& m, const std::string& branch) {
    return m.tree->firstNodeOf(branch);
}

int segmentNearest(const ContrastModel& m, const glm::dvec3& p) {
    int best = -1;
    double bestD = std::numeric_limits<double>::infinity();
    const auto& nodes = m.tree->nodes;
    for (size_t i = 0; i < nodes.size(); ++i) {
        const double d = glm::length(nodes[i].position - p);
        if (d < bestD) bestD = d, best = static_cast<int>(i);
    }
    return best;
}

void inject(const ContrastModel& m, ContrastState& s, int segment, double ml, double rateMlPerS,
            double mgIodinePerMl, double flowShare) {
    Bolus* b = nullptr;
    for (Bolus& x : s.boluses)
        if (x.segment == segment) b = &x;
    if (!b) {
        s.boluses.push_back(makeBolus(m, segment));
        b = &s.boluses.back();
    }
    // A new stroke replaces what was left of the last one at this site (the injector is re-armed).
    b->leftToInjectMl = ml;
    b->rateMlPerS = rateMlPerS;
    b->mgIodinePerMl = mgIodinePerMl;
    b->flowShare = std::clamp(flowShare, 0.0, 1.0);
}

void step(const ContrastModel& m, ContrastState& s, double dtS) {
    for (Bolus& b : s.boluses) {
        const double dv = std::min(b.leftToInjectMl, b.rateMlPerS * dtS);
        b.leftToInjectMl -= dv;
        if (b.leftToInjectMl < 1e-12) b.leftToInjectMl = 0.0;
        const double dm = dv * b.mgIodinePerMl;
        b.injectedMl += dv, b.injectedMg += dm;
        s.injectedMl += dv, s.injectedMg += dm;
        // The injectate adds its volume to the blood pumped past the tip.
        const double du = b.baseFlowMlPerS * b.flowShare * dtS + dv;
        // The tip's mixing volume over this step, exactly for an inflow spread evenly over du.
        double out = b.mixingMg + dm;
        if (b.mixingVolumeMl > 0.0 && du > 0.0) {
            const double e = std::exp(-du / b.mixingVolumeMl);
            const double kept = b.mixingMg * e + dm / du * b.mixingVolumeMl * (1.0 - e);
            out = b.mixingMg + dm - kept;
            b.mixingMg = kept;
        } else {
            b.mixingMg = 0.0;
        }
        b.pumpedMl += du;
        b.historyU.push_back(b.pumpedMl);
        b.historyCumMg.push_back(b.historyCumMg.back() + out);
    }
    // A bolus that has all but left the arteries is forgotten (its history would grow for ever);
    // what was left is counted as washed out. Checked every 0.1 s of pumping history.
    for (size_t k = 0; k < s.boluses.size();) {
        Bolus& b = s.boluses[k];
        if (b.leftToInjectMl > 0.0 || b.historyU.size() % 24 != 0) {
            ++k;
            continue;
        }
        const ContrastBalance r = bolusBalance(m, b);
        if (r.inVesselsMg <= m.def.forgetFraction * std::max(b.injectedMg, 1e-12)) {
            s.forgottenMg += r.injectedMg;
            s.boluses.erase(s.boluses.begin() + static_cast<long>(k));
        } else {
            ++k;
        }
    }
}

ContrastBalance balance(const ContrastModel& m, const ContrastState& s) {
    ContrastBalance r;
    r.injectedMg = s.injectedMg;
    r.washedOutMg = s.forgottenMg;
    for (const Bolus& b : s.boluses) {
        const ContrastBalance x = bolusBalance(m, b);
        r.inVesselsMg += x.inVesselsMg;
        r.washedOutMg += x.washedOutMg;
    }
    return r;
}

double segmentIodineMg(const ContrastModel& m, const ContrastState& s, int node) {
    double mg = 0.0;
    for (const Bolus& b : s.boluses) mg += bolusSegmentMg(m, b, node);
    return mg;
}

double segmentConcentration(const ContrastModel& m, const ContrastState& s, int node) {
    double c = 0.0;
    for (const Bolus& b : s.boluses) {
        const double wi = b.reachMl[static_cast<size_t>(node)];
        if (wi < 0.0) continue;
        const double wp = proximalReach(m, b, node);
        if (wi - wp <= 0.0) {
            // No volume (a root): the concentration leaving the tip now.
            const double du = b.historyU.size() > 1 ? b.historyU.back() - b.historyU[b.historyU.size() - 2] : 0.0;
            if (du > 0.0) c += (b.historyCumMg.back() - b.historyCumMg[b.historyCumMg.size() - 2]) / du;
            continue;
        }
        // Concentration is kept along the flow: the mean over the segment is the mean of what
        // left the tip over the pumped-volume window the segment spans.
        c += (cumulativeMg(b, b.pumpedMl - wp) - cumulativeMg(b, b.pumpedMl - wi)) / (wi - wp);
    }
    return c;
}

double frontTransitS(const ContrastModel& m, int segment, int node) {
    const Bolus b = makeBolus(m, segment);
    const double w = b.reachMl[static_cast<size_t>(node)];
    if (w < 0.0 || b.baseFlowMlPerS <= 0.0) return -1.0;
    return w / b.baseFlowMlPerS;
}

imaging::FrameContents contrastContents(const ContrastModel& m, const ContrastState& s) {
    imaging::FrameContents out;
    if (s.boluses.empty()) return out;
    const auto& nodes = m.tree->nodes;
    const size_t n = nodes.size();
    std::vector<double> conc(n, 0.0);
    for (size_t i = 0; i < n; ++i)
        if (nodes[i].parent >= 0) conc[i] = segmentConcentration(m, s, static_cast<int>(i));
    // Chains of segments with one child each and a radius within 20% of the chain's first make one
    // path (so joints are not drawn twice); a chain starts where its parent branches or narrows.
    auto continues = [&](size_t parent, size_t child) {
        return m.children[parent].size() == 1 &&
               std::abs(nodes[child].radiusMm - nodes[parent].radiusMm) <= 0.2 * nodes[parent].radiusMm;
    };
    const double visible = 1e-3;  // mg/ml: far below what shows at any dose
    for (size_t i = 0; i < n; ++i) {
        const int p = nodes[i].parent;
        if (p < 0 || nodes[i].radiusMm < m.def.minDrawnRadiusMm) continue;
        if (nodes[static_cast<size_t>(p)].parent >= 0 && continues(static_cast<size_t>(p), i) &&
            nodes[static_cast<size_t>(p)].radiusMm >= m.def.minDrawnRadiusMm)
            continue;  // inside a chain that starts above
        std::vector<size_t> chain{i};
        while (m.children[chain.back()].size() == 1) {
            const size_t c = static_cast<size_t>(m.children[chain.back()][0]);
            if (!continues(chain.back(), c) || nodes[c].radiusMm < m.def.minDrawnRadiusMm) break;
            chain.push_back(c);
        }
        double peak = 0.0, radiusLength = 0.0, length = 0.0;
        for (size_t k : chain) {
            peak = std::max(peak, conc[k]);
            radiusLength += nodes[k].radiusMm * m.segmentLengthMm[k];
            length += m.segmentLengthMm[k];
        }
        if (peak < visible || length <= 0.0) continue;
        std::vector<glm::dvec3> pts{nodes[static_cast<size_t>(p)].position};
        for (size_t k : chain) pts.push_back(nodes[k].position);
        imaging::RadiopaquePath path = imaging::contrastInVessel(pts, radiusLength / length, peak);
        path.segmentFill.clear();
        for (size_t k : chain) path.segmentFill.push_back(static_cast<float>(conc[k] / peak));
        // At a branch point the vessels' bodies share the joint: each takes its side of it (the
        // union of the lumens, not a bead of their sum). The pieces met: the parent's segment and
        // the siblings at the start, the children at the end.
        const auto away = [&](size_t from, size_t to, size_t calibre) {
            return imaging::PathJoin{glm::normalize(nodes[to].position - nodes[from].position), nodes[calibre].radiusMm};
        };
        const auto drawn = [&](size_t node) {
            return nodes[node].parent >= 0 && nodes[node].radiusMm >= m.def.minDrawnRadiusMm &&
                   glm::length(nodes[node].position - nodes[static_cast<size_t>(nodes[node].parent)].position) > 0.0;
        };
        const size_t start = static_cast<size_t>(p);
        // Calibres by node, the same on both sides of a joint.
        if (drawn(start)) path.startJoins.push_back(away(start, static_cast<size_t>(nodes[start].parent), start));
        for (int c : m.children[start])
            if (static_cast<size_t>(c) != i && drawn(static_cast<size_t>(c)))
                path.startJoins.push_back(away(start, static_cast<size_t>(c), static_cast<size_t>(c)));
        for (int c : m.children[chain.back()])
            if (drawn(static_cast<size_t>(c)))
                path.endJoins.push_back(away(chain.back(), static_cast<size_t>(c), static_cast<size_t>(c)));
        path.startRadiusMm = nodes[i].radiusMm;
        path.endRadiusMm = nodes[chain.back()].radiusMm;
        out.paths.push_back(std::move(path));
    }
    return out;
}

}  // namespace irsim::therapy
