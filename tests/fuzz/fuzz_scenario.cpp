// A scenario's text on arbitrary bytes: parsed, typed by its procedure, unknown keys refused.
#include <string>

#include "core/error.h"
#include "fuzz.h"
#include "sim/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        irsim::sim::parseScenario(std::string(reinterpret_cast<const char*>(data), size), "fuzz.toml");
    } catch (const irsim::DataError&) {
    }
    return 0;
}
