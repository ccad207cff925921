// Tabulated NIST mass attenuation coefficients (Hubbell & Seltzer, NIST SRD 126, version 1.4,
// physics.nist.gov/PhysRefData/XrayMassCoef/): Table 3 (elements, ElemTab/zNN.html) and Table 4
// (compounds, ComTab/<name>.html). Columns: energy (keV), mu/rho (cm^2/g). Only 10-150 keV is
// kept: diagnostic tube spectra (60-120 kVp) have no photons outside it after filtration.
#include <cmath>
#include <iterator>
#include <span>
#include <utility>

#include "imaging/attenuation.h"

namespace irsim::imaging {

namespace {

struct Point {
    double keV;
    double muRho;
};


// ComTab/air.html, mu/rho and mu_en/rho.
const Point kAir[] = {{10, 5.120}, {15, 1.614}, {20, 0.7779}, {30, 0.3538}, {40, 0.2485},
                      {50, 0.2080}, {60, 0.1875}, {80, 0.1662}, {100, 0.1541}, {150, 0.1356}};
const Point kAirEn[] = {{10, 4.742}, {15, 1.334}, {20, 0.5389}, {30, 0.1537}, {40, 0.06833},
                        {50, 0.04098}, {60, 0.03041}, {80, 0.02407}, {100, 0.02325}, {150, 0.02496}};
// ComTab/water.html
const Point kWater[] = {{10, 5.329}, {15, 1.673}, {20, 0.8096}, {30, 0.3756}, {40, 0.2683},
                        {50, 0.2269}, {60, 0.2059}, {80, 0.1837}, {100, 0.1707}, {150, 0.1505}};
// ComTab/lung.html
const Point kLung[] = {{10, 5.459}, {15, 1.721}, {20, 0.8316}, {30, 0.3815}, {40, 0.2699},
                       {50, 0.2270}, {60, 0.2053}, {80, 0.1826}, {100, 0.1695}, {150, 0.1493}};
// ComTab/adipose.html
const Point kFat[] = {{10, 3.268}, {15, 1.083}, {20, 0.5677}, {30, 0.3063}, {40, 0.2396},
                      {50, 0.2123}, {60, 0.1974}, {80, 0.1800}, {100, 0.1688}, {150, 0.1500}};
// ComTab/muscle.html
const Point kMuscle[] = {{10, 5.356}, {15, 1.693}, {20, 0.8205}, {30, 0.3783}, {40, 0.2685},
                         {50, 0.2262}, {60, 0.2048}, {80, 0.1823}, {100, 0.1693}, {150, 0.1492}};
// ComTab/blood.html
const Point kBlood[] = {{10, 5.519}, {15, 1.744}, {20, 0.8428}, {30, 0.3852}, {40, 0.2715},
                        {50, 0.2278}, {60, 0.2057}, {80, 0.1827}, {100, 0.1695}, {150, 0.1492}};
// ComTab/bone.html (Bone, Cortical, ICRU-44)
const Point kBone[] = {{10, 28.51}, {15, 9.032}, {20, 4.001}, {30, 1.331}, {40, 0.6655},
                       {50, 0.4242}, {60, 0.3148}, {80, 0.2229}, {100, 0.1855}, {150, 0.1480}};
// ElemTab/z53.html, K edge 33.1694 keV (below, above)
const Point kIodine[] = {{10, 162.6}, {15, 55.12}, {20, 25.43}, {30, 8.561}, {33.1694, 6.553},
                         {33.1694, 35.82}, {40, 22.10}, {50, 12.32}, {60, 7.579}, {80, 3.510},
                         {100, 1.942}, {150, 0.6978}};
// ElemTab/z56.html, K edge 37.441 keV
const Point kBarium[] = {{10, 186.0}, {15, 63.47}, {20, 29.38}, {30, 9.904}, {37.441, 5.498},
                         {37.441, 29.19}, {40, 24.57}, {50, 13.79}, {60, 8.511}, {80, 3.963},
                         {100, 2.196}, {150, 0.7828}};
// ElemTab/z16.html
const Point kSulfur[] = {{10, 50.12}, {15, 15.50}, {20, 6.708}, {30, 2.113}, {40, 0.9872},
                         {50, 0.5849}, {60, 0.4053}, {80, 0.2585}, {100, 0.2020}, {150, 0.1506}};
// ElemTab/z08.html
const Point kOxygen[] = {{10, 5.952}, {15, 1.836}, {20, 0.8651}, {30, 0.3779}, {40, 0.2585},
                         {50, 0.2132}, {60, 0.1907}, {80, 0.1678}, {100, 0.1551}, {150, 0.1361}};
// ComTab/pmma.html
const Point kPmma[] = {{10, 3.357}, {15, 1.101}, {20, 0.5714}, {30, 0.3032}, {40, 0.2350},
                       {50, 0.2074}, {60, 0.1924}, {80, 0.1751}, {100, 0.1641}, {150, 0.1456}};
// ElemTab/z26.html
const Point kIron[] = {{10, 170.6}, {15, 57.08}, {20, 25.68}, {30, 8.176}, {40, 3.629},
                       {50, 1.958}, {60, 1.205}, {80, 0.5952}, {100, 0.3717}, {150, 0.1964}};
// ElemTab/z28.html
const Point kNickel[] = {{10, 209.0}, {15, 70.81}, {20, 32.20}, {30, 10.34}, {40, 4.600},
                         {50, 2.474}, {60, 1.512}, {80, 0.7306}, {100, 0.4440}, {150, 0.2208}};
// ElemTab/z22.html
const Point kTitanium[] = {{10, 110.7}, {15, 35.87}, {20, 15.85}, {30, 4.972}, {40, 2.214},
                           {50, 1.213}, {60, 0.7661}, {80, 0.4052}, {100, 0.2721}, {150, 0.1649}};
// ElemTab/z13.html
const Point kAluminium[] = {{10, 26.23}, {15, 7.955}, {20, 3.441}, {30, 1.128}, {40, 0.5685},
                            {50, 0.3681}, {60, 0.2778}, {80, 0.2018}, {100, 0.1704}, {150, 0.1378}};
// ElemTab/z29.html
const Point kCopper[] = {{10, 215.9}, {15, 74.05}, {20, 33.79}, {30, 10.92}, {40, 4.862},
                         {50, 2.613}, {60, 1.593}, {80, 0.7630}, {100, 0.4584}, {150, 0.2217}};

// Log-log interpolation; at an edge (two rows with one energy) the lower row is used below it and
// the upper at and above it.
double interpolate(std::span<const Point> t, double keV) {
    if (keV <= t.front().keV) return t.front().muRho;
    if (keV >= t.back().keV) return t.back().muRho;
    size_t i = 1;
    while (i < t.size() && !(keV < t[i].keV)) ++i;
    const Point a = t[i - 1], b = t[i];
    if (b.keV <= a.keV) return b.muRho;
    const double f = std::log(keV / a.keV) / std::log(b.keV / a.keV);
    return std::exp(std::log(a.muRho) + f * std::log(b.muRho / a.muRho));
}

// Mass fractions: BaSO4 from atomic masses Ba 137.327, S 32.06, O 15.999 (IUPAC).
constexpr double kBaSO4Ba = 137.327 / 233.383, kBaSO4S = 32.06 / 233.383, kBaSO4O = 63.996 / 233.383;
// Nitinol (ASTM F2063: 54.5-57.0% Ni by mass).
constexpr double kNitinolNi = 0.55, kNitinolTi = 0.45;

}  // namespace

const char* materialName(Material m) {
    switch (m) {
        case Material::Air: return "air";
        case Material::Water: return "water";
        case Material::Lung: return "lung";
        case Material::Fat: return "fat";
        case Material::SoftTissue: return "soft tissue";
        case Material::Blood: return "blood";
        case Material::BoneCortical: return "cortical bone";
        case Material::Iodine: return "iodine";
        case Material::BariumSulfate: return "barium sulfate";
        case Material::Pmma: return "PMMA";
        case Material::Steel: return "steel";
        case Material::Nitinol: return "nitinol";
        case Material::Aluminium: return "aluminium";
        case Material::Copper: return "copper";
        case Material::Count: break;
    }
    return "?";
}

double massAttenuation(Material m, double keV) {
    switch (m) {
        case Material::Air: return interpolate(kAir, keV);
        case Material::Water: return interpolate(kWater, keV);
        case Material::Lung: return interpolate(kLung, keV);
        case Material::Fat: return interpolate(kFat, keV);
        case Material::SoftTissue: return interpolate(kMuscle, keV);
        case Material::Blood: return interpolate(kBlood, keV);
        case Material::BoneCortical: return interpolate(kBone, keV);
        case Material::Iodine: return interpolate(kIodine, keV);
        case Material::BariumSulfate:
            return kBaSO4Ba * interpolate(kBarium, keV) + kBaSO4S * interpolate(kSulfur, keV) +
                   kBaSO4O * interpolate(kOxygen, keV);
        case Material::Pmma: return interpolate(kPmma, keV);
        case Material::Steel: return interpolate(kIron, keV);
        case Material::Nitinol:
            return kNitinolNi * interpolate(kNickel, keV) + kNitinolTi * interpolate(kTitanium, keV);
        case Material::Aluminium: return interpolate(kAluminium, keV);
        case Material::Copper: return interpolate(kCopper, keV);
        case Material::Count: break;
    }
    return 0.0;
}

double airMassEnergyAbsorption(double keV) { return interpolate(kAirEn, keV); }

double nominalDensity(Material m) {
    switch (m) {
        case Material::Air: return 1.205e-3;  // NIST SRD 126 Table 2, dry air
        case Material::Water: return 1.0;     // NIST Table 4, Water, Liquid (published)
        case Material::Lung: return 1.05;  // tissue; inflated lung's 0.26 comes from the CT
        // ICRU-44 adipose 0.950 and cortical bone 1.920: the NIST material files as kept in
        // kingtaurus/CTSim physicsdata/materials (in open-source code).
        case Material::Fat: return 0.95;
        case Material::SoftTissue: return 1.05;  // ICRU-44 skeletal muscle (estimated, handbook)
        case Material::Blood: return 1.06;       // ICRU-44 whole blood (estimated, handbook)
        case Material::BoneCortical: return 1.92;
        case Material::Iodine: return 4.93;
        case Material::BariumSulfate: return 4.5;  // handbook (estimated)
        case Material::Pmma: return 1.19;          // unverified (NIST's PMMA density, not confirmed)
        case Material::Steel: return 7.9;
        case Material::Nitinol: return 6.45;
        case Material::Aluminium: return 2.699;
        case Material::Copper: return 8.96;
        case Material::Count: break;
    }
    return 0.0;
}

}  // namespace irsim::imaging
