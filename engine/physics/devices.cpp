#include "physics/devices.h"
#include "core/units.h"

#include <cmath>

namespace irsim::physics {

namespace {


// Nominal outer diameters (mm) of Stubs gauges, ISO 9626:2016 Table 1, and typical regular-wall
// inner diameters (mm) of the same tubing.
struct GaugeSize {
    int gauge;
    double outerMm;
    double innerMm;
};
constexpr GaugeSize kGauges[] = {
    {11, 3.05, 2.39}, {13, 2.41, 1.80}, {14, 2.11, 1.60},
    {15, 1.83, 1.37}, {17, 1.47, 1.07}, {18, 1.27, 0.84},
};

NeedleDef sized(int gauge) {
    NeedleDef d;
    d.gauge = gauge;
    for (const auto& g : kGauges) {
        if (g.gauge == gauge) {
            d.outerDiameterMm = g.outerMm;
            d.innerDiameterMm = g.innerMm;
        }
    }
    return d;
}

}  // namespace

NeedleDef NeedleDef::trocar11G(NeedleTip tip) {
    NeedleDef d = sized(11);
    d.name = "11G vertebroplasty trocar";
    d.kind = NeedleKind::VertebroplastyTrocar;
    d.lengthMm = 125.0;  // typical: 10-15 cm bone access needles
    d.tip = tip;
    d.bevelAngleDeg = 30.0;  // typical bone-access bevel
    d.hasStylet = true;
    d.source = "OD ISO 9626 (11G = 3.05 mm); length and tip typical of bone access needles";
    return d;
}

NeedleDef NeedleDef::trocar13G(NeedleTip tip) {
    NeedleDef d = sized(13);
    d.name = "13G vertebroplasty trocar";
    d.kind = NeedleKind::VertebroplastyTrocar;
    d.lengthMm = 100.0;  // typical: thoracic access needles are shorter
    d.tip = tip;
    d.bevelAngleDeg = 30.0;
    d.hasStylet = true;
    d.source = "OD ISO 9626 (13G = 2.41 mm); length and tip typical of bone access needles";
    return d;
}

NeedleDef NeedleDef::coaxialIntroducer17G() {
    NeedleDef d = sized(17);
    d.name = "17G coaxial introducer";
    d.kind = NeedleKind::CoaxialIntroducer;
    d.lengthMm = 150.0;  // typical: 10-20 cm
    d.tip = NeedleTip::Bevel;
    d.bevelAngleDeg = 18.0;
    d.hasStylet = true;
    d.source = "OD ISO 9626 (17G = 1.47 mm); length typical of coaxial biopsy systems";
    return d;
}

NeedleDef NeedleDef::biopsyNeedle18G() {
    NeedleDef d = sized(18);
    d.name = "18G core biopsy needle";
    d.kind = NeedleKind::BiopsyNeedle;
    d.lengthMm = 160.0;  // typical: fits through a 15 cm 17G introducer
    d.tip = NeedleTip::Bevel;
    d.bevelAngleDeg = 18.0;
    d.source = "OD ISO 9626 (18G = 1.27 mm); length typical of core biopsy guns";
    return d;
}

NeedleDef NeedleDef::radiofrequencyElectrode17G() {
    NeedleDef d = sized(17);
    d.name = "17G RF ablation electrode";
    d.kind = NeedleKind::RadiofrequencyElectrode;
    d.lengthMm = 150.0;
    d.innerDiameterMm = 0.0;  // internally cooled: treated as filled for bending
    d.tip = NeedleTip::Diamond;
    d.activeTipMm = 30.0;  // typical exposed tips 2-3 cm for single cooled electrodes
    d.source = "OD ISO 9626 (17G = 1.47 mm); 3 cm active tip typical of cooled RF electrodes";
    return d;
}

NeedleDef NeedleDef::microwaveAntenna14G() {
    NeedleDef d = sized(14);
    d.name = "14G microwave antenna";
    d.kind = NeedleKind::MicrowaveAntenna;
    d.lengthMm = 200.0;
    d.innerDiameterMm = 0.0;
    d.tip = NeedleTip::Diamond;
    d.activeTipMm = 20.0;  // typical radiating section
    d.source = "OD ISO 9626 (14G = 2.11 mm); lengths 15-27 cm typical";
    return d;
}

NeedleDef NeedleDef::microwaveAntenna15G() {
    NeedleDef d = sized(15);
    d.name = "15G microwave antenna";
    d.kind = NeedleKind::MicrowaveAntenna;
    d.lengthMm = 200.0;
    d.innerDiameterMm = 0.0;
    d.tip = NeedleTip::Diamond;
    d.activeTipMm = 20.0;
    d.source = "OD ISO 9626 (15G = 1.83 mm); lengths 15-27 cm typical";
    return d;
}

NeedleDef NeedleDef::cryoprobe17G() {
    NeedleDef d = sized(17);
    d.name = "17G cryoprobe";
    d.kind = NeedleKind::Cryoprobe;
    d.lengthMm = 175.0;
    d.innerDiameterMm = 0.0;
    d.tip = NeedleTip::Diamond;
    d.activeTipMm = 40.0;  // typical freeze zone length along the shaft
    d.source = "OD ISO 9626 (17G = 1.47 mm); 17.5 cm typical of 17G argon cryoprobes";
    return d;
}

NeedleDef NeedleDef::websterNitinol083() {
    NeedleDef d;
    d.name = "0.83 mm nitinol bevel needle";
    d.kind = NeedleKind::ResearchNeedle;
    d.gauge = 0;
    d.outerDiameterMm = 0.83;
    d.innerDiameterMm = 0.0;  // solid wire
    d.lengthMm = 250.0;
    d.tip = NeedleTip::Bevel;
    d.bevelAngleDeg = 45.0;
    d.material = ShaftMaterial::Nitinol;
    d.source = "Webster, Kim, Cowan, Chirikjian & Okamura 2006, IJRR 25(5):509";
    return d;
}

double youngsModulusNPerMm2(ShaftMaterial m) {
    return m == ShaftMaterial::Nitinol ? 50.0e3 : 193.0e3;
}

double yieldStressNPerMm2(ShaftMaterial m) {
    return m == ShaftMaterial::Nitinol ? 500.0 : 500.0;
}

double secondMomentMm4(const NeedleDef& d) {
    double o4 = std::pow(d.outerDiameterMm, 4.0);
    double i4 = std::pow(d.innerDiameterMm, 4.0);
    double tube = kPi / 64.0 * (o4 - i4);
    return d.hasStylet ? tube + kPi / 64.0 * i4 : tube;
}

double flexuralRigidityNmm2(const NeedleDef& d) {
    return youngsModulusNPerMm2(d.material) * secondMomentMm4(d);
}

const char* toString(NeedleTip t) {
    switch (t) {
        case NeedleTip::Bevel: return "bevel";
        case NeedleTip::Diamond: return "diamond";
        case NeedleTip::Conical: return "conical";
        case NeedleTip::Blunt: return "blunt";
    }
    return "?";
}

const char* toString(NeedleKind k) {
    switch (k) {
        case NeedleKind::VertebroplastyTrocar: return "vertebroplasty trocar";
        case NeedleKind::BiopsyNeedle: return "biopsy needle";
        case NeedleKind::CoaxialIntroducer: return "coaxial introducer";
        case NeedleKind::RadiofrequencyElectrode: return "RF electrode";
        case NeedleKind::MicrowaveAntenna: return "microwave antenna";
        case NeedleKind::Cryoprobe: return "cryoprobe";
        case NeedleKind::ResearchNeedle: return "research needle";
    }
    return "?";
}

}  // namespace irsim::physics
