// A label table (JSON {"5": "liver"}) on arbitrary bytes: one flat object of label values and
// names, anything else a DataError.
#include <string>

#include "core/error.h"
#include "fuzz.h"
#include "patient/labels.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        irsim::patient::parseLabelTable(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    } catch (const irsim::DataError&) {
    }
    return 0;
}
