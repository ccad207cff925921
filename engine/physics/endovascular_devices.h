#pragma once
// The endovascular device library as data: sheaths, guidewires, microwires, diagnostic catheters
// and microcatheters, read from a TOML file (assets/devices/endovascular.toml) that an instructor
// can extend without code. Bending stiffness E*I and torsional stiffness G*J come from each
// section's material and cross-section, never from tuning. Lengths in mm, moduli in N/mm^2 (MPa),
// stiffnesses in N*mm^2.
#include <string>
#include <vector>

namespace irsim::physics {

enum class EndovascularKind { Sheath, Guidewire, Microwire, Catheter, Microcatheter };

struct DeviceMaterial {
    std::string name;              // "nitinol", "stainless_304", "braided_shaft"
    double youngsModulus = 0.0;    // E, N/mm^2
    double shearModulus = 0.0;     // G, N/mm^2
    double density = 0.0;          // g/cm^3
    bool estimated = false;        // true when the file says the value is an estimate
};

struct DeviceCoating {
    std::string name;              // "hydrophilic", "ptfe", "uncoated"
    double wallFriction = 0.1;     // Coulomb coefficient against the vessel wall
};

// A length of the device with one material and one structural cross-section, listed from the tip
// backwards. The structural member is what carries bending (a wire's core, a catheter's wall); a
// tapered section goes linearly from its proximal to its distal diameter.
struct DeviceSection {
    std::string name;                     // "floppy tip", "transition", "shaft"
    double lengthMm = 0.0;
    DeviceMaterial material;
    double proximalOuterDiameterMm = 0.0; // structural member at the section's proximal end
    double distalOuterDiameterMm = 0.0;   // at its distal end (= proximal unless tapered)
    double innerDiameterMm = 0.0;         // 0: solid

    double outerDiameterAt(double fractionFromProximal) const;
    // E*I and G*J (N*mm^2) at a point of the section, 0 = proximal end, 1 = distal end.
    double bendingStiffnessAt(double fractionFromProximal) const;
    double torsionalStiffnessAt(double fractionFromProximal) const;
    // Cross-section area of the structural member (mm^2) for the axial stiffness E*A.
    double areaAt(double fractionFromProximal) const;
};

// One arc of the tip's rest shape, listed from proximal toward the tip: a straight run, or a bend
// of `angleDeg` on radius `radiusMm` (positive toward the device's curve side, negative away).
struct ShapeArc {
    double lengthMm = 0.0;
    double radiusMm = 0.0;   // 0 = straight
    double angleDeg = 0.0;
};

struct Radiopacity {
    double tipCoilMm = 0.0;            // platinum coil or radiopaque tip length
    std::vector<double> markerBandsMmFromTip;
    std::string shaftFiller;           // "tungsten", "barium_sulfate", "" (plain polymer / metal)
};

struct EndovascularDevice {
    std::string id;                    // "glidewire_035_angled", the name actions use
    std::string title;                 // shown to the trainee
    EndovascularKind kind = EndovascularKind::Guidewire;
    double lengthMm = 0.0;             // working length
    double outerDiameterMm = 0.0;      // what touches the wall (jacket, catheter OD)
    double innerDiameterMm = 0.0;      // lumen (catheters, sheaths); 0 for wires
    double maxWireDiameterMm = 0.0;    // largest wire the lumen takes
    double ratedPressurePsi = 0.0;     // the most an injector may push through the lumen; 0: none given
    DeviceCoating coating;
    std::vector<DeviceSection> sections;  // tip first; lengths add up to lengthMm
    std::vector<ShapeArc> tipShape;       // proximal to tip; empty = straight
    Radiopacity radiopacity;
    std::string source;

    // The section at `mmFromTip` (0 = the tip) and the fraction along it from its proximal end.
    const DeviceSection& sectionAt(double mmFromTip, double* fractionFromProximal = nullptr) const;
    double bendingStiffnessAt(double mmFromTip) const;    // N*mm^2
    double torsionalStiffnessAt(double mmFromTip) const;  // N*mm^2
    double axialStiffnessAt(double mmFromTip) const;      // E*A, N
    double linearDensityAt(double mmFromTip) const;       // kg/mm of the structural member
    // Rest curvature (1/mm, signed, in the device's curve plane) at `mmFromTip`.
    double restCurvatureAt(double mmFromTip) const;
    double shapedLengthMm() const;  // length of the tip shape, 0 when straight
};

struct DeviceLibrary {
    std::string file;
    std::vector<DeviceMaterial> materials;
    std::vector<DeviceCoating> coatings;
    std::vector<EndovascularDevice> devices;

    // The device of that id; DataError naming the file and the nearest id when absent.
    const EndovascularDevice& device(const std::string& id) const;
};

// Reads and validates a library; DataError "file:line: field: what" on bad input.
DeviceLibrary loadDeviceLibrary(const std::string& path);
DeviceLibrary parseDeviceLibrary(const std::string& tomlText, const std::string& file);
// assets/devices/endovascular.toml under the project root.
const DeviceLibrary& builtinDeviceLibrary();

const char* toString(EndovascularKind k);

}  // namespace irsim::physics
