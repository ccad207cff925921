#pragma once
// The needle device library: vertebroplasty trocars, biopsy and coaxial needles, and ablation
// applicators, each a definition struct with units on every field and a named preset. One
// NeedleDef describes every straight percutaneous device the needle model steps (needle.h).
//
// Outer diameters are the nominal values for the Birmingham/Stubs gauge in ISO 9626:2016
// (stainless steel needle tubing), regular wall. Lengths and tip styles are typical catalogue
// values for each device family; where a field is a typical value rather than one product's
// datasheet figure, its preset says "typical".
#include <string>

namespace irsim::physics {

enum class NeedleTip {
    Bevel,    // single bevel: asymmetric, deflects in soft tissue (Webster et al. 2006)
    Diamond,  // three-facet trocar point: symmetric, goes straight, cuts bone well
    Conical,  // symmetric cone (many ablation applicators)
    Blunt,    // blunt stylet (cryoprobes with a blunt introducer)
};

enum class NeedleKind {
    VertebroplastyTrocar,
    BiopsyNeedle,
    CoaxialIntroducer,
    RadiofrequencyElectrode,
    MicrowaveAntenna,
    Cryoprobe,
    ResearchNeedle,  // flexible steering needles from the robotics literature, for validation
};

enum class ShaftMaterial { StainlessSteel304, Nitinol };

struct NeedleDef {
    std::string name;                  // shown to the trainee, "11G vertebroplasty trocar"
    NeedleKind kind = NeedleKind::BiopsyNeedle;
    int gauge = 18;                    // Stubs gauge (0 when the size is given in mm only)
    double outerDiameterMm = 1.27;     // shaft outer diameter
    double innerDiameterMm = 0.84;     // lumen diameter; 0 for a solid shaft or stylet-filled rod
    double lengthMm = 150.0;           // working length, hub to tip
    NeedleTip tip = NeedleTip::Bevel;
    double bevelAngleDeg = 18.0;       // angle of the bevel face to the shaft axis (bevel tips)
    bool hasStylet = false;            // a stylet fills the lumen during insertion
    ShaftMaterial material = ShaftMaterial::StainlessSteel304;
    double activeTipMm = 0.0;          // ablation applicators: length of the active/radiating part
    std::string source;                // where the numbers come from

    // Presets. Vertebroplasty trocars: 11G for lumbar, 13G for thoracic and small pedicles.
    static NeedleDef trocar11G(NeedleTip tip = NeedleTip::Diamond);
    static NeedleDef trocar13G(NeedleTip tip = NeedleTip::Diamond);
    static NeedleDef coaxialIntroducer17G();
    static NeedleDef biopsyNeedle18G();
    static NeedleDef radiofrequencyElectrode17G();
    static NeedleDef microwaveAntenna14G();
    static NeedleDef microwaveAntenna15G();
    static NeedleDef cryoprobe17G();
    // The flexible bevel-tip nitinol needle of Webster et al. 2006 (IJRR 25:509), 0.83 mm solid
    // wire: the device whose path curvature in a homogeneous gel is published.
    static NeedleDef websterNitinol083();
};

// Young's modulus of the shaft material, N/mm^2 (MPa).
// 304 stainless: 193 GPa (ASM Handbook, AISI 304 annealed). Nitinol, austenite: estimated 50 GPa,
// the value commonly used for superelastic wire in needle-steering models (range 40-75 GPa).
double youngsModulusNPerMm2(ShaftMaterial m);
// Yield stress for the bending check, N/mm^2: hard-drawn 304 needle tubing about 500 MPa
// (estimated; annealed 304 is 215 MPa, cold-drawn tubing much higher); nitinol's superelastic
// plateau about 500 MPa (estimated; it recovers rather than yields).
double yieldStressNPerMm2(ShaftMaterial m);
// Second moment of area of the tube cross-section, mm^4: pi/64 (Do^4 - Di^4). A stylet is a
// separate rod inside and adds pi/64 Di^4 when present (it bends with the cannula).
double secondMomentMm4(const NeedleDef& d);
// Flexural rigidity E*I, N*mm^2.
double flexuralRigidityNmm2(const NeedleDef& d);

const char* toString(NeedleTip t);
const char* toString(NeedleKind k);

}  // namespace irsim::physics
