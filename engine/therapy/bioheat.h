#pragma once
// Heat and cell death in tissue around ablation applicators: the Pennes bioheat equation
//   rho c dT/dt = div(k grad T) + rho_b c_b omega_b (T_a - T) + Q
// on a uniform Cartesian grid (axes along LPS, cell-centred, spacing h mm), written in enthalpy so
// that latent heat of freezing and temperature-dependent heat capacity conserve energy exactly;
// an explicit finite-volume step (each face's conductance used by both its cells). Perfusion stops
// where cells have died (times exp(-Omega)) and where tissue is frozen. Cell death: the Arrhenius
// integral Omega and CEM43, side by side (they do not mark the same edge; docs/ablation.md).
// Cells can be held at a temperature: an applicator's cooled shaft or cryo probe (a group that can
// be switched on and off), a large vessel's blood (with a wall film coefficient: the heat sink) and
// the far boundary. Units: temperatures degC, lengths mm at the API (SI inside), time s, power W.
// Deterministic: every cell's update reads only the previous step, so results do not depend on
// the number of threads, and sums run in plane order.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <glm/glm.hpp>

#include "patient/materials.h"

namespace irsim::therapy {

inline constexpr double kBodyTemperatureC = 37.0;
inline constexpr double kGasConstant = 8.314462618;  // J/(mol K)
inline constexpr double kKelvin = 273.15;

// A tissue as the solver needs it: its enthalpy curve (frozen, freezing range with latent heat,
// unfrozen, the rise of heat capacity with denaturation) and its perfusion and damage rates.
struct BioheatMaterial {
    std::string name;
    double conductivityWPerMK = 0.52;
    double frozenConductivityWPerMK = 2.0;
    double densityKgPerM3 = 1079.0;
    double heatCapacityJPerKgK = 3540.0;       // unfrozen, below 65 degC
    double frozenHeatCapacityJPerKgK = 1860.0;
    double latentHeatJPerKg = 150000.0;        // released between solidus and liquidus
    double solidusC = -8.0, liquidusC = -1.0;  // freezing range
    // Heat capacity above 83.5 degC over that below 65 degC, rising linearly in between.
    double denaturationCapacityRise = 0.17;
    // Tissue water boils off over a few degrees from 100 degC, absorbing its latent heat (2.257
    // MJ/kg). Water fraction 0.735, the middle of liver's 0.71-0.76 (Hall 2015, author's code;
    // ablation.md section 1, in open-source code); the 5 degC range is estimated.
    double waterFraction = 0.735;
    double vaporisationC = 100.0, vaporisationRangeK = 5.0;
    double perfusionPerS = 0.0;                // omega_b, 1/s
    double arrheniusPerS = 7.39e39;            // A
    double activationJPerMol = 2.577e5;        // Ea
    static BioheatMaterial ofTissue(const std::string& name, const patient::ThermalProperties& t);
};

// Volumetric enthalpy, J/m^3 relative to body temperature, and back.
double enthalpyOf(const BioheatMaterial& m, double tempC);
double temperatureOf(const BioheatMaterial& m, double enthalpyJPerM3);
double conductivityAt(const BioheatMaterial& m, double tempC);
// Arrhenius rate A exp(-Ea / (R T)), 1/s; 0 below the damage threshold (kDamageFromC).
double arrheniusRatePerS(const BioheatMaterial& m, double tempC);
// CEM43 minutes gained per minute at a temperature (R 0.5 above 43 degC, 0.25 below).
double cem43PerMinute(double tempC);
// The first-order fit is for hyperthermic temperatures: at 37 degC the liver pair would kill
// every cell within an hour. Damage (both measures) accumulates from 40 degC up (docs/ablation.md).
inline constexpr double kDamageFromC = 40.0;

struct BioheatGrid {
    glm::ivec3 dims{0};
    double spacingMm = 1.0;
    glm::dvec3 originMm{0.0};  // LPS centre of cell (0,0,0); axes along LPS
    size_t cellCount() const { return static_cast<size_t>(dims.x) * dims.y * dims.z; }
    size_t index(int i, int j, int k) const { return (static_cast<size_t>(k) * dims.y + j) * dims.x + i; }
    glm::dvec3 centreMm(int i, int j, int k) const { return originMm + spacingMm * glm::dvec3(i, j, k); }
    double cellVolumeM3() const { return spacingMm * spacingMm * spacingMm * 1e-9; }
};

// What a cell is: tissue, or held at a temperature by what is in it.
enum class CellRole : uint8_t { Tissue, Blood, Boundary, Applicator };

// Immutable: the grid, what each cell is made of and what heats or holds it.
struct BioheatModel {
    BioheatGrid grid;
    std::vector<BioheatMaterial> materials;
    std::vector<uint8_t> material;     // (cells) index into materials
    std::vector<CellRole> role;        // (cells)
    std::vector<uint8_t> group;        // (cells) applicator group of an Applicator cell
    std::vector<float> sourceWPerW;    // (cells) W deposited in the cell per W of generator power
    double bloodTemperatureC = kBodyTemperatureC;
    // Go-Smart constants-liver.xml: blood rho 1060 kg/m^3, c 3639 J/(kg K) in the perfusion term
    // (ablation.md section 3, in open-source code).
    double bloodDensityKgPerM3 = 1060.0, bloodHeatCapacityJPerKgK = 3639.0;
    // Large vessel wall heat-transfer coefficient, W/(m^2 K): Go-Smart constants-liver.xml
    // (ablation.md section 9, in open-source code).
    double vesselWallWPerM2K = 230.0;
    bool freezing = false;  // some group may go below 0 degC (the time step allows frozen tissue)
    // (cells) or empty: times the conductance of each face between a held applicator cell and
    // tissue (therapy/probe_well.h; 1: unscaled), and whether a cell is beside such a cell.
    std::vector<float> heldFaceScale;
    std::vector<uint8_t> besideScaledHeld;
    double timeStepS = 1.0; // stable explicit step (set by finishModel)
    // Derived by finishModel: each material's enthalpy curve.
    struct Curve {
        // Breakpoints: solidus, liquidus, 65, 83.5, vaporisation start and end, degC; J/m^3 there.
        double tC[6] = {}, h[6] = {};
        double slope[7] = {}, invSlope[7] = {};  // J/(m^3 K) below, between and above the breakpoints
    };
    std::vector<Curve> curves;
    // Derived by finishModel for the stepper: (cells) how many plain tissue cells start here along
    // x, taken together on the stepper's short path (bioheat.cpp); 0: the cell by itself.
    std::vector<uint8_t> plainRun;
};

// After filling material, role and sources: checks the arrays and sets the time step.
void finishModel(BioheatModel& m, double maxTimeStepS = 1.0);

// Heat moved, J, since the start; positive into the tissue.
struct EnergyAccount {
    double depositedJ = 0.0;    // by the generator's power pattern
    double perfusionJ = 0.0;    // by blood perfusion (negative when it cools)
    double applicatorJ = 0.0;   // through held applicator cells (cooled shaft, cryo probe)
    double bloodJ = 0.0;        // through large vessels' walls
    double boundaryJ = 0.0;     // through the far boundary
};

struct BioheatState {
    double timeS = 0.0;
    std::vector<double> enthalpy;   // (cells) J/m^3 relative to body temperature
    std::vector<float> temperatureC;
    std::vector<float> omega;       // Arrhenius integral
    std::vector<float> cem43Min;    // cumulative equivalent minutes at 43 degC
    std::vector<float> maxC, minC;  // extremes reached
    std::vector<float> conductance; // (3 x cells) +x, +y, +z face conductance, W/K (from temperature)
    EnergyAccount energy;
    int stepsSinceConductance = 0;
    float hottestTissueC = kBodyTemperatureC;  // after the last step
    std::vector<float> perfused;    // (cells) exp(-omega): the share of perfusion left
    std::vector<double> planeSums;  // scratch: per-plane energy terms of the last step (not state)
};

// What the generator and probes do during a step: the generator's delivered power and each
// applicator group's held temperature (NaN: released, the probe's cells are then tissue).
struct BioheatControls {
    double powerW = 0.0;
    std::vector<double> groupC;
};

BioheatState makeBioheatState(const BioheatModel& m, double initialC = kBodyTemperatureC);
// Advances by one model time step on `threads` workers (0: all cores); the result does not depend
// on the number of workers.
void stepBioheat(const BioheatModel& m, BioheatState& s, const BioheatControls& c, unsigned threads = 0);
// Advances by `seconds` (whole steps; the last one shortened to land on time), calling `controls`
// before every step with the state, so a generator can react to the temperature (roll-off).
template <class ControlFn>
void runBioheat(const BioheatModel& m, BioheatState& s, double seconds, ControlFn&& controls, unsigned threads = 0);

// Energy held by the tissue cells (not held ones) relative to body temperature, J.
double storedEnergyJ(const BioheatModel& m, const BioheatState& s);
uint64_t hashBioheatState(const BioheatState& s);

// Implementation detail of runBioheat: one step of `dt` seconds.
void stepBioheatBy(const BioheatModel& m, BioheatState& s, const BioheatControls& c, double dt, unsigned threads);

template <class ControlFn>
void runBioheat(const BioheatModel& m, BioheatState& s, double seconds, ControlFn&& controls, unsigned threads) {
    const double end = s.timeS + seconds;
    while (s.timeS < end - 1e-9) {
        const double dt = std::min(m.timeStepS, end - s.timeS);
        stepBioheatBy(m, s, controls(s), dt, threads);
    }
}

}  // namespace irsim::therapy
