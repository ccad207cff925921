#include "therapy/ablation_devices.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/text.h"
#include "core/units.h"
#include "therapy/probe_well.h"

namespace irsim::therapy {

namespace {

// A cryoprobe wall held above its gas temperature by its load follows it step by step: the
// share of the way to the new balance taken per step (the probe's own small heat capacity; about
// 20 steps, a few seconds; estimated).
constexpr double kWallRelaxation = 0.05;
// The edge of the ice ball, degC: the load's driving temperature at the probe's far side.
constexpr double kIceEdgeC = 0.0;
// Argon probes' cooling capacities, W (estimated; makeDevices says how).
constexpr double kCryoCapacity24W = 20.0, kCryoCapacity17W = 17.0;

// Gauge outer diameters, mm (Stubs' needle gauge table).
constexpr double k17G = 1.473, k15G = 1.829, k14G = 2.108;
// Liver at 2.45 GHz: relative permittivity 43.03, conductivity 1.69 S/m (COMSOL
// "microwave_cancer_therapy" model; ablation.md section 1, in open-source code).
constexpr double kLiverPermittivity = 43.03, kLiverConductivitySPerM = 1.69;

std::vector<AblationDevice> makeDevices() {
    std::vector<AblationDevice> d;
    // Internally cooled RF electrodes (Cool-tip type). Roll-off at 100 degC: the set-point for the
    // hottest tissue of Schramm et al. 2007 (Open Biomed Eng J 1:47; ablation.md section 6,
    // published). The cooled wall at 20 degC is estimated (chilled saline keeps the electrode far
    // below tissue temperature; an internally cooled MW shaft stays < 20 degC, He et al. 2010,
    // published). 17 G and 15 G electrodes: Song et al. 2015, Br J Radiol 88:20140497 (published).
    // Power: the generator's delivered power; 60 W is estimated, in the range a 200 W
    // impedance-controlled generator delivers into liver once roll-off limits it.
    d.push_back({"rf-cooled-17g-3cm", "RF internally cooled electrode 17 G, 3 cm exposed tip", Modality::Rf, k17G, 30.0,
                 60.0, 200.0, 20.0, 1.0, 100.0, 0.0, "Song 2015 (gauges); Schramm 2007 (roll-off set-point)"});
    d.push_back({"rf-cooled-17g-2cm", "RF internally cooled electrode 17 G, 2 cm exposed tip", Modality::Rf, k17G, 20.0,
                 50.0, 200.0, 20.0, 1.0, 100.0, 0.0, "as rf-cooled-17g-3cm"});
    d.push_back({"rf-cooled-15g-3cm", "RF internally cooled electrode 15 G, 3 cm exposed tip", Modality::Rf, k15G, 30.0,
                 70.0, 200.0, 20.0, 1.0, 100.0, 0.0, "Song 2015 (15 G vs 17 G)"});
    // 2.45 GHz cooled antenna (Amica type): active region 20 mm, needle maximum 105 W (Go-Smart
    // AmicaCombinationSeeder.php; ablation.md section 8, in open-source code). Delivered fraction
    // 0.73 = net 36.4 / total 49.8 kJ of the 93-tumour clinical series (JVIR 2016, PMID 27425001,
    // published): what the cable and reflection leave for tissue.
    d.push_back({"mw-2450-14g", "Microwave 2.45 GHz cooled antenna 14 G, 2 cm radiating section", Modality::Microwave,
                 k14G, 20.0, 60.0, 105.0, 20.0, 36.4 / 49.8, 0.0, 2.45e9,
                 "Go-Smart Amica seeder (active region, max power); JVIR 2016 (net energy)"});
    // Argon cryoprobes: wall at -140 degC while freezing (Go-Smart go-smart-template_cryo.sif, 133 K,
    // in open-source code); 2.4 mm and 1.7 mm probes of Littrup et al. 2009 (JVIR 20:1343,
    // published). Freezing segment lengths are estimated (the reference gives none).
    //
    // A Joule-Thomson probe is a refrigerator of finite capacity: the argon's isothermal enthalpy
    // drop from its supply pressure times its flow. While the load is below that the wall stays at
    // the gas's -140 degC (probes in agar phantoms level off at -140 to -150 degC, Cryobiology 2025,
    // doi:10.1016/j.cryobiol.2025.105274, published); above it the wall warms until the load falls
    // to the capacity, as a lone probe's does in a warm medium (Littrup 2009: single probes make
    // little lethal ice in the 39 degC phantom, several probes share the load). Neither capacity is
    // in the reference or found published; both are estimated. 2.4 mm: argon's isothermal enthalpy
    // drop from ~200 bar is of the order of 30 kJ/kg, so 20 W is a flow of ~0.7 g/s (~25 standard
    // L/min); without the limit the model drew 25-37 W through one probe in liver. 1.7 mm: a lone
    // capacity-limited probe's lethal ice hardly depends on its diameter, so the published 84 %
    // width of Littrup's 1.7 mm probes is read as a capacity: 17 W gives it (a flow scaling with the
    // diameter, 14 W, would give 65 %). The segment the probe freezes is its only cold part: the
    // shaft above it is vacuum-insulated (placeApplicators).
    AblationDevice cryo24{"cryo-2.4mm", "Cryoprobe 2.4 mm (argon), 3 cm freezing segment", Modality::Cryo, 2.4, 30.0, 0.0, 0.0,
                          -140.0, 1.0, 0.0, 0.0, "Littrup 2009 (probe); Go-Smart cryo template (-140 degC)"};
    cryo24.coolingCapacityW = kCryoCapacity24W;
    AblationDevice cryo17 = cryo24;
    cryo17.id = "cryo-1.7mm", cryo17.name = "Cryoprobe 1.7 mm (argon), 3 cm freezing segment", cryo17.diameterMm = 1.7;
    cryo17.coolingCapacityW = kCryoCapacity17W;
    d.push_back(cryo24);
    d.push_back(cryo17);
    // Bipolar internally cooled bone electrodes (OsteoCool type): 10 and 20 mm active tips, about
    // 7.5 min, a zone up to about 3 cm with the 20 mm tip (vendor, ablation.md section 8,
    // unverified). The tip's ~70 degC is the cooled electrode's own thermocouple, not the tissue's:
    // the generator is taken to hold the hottest tissue near 90 degC (roll-off from 85 to 95 degC,
    // estimated) at a power estimated for bone (10 W; the reference gives none). The insulator
    // between the two electrodes (4 mm) and the 17 G shaft are estimated.
    AblationDevice bipolar20{"rf-bipolar-17g-20mm", "RF bipolar cooled bone electrode 17 G, 20 mm active tip", Modality::Rf,
                             k17G, 20.0, 10.0, 20.0, 20.0, 1.0, 90.0, 0.0, "OsteoCool (vendor, unverified): tips, time, zone"};
    bipolar20.bipolar = true, bipolar20.insulatorMm = 4.0;
    AblationDevice bipolar10 = bipolar20;
    bipolar10.id = "rf-bipolar-17g-10mm", bipolar10.name = "RF bipolar cooled bone electrode 17 G, 10 mm active tip";
    bipolar10.activeLengthMm = 10.0, bipolar10.defaultPowerW = 7.0, bipolar10.insulatorMm = 2.0;
    d.push_back(bipolar20);
    d.push_back(bipolar10);
    return d;
}

// Distance from p to the applicator's axis (beyond the tip: to the tip) and the position along it.
struct AxisPoint {
    double rho, z;
};
AxisPoint alongAxis(const Applicator& a, const glm::dvec3& p) {
    const glm::dvec3 v = p - a.tipMm;
    const double z = glm::dot(v, a.direction);
    return {glm::length(v - z * a.direction), z};
}

// A cryoprobe's held cells and their coupling (therapy/probe_well.h), fitted where its axis crosses
// the grid's cells: across the two grid axes most nearly perpendicular to it, at its tip.
ProbeWell probeWellOf(const BioheatGrid& g, const Applicator& a, double radiusMm) {
    const glm::dvec3 d = glm::abs(a.direction);
    const int along = d.x >= d.y && d.x >= d.z ? 0 : d.y >= d.z ? 1 : 2;
    const glm::dvec3 f = (a.tipMm - g.originMm) / g.spacingMm;
    const glm::dvec3 off = (f - glm::round(f)) * g.spacingMm;
    const glm::dvec2 across(off[(along + 1) % 3], off[(along + 2) % 3]);
    return fitProbeWell(g.spacingMm, radiusMm, across);
}

// The field (per unit charge density, arbitrary scale) at (rho, z) of a uniform line charge on the
// axis from z = a to z = b.
struct LineField {
    double rho, z;
};
LineField lineChargeField(double rho, double z, double a, double b) {
    const double ra = std::hypot(rho, z - a), rb = std::hypot(rho, z - b);
    return {((z - a) / ra - (z - b) / rb) / rho, 1.0 / rb - 1.0 / ra};
}

// Relative power density at a point (arbitrary scale, 0 inside the metal).
double relativePower(const AblationDevice& dev, double alphaPerMm, const AxisPoint& q) {
    const double r = 0.5 * dev.diameterMm, L = dev.activeLengthMm;
    if (q.rho < r && q.z >= -r) return 0.0;
    const double rho = std::max(q.rho, r);
    if (dev.modality == Modality::Rf) {
        // |E|^2 of uniformly charged exposed metal: a line charge from 0 to L along the axis;
        // bipolar, the tip electrode charged + and the ring behind it - (their fields add as a
        // dipole's, falling off faster than one electrode's away from the shaft).
        const LineField tip = lineChargeField(rho, q.z, 0.0, dev.bipolar ? 0.5 * (L - dev.insulatorMm) : L);
        if (!dev.bipolar) return tip.rho * tip.rho + tip.z * tip.z;
        const LineField ring = lineChargeField(rho, q.z, 0.5 * (L + dev.insulatorMm), L);
        const double eRho = tip.rho - ring.rho, eZ = tip.z - ring.z;
        return eRho * eRho + eZ * eZ;
    }
    if (dev.modality == Modality::Microwave) {
        // A cylindrical wave from the radiating section: 1/rho spreading, exp(-2 alpha rho)
        // absorption; along the axis a bell over the section reaching further back along the shaft
        // than past the tip (the tear-drop of Schramm 2007, qualitative, published; widths estimated).
        const double zc = 0.5 * L, width = q.z < zc ? 0.5 * L : L;
        const double u = (q.z - zc) / width;
        return std::exp(-2.0 * alphaPerMm * (rho - r)) / rho * std::exp(-0.5 * u * u);
    }
    return 0.0;
}

}  // namespace

const char* toString(Modality m) {
    switch (m) {
        case Modality::Rf: return "rf";
        case Modality::Microwave: return "microwave";
        case Modality::Cryo: return "cryo";
    }
    return "?";
}

Modality modalityNamed(const std::string& name, const std::string& field) {
    for (Modality m : {Modality::Rf, Modality::Microwave, Modality::Cryo})
        if (name == toString(m)) return m;
    throw DataError("command line", 0, field, "unknown modality \"" + name + "\": expected rf, microwave or cryo");
}

const std::vector<AblationDevice>& ablationDevices() {
    static const std::vector<AblationDevice> d = makeDevices();
    return d;
}

const AblationDevice& defaultDevice(Modality m) {
    for (const AblationDevice& d : ablationDevices())
        if (d.modality == m) return d;
    return ablationDevices().front();
}

const AblationDevice& deviceNamed(const std::string& id, const std::string& field) {
    std::vector<std::string> ids;
    for (const AblationDevice& d : ablationDevices()) {
        if (d.id == id) return d;
        ids.push_back(d.id);
    }
    const std::string near = closestWord(id, ids);
    throw DataError("command line", 0, field,
                    "unknown device \"" + id + "\"" + (near.empty() ? "" : " (did you mean " + near + "?)") +
                        ": expected one of " + joinWords(ids, "or"));
}

double attenuationPerM(double eps, double sigma, double f) {
    const double eps0 = 8.8541878128e-12, c0 = 299792458.0;
    const double w = 2.0 * kPi * f;
    const double lossTangent = sigma / (w * eps0 * eps);
    return w / c0 * std::sqrt(eps / 2.0 * (std::sqrt(1.0 + lossTangent * lossTangent) - 1.0));
}

void placeApplicators(BioheatModel& m, const AblationDevice& dev, const std::vector<Applicator>& apps) {
    const BioheatGrid& g = m.grid;
    const size_t n = g.cellCount();
    if (m.sourceWPerW.size() != n) m.sourceWPerW.assign(n, 0.0f);
    if (m.group.size() != n) m.group.assign(n, 0);
    const double h = g.spacingMm, r = 0.5 * dev.diameterMm;
    // A shaft thinner than the grid still holds the cells its axis runs through. A cryoprobe and an
    // internally cooled RF electrode hold a disc of cells coupled to the tissue so that they draw
    // heat as a cylinder of their own radius on any grid (therapy/probe_well.h, after Peaceman
    // 1978): held cells alone act as a thinner cylinder (one cell: 0.1985 h, 0.3 mm at 1.5 mm
    // against a 17 G electrode's 0.74 mm), so the electrode cooled the tissue beside it too little,
    // that tissue reached roll-off sooner and the generator delivered less (Ji 2011's ex vivo RF
    // zone: 14.0 ml against 20.0 +- 2.5; 20.8 ml coupled). The microwave shaft (not yet coupled)
    // and the bipolar bone electrodes (their power and set-point were estimated
    // with the held cells) keep the held-cell rule: open, docs/ablation.md.
    const bool cryo = dev.modality == Modality::Cryo;
    const bool welled = cryo || (dev.modality == Modality::Rf && !dev.bipolar);
    const double heldRadius = std::max(r, 0.5 * h);
    const double alpha = dev.modality == Modality::Microwave
                             ? attenuationPerM(kLiverPermittivity, kLiverConductivitySPerM, dev.frequencyHz) * 1e-3
                             : 0.0;
    m.freezing = m.freezing || dev.heldC < 0.0;
    if (welled && m.heldFaceScale.size() != n) m.heldFaceScale.assign(n, 1.0f);
    // Every shaft first: one applicator's power is not absorbed in another's metal.
    for (const Applicator& a : apps) {
        const ProbeWell well = welled ? probeWellOf(g, a, r) : ProbeWell{};
        for (int k = 0; k < g.dims.z; ++k)
            for (int j = 0; j < g.dims.y; ++j)
                for (int i = 0; i < g.dims.x; ++i) {
                    const size_t c = g.index(i, j, k);
                    const AxisPoint q = alongAxis(a, g.centreMm(i, j, k));
                    // RF and MW shafts are cooled along their length; a cryo probe freezes only its
                    // segment (the rest of its shaft is vacuum-insulated).
                    const bool inShaft = q.rho <= (welled ? well.heldRadiusMm : heldRadius) && q.z >= -0.5 * h &&
                                         (!cryo || q.z <= dev.activeLengthMm);
                    if (inShaft && m.role[c] == CellRole::Tissue) {
                        m.role[c] = CellRole::Applicator;
                        m.group[c] = 0;
                        if (welled) m.heldFaceScale[c] = static_cast<float>(well.faceScale);
                    }
                }
    }
    if (welled) {
        m.besideScaledHeld.assign(n, 0);
        for (int k = 0; k < g.dims.z; ++k)
            for (int j = 0; j < g.dims.y; ++j)
                for (int i = 0; i < g.dims.x; ++i) {
                    if (m.role[g.index(i, j, k)] != CellRole::Applicator) continue;
                    const glm::ivec3 at(i, j, k);
                    for (int f = 0; f < 6; ++f) {
                        glm::ivec3 b = at;
                        b[f / 2] += f % 2 ? 1 : -1;
                        if (glm::all(glm::greaterThanEqual(b, glm::ivec3(0))) && glm::all(glm::lessThan(b, g.dims)))
                            m.besideScaledHeld[g.index(b.x, b.y, b.z)] = 1;
                    }
                }
        if (cryo) return;
    }
    std::vector<double> pattern(n);
    for (const Applicator& a : apps) {
        std::fill(pattern.begin(), pattern.end(), 0.0);
        double total = 0.0;
        for (int k = 0; k < g.dims.z; ++k)
            for (int j = 0; j < g.dims.y; ++j)
                for (int i = 0; i < g.dims.x; ++i) {
                    const size_t c = g.index(i, j, k);
                    if (m.role[c] != CellRole::Tissue) continue;
                    const glm::dvec3 p = g.centreMm(i, j, k);
                    const AxisPoint q = alongAxis(a, p);
                    // Average over sub-points near the applicator, where the pattern is steep.
                    const double dist = std::max(q.rho, std::max(-q.z, q.z - dev.activeLengthMm));
                    const int sub = dist < 3.0 * h ? 4 : 1;
                    double sum = 0.0;
                    for (int a3 = 0; a3 < sub * sub * sub; ++a3) {
                        const glm::dvec3 o((a3 % sub + 0.5) / sub - 0.5, (a3 / sub % sub + 0.5) / sub - 0.5,
                                           (a3 / (sub * sub) + 0.5) / sub - 0.5);
                        sum += relativePower(dev, alpha, alongAxis(a, p + h * o));
                    }
                    pattern[c] = sum / (sub * sub * sub);
                    total += pattern[c];
                }
        if (total > 0.0)
            for (size_t c = 0; c < n; ++c) m.sourceWPerW[c] += static_cast<float>(pattern[c] / total);
    }
}

double GeneratorProgram::probeWallC(const AblationDevice& dev, const BioheatState& s) {
    const double capacity = dev.coolingCapacityW;
    if (capacity <= 0.0) return dev.heldC;
    if (!wasFreezing) {
        wallC = dev.heldC;
    } else if (s.timeS > lastTimeS + 1e-12) {
        // The probe's load over the last step (applicatorJ is heat into the tissue: negative).
        const double loadW = -(s.energy.applicatorJ - lastApplicatorJ) / (s.timeS - lastTimeS) / applicators;
        // The heat reaching the probe crosses the ice ball from its edge, near the freezing point,
        // so the load scales with (edge - wall): the wall that would carry just the capacity.
        if (loadW > 0.0) {
            const double target =
                std::clamp(kIceEdgeC - (kIceEdgeC - wallC) * capacity / loadW, dev.heldC, kIceEdgeC);
            wallC += kWallRelaxation * (target - wallC);
        }
    }
    wasFreezing = true;
    lastApplicatorJ = s.energy.applicatorJ;
    lastTimeS = s.timeS;
    return wallC;
}

BioheatControls GeneratorProgram::next(const BioheatState& s) {
    BioheatControls c;
    const AblationDevice& dev = *device;
    if (dev.modality == Modality::Cryo) {
        double t = startS;
        bool freezing = false;
        for (size_t i = 0; i < freezeThawMin.size(); ++i) {
            if (s.timeS >= t - 1e-9 && s.timeS < t + 60.0 * freezeThawMin[i] - 1e-9) freezing = i % 2 == 0;
            t += 60.0 * freezeThawMin[i];
        }
        if (!freezing) {
            wasFreezing = false;
            c.groupC = {std::numeric_limits<double>::quiet_NaN()};
            return c;
        }
        c.groupC = {probeWallC(dev, s)};
        return c;
    }
    c.groupC = {dev.heldC};
    c.powerW = powerW * dev.deliveredFraction;
    if (dev.modality == Modality::Rf) {
        // Impedance roll-off: vapour and char round the tip insulate it; the delivered power falls
        // from full 5 degC below the roll-off temperature to none 5 degC above it.
        const double hottest = s.hottestTissueC;
        c.powerW *= std::clamp((dev.rollOffC + 5.0 - hottest) / 10.0, 0.0, 1.0);
    }
    return c;
}

double GeneratorProgram::durationS(double minutes) const {
    if (device->modality != Modality::Cryo) return 60.0 * minutes;
    double t = 0.0;
    for (double v : freezeThawMin) t += 60.0 * v;
    return t;
}

}  // namespace irsim::therapy
