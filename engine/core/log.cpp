#include "core/log.h"

#include <cstdio>
#include <mutex>

namespace irsim::log {
namespace {
std::mutex gMutex;
Sink gSink;
Level gMin = Level::Info;
const char* name(Level l) {
    switch (l) {
        case Level::Debug: return "debug";
        case Level::Info: return "info";
        case Level::Warning: return "warning";
        case Level::Error: return "error";
    }
    return "?";
}
}  // namespace

void setSink(Sink sink) {
    std::lock_guard lock(gMutex);
    gSink = std::move(sink);
}

void setMinLevel(Level level) {
    std::lock_guard lock(gMutex);
    gMin = level;
}

void write(Level level, const std::string& message) {
    std::lock_guard lock(gMutex);
    if (level < gMin) return;
    if (gSink) {
        gSink(level, message);
        return;
    }
    std::fprintf(stderr, "irsim %s: %s\n", name(level), message.c_str());
}

}  // namespace irsim::log
