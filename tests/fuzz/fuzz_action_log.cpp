// Action log lines on arbitrary bytes. Besides not crashing, a line that is read must write back
// (toJsonLine) to a line that reads to the same action.
#include <cstdlib>
#include <string>

#include "core/error.h"
#include "fuzz.h"
#include "sim/action.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    size_t start = 0;
    for (int line = 1; start <= text.size(); ++line) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) end = text.size();
        try {
            const irsim::sim::Action a = irsim::sim::parseActionLine(text.substr(start, end - start), "fuzz.jsonl", line);
            const irsim::sim::Action b = irsim::sim::parseActionLine(irsim::sim::toJsonLine(a), "fuzz.jsonl", line);
            if (a.kind != b.kind || a.args != b.args || a.time_s != b.time_s) std::abort();
        } catch (const irsim::DataError&) {
        }
        start = end + 1;
    }
    return 0;
}
