#include "imaging/spectrum.h"

#include <cmath>

namespace irsim::imaging {

Spectrum tubeSpectrum(double kVp, const TubeFiltration& filtration) {
    Spectrum s;
    s.kVp = kVp;
    for (double lo = 10.0; lo + 1.0 <= kVp + 1e-9; lo += 1.0) {
        const double e = lo + 0.5;
        s.keV.push_back(e);
        s.photons.push_back((kVp - e) / e);
    }
    s = filtered(s, Material::Aluminium, (filtration.aluminiumMm + kAnodeSelfFiltrationMmAl) * 0.1 * nominalDensity(Material::Aluminium));
    s = filtered(s, Material::Copper, filtration.copperMm * 0.1 * nominalDensity(Material::Copper));
    return s;
}

Spectrum filtered(const Spectrum& s, Material m, double gPerCm2) {
    Spectrum out = s;
    for (size_t i = 0; i < s.keV.size(); ++i)
        out.photons[i] = s.photons[i] * std::exp(-massAttenuation(m, s.keV[i]) * gPerCm2);
    return out;
}

double meanEnergyKeV(const Spectrum& s) {
    double n = 0.0, e = 0.0;
    for (size_t i = 0; i < s.keV.size(); ++i) {
        n += s.photons[i];
        e += s.photons[i] * s.keV[i];
    }
    return n > 0.0 ? e / n : 0.0;
}

double relativeAirKerma(const Spectrum& s) {
    double k = 0.0;
    for (size_t i = 0; i < s.keV.size(); ++i)
        k += s.photons[i] * s.keV[i] * airMassEnergyAbsorption(s.keV[i]);
    return k;
}

double kermaTransmission(const Spectrum& s, Material m, double gPerCm2) {
    const double k0 = relativeAirKerma(s);
    return k0 > 0.0 ? relativeAirKerma(filtered(s, m, gPerCm2)) / k0 : 0.0;
}

double halfValueLayerMmAl(const Spectrum& s) {
    const double rho = nominalDensity(Material::Aluminium);
    double lo = 0.0, hi = 50.0;  // mm; bisection on a monotone transmission
    for (int it = 0; it < 60; ++it) {
        const double mid = 0.5 * (lo + hi);
        if (kermaTransmission(s, Material::Aluminium, mid * 0.1 * rho) > 0.5) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}

Spectrum rebinned(const Spectrum& s, double binKeV) {
    Spectrum out;
    out.kVp = s.kVp;
    size_t i = 0;
    while (i < s.keV.size()) {
        const double edge = s.keV[i] - 0.5 + binKeV;
        double n = 0.0, e = 0.0;
        for (; i < s.keV.size() && s.keV[i] < edge; ++i) {
            n += s.photons[i];
            e += s.photons[i] * s.keV[i];
        }
        if (n > 0.0) {
            out.keV.push_back(e / n);
            out.photons.push_back(n);
        }
    }
    return out;
}

}  // namespace irsim::imaging
