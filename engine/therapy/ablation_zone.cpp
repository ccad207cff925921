#include "therapy/ablation_zone.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/text.h"
#include "core/units.h"

namespace irsim::therapy {

namespace {

constexpr double kMissing = -std::numeric_limits<double>::infinity();

// Lu et al. 2002 (AJR 178:47; ablation.md section 9, published): no heat sink from vessels under
// 2 mm (they coagulate and occlude), a transition at 2-4 mm, a heat sink from most over 3 mm. The
// wall's film coefficient rises linearly across the transition.
constexpr double kVesselSinkFromMm = 2.0, kVesselSinkFullMm = 4.0;

void require(bool ok, const char* field, const std::string& expected) {
    if (!ok) throw DataError("command line", 0, field, expected);
}

// Linear shrinkage of ex vivo porcine liver held 15 min at 60, 65, 75, 85 and 95 degC: 12.3, 13.8,
// 16.6, 19.2 and 21.7 % (Rossmann et al. 2014, "Dynamics of tissue shrinkage during ablative
// temperature exposures", Physiol Meas 35:55, PMC3924587, published; not in the project's reference
// page). Shrinkage begins above 50 degC (same paper): the ramp from none at 50 to 12.3 % at 60 degC is
// estimated, and above 95 degC it is held at 21.7 % (estimated: drying near a microwave antenna
// shrinks tissue more, 23-43 % radially in small cubes, Farina et al. 2014, Int J Hyperthermia 30:419,
// published, so this is the low side).
constexpr double kShrinkC[] = {50.0, 60.0, 65.0, 75.0, 85.0, 95.0};
constexpr double kShrink[] = {0.0, 0.123, 0.138, 0.166, 0.192, 0.217};

ZoneSize measure(const BioheatModel& m, const std::vector<float>& field, double threshold,
                 const std::vector<float>* peakC) {
    const BioheatGrid& g = m.grid;
    const double h = g.spacingMm;
    auto value = [&](int i, int j, int k) {
        const size_t c = g.index(i, j, k);
        const CellRole r = m.role[c];
        return r == CellRole::Tissue || r == CellRole::Applicator ? static_cast<double>(field[c]) : kMissing;
    };
    // A cell's length after the heat, over its length before.
    auto kept = [&](size_t c) { return peakC ? 1.0 - thermalShrinkage((*peakC)[c]) : 1.0; };
    ZoneSize z;
    size_t count = 0;
    double volumeKept = 0.0;
    for (size_t c = 0; c < g.cellCount(); ++c)
        if ((m.role[c] == CellRole::Tissue || m.role[c] == CellRole::Applicator) && field[c] >= threshold) {
            ++count;
            const double f = kept(c);
            volumeKept += f * f * f;
        }
    z.volumeMl = volumeKept * g.cellVolumeM3() * 1e6;
    if (count == 0) return z;
    // The crossing between an outside cell centre and the inside one next to it.
    auto edge = [&](double inside, double outside) {
        if (outside == kMissing || !(inside > outside)) return 0.5;
        return (inside - threshold) / (inside - outside);
    };
    const int j0 = static_cast<int>(std::lround(-g.originMm.y / h));
    double extent[3] = {0.0, 0.0, 0.0};
    for (int axis = 0; axis < 3; ++axis) {
        const int a1 = (axis + 1) % 3, a2 = (axis + 2) % 3;
        for (int u = 0; u < g.dims[a1]; ++u)
            for (int v = 0; v < g.dims[a2]; ++v) {
                auto cellAt = [&](int w) {
                    glm::ivec3 ijk;
                    ijk[axis] = w, ijk[a1] = u, ijk[a2] = v;
                    return g.index(ijk.x, ijk.y, ijk.z);
                };
                auto at = [&](int w) {
                    glm::ivec3 ijk;
                    ijk[axis] = w, ijk[a1] = u, ijk[a2] = v;
                    return value(ijk.x, ijk.y, ijk.z);
                };
                int first = -1, last = -1;
                for (int w = 0; w < g.dims[axis]; ++w)
                    if (at(w) >= threshold) {
                        if (first < 0) first = w;
                        last = w;
                    }
                if (first < 0) continue;
                const double below = edge(at(first), first > 0 ? at(first - 1) : kMissing);
                const double above = edge(at(last), last + 1 < g.dims[axis] ? at(last + 1) : kMissing);
                const double lo = first - below, hi = last + above;
                // Centre to centre, each half-interval shrunk as its own cell; the ends as theirs.
                double length = below * kept(cellAt(first)) + above * kept(cellAt(last));
                for (int w = first; w < last; ++w) length += 0.5 * (kept(cellAt(w)) + kept(cellAt(w + 1)));
                extent[axis] = std::max(extent[axis], length * h);
                if (axis == 0 && ((a1 == 1 && u == j0) || (a2 == 1 && v == j0))) {
                    z.reachPlusXMm = std::max(z.reachPlusXMm, g.originMm.x + hi * h);
                    z.reachMinusXMm = std::max(z.reachMinusXMm, -(g.originMm.x + lo * h));
                }
            }
    }
    z.widthXMm = extent[0], z.widthYMm = extent[1], z.longAxisMm = extent[2];
    z.shortAxisMm = std::min(extent[0], extent[1]);
    return z;
}

}  // namespace

double thermalShrinkage(double peakC) {
    constexpr size_t n = sizeof(kShrinkC) / sizeof(kShrinkC[0]);
    if (!(peakC > kShrinkC[0])) return 0.0;
    for (size_t i = 1; i < n; ++i)
        if (peakC < kShrinkC[i])
            return kShrink[i - 1] + (kShrink[i] - kShrink[i - 1]) * (peakC - kShrinkC[i - 1]) / (kShrinkC[i] - kShrinkC[i - 1]);
    return kShrink[n - 1];
}

ZoneSize measureZone(const BioheatModel& m, const std::vector<float>& field, double threshold) {
    return measure(m, field, threshold, nullptr);
}

ZoneSize measureContractedZone(const BioheatModel& m, const std::vector<float>& field, double threshold,
                               const std::vector<float>& peakC) {
    return measure(m, field, threshold, &peakC);
}

ZoneSize zoneOf(const BioheatModel& m, const BioheatState& s, ZoneEdge edge, double t) {
    std::vector<float> f(s.omega.size());
    switch (edge) {
        case ZoneEdge::Arrhenius:
            for (size_t c = 0; c < f.size(); ++c) f[c] = std::log(std::max(s.omega[c], 1e-30f));
            return measureZone(m, f, 0.0);
        case ZoneEdge::Cem43: return measureZone(m, s.cem43Min, kCem43NecrosisMin);
        case ZoneEdge::Hottest: return measureZone(m, s.maxC, t);
        case ZoneEdge::Coldest:
            for (size_t c = 0; c < f.size(); ++c) f[c] = -s.minC[c];
            return measureZone(m, f, -t);
    }
    return {};
}

AblationRun prepareAblation(const AblationPlan& p) {
    AblationRun run;
    const AblationDevice& dev = p.deviceId.empty() ? defaultDevice(p.modality) : deviceNamed(p.deviceId, "--device");
    require(dev.modality == p.modality, "--device",
            "device " + dev.id + " is " + toString(dev.modality) + ", not " + toString(p.modality));
    run.device = &dev;
    const bool cryo = p.modality == Modality::Cryo;
    run.powerW = p.powerW > 0.0 ? p.powerW : dev.defaultPowerW;
    require(cryo || run.powerW <= dev.maxPowerW, "--power",
            formatted("at most %g W per applicator for %s", dev.maxPowerW, dev.id.c_str()));
    require(cryo || (p.minutes > 0.0 && p.minutes <= 60.0), "--minutes", "minutes in (0, 60]");
    require(p.probes >= 1 && p.probes <= 6, "--probes", "1 to 6 applicators");
    require(p.probes == 1 || (p.spacingMm >= 2.0 * dev.diameterMm && p.spacingMm <= 60.0), "--spacing-mm",
            "a spacing between two shaft diameters and 60 mm");
    require(!cryo || (!p.freezeThawMin.empty() && p.freezeThawMin.size() % 2 == 1), "--freeze-thaw",
            "freeze, thaw, freeze, ... minutes: an odd count starting and ending with a freeze");
    double cycle = 0.0;
    for (double v : p.freezeThawMin) {
        require(v > 0.0, "--freeze-thaw", "positive minutes");
        cycle += v;
    }
    require(!cryo || cycle <= 60.0, "--freeze-thaw", "at most 60 minutes in all");
    require(p.gridMm >= 0.25 && p.gridMm <= 3.0, "grid", "a grid spacing of 0.25 to 3 mm");
    require(p.perfusionScale >= 0.0 && p.perfusionScale <= 10.0, "--perfusion-scale", "0 (ex vivo) to 10");
    require(p.initialC >= 0.0 && p.initialC <= 45.0, "--initial-c", "a starting temperature of 0 to 45 degC");
    require(p.vesselMm >= 0.0 && p.vesselMm <= 30.0, "--vessel-mm", "a vessel diameter of 0 (none) to 30 mm");
    require(p.vesselDistanceMm >= 0.0 && p.vesselDistanceMm <= 40.0, "--vessel-distance-mm", "0 to 40 mm");
    const std::string label = p.tissue == "bone" ? "vertebrae_L1" : p.tissue;
    const patient::StructureMaterial tissue = patient::structureMaterialOf(label);
    require(tissue.known && !tissue.vessel && tissue.thermal.conductivityWPerMK > 0.0, "--tissue",
            "a tissue with thermal properties: liver, bone or another structure's name");

    // Probes on a regular polygon of side `spacing`, centred on the z axis.
    std::vector<Applicator> apps;
    const double radius = p.probes == 1 ? 0.0 : p.spacingMm / (2.0 * std::sin(kPi / p.probes));
    for (int i = 0; i < p.probes; ++i) {
        const double a = kPi / 2.0 + 2.0 * kPi * i / p.probes;
        apps.push_back({glm::dvec3(p.probes == 2 ? (i - 0.5) * p.spacingMm : radius * std::cos(a),
                                   p.probes == 2 ? 0.0 : radius * std::sin(a), 0.0),
                        glm::dvec3(0.0, 0.0, 1.0)});
    }
    double spread = 0.0;
    for (const Applicator& a : apps) spread = std::max(spread, glm::length(glm::dvec2(a.tipMm)));
    // Tissue beyond the applicators: the far boundary is held at body temperature, so it must lie
    // where the zone's heat has faded (RF and cryo zones reach ~20 mm, MW ~30 mm from the axis).
    const double margin = p.marginMm > 0.0 ? p.marginMm : p.modality == Modality::Microwave ? 35.0 : 25.0;
    const double h = p.gridMm;
    double xMax = spread + margin;
    double nearest = -1e9;
    for (const Applicator& a : apps) nearest = std::max(nearest, a.tipMm.x);
    const double vesselX = nearest + p.vesselDistanceMm + 0.5 * p.vesselMm;
    if (p.vesselMm > 0.0) xMax = std::max(xMax, vesselX + 0.5 * p.vesselMm + 10.0);
    const glm::dvec3 lo(-(spread + margin), -(spread + margin), -margin);
    const glm::dvec3 hi(xMax, spread + margin, dev.activeLengthMm + margin);

    BioheatModel& m = run.model;
    m.grid.spacingMm = h;
    for (int a = 0; a < 3; ++a) {
        const int below = static_cast<int>(std::ceil(-lo[a] / h)), above = static_cast<int>(std::ceil(hi[a] / h));
        m.grid.dims[a] = below + above + 1;
        m.grid.originMm[a] = -below * h;  // the central axis runs through cell centres
    }
    BioheatMaterial mat = BioheatMaterial::ofTissue(label, tissue.thermal);
    mat.perfusionPerS *= p.perfusionScale;
    m.materials = {mat};
    const size_t n = m.grid.cellCount();
    m.material.assign(n, 0);
    m.role.assign(n, CellRole::Tissue);
    m.sourceWPerW.assign(n, 0.0f);
    m.bloodTemperatureC = p.initialC;
    const double sink = std::clamp((p.vesselMm - kVesselSinkFromMm) / (kVesselSinkFullMm - kVesselSinkFromMm), 0.0, 1.0);
    m.vesselWallWPerM2K *= sink;
    const glm::ivec3 d = m.grid.dims;
    for (int k = 0; k < d.z; ++k)
        for (int j = 0; j < d.y; ++j)
            for (int i = 0; i < d.x; ++i) {
                const size_t c = m.grid.index(i, j, k);
                const glm::dvec3 q = m.grid.centreMm(i, j, k);
                if (i == 0 || j == 0 || k == 0 || i == d.x - 1 || j == d.y - 1 || k == d.z - 1)
                    m.role[c] = CellRole::Boundary;
                else if (sink > 0.0 && std::hypot(q.x - vesselX, q.y) <= 0.5 * p.vesselMm)
                    m.role[c] = CellRole::Blood;
            }
    placeApplicators(m, dev, apps);
    finishModel(m, 1.0);
    run.state = makeBioheatState(m, p.initialC);
    return run;
}

void runAblation(const AblationPlan& p, AblationRun& run) {
    GeneratorProgram program{run.device, run.powerW, p.freezeThawMin, p.probes};
    runBioheat(run.model, run.state, program.durationS(p.minutes),
               [&](const BioheatState& s) { return program.next(s); }, p.threads);
}

AblationResult summarizeAblation(const AblationPlan& p, const AblationRun& run) {
    AblationResult r;
    const bool cryo = p.modality == Modality::Cryo;
    const BioheatModel& m = run.model;
    const BioheatState& s = run.state;
    r.damage = cryo ? zoneOf(m, s, ZoneEdge::Coldest, kLethalIceC) : zoneOf(m, s, ZoneEdge::Arrhenius);
    if (!cryo) {
        r.cem43 = zoneOf(m, s, ZoneEdge::Cem43);
        std::vector<float> logOmega(s.omega.size());
        for (size_t c = 0; c < logOmega.size(); ++c) logOmega[c] = std::log(std::max(s.omega[c], 1e-30f));
        r.contracted = measureContractedZone(m, logOmega, 0.0, s.maxC);
    }
    r.isothermC = cryo ? std::vector<double>{0.0, -20.0, -40.0} : std::vector<double>{50.0, 60.0};
    for (double t : r.isothermC) r.isotherms.push_back(zoneOf(m, s, cryo ? ZoneEdge::Coldest : ZoneEdge::Hottest, t));
    r.deliveredKj = s.energy.depositedJ / 1000.0;
    r.hottestC = -1e9, r.coldestC = 1e9;
    for (size_t c = 0; c < m.grid.cellCount(); ++c)
        if (m.role[c] == CellRole::Tissue) {
            r.hottestC = std::max(r.hottestC, static_cast<double>(s.maxC[c]));
            r.coldestC = std::min(r.coldestC, static_cast<double>(s.minC[c]));
        }
    r.seconds = s.timeS;
    r.steps = static_cast<int>(std::ceil(s.timeS / m.timeStepS - 1e-9));
    r.dims = m.grid.dims;
    return r;
}

AblationResult simulateAblation(const AblationPlan& plan) {
    AblationRun run = prepareAblation(plan);
    runAblation(plan, run);
    return summarizeAblation(plan, run);
}

}  // namespace irsim::therapy
