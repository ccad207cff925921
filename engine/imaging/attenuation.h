#pragma once
// X-ray attenuation of the materials a fluoroscopy image is made of, from the NIST tables of
// Hubbell & Seltzer (NIST Standard Reference Database 126, Tables 3 and 4; the values and the
// page each comes from are in xray_tables.cpp). Energies in keV, mass coefficients in cm^2/g.
// Between tabulated energies the coefficient is interpolated linearly in log(mu/rho) vs log(E),
// as NIST recommends; at an absorption edge the table holds the value just below and just above.
#include <cstdint>

namespace irsim::imaging {

enum class Material : uint8_t {
    Air,            // Air, Dry (near sea level)
    Water,          // Water, Liquid
    Lung,           // Lung Tissue (ICRU-44): the tissue of lung; its low density is in the voxel
    Fat,            // Adipose Tissue (ICRU-44)
    SoftTissue,     // Muscle, Skeletal (ICRU-44): liver, kidney, muscle, bowel wall
    Blood,          // Blood, Whole (ICRU-44)
    BoneCortical,   // Bone, Cortical (ICRU-44)
    Iodine,         // element Z=53: the radiopaque part of iodinated contrast
    BariumSulfate,  // BaSO4 by the mixture rule from Ba, S, O (Tables 3): cement radiopacifier
    Pmma,           // Polymethyl Methacrylate: bone cement matrix
    Steel,          // iron (Z=26) stands for stainless steel (~70% Fe, rest Cr/Ni, Z 24-28)
    Nitinol,        // 55% Ni + 45% Ti by mass, mixture rule
    Aluminium,      // tube filtration
    Copper,         // spectral filter
    Count
};

const char* materialName(Material m);

// Mass attenuation coefficient mu/rho, cm^2/g, for 10 <= keV <= 150.
double massAttenuation(Material m, double keV);

// Mass energy-absorption coefficient of air, cm^2/g (for air kerma), 10..150 keV.
double airMassEnergyAbsorption(double keV);

// Nominal density, g/cm^3 (NIST Table 2 / ICRU-44; steel 7.9, nitinol 6.45, BaSO4 4.5).
double nominalDensity(Material m);

}  // namespace irsim::imaging
