// What an ablation session is scored on (engine/procedures/ablation/README.md), what the X-ray and
// CT see of it (the steel applicator; the zone and the ice ball as changed CT numbers), and its state
// for the session's hash.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/text.h"
#include "procedures/ablation/ablation.h"

namespace irsim::procedures::ablation {

namespace {

// Margins are measured on points this far apart (mm): a third of the phantom's 1.5 mm voxel.
constexpr double kMarginStepMm = 0.5;
// How far round the tumour margins are measured: beyond the 10 mm margin.
constexpr double kMarginBoxMm = 12.0;
// CT numbers of what ablation leaves (estimated: the reference gives no HU). Coagulated tissue does
// not enhance, so on the contrast CT after ablation the zone is hypodense to the enhancing
// parenchyma; drawn at 25 HU, under the phantom's unenhanced liver (58 HU). Frozen tissue: the ice
// ball is hypodense, about -50 to 0 HU; drawn at -20 HU where the tissue is below -0.5 degC, the
// visible CT ice edge (Gage & Baust 1998; ablation.md section 7, unverified).
constexpr float kCoagulatedHu = 25.0f, kIceHu = -20.0f;
// A lesion placed on a real CT (not in its voxels) is drawn hypodense: 30 HU against the 45 HU
// measured in the liver of the shipped unenhanced example CT (estimated; many HCC and most
// metastases are hypo- or isodense before contrast).
constexpr float kLesionHu = 30.0f;
constexpr double kIceEdgeC = -0.5;

// log(Omega) or the coldest temperature at a point, trilinear between cell centres.
double trilinear(const therapy::BioheatGrid& g, const std::vector<double>& field, const glm::dvec3& lps) {
    const glm::dvec3 f = glm::clamp((lps - g.originMm) / g.spacingMm, glm::dvec3(0.0), glm::dvec3(g.dims - 1) - 1e-9);
    const glm::ivec3 c(glm::floor(f));
    const glm::dvec3 w = f - glm::dvec3(c);
    double v = 0.0;
    for (int corner = 0; corner < 8; ++corner) {
        const int di = corner & 1, dj = (corner >> 1) & 1, dk = (corner >> 2) & 1;
        const double weight = (di ? w.x : 1.0 - w.x) * (dj ? w.y : 1.0 - w.y) * (dk ? w.z : 1.0 - w.z);
        v += weight * field[g.index(c.x + di, c.y + dj, c.z + dk)];
    }
    return v;
}

}  // namespace

MarginResult Ablation::margins() const {
    const Anatomy& an = *anatomy_;
    const therapy::BioheatModel& m = an.tissue;
    const therapy::BioheatState& h = *state_.heat;
    const size_t n = m.grid.cellCount();
    // Dead tissue where log(Omega) >= 0 or the coldest temperature <= the lethal ice. Held cells
    // (vessels, boundary) sit at the edge value, so that between them and tissue the tissue decides;
    // a vessel's lumen is not tissue a margin reaches to.
    std::vector<double> logOmega(n), coldest(n);
    for (size_t c = 0; c < n; ++c) {
        const bool tissue = m.role[c] == therapy::CellRole::Tissue || m.role[c] == therapy::CellRole::Applicator;
        logOmega[c] = tissue ? std::log(std::max(static_cast<double>(h.omega[c]), 1e-30)) : 0.0;
        coldest[c] = tissue ? static_cast<double>(h.minC[c]) : therapy::kBodyTemperatureC;
    }
    const glm::dvec3 half(an.tumourRadiusMm * 1.5 + kMarginBoxMm);
    return measureMargins(
        an.tumourCentre - half, an.tumourCentre + half, kMarginStepMm, [&](const glm::dvec3& p) { return an.inTumour(p); },
        [&](const glm::dvec3& p) {
            return trilinear(m.grid, logOmega, p) >= 0.0 || trilinear(m.grid, coldest, p) <= therapy::kLethalIceC;
        },
        [&](const glm::dvec3& p) {
            const glm::dvec3 f = glm::round((p - m.grid.originMm) / m.grid.spacingMm);
            for (int i = 0; i < 3; ++i)
                if (f[i] < 0 || f[i] >= m.grid.dims[i]) return true;
            return m.role[m.grid.index(static_cast<int>(f.x), static_cast<int>(f.y), static_cast<int>(f.z))] !=
                   therapy::CellRole::Blood;
        },
        [&](const glm::dvec3& p) {
            const glm::dvec3 f = glm::round((p - m.grid.originMm) / m.grid.spacingMm);
            for (int i = 0; i < 3; ++i)
                if (f[i] < 0 || f[i] >= m.grid.dims[i]) return 1e9;
            const float d = an.vesselDistanceMm[m.grid.index(static_cast<int>(f.x), static_cast<int>(f.y), static_cast<int>(f.z))];
            return std::isinf(d) ? 1e9 : static_cast<double>(d);
        });
}

void Ablation::addMetrics(const Session&, assessment::Metrics& m) const {
    const State& s = state_;
    const MarginResult r = margins();
    m["tumour_coverage_percent"] = {r.tumourCoveragePercent, "%"};
    m["margin_5mm_coverage_percent"] = {r.margin5CoveragePercent, "%"};
    m["margin_10mm_coverage_percent"] = {r.margin10CoveragePercent, "%"};
    m["minimal_margin_mm"] = {r.minimalMarginMm, "mm"};
    const int band = marginBand(r.minimalMarginMm);
    m["margin_band"] = {static_cast<double>(band), "band"};
    m["ltp_free_2y_percent"] = {ltpFreeSurvivalPercent(band), "%"};
    // Beside a large vessel: only when the tumour has one within 10 mm.
    if (r.heatSinkMarginMm >= 0.0) m["heat_sink_margin_mm"] = {r.heatSinkMarginMm, "mm"};
    if (r.thinnestToVesselMm >= 0.0) m["thinnest_margin_to_vessel_mm"] = {r.thinnestToVesselMm, "mm"};
    m["zone_ml"] = {s.zoneMl, "ml"};
    m["ablation_minutes"] = {s.generatorSeconds / 60.0, "min"};
    m["ablation_energy_kJ"] = {s.energyKj, "kJ"};
    m["ablation_runs"] = {static_cast<double>(s.runs), "runs"};
    m["applicator_placements"] = {static_cast<double>(s.placements), "placements"};
    m["applicator_repositionings"] = {static_cast<double>(s.repositionings), "repositionings"};
    m["pneumothorax_risk"] = {s.pneumothorax ? 1.0 : 0.0, "yes/no"};
    const Anatomy& an = *anatomy_;
    const therapy::BioheatState& h = *s.heat;
    const double cellMl = an.tissue.grid.cellVolumeM3() * 1e6;
    double collateral = 0.0;
    for (const Anatomy::Structure& st : an.protect) {
        size_t dead = 0;
        for (size_t c : st.cells) dead += h.omega[c] >= 1.0f || h.minC[c] <= therapy::kLethalIceC;
        m[collateralMetric(st.name)] = {static_cast<double>(dead) * cellMl, "ml"};
        collateral += static_cast<double>(dead) * cellMl;
    }
    m["collateral_ml"] = {collateral, "ml"};
    m["nerve_max_C"] = {s.nerveMaxC, "degC"};
    m["nerve_min_C"] = {s.nerveMinC, "degC"};
    if (!s.thermocouples.empty()) {
        double hi = -1e9, lo = 1e9;
        for (const State::Thermocouple& t : s.thermocouples) hi = std::max(hi, t.maxC), lo = std::min(lo, t.minC);
        m["thermocouple_max_C"] = {hi, "degC"};
        m["thermocouple_min_C"] = {lo, "degC"};
    }
}

std::vector<double> Ablation::quantities(const Session&) const { return {state_.zoneMl, state_.energyKj}; }

imaging::FrameContents Ablation::radiopaqueContents(const Session&) const {
    imaging::FrameContents out;
    for (const State::Track& t : state_.applicators) {
        if (!t.placed) continue;
        imaging::RadiopaquePath shaft;
        shaft.pointsLps = {t.tip() - t.dir * kShaftLengthMm, t.tip()};
        shaft.radiusMm = 0.5 * device().diameterMm;
        shaft.material = imaging::Material::Steel;
        out.paths.push_back(std::move(shaft));
    }
    return out;
}

std::vector<sim::DeviceState> Ablation::devices(const Session&) const {
    std::vector<sim::DeviceState> out;
    for (const State::Track& t : state_.applicators) {
        if (!t.placed) continue;
        sim::DeviceState d;
        d.device = state_.deviceId;
        d.inPatient = t.inPatient();
        d.tipLps = t.tip();
        d.depthFromSkinMm = t.depthMm;
        // In the tumour the target's name (a lesion sphere is in no label); elsewhere the tissue class.
        if (!d.inPatient) d.tissueAtTip = "air";
        else if (anatomy_->inTumour(d.tipLps)) d.tissueAtTip = definition_->target;
        else d.tissueAtTip = physics::toString(anatomy_->tissueClasses.tissueAt(d.tipLps));
        out.push_back(std::move(d));
    }
    return out;
}

std::optional<glm::dvec3> Ablation::ctFollowPoint(const Session&) const {
    const State::Track& t = state_.applicators.at(state_.active);
    if (!t.placed) return std::nullopt;
    return t.tip();
}

void Ablation::ctOverlay(const Session&, sim::CtOverlay& overlay) const {
    const Anatomy& an = *anatomy_;
    const therapy::BioheatState& h = *state_.heat;
    const therapy::BioheatGrid& g = an.tissue.grid;
    sim::CtOverlayField coagulated{"coagulated tissue", g.originMm, g.spacingMm, g.dims, {}};
    sim::CtOverlayField ice{"ice", g.originMm, g.spacingMm, g.dims, {}};
    const float none = std::numeric_limits<float>::quiet_NaN();
    if (an.lesionRadiusMm > 0.0) {
        sim::CtOverlayField lesion{"tumour", g.originMm, g.spacingMm, g.dims, {}};
        lesion.hu.assign(g.cellCount(), std::numeric_limits<float>::quiet_NaN());
        for (int k = 0; k < g.dims.z; ++k)
            for (int j = 0; j < g.dims.y; ++j)
                for (int i = 0; i < g.dims.x; ++i)
                    if (an.inTumour(g.centreMm(i, j, k))) lesion.hu[g.index(i, j, k)] = kLesionHu;
        overlay.fields.push_back(std::move(lesion));
    }
    bool anyDead = false, anyIce = false;
    coagulated.hu.assign(g.cellCount(), none);
    ice.hu.assign(g.cellCount(), none);
    for (size_t c = 0; c < g.cellCount(); ++c) {
        if (an.tissue.role[c] != therapy::CellRole::Tissue) continue;
        if (h.temperatureC[c] <= kIceEdgeC) {
            ice.hu[c] = kIceHu;
            anyIce = true;
        } else if (h.omega[c] >= 1.0f || h.minC[c] <= therapy::kLethalIceC) {
            coagulated.hu[c] = kCoagulatedHu;
            anyDead = true;
        }
    }
    if (anyDead) overlay.fields.push_back(std::move(coagulated));
    if (anyIce) overlay.fields.push_back(std::move(ice));
    overlayContours(overlay);
}

void Ablation::overlayContours(sim::CtOverlay& overlay) const {
    const Anatomy& an = *anatomy_;
    const therapy::BioheatState& h = *state_.heat;
    const therapy::BioheatGrid& g = an.tissue.grid;
    const size_t n = g.cellCount();
    const auto contour = [&](std::string label, uint32_t rgba, float level, auto&& valueOf) {
        sim::CtOverlayContour c{std::move(label), rgba, g.originMm, g.spacingMm, g.dims, std::vector<float>(n), level};
        for (size_t i = 0; i < n; ++i) c.value[i] = valueOf(i);
        overlay.contours.push_back(std::move(c));
    };
    // The tumour's edge lies half a cell beyond the centres of its outer cells; the margin as much
    // beyond that as the plan asks.
    const float edge = static_cast<float>(0.5 * g.spacingMm);
    const float margin = static_cast<float>(definition_->marginMm);
    contour("tumour", 0xffe040ffu, -edge, [&](size_t c) { return -an.tumourDistanceMm[c]; });
    contour(formatted("margin %.0f mm", definition_->marginMm), 0x40e070ffu, -(edge + margin),
            [&](size_t c) { return -an.tumourDistanceMm[c]; });
    // Cell death on a log scale: it spans decades within a millimetre of the edge.
    contour("Omega = 1", 0xff3030ffu, 0.0f,
            [&](size_t c) { return static_cast<float>(std::log10(std::max(h.omega[c], 1e-30f))); });
    contour("CEM43 240 min", 0xff50ffffu, static_cast<float>(std::log10(therapy::kCem43NecrosisMin)),
            [&](size_t c) { return static_cast<float>(std::log10(std::max(h.cem43Min[c], 1e-30f))); });
    // The isotherms of the temperature now: heat's 50 and 60 degC, or the ice edge and the cold ones.
    float hottest = -1e9f, coldest = 1e9f;
    for (size_t c = 0; c < n; ++c)
        if (an.tissue.role[c] == therapy::CellRole::Tissue)
            hottest = std::max(hottest, h.temperatureC[c]), coldest = std::min(coldest, h.temperatureC[c]);
    for (const auto& [t, rgba] : {std::pair{50.0f, 0xffb040ffu}, std::pair{60.0f, 0xffff80ffu}})
        if (hottest >= t) contour(formatted("%.0f degC", t), rgba, t, [&](size_t c) { return h.temperatureC[c]; });
    for (const auto& [t, rgba] : {std::pair{0.0f, 0x80e0ffffu}, std::pair{-20.0f, 0x4090ffffu}, std::pair{-40.0f, 0x3050ffffu}})
        if (coldest <= t) contour(formatted("%.0f degC", t), rgba, -t, [&](size_t c) { return -h.temperatureC[c]; });
}

void Ablation::hashState(StateHash& hash) const {
    const State& s = state_;
    // The first applicator where the single one was hashed, the others at the end: a log with one
    // applicator hashes as before there could be several (tests/app/golden_replays.txt).
    const State::Track& t = s.applicators.front();
    const glm::dvec3 none(0.0);
    hash.add(s.deviceId).add(t.placed).add(t.skinLps).add(t.dir).add(t.depthMm).add(t.advanceLeftMm);
    hash.add(t.withdrawLeftMm).add(t.speedMmS).add(s.placements).add(s.repositionings).add(s.pneumothorax).add(t.crossed);
    hash.add(s.generatorOn).add(s.powerW).add(s.freezeThawMin).add(s.runStartS).add(s.runEndS).add(s.coolingFromS);
    hash.add(s.ablationClockS).add(s.generatorSeconds).add(s.runs).add(s.cooling);
    hash.add(s.runTipsLps.empty() ? none : s.runTipsLps.front()).add(s.runDirs.empty() ? none : s.runDirs.front());
    hash.add(therapy::hashBioheatState(*s.heat)).add(s.zoneMl).add(s.energyKj);
    for (const State::Thermocouple& c : s.thermocouples) hash.add(c.at).add(c.lps).add(c.nowC).add(c.maxC).add(c.minC).add(c.alarmed);
    hash.add(s.damaged).add(s.nerveAlarms).add(s.nerveMaxC).add(s.nerveMinC);
    if (s.applicators.size() == 1 && s.runTipsLps.size() <= 1) return;
    hash.add(static_cast<int>(s.active));
    for (size_t i = 1; i < s.applicators.size(); ++i) {
        const State::Track& o = s.applicators[i];
        hash.add(o.placed).add(o.skinLps).add(o.dir).add(o.depthMm).add(o.advanceLeftMm).add(o.withdrawLeftMm).add(o.speedMmS);
        hash.add(o.crossed);
    }
    for (size_t i = 1; i < s.runTipsLps.size(); ++i) hash.add(s.runTipsLps[i]).add(s.runDirs[i]);
}

}  // namespace irsim::procedures::ablation
