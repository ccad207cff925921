#include "therapy/cement.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>

namespace irsim::therapy {

using physics::Tissue;

const char* toString(CementPhase p) {
    switch (p) {
        case CementPhase::Liquid: return "liquid";
        case CementPhase::Doughy: return "doughy";
        case CementPhase::Working: return "working";
        case CementPhase::Setting: return "setting";
        case CementPhase::Set: return "set";
    }
    return "?";
}

const char* toString(LeakSite s) {
    switch (s) {
        case LeakSite::Epidural: return "epidural (spinal canal)";
        case LeakSite::Disc: return "intervertebral disc";
        case LeakSite::Venous: return "venous";
        case LeakSite::Paravertebral: return "paravertebral soft tissue";
    }
    return "?";
}

CementDef CementDef::vertebroplastyPmma() {
    CementDef d;
    d.name = "PMMA vertebroplasty cement, 30 % BaSO4 in the powder";
    // Viscosity rises roughly exponentially after mixing, from tens of Pa*s in the first minutes to
    // thousands as it sets at 15-20 min (room temperature). Shape after the time-viscosity curves
    // of injectable PMMA cements (Baroud et al. 2004/2006; Boger et al. 2009); the points are
    // estimated, not one product's datasheet. They sit in the bands of the reference tables, all
    // unverified: ~10-50 Pa*s early, > 1000 at the end of the working time, working / setting time
    // ~8-20 / ~15-25 min. The one published time, ~11 min to harden at 37 C for a medium-viscosity
    // VP cement (Hindawi 2011, article 571728), is at body temperature, which this curve (room
    // temperature, no temperature dependence) does not model.
    d.viscosityCurve = {{0.0, 5.0},   {2.0, 20.0},   {4.0, 50.0},    {6.0, 120.0},   {8.0, 300.0},
                        {11.0, 800.0}, {14.0, 2000.0}, {17.0, 10000.0}, {20.0, 100000.0}};
    d.source = "estimated from published PMMA rheology curves (Baroud et al.; Boger et al.)";
    return d;
}

double viscosityPaS(const CementDef& d, double minutes) {
    const auto& c = d.viscosityCurve;
    if (c.empty()) return 0.0;
    if (minutes <= c.front().first) return c.front().second;
    if (minutes >= c.back().first) return c.back().second;
    for (size_t i = 1; i < c.size(); ++i) {
        if (minutes <= c[i].first) {
            double f = (minutes - c[i - 1].first) / (c[i].first - c[i - 1].first);
            return std::exp(std::log(c[i - 1].second) * (1.0 - f) + std::log(c[i].second) * f);
        }
    }
    return c.back().second;
}

CementPhase phaseOf(const CementDef& d, double minutes) {
    double eta = viscosityPaS(d, minutes);
    if (eta < d.doughyPaS) return CementPhase::Liquid;
    if (eta < d.workingPaS) return CementPhase::Doughy;
    if (eta < d.settingPaS) return CementPhase::Working;
    if (eta < d.setPaS) return CementPhase::Setting;
    return CementPhase::Set;
}

namespace {

constexpr uint8_t kBlocked = 0, kBone = 1, kLeakBase = 2;

// Kozeny-Carman permeability phi^3 / (1 - phi)^2, relative to 90 % porosity.
double relativePermeability(double phi) {
    auto kc = [](double p) { return p * p * p / ((1.0 - p) * (1.0 - p)); };
    return kc(phi) / kc(0.9);
}

}  // namespace

CementModel makeCementModel(const physics::TissueMap& map, const physics::VertebraGeometry& v,
                            const CementDef& cement, const CementOptions& options) {
    CementModel m;
    m.cement = cement;
    m.options = options;
    m.vertebra = v;
    const auto& labels = *map.labels();
    const auto& g = labels.geometry;
    glm::ivec3 lo(1 << 30), hi(-1);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i)
                if (labels.voxels[g.index(i, j, k)] == v.label) {
                    lo = glm::min(lo, glm::ivec3(i, j, k));
                    hi = glm::max(hi, glm::ivec3(i, j, k));
                }
    glm::ivec3 margin = glm::ivec3(glm::ceil(glm::dvec3(options.roiMarginMm) / g.spacing));
    lo = glm::max(lo - margin, glm::ivec3(0));
    hi = glm::min(hi + margin, g.dims - 1);
    m.roi = g;
    m.roi.dims = hi - lo + 1;
    m.roi.origin = g.voxelToPatient(glm::dvec3(lo));
    m.voxelNl = static_cast<int64_t>(std::llround(g.voxelVolumeMl() * 1.0e6));
    size_t n = m.roi.voxelCount();
    m.kind.assign(n, kBlocked);
    m.capacityNl.assign(n, 0);
    m.stepCost.assign(n, 0.0f);
    m.inBody.assign(n, 0);
    for (int k = 0; k < m.roi.dims.z; ++k)
        for (int j = 0; j < m.roi.dims.y; ++j)
            for (int i = 0; i < m.roi.dims.x; ++i) {
                glm::ivec3 c = lo + glm::ivec3(i, j, k);
                size_t r = m.roi.index(i, j, k);
                uint16_t label = labels.at(c.x, c.y, c.z);
                Tissue t = map.tissueOfVoxel(c.x, c.y, c.z);
                const bool lesion = map.isVertebralLesionLabel(label);
                if (lesion && g.voxelToPatient(glm::dvec3(c)).y >= v.canalAnteriorYMm) {
                    // Tumour grown through the posterior wall lies in the canal: cement that gets
                    // there is an epidural leak.
                    const int site = static_cast<int>(LeakSite::Epidural);
                    m.kind[r] = static_cast<uint8_t>(kLeakBase + site);
                    m.capacityNl[r] = m.voxelNl;
                    m.stepCost[r] = static_cast<float>(options.leakResistance[site]);
                    continue;
                }
                if ((label == v.label || lesion) && t == Tissue::CancellousBone) {
                    double bvtv = std::clamp(map.ct()->at(c.x, c.y, c.z) / 1800.0, 0.02, 0.6);
                    double phi = 1.0 - bvtv;
                    m.kind[r] = kBone;
                    m.capacityNl[r] = static_cast<int64_t>(std::llround(phi * m.voxelNl));
                    m.stepCost[r] = static_cast<float>(1.0 / relativePermeability(phi));
                    glm::dvec3 p = g.voxelToPatient(glm::dvec3(c));
                    m.inBody[r] = p.y < v.canalAnteriorYMm ? 1 : 0;
                    continue;
                }
                int site = -1;
                if (t == Tissue::SpinalCanal) site = static_cast<int>(LeakSite::Epidural);
                else if (t == Tissue::Disc) site = static_cast<int>(LeakSite::Disc);
                else if (t == Tissue::Vein || t == Tissue::GreatVessel) site = static_cast<int>(LeakSite::Venous);
                else if (physics::isSoft(t) && !physics::isBone(t)) site = static_cast<int>(LeakSite::Paravertebral);
                if (site == static_cast<int>(LeakSite::Paravertebral)) {
                    // Soft tissue between the posterior body wall and the dura, inside the canal's
                    // width, is the anterior epidural space.
                    glm::dvec3 p = g.voxelToPatient(glm::dvec3(c));
                    if (std::fabs(p.x - v.midlineXMm) <= v.canalHalfWidthMm && p.y >= v.canalAnteriorYMm - 3.0 &&
                        p.y <= v.canalPosteriorYMm)
                        site = static_cast<int>(LeakSite::Epidural);
                }
                if (site >= 0) {
                    m.kind[r] = static_cast<uint8_t>(kLeakBase + site);
                    m.capacityNl[r] = m.voxelNl;
                    m.stepCost[r] = static_cast<float>(options.leakResistance[site]);
                }
            }
    if (options.basivertebralForamenRadiusMm > 0.0) {
        // The basivertebral vein runs in the mid-sagittal plane at mid-height from the centre of
        // the body back to its foramen in the posterior wall, and on into the anterior epidural
        // venous plexus. Cement that enters it is a venous (Yeom type B) leak, however small; the
        // canal behind the foramen stays epidural.
        const double rf = options.basivertebralForamenRadiusMm;
        const double zc = 0.5 * (v.bodyInferiorZMm + v.bodySuperiorZMm);
        const int site = static_cast<int>(LeakSite::Venous);
        for (int k = 0; k < m.roi.dims.z; ++k)
            for (int j = 0; j < m.roi.dims.y; ++j)
                for (int i = 0; i < m.roi.dims.x; ++i) {
                    size_t r = m.roi.index(i, j, k);
                    if (m.kind[r] != kBlocked && m.kind[r] != kBone) continue;
                    glm::dvec3 p = m.roi.voxelToPatient(glm::dvec3(i, j, k));
                    double dx = p.x - v.midlineXMm, dz = p.z - zc;
                    if (dx * dx + dz * dz > rf * rf) continue;
                    if (p.y < v.bodyCentroidLps.y || p.y > v.canalAnteriorYMm + 0.5 * g.spacing.y) continue;
                    if (m.kind[r] == kBone) m.inBody[r] = 0;
                    m.kind[r] = static_cast<uint8_t>(kLeakBase + site);
                    m.capacityNl[r] = m.voxelNl;
                    m.stepCost[r] = static_cast<float>(options.leakResistance[site]);
                }
    }
    return m;
}

