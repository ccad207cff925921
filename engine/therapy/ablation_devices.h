#pragma once
// Ablation applicators as data, and what each puts into a bioheat model: an RF electrode's
// resistive heating (|E|^2 of a charged exposed tip) with a cooled shaft and impedance roll-off, a
// microwave antenna's elongated absorption along its radiating section (decaying with the
// tissue's attenuation at its frequency), a cryo probe's freezing segment held at its gas
// temperature through freeze / thaw / freeze. Frame: LPS mm; an applicator's direction points
// from its tip back along the shaft.
#include <string>
#include <vector>

#include <glm/glm.hpp>

#include "therapy/bioheat.h"

namespace irsim::therapy {

enum class Modality : uint8_t { Rf, Microwave, Cryo };
const char* toString(Modality m);  // "rf", "microwave", "cryo"
Modality modalityNamed(const std::string& name, const std::string& field);  // DataError otherwise

struct AblationDevice {
    std::string id, name;
    Modality modality = Modality::Rf;
    double diameterMm = 1.5;       // shaft
    double activeLengthMm = 30.0;  // RF exposed tip, MW radiating section, cryo freezing segment
    double defaultPowerW = 0.0;    // per applicator (RF, MW)
    double maxPowerW = 0.0;
    double heldC = 20.0;           // RF / MW: internally cooled shaft wall; cryo: probe wall while freezing
    double deliveredFraction = 1.0;  // of the generator's power reaching tissue (MW cable, reflection)
    double rollOffC = 0.0;         // RF: the hottest tissue at which impedance rises and power falls
    double frequencyHz = 0.0;      // MW
    std::string source;
    // RF bipolar (bone): two electrodes on the one shaft, the tip and a ring behind it, separated
    // by this much insulator; each is (activeLengthMm - insulatorMm) / 2 long. The current runs
    // between them, not to a grounding pad, so the zone stays round the active length.
    bool bipolar = false;
    double insulatorMm = 0.0;
    // Cryo: what one probe's Joule-Thomson stage can extract, W (0: unlimited). Below it the probe
    // wall sits at heldC; a larger load warms the wall until the load falls to it.
    double coolingCapacityW = 0.0;
};

const std::vector<AblationDevice>& ablationDevices();
const AblationDevice& defaultDevice(Modality m);
// The device with this id; DataError naming `field` and the known ids otherwise.
const AblationDevice& deviceNamed(const std::string& id, const std::string& field);

struct Applicator {
    glm::dvec3 tipMm{0.0};
    glm::dvec3 direction{0.0, 0.0, 1.0};  // unit, from the tip towards the hub
};

// Marks the applicators' held cells (group 0) and adds their power pattern, 1 W per applicator
// per W of generator power, into the model's sources (over tissue cells). Cells already Blood or
// Boundary stay so.
void placeApplicators(BioheatModel& m, const AblationDevice& dev, const std::vector<Applicator>& apps);

// Microwave attenuation constant of a tissue, Np/m (plane wave; field decays as exp(-alpha r)).
double attenuationPerM(double relativePermittivity, double conductivitySPerM, double frequencyHz);

// What the generator does this step: RF reduces its power as the hottest tissue nears roll-off; a
// cryoprobe's wall warms when its load exceeds its cooling capacity. `next` is called once per
// step and advances the program's own state (the wall's temperature), which a session's snapshot
// copies with the program.
struct GeneratorProgram {
    const AblationDevice* device = nullptr;
    double powerW = 0.0;                  // per applicator, set on the generator
    std::vector<double> freezeThawMin;    // cryo: freeze, thaw, freeze, ... minutes
    int applicators = 1;                  // cryo: probes sharing group 0 (the load is shared)
    double startS = 0.0;                  // tissue time at which the program's cycles begin
    BioheatControls next(const BioheatState& s);
    double probeWallC(const AblationDevice& dev, const BioheatState& s);
    // Cryo with a finite cooling capacity: the probe wall's temperature now, and the extracted
    // heat and time at the last call (the load of the last step).
    double wallC = 0.0, lastApplicatorJ = 0.0, lastTimeS = -1.0;
    bool wasFreezing = false;
    double durationS(double minutes) const;  // cryo: the cycles' sum; else minutes
};

}  // namespace irsim::therapy
