#pragma once
// X-ray tube spectra for fluoroscopy and CT, 60-120 kVp.
//
// Model: Kramers' thick-target bremsstrahlung law (Kramers 1923, Phil Mag 46:836), photons per
// keV proportional to (kVp - E) / E, hardened by the tube's filtration with the NIST attenuation
// of aluminium and copper (attenuation.h). Tungsten characteristic lines (K 57-69 keV, a few per
// cent of the fluence above 70 kVp) and anode self-filtration are left out; the test checks the
// half-value layer against the published range, which is what those omissions would shift.
// Bins are 1 keV wide, centred at k + 0.5 keV, from 10 keV to kVp.
#include <vector>

#include "imaging/attenuation.h"

namespace irsim::imaging {

constexpr double kAnodeSelfFiltrationMmAl = 1.5;

struct TubeFiltration {
    double aluminiumMm = 2.5;  // inherent + added; 21 CFR 1020.30(m) asks >= 2.5 mm Al total above 70 kV
    double copperMm = 0.1;     // spectral filter of interventional systems (0.1-0.9 mm Cu)
};

struct Spectrum {
    double kVp = 80.0;
    std::vector<double> keV;      // bin centres
    std::vector<double> photons;  // relative photon fluence per bin (any unit; ratios matter)
};

Spectrum tubeSpectrum(double kVp, const TubeFiltration& filtration = {});

// The spectrum after `gPerCm2` of a material.
Spectrum filtered(const Spectrum& s, Material m, double gPerCm2);

double meanEnergyKeV(const Spectrum& s);

// Air kerma per unit of the spectrum's fluence scale: sum of photons * E * (mu_en/rho)_air.
// Only ratios of this are meaningful (transmissions, HVL).
double relativeAirKerma(const Spectrum& s);

// Thickness of aluminium (mm, 2.699 g/cm^3) that halves the air kerma: the half-value layer.
double halfValueLayerMmAl(const Spectrum& s);

// Air-kerma transmission through `gPerCm2` of a material (narrow beam, primary only).
double kermaTransmission(const Spectrum& s, Material m, double gPerCm2);

// The spectrum in coarser bins (`binKeV` wide) for per-pixel polyenergetic sums: fluence summed,
// energy the fluence-weighted mean of the bin.
Spectrum rebinned(const Spectrum& s, double binKeV);

}  // namespace irsim::imaging