CementState makeCementState(const CementModel& m) {
    CementState s;
    s.cementNl.assign(m.roi.voxelCount(), 0);
    return s;
}

void mixCement(CementState& s, double timeS) { s.mixedAtS = timeS; }

InjectionResult injectCement(const CementModel& m, CementState& s, const glm::dvec3& tipLps, double volumeMl,
                             double timeS) {
    InjectionResult res;
    if (s.mixedAtS < 0.0 || volumeMl <= 0.0) return res;
    double minutes = (timeS - s.mixedAtS) / 60.0;
    res.viscosityPaS = viscosityPaS(m.cement, minutes);
    res.phase = phaseOf(m.cement, minutes);
    if (res.phase == CementPhase::Setting || res.phase == CementPhase::Set) return res;  // cannot be pushed

    glm::dvec3 v = m.roi.patientToVoxel(tipLps);
    glm::ivec3 tip(static_cast<int>(std::floor(v.x + 0.5)), static_cast<int>(std::floor(v.y + 0.5)),
                   static_cast<int>(std::floor(v.z + 0.5)));
    if (!m.roi.contains(tip.x, tip.y, tip.z)) return res;

    const double r = res.viscosityPaS / m.options.referenceViscosityPaS;
    const double leakFactor = std::pow(r, m.options.leakViscosityExponent);
    int64_t remaining = static_cast<int64_t>(std::llround(volumeMl * 1.0e6));
    int64_t leakedThis = 0;

    // Dijkstra from the tip on the path resistance; each voxel popped takes what it can hold.
    const size_t n = m.roi.voxelCount();
    std::vector<double> dist(n, std::numeric_limits<double>::infinity());
    using Item = std::pair<double, size_t>;
    std::priority_queue<Item, std::vector<Item>, std::greater<Item>> open;
    size_t start = m.roi.index(tip.x, tip.y, tip.z);
    dist[start] = 0.0;
    open.push({0.0, start});
    const glm::ivec3 d = m.roi.dims;
    const long strides[6] = {1, -1, d.x, -d.x, long(d.x) * d.y, -long(d.x) * d.y};
    while (remaining > 0 && !open.empty()) {
        auto [cost, idx] = open.top();
        open.pop();
        if (cost > dist[idx]) continue;
        int64_t room = m.capacityNl[idx] - s.cementNl[idx];
        if (room > 0) {
            int64_t take = std::min(room, remaining);
            s.cementNl[idx] += take;
            remaining -= take;
            s.injectedNl += take;
            uint8_t kind = m.kind[idx];
            if (kind == kBone) {
                s.inBoneNl += take;
            } else if (kind >= kLeakBase) {
                auto site = static_cast<LeakSite>(kind - kLeakBase);
                size_t li = 0;
                while (li < s.leaks.size() && s.leaks[li].site != site) ++li;
                if (li == s.leaks.size()) {
                    int i = static_cast<int>(idx % d.x), j = static_cast<int>((idx / d.x) % d.y),
                        k = static_cast<int>(idx / (size_t(d.x) * d.y));
                    s.leaks.push_back({site, m.roi.voxelToPatient(glm::dvec3(i, j, k)), 0.0});
                    s.leakNl.push_back(0);
                }
                s.leakNl[li] += take;
                s.leaks[li].volumeMl = s.leakNl[li] * 1.0e-6;
                leakedThis += take;
            }
        }
        int i = static_cast<int>(idx % d.x), j = static_cast<int>((idx / d.x) % d.y),
            k = static_cast<int>(idx / (size_t(d.x) * d.y));
        const bool inside[6] = {i + 1 < d.x, i > 0, j + 1 < d.y, j > 0, k + 1 < d.z, k > 0};
        for (int e = 0; e < 6; ++e) {
            if (!inside[e]) continue;
            size_t nb = static_cast<size_t>(static_cast<long>(idx) + strides[e]);
            uint8_t kind = m.kind[nb];
            if (kind == kBlocked) continue;
            double step = m.stepCost[nb] * (kind == kBone ? r : leakFactor);
            if (s.cementNl[nb] >= m.capacityNl[nb]) step *= m.options.filledPassFactor;
            double c = cost + step;
            if (c < dist[nb]) {
                dist[nb] = c;
                open.push({c, nb});
            }
        }
    }
    res.deliveredMl = (static_cast<int64_t>(std::llround(volumeMl * 1.0e6)) - remaining) * 1.0e-6;
    res.leakedMl = leakedThis * 1.0e-6;
    return res;
}

