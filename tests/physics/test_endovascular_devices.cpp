// The device library (assets/devices/endovascular.toml): it loads, its stiffnesses come from
// material and section, and a wrong file is refused with file:line: field.
#include <catch2/catch.hpp>

#include <cmath>

#include "core/error.h"
#include "core/text.h"
#include "core/units.h"
#include "physics/endovascular_devices.h"

using namespace irsim;
using namespace irsim::physics;

TEST_CASE("the endovascular library holds the issue's device families with consistent sections", "[physics][endovascular]") {
    const DeviceLibrary& lib = builtinDeviceLibrary();
    for (const char* id : {"sheath_5fr", "sheath_6fr", "glidewire_035_angled", "jwire_035_3mm", "amplatz_super_stiff_035",
                           "microwire_014", "microwire_018", "cobra_c2_5fr", "simmons_1_5fr", "rh_5fr", "sos_omni_2_5fr",
                           "straight_flush_5fr", "microcatheter_24fr", "microcatheter_27fr", "microcatheter_28fr"}) {
        INFO(id);
        const EndovascularDevice& d = lib.device(id);
        double sum = 0.0;
        for (const DeviceSection& s : d.sections) sum += s.lengthMm;
        CHECK(sum == Approx(d.lengthMm));
        CHECK(d.bendingStiffnessAt(0.5) > 0.0);
        CHECK(d.torsionalStiffnessAt(0.5) > 0.0);
    }
    // 1 Fr = 1/3 mm: a 5 Fr catheter is 1.67 mm (LearnIR); a 0.035" wire 0.889 mm.
    CHECK(lib.device("cobra_c2_5fr").outerDiameterMm == Approx(5.0 / 3.0).epsilon(0.01));
    CHECK(lib.device("glidewire_035_angled").outerDiameterMm == Approx(0.035 * 25.4).epsilon(0.001));
    // Every wire fits the catheters it is used in.
    CHECK(lib.device("glidewire_035_angled").outerDiameterMm < lib.device("cobra_c2_5fr").maxWireDiameterMm);
    CHECK(lib.device("microwire_018").outerDiameterMm <= lib.device("microcatheter_24fr").maxWireDiameterMm);
    CHECK(lib.device("microcatheter_28fr").outerDiameterMm < lib.device("cobra_c2_5fr").innerDiameterMm);
}

TEST_CASE("a stiff wire's shaft E*I from steel and its core equals Harrison 2011's Amplatz Super Stiff", "[physics][endovascular]") {
    // Harrison 2011 (published): apparent flexural modulus 60.3 GPa over the 0.035" section.
    const double harrison = 60.3e3 * kPi * std::pow(0.889, 4) / 64.0;
    const EndovascularDevice& w = builtinDeviceLibrary().device("amplatz_super_stiff_035");
    CHECK(w.bendingStiffnessAt(500.0) == Approx(harrison).epsilon(0.02));
    // Its floppy tip is at least 100 times softer than the shaft (the point of a floppy tip).
    CHECK(w.bendingStiffnessAt(5.0) < w.bendingStiffnessAt(500.0) / 100.0);
    // Plain Amplatz (9.5 GPa apparent) < the J-wire shaft sized to it < Super Stiff.
    const EndovascularDevice& j = builtinDeviceLibrary().device("jwire_035_3mm");
    CHECK(j.bendingStiffnessAt(500.0) == Approx(9.5e3 * kPi * std::pow(0.889, 4) / 64.0).epsilon(0.02));
    // G J of a solid round core: G pi d^4 / 32.
    CHECK(w.torsionalStiffnessAt(500.0) == Approx(77e3 * kPi * std::pow(0.665, 4) / 32.0).epsilon(1e-6));
}

TEST_CASE("a Cobra's rest shape turns its tip through the sum of its curve angles", "[physics][endovascular]") {
    const EndovascularDevice& c = builtinDeviceLibrary().device("cobra_c2_5fr");
    double turning = 0.0;
    for (double s = 0.0; s < c.shapedLengthMm(); s += 0.01) turning += c.restCurvatureAt(s + 0.005) * 0.01;
    CHECK(turning / kDegToRad == Approx(35.0 + 60.0).margin(0.5));
    CHECK(c.restCurvatureAt(c.shapedLengthMm() + 1.0) == 0.0);
}

namespace {
std::string errorOf(const std::string& toml) {
    try {
        parseDeviceLibrary(toml, "lib.toml");
    } catch (const DataError& e) {
        return e.what();
    }
    return "";
}
const char* kHeader = R"([material.steel]
youngs_modulus_gpa = 193.0
shear_modulus_gpa = 77.0
density_g_cm3 = 7.9
source = "test"
[coating.ptfe]
wall_friction = 0.15
source = "test"
)";
}  // namespace

TEST_CASE("a wrong device library is refused naming the file, the line and the field", "[physics][endovascular]") {
    const std::string device = R"([[device]]
id = "w"
kind = "guidewire"
length_mm = 100.0
outer_diameter_mm = 0.889
coating = "ptfe"
source = "test"
[[device.section]]
name = "tip"
length_mm = 30.0
material = "steel"
diameter_mm = 0.2
[[device.section]]
name = "shaft"
material = "steel"
diameter_mm = 0.4
)";
    CHECK(errorOf(std::string(kHeader) + device).empty());
    // A typo in a key: line 18 is "lenght_mm", with the key it should be.
    std::string typo = std::string(kHeader) + device;
    typo.replace(typo.find("length_mm = 30.0"), 9, "lenght_mm");
    CHECK_THAT(errorOf(typo), Catch::Contains("lib.toml:18: device[0].section[0].lenght_mm: unknown key 'lenght_mm'; did you mean 'length_mm'?"));
    // A material that is not in the file.
    std::string mat = std::string(kHeader) + device;
    mat.replace(mat.find("material = \"steel\""), 18, "material = \"steal\"");
    CHECK_THAT(errorOf(mat), Catch::Contains("lib.toml:19: device[0].section[0].material: no [material.steal] in this file; did you mean 'steel'?"));
    // A core thicker than the device.
    std::string thick = std::string(kHeader) + device;
    thick.replace(thick.find("diameter_mm = 0.4"), 17, "diameter_mm = 1.4");
    CHECK_THAT(errorOf(thick), Catch::Contains("lib.toml:24: device[0].section[1].diameter_mm: expected a number from 0.01 to 0.889"));
    // Sections longer than the device.
    std::string longer = std::string(kHeader) + device;
    longer.replace(longer.find("length_mm = 30.0"), 16, "length_mm = 130.0");
    CHECK_THAT(errorOf(longer), Catch::Contains("device[0].section[0].length_mm: the sections add up to 130 mm"));
    // Bad TOML.
    CHECK_THAT(errorOf("[material.x\n"), Catch::Contains("lib.toml:1"));
}
