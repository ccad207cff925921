#include "therapy/bioheat.h"

#include <atomic>
#include <barrier>
#include <cmath>
#include <limits>
#include <thread>

#include "core/error.h"
#include "core/state_hash.h"

namespace irsim::therapy {

namespace {

// Go-Smart go-smart-template_cryo.sif: perfusion and metabolism off at T <= 271 K (ablation.md
// section 7, in open-source code).
constexpr double kPerfusionStopsBelowC = 271.0 - kKelvin;
// Haemmerich et al. 2006 (Med Eng Phys 28:194, ablation.md section 1, published): liver heat
// capacity is flat below 65 degC and 17 % higher at 83.5 degC.
constexpr double kDenaturationFromC = 65.0, kDenaturationToC = 83.5;
// Frozen conductivity changes the stable step; faces are refreshed this often while freezing.
constexpr int kConductanceRefreshSteps = 8;
constexpr double kWaterVaporisationJPerKg = 2.257e6;  // latent heat of water at 100 degC

const BioheatModel::Curve& curveOf(const BioheatModel& m, size_t cell) { return m.curves[m.material[cell]]; }

BioheatModel::Curve makeCurve(const BioheatMaterial& mat) {
    BioheatModel::Curve c;
    const double rho = mat.densityKgPerM3, cp = mat.heatCapacityJPerKgK;
    const double t[6] = {mat.solidusC, mat.liquidusC, kDenaturationFromC, kDenaturationToC, mat.vaporisationC,
                         mat.vaporisationC + mat.vaporisationRangeK};
    const double hot = rho * cp * (1.0 + mat.denaturationCapacityRise);
    const double slope[7] = {
        rho * mat.frozenHeatCapacityJPerKgK,
        rho * (0.5 * (mat.frozenHeatCapacityJPerKgK + cp) + mat.latentHeatJPerKg / (mat.liquidusC - mat.solidusC)),
        rho * cp,
        rho * cp * (1.0 + 0.5 * mat.denaturationCapacityRise),
        hot,
        hot + rho * mat.waterFraction * kWaterVaporisationJPerKg / mat.vaporisationRangeK,
        // Dried tissue stores less (Hall 2015's 0.44-0.8e6 J/(m^3 K)); kept at the hot value so that
        // the explicit step stays stable (docs/ablation.md).
        hot};
    for (int i = 0; i < 7; ++i) c.slope[i] = slope[i], c.invSlope[i] = 1.0 / slope[i];
    for (int i = 0; i < 6; ++i) c.tC[i] = t[i];
    // Body temperature lies in segment 2 (liquidus .. 65 degC), where enthalpy is 0 at 37 degC.
    c.h[1] = -slope[2] * (kBodyTemperatureC - t[1]);
    c.h[0] = c.h[1] - slope[1] * (t[1] - t[0]);
    for (int i = 2; i < 6; ++i) c.h[i] = c.h[i - 1] + slope[i] * (t[i] - t[i - 1]);
    return c;
}

double curveEnthalpy(const BioheatModel::Curve& c, double t) {
    if (t < c.tC[0]) return c.h[0] + c.slope[0] * (t - c.tC[0]);
    int i = 0;
    while (i < 5 && t >= c.tC[i + 1]) ++i;
    return c.h[i] + c.slope[i + 1] * (t - c.tC[i]);
}

double curveTemperature(const BioheatModel::Curve& c, double h) {
    // The common case first: unfrozen tissue below denaturation.
    if (h >= c.h[1] && h < c.h[2]) return c.tC[1] + (h - c.h[1]) * c.invSlope[2];
    if (h < c.h[0]) return c.tC[0] + (h - c.h[0]) * c.invSlope[0];
    int i = 0;
    while (i < 5 && h >= c.h[i + 1]) ++i;
    return c.tC[i] + (h - c.h[i]) * c.invSlope[i + 1];
}

bool held(CellRole r) { return r != CellRole::Tissue; }

// Conductance of the face between cells a and b, W/K: half a cell of tissue on each side in
// series; against a large vessel's blood, half a cell of tissue and the wall's film.
double faceConductance(const BioheatModel& m, const BioheatState& s, size_t a, size_t b) {
    const double h = m.grid.spacingMm * 1e-3, area = h * h;
    const CellRole ra = m.role[a], rb = m.role[b];
    auto k = [&](size_t c) { return conductivityAt(m.materials[m.material[c]], s.temperatureC[c]); };
    if (ra == CellRole::Blood && rb == CellRole::Blood) return 0.0;
    if (ra == CellRole::Blood || rb == CellRole::Blood) {
        const size_t t = ra == CellRole::Blood ? b : a;
        return area / (0.5 * h / k(t) + 1.0 / m.vesselWallWPerM2K);
    }
    return area / (0.5 * h / k(a) + 0.5 * h / k(b));
}

void refreshConductance(const BioheatModel& m, BioheatState& s) {
    const glm::ivec3 d = m.grid.dims;
    const size_t n = m.grid.cellCount();
    s.conductance.assign(3 * n, 0.0f);
    for (int k = 0; k < d.z; ++k)
        for (int j = 0; j < d.y; ++j)
            for (int i = 0; i < d.x; ++i) {
                const size_t c = m.grid.index(i, j, k);
                if (i + 1 < d.x) s.conductance[c] = static_cast<float>(faceConductance(m, s, c, c + 1));
                if (j + 1 < d.y) s.conductance[n + c] = static_cast<float>(faceConductance(m, s, c, c + d.x));
                if (k + 1 < d.z)
                    s.conductance[2 * n + c] = static_cast<float>(faceConductance(m, s, c, c + static_cast<size_t>(d.x) * d.y));
            }
    s.stepsSinceConductance = 0;
}

enum Sum { kDeposited, kPerfusion, kApplicator, kBlood, kBoundary, kHottest, kSums };

// BioheatModel::plainRun: a plain cell is tissue with unscaled faces and all six faces inside the
// grid; a run is plain cells of one material in a row, at most 255.
void findPlainRuns(BioheatModel& m) {
    const glm::ivec3 d = m.grid.dims;
    m.plainRun.assign(m.grid.cellCount(), 0);
    for (int k = 1; k + 1 < d.z; ++k)
        for (int j = 1; j + 1 < d.y; ++j) {
            const size_t base = m.grid.index(0, j, k);
            auto plain = [&](size_t c) {
                return m.role[c] == CellRole::Tissue && (m.besideScaledHeld.empty() || !m.besideScaledHeld[c]);
            };
            // From the row's end back: a cell's run is the next cell's plus one where both match.
            for (int i = d.x - 2; i >= 1; --i) {
                const size_t c = base + i;
                if (!plain(c)) continue;
                const bool joins = i + 2 < d.x && m.plainRun[c + 1] > 0 && m.plainRun[c + 1] < 255 &&
                                   m.material[c + 1] == m.material[c];
                m.plainRun[c] = static_cast<uint8_t>(joins ? m.plainRun[c + 1] + 1 : 1);
            }
        }
}

// The row loops are also built for AVX2 and chosen at load time: four lanes instead of SSE2's two,
// each the same IEEE double operations (no FMA: -ffp-contract=off), so the same bits on any x86-64.
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define IRSIM_ROW_LOOP __attribute__((target_clones("avx2", "default")))
#else
#define IRSIM_ROW_LOOP
#endif

// Pass 1 (stepBioheatBy) along a run of `count` plain cells from the pointers' first: the arithmetic of
// the general path in the same order, with the perfusion and deposited terms (J) written out for
// the caller to add in cell order. One material, no branch but perfusion's: the compiler can
// vectorise it, which changes no bit (each lane does the scalar operations).
IRSIM_ROW_LOOP void fluxRow(long count, const float* __restrict T, long sy, long sz, const float* __restrict gx,
             const float* __restrict gy, const float* __restrict gz, const float* __restrict perfused,
             const float* __restrict source, double* __restrict H, double* __restrict perfusionJ,
             double* __restrict depositedJ, double perfusionW, double bloodC, double powerW, double dt, double volume) {
    for (long c = 0; c < count; ++c) {
        const double tc = T[c];
        double q = 0.0;
        q += gx[c - 1] * (T[c - 1] - tc);
        q += gx[c] * (T[c + 1] - tc);
        q += gy[c - sy] * (T[c - sy] - tc);
        q += gy[c] * (T[c + sy] - tc);
        q += gz[c - sz] * (T[c - sz] - tc);
        q += gz[c] * (T[c + sz] - tc);
        const double perfusing = perfusionW * perfused[c] * (bloodC - tc);  // then a select, not a branch
        const double perf = tc > kPerfusionStopsBelowC ? perfusing : 0.0;
        const double src = powerW * source[c];
        H[c] += dt * (q + perf + src) / volume;
        perfusionJ[c] = dt * perf;
        depositedJ[c] = dt * src;
    }
}

// Pass 2 along a run of `count` plain cells, in three loops, the first and last vectorised: the common
// segment of the enthalpy curve (unfrozen, below denaturation) for every cell; then, by the
// caller, the cells off it and damage; then the float temperature and its extremes.
IRSIM_ROW_LOOP void temperatureRow(long count, const double* __restrict H, double* __restrict t, const BioheatModel::Curve& cv) {
    const double h1 = cv.h[1], t1 = cv.tC[1], inverse = cv.invSlope[2];
    for (long c = 0; c < count; ++c) t[c] = t1 + (H[c] - h1) * inverse;
}

IRSIM_ROW_LOOP void settleRow(long count, const double* __restrict t, float* __restrict T, float* __restrict maxC, float* __restrict minC) {
    for (long c = 0; c < count; ++c) {
        const float tf = static_cast<float>(t[c]);
        T[c] = tf;
        maxC[c] = maxC[c] < tf ? tf : maxC[c];  // std::max(maxC, tf), std::min(minC, tf)
        minC[c] = tf < minC[c] ? tf : minC[c];
    }
}

}  // namespace

BioheatMaterial BioheatMaterial::ofTissue(const std::string& name, const patient::ThermalProperties& t) {
    BioheatMaterial m;
    m.name = name;
    m.conductivityWPerMK = t.conductivityWPerMK;
    m.densityKgPerM3 = t.densityKgPerM3;
    m.heatCapacityJPerKgK = t.heatCapacityJPerKgK;
    m.perfusionPerS = t.perfusionPerS;
    // Frozen tissue: k ~2 W/(m K) (Rabin & Shitzer; ablation.md section 7, unverified); c 1860
    // J/(kg K) (Go-Smart cryo template, in open-source code); latent heat 150 J/g, the middle of
    // bovine liver's 139.8-159.0 J/g (Sci Rep 2021, doi:10.1038/s41598-021-95204-2, published);
    // freezing range -8 to -1 degC (Go-Smart 265-272 K, in open-source code). Liver's Arrhenius
    // pair A 7.39e39 1/s, Ea 2.577e5 J/mol (COMSOL table, published) is the default of every
    // tissue: the reference has none for bone or muscle (unverified for them).
    return m;
}

double enthalpyOf(const BioheatMaterial& m, double tempC) { return curveEnthalpy(makeCurve(m), tempC); }
double temperatureOf(const BioheatMaterial& m, double h) { return curveTemperature(makeCurve(m), h); }

double conductivityAt(const BioheatMaterial& m, double t) {
    if (t >= m.liquidusC) return m.conductivityWPerMK;
    if (t <= m.solidusC) return m.frozenConductivityWPerMK;
    const double f = (m.liquidusC - t) / (m.liquidusC - m.solidusC);  // frozen fraction
    return m.conductivityWPerMK + f * (m.frozenConductivityWPerMK - m.conductivityWPerMK);
}

double arrheniusRatePerS(const BioheatMaterial& m, double t) {
    if (t <= kDamageFromC) return 0.0;
    return std::exp(std::log(m.arrheniusPerS) - m.activationJPerMol / (kGasConstant * (t + kKelvin)));
}

double cem43PerMinute(double t) {
    if (t <= kDamageFromC) return 0.0;
    // Sapareto & Dewey 1984 (published); R 0.5 / 0.25 (kwavers citing them, in open-source code).
    return std::exp2((43.0 - t) * std::log2(t >= 43.0 ? 0.5 : 0.25));
}

void finishModel(BioheatModel& m, double maxTimeStepS) {
    const size_t n = m.grid.cellCount();
    if (n == 0 || m.material.size() != n || m.role.size() != n || m.sourceWPerW.size() != n)
        throw DataError("bioheat model", 0, "cells", "grid and per-cell arrays differ in size");
    if (m.group.size() != n) m.group.assign(n, 0);
    for (uint8_t v : m.material)
        if (v >= m.materials.size()) throw DataError("bioheat model", 0, "cells", "a cell names a material the model lacks");
    m.curves.clear();
    double dt = maxTimeStepS;
    const double h = m.grid.spacingMm * 1e-3;
    for (const BioheatMaterial& mat : m.materials) {
        if (!(mat.liquidusC > mat.solidusC) || mat.densityKgPerM3 <= 0 || mat.heatCapacityJPerKgK <= 0 ||
            mat.conductivityWPerMK <= 0)
            throw DataError("bioheat model", 0, "material " + mat.name, "positive k, rho, c and a freezing range");
        m.curves.push_back(makeCurve(mat));
        // Explicit stability: the cell's heat capacity over the sum of its conductances (six faces
        // of the most conductive state, perfusion) with a 10 % reserve. Frozen tissue conducts more
        // and stores less: it only counts when something freezes.
        const double kMax = m.freezing ? std::max(mat.conductivityWPerMK, mat.frozenConductivityWPerMK) : mat.conductivityWPerMK;
        const double capacity = std::min(m.freezing ? m.curves.back().slope[0] : m.curves.back().slope[2],
                                         m.curves.back().slope[2]) * h * h * h;
        const double sumG = 6.0 * kMax * h + m.bloodDensityKgPerM3 * m.bloodHeatCapacityJPerKgK * mat.perfusionPerS * h * h * h;
        dt = std::min(dt, 0.9 * capacity / sumG);
    }
    m.timeStepS = dt;
    findPlainRuns(m);
}

BioheatState makeBioheatState(const BioheatModel& m, double initialC) {
    BioheatState s;
    const size_t n = m.grid.cellCount();
    s.enthalpy.resize(n);
    s.temperatureC.resize(n);
    for (size_t c = 0; c < n; ++c) {
        const double t = held(m.role[c]) && m.role[c] != CellRole::Applicator ? m.bloodTemperatureC : initialC;
        s.temperatureC[c] = static_cast<float>(t);
        s.enthalpy[c] = curveEnthalpy(curveOf(m, c), t);
    }
    s.omega.assign(n, 0.0f);
    s.perfused.assign(n, 1.0f);
    s.cem43Min.assign(n, 0.0f);
    s.maxC = s.temperatureC;
    s.minC = s.temperatureC;
    s.planeSums.assign(static_cast<size_t>(m.grid.dims.z) * kSums, 0.0);
    refreshConductance(m, s);
    return s;
}

void stepBioheat(const BioheatModel& m, BioheatState& s, const BioheatControls& c, unsigned threads) {
    stepBioheatBy(m, s, c, m.timeStepS, threads);
}

void stepBioheatBy(const BioheatModel& m, BioheatState& s, const BioheatControls& ctl, double dt, unsigned threads) {
    const glm::ivec3 d = m.grid.dims;
    const size_t n = m.grid.cellCount(), sx = 1, sy = static_cast<size_t>(d.x), sz = static_cast<size_t>(d.x) * d.y;
    const double volume = m.grid.cellVolumeM3();
    if (m.freezing && ++s.stepsSinceConductance >= kConductanceRefreshSteps) refreshConductance(m, s);
    auto groupC = [&](size_t cell) {
        const uint8_t g = m.group[cell];
        return g < ctl.groupC.size() ? ctl.groupC[g] : std::numeric_limits<double>::quiet_NaN();
    };
    // A released applicator's cells (a cryo probe between freezes) are tissue.
    auto isHeld = [&](size_t cell) {
        return m.role[cell] != CellRole::Tissue && !(m.role[cell] == CellRole::Applicator && std::isnan(groupC(cell)));
    };
    // A held applicator cell's scale on its faces to tissue (1 for every other cell).
    auto faceScale = [&](size_t cell) {
        return !m.heldFaceScale.empty() && m.role[cell] == CellRole::Applicator && !std::isnan(groupC(cell))
                   ? static_cast<double>(m.heldFaceScale[cell])
                   : 1.0;
    };
    float* const T = s.temperatureC.data();
    double* const H = s.enthalpy.data();
    float* const omega = s.omega.data();
    float* const cem43 = s.cem43Min.data();
    float* const perfused = s.perfused.data();
    float* const maxC = s.maxC.data();
    float* const minC = s.minC.data();
    const float* const gx = s.conductance.data();
    const float* const gy = gx + n;
    const float* const gz = gy + n;
    const float* const source = m.sourceWPerW.data();
    const uint8_t* const material = m.material.data();
    const BioheatModel::Curve* const curves = m.curves.data();
    std::vector<double> perfusionW(m.materials.size());  // W/K per cell of fully perfused tissue
    std::vector<double> logArrhenius(m.materials.size());
    for (size_t i = 0; i < m.materials.size(); ++i) {
        perfusionW[i] = m.bloodDensityKgPerM3 * m.bloodHeatCapacityJPerKgK * m.materials[i].perfusionPerS * volume;
        logArrhenius[i] = std::log(m.materials[i].arrheniusPerS);
    }
    const double bloodC = m.bloodTemperatureC, powerW = ctl.powerW;

    // Along the rows of a plane in cell order: one(c, i, j) for a cell taken by itself, run(c,
    // count) for a run of plain cells.
    auto alongRows = [&](int kPlane, auto&& one, auto&& run) {
        for (int j = 0; j < d.y; ++j) {
            const size_t base = m.grid.index(0, j, kPlane);
            for (int i = 0; i < d.x;) {
                const size_t c = base + i;
                const long count = m.plainRun[c];
                if (count == 0) {
                    one(c, i++, j);
                } else {
                    run(c, count);
                    i += static_cast<int>(count);
                }
            }
        }
    };

    // Pass 1, one cell anywhere: enthalpy from the previous step's temperatures (each cell writes
    // only itself), or a held cell's share of the energy account.
    auto fluxCell = [&](size_t c, int i, int j, int kPlane, double* sums) {
        const double tc = T[c];
        // Calls fn(neighbour, conductance) for each of the cell's faces inside the grid.
        auto faces = [&](auto&& fn) {
            if (i > 0) fn(c - sx, gx[c - sx]);
            if (i + 1 < d.x) fn(c + sx, gx[c]);
            if (j > 0) fn(c - sy, gy[c - sy]);
            if (j + 1 < d.y) fn(c + sy, gy[c]);
            if (kPlane > 0) fn(c - sz, gz[c - sz]);
            if (kPlane + 1 < d.z) fn(c + sz, gz[c]);
        };
        if (!isHeld(c)) {
            double q = 0.0;  // W into the cell through its faces
            if (!m.besideScaledHeld.empty() && m.besideScaledHeld[c])
                faces([&](size_t nb, float g) { q += g * faceScale(nb) * (T[nb] - tc); });
            else
                faces([&](size_t nb, float g) { q += g * (T[nb] - tc); });
            double perf = 0.0;
            if (tc > kPerfusionStopsBelowC) perf = perfusionW[material[c]] * perfused[c] * (bloodC - tc);
            const double src = powerW * source[c];
            H[c] += dt * (q + perf + src) / volume;
            sums[kDeposited] += dt * src;
            sums[kPerfusion] += dt * perf;
            return;
        }
        // A held cell: what flows into it from tissue leaves the tissue.
        double fromTissue = 0.0;
        faces([&](size_t nb, float g) {
            if (!isHeld(nb)) fromTissue += g * (T[nb] - tc);
        });
        fromTissue *= faceScale(c);
        const Sum which = m.role[c] == CellRole::Applicator ? kApplicator
                          : m.role[c] == CellRole::Blood    ? kBlood
                                                            : kBoundary;
        sums[which] -= dt * fromTissue;
    };
    auto flux = [&](int kPlane) {
        double sums[kSums] = {};
        thread_local std::vector<double> terms;
        terms.resize(2 * static_cast<size_t>(d.x));
        double* const perfusionJ = terms.data();
        double* const depositedJ = perfusionJ + d.x;
        alongRows(kPlane, [&](size_t c, int i, int j) { fluxCell(c, i, j, kPlane, sums); },
                  [&](size_t c, long count) {
                      fluxRow(count, T + c, static_cast<long>(sy), static_cast<long>(sz), gx + c, gy + c, gz + c,
                              perfused + c, source + c, H + c, perfusionJ, depositedJ, perfusionW[material[c]], bloodC,
                              powerW, dt, volume);
                      for (long r = 0; r < count; ++r) {
                          sums[kDeposited] += depositedJ[r];
                          sums[kPerfusion] += perfusionJ[r];
                      }
                  });
        for (int t = 0; t < kSums; ++t) s.planeSums[static_cast<size_t>(kPlane) * kSums + t] = sums[t];
    };

    // Pass 2: temperature from enthalpy; held cells reset; damage and extremes.
    // Damage of a cell above 40 degC (out of the loop: it is the minority and calls exp).
    const double log2Half = std::log2(0.5), log2Quarter = std::log2(0.25);
    auto damage = [&](size_t c, double t) __attribute__((noinline)) {
        const uint8_t mi = material[c];
        const double rate = std::exp(logArrhenius[mi] - m.materials[mi].activationJPerMol / (kGasConstant * (t + kKelvin)));
        omega[c] += static_cast<float>(dt * rate);
        // cem43PerMinute(t), R 0.5 above 43 degC, 0.25 below.
        cem43[c] += static_cast<float>(dt / 60.0 * std::exp2((43.0 - t) * (t >= 43.0 ? log2Half : log2Quarter)));
        // exp(-Omega) is below half the smallest float for Omega over 104: 0 either way.
        const double o = omega[c];
        perfused[c] = o > 110.0 ? 0.0f : static_cast<float>(std::exp(-o));
    };
    auto settle = [&](size_t c, double t) {
        const float tf = static_cast<float>(t);
        T[c] = tf;
        if (t > kDamageFromC) damage(c, t);
        if (tf > maxC[c]) maxC[c] = tf;
        if (tf < minC[c]) minC[c] = tf;
        return tf;
    };
    // A cell taken one by one: an applicator's held cell reset, tissue (or a released applicator)
    // from its enthalpy; blood and boundary stay.
    auto updateCell = [&](size_t c, float& hottest) {
        if (m.role[c] == CellRole::Applicator && !std::isnan(groupC(c))) {
            const double t = groupC(c);
            H[c] = curveEnthalpy(curveOf(m, c), t);
            settle(c, t);
        } else if (!isHeld(c)) {
            const float tf = settle(c, curveTemperature(curveOf(m, c), H[c]));
            if (m.role[c] == CellRole::Tissue) hottest = std::max(hottest, tf);
        }
    };
    auto update = [&](int kPlane) {
        thread_local std::vector<double> rowC;
        rowC.resize(d.x);
        float hottest = -std::numeric_limits<float>::infinity();
        alongRows(kPlane, [&](size_t c, int, int) { updateCell(c, hottest); },
                  [&](size_t c, long count) {
                      const BioheatModel::Curve& cv = curves[material[c]];
                      double* const t = rowC.data();
                      temperatureRow(count, H + c, t, cv);
                      for (long r = 0; r < count; ++r) {
                          // Off the curve's common segment (frozen, denatured, boiling): the whole curve.
                          if (!(H[c + r] >= cv.h[1] && H[c + r] < cv.h[2])) t[r] = curveTemperature(cv, H[c + r]);
                          if (t[r] > kDamageFromC) damage(c + r, t[r]);
                          hottest = std::max(hottest, static_cast<float>(t[r]));
                      }
                      settleRow(count, t, T + c, maxC + c, minC + c);
                  });
        s.planeSums[static_cast<size_t>(kPlane) * kSums + kHottest] = hottest;
    };

    if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
    // Small grids are not worth a thread's start.
    if (n < 32768) threads = 1;
    threads = std::min<unsigned>(threads, static_cast<unsigned>(d.z));
    if (threads <= 1) {
        for (int k = 0; k < d.z; ++k) flux(k);
        for (int k = 0; k < d.z; ++k) update(k);
    } else {
        // Workers take planes in turn (whoever is free: planes through the hot zone cost more);
        // each plane's result is its own, so the bits do not depend on who took it.
        std::atomic<int> nextFlux{0}, nextUpdate{0};
        std::barrier sync(static_cast<std::ptrdiff_t>(threads));
        std::vector<std::thread> workers;
        for (unsigned w = 0; w < threads; ++w)
            workers.emplace_back([&] {
                for (int k; (k = nextFlux.fetch_add(1)) < d.z;) flux(k);
                sync.arrive_and_wait();
                for (int k; (k = nextUpdate.fetch_add(1)) < d.z;) update(k);
            });
        for (auto& w : workers) w.join();
    }
    double hottest = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < d.z; ++k) {
        const double* p = &s.planeSums[static_cast<size_t>(k) * kSums];
        s.energy.depositedJ += p[kDeposited];
        s.energy.perfusionJ += p[kPerfusion];
        s.energy.applicatorJ += p[kApplicator];
        s.energy.bloodJ += p[kBlood];
        s.energy.boundaryJ += p[kBoundary];
        hottest = std::max(hottest, p[kHottest]);
    }
    s.hottestTissueC = static_cast<float>(hottest);
    s.timeS += dt;
}

double storedEnergyJ(const BioheatModel& m, const BioheatState& s) {
    double e = 0.0;
    for (size_t c = 0; c < m.grid.cellCount(); ++c)
        if (m.role[c] == CellRole::Tissue) e += s.enthalpy[c];
    return e * m.grid.cellVolumeM3();
}

uint64_t hashBioheatState(const BioheatState& s) {
    StateHash h;
    h.add(s.timeS);
    h.bytes(s.enthalpy.data(), s.enthalpy.size() * sizeof(double));
    h.bytes(s.omega.data(), s.omega.size() * sizeof(float));
    h.bytes(s.cem43Min.data(), s.cem43Min.size() * sizeof(float));
    h.bytes(s.maxC.data(), s.maxC.size() * sizeof(float));
    h.bytes(s.minC.data(), s.minC.size() * sizeof(float));
    return h.value();
}

}  // namespace irsim::therapy