double injectedMl(const CementState& s) { return s.injectedNl * 1.0e-6; }
double inBoneMl(const CementState& s) { return s.inBoneNl * 1.0e-6; }
double leakedMl(const CementState& s) {
    int64_t t = 0;
    for (int64_t l : s.leakNl) t += l;
    return t * 1.0e-6;
}

double bodyFillPercent(const CementModel& m, const CementState& s) {
    int64_t body = 0;
    for (size_t i = 0; i < s.cementNl.size(); ++i)
        if (m.inBody[i]) body += s.cementNl[i];
    return m.vertebra.bodyVolumeMl > 0.0 ? 100.0 * body * 1.0e-6 / m.vertebra.bodyVolumeMl : 0.0;
}

patient::Volume<float> cementFraction(const CementModel& m, const CementState& s) {
    patient::Volume<float> out;
    out.allocate(m.roi, 0.0f);
    for (size_t i = 0; i < s.cementNl.size(); ++i)
        out.voxels[i] = static_cast<float>(static_cast<double>(s.cementNl[i]) / m.voxelNl);
    return out;
}

uint64_t hashCementState(const CementState& s) {
    uint64_t h = 1469598103934665603ULL;
    auto mix = [&](const void* p, size_t n) {
        const auto* c = static_cast<const unsigned char*>(p);
        for (size_t i = 0; i < n; ++i) { h ^= c[i]; h *= 1099511628211ULL; }
    };
    mix(s.cementNl.data(), s.cementNl.size() * sizeof(int64_t));
    mix(&s.injectedNl, sizeof s.injectedNl);
    mix(&s.inBoneNl, sizeof s.inBoneNl);
    mix(s.leakNl.data(), s.leakNl.size() * sizeof(int64_t));
    return h;
}

}  // namespace irsim::therapy
