// An endovascular device library's text on arbitrary bytes: parsed and validated (sections adding
// up, materials and coatings named, diameters and pressures in range), errors as DataError.
#include <string>

#include "core/error.h"
#include "fuzz.h"
#include "physics/endovascular_devices.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        const irsim::physics::DeviceLibrary lib =
            irsim::physics::parseDeviceLibrary(std::string(reinterpret_cast<const char*>(data), size), "fuzz.toml");
        // What the procedures derive from a device must not blow up on what the parser accepted.
        for (const auto& d : lib.devices)
            for (double mm = 0.0; mm <= d.lengthMm; mm += d.lengthMm / 8.0)
                (void)(d.bendingStiffnessAt(mm) + d.torsionalStiffnessAt(mm) + d.restCurvatureAt(mm));
    } catch (const irsim::DataError&) {
    }
    return 0;
}
