#include "core/progress.h"

#include <unistd.h>

#include <cstdio>

namespace irsim {

ProgressFn terminalProgress() {
    if (!isatty(STDERR_FILENO)) return [](const std::string&, double) {};
    return [last = -1](const std::string& stage, double f) mutable {
        int pct = static_cast<int>(f * 100.0 + 0.5);
        if (pct == last) return;
        last = pct;
        int bars = pct / 4;
        std::fprintf(stderr, "\r%-24.24s [%-25.25s] %3d%%", stage.c_str(),
                     std::string(static_cast<size_t>(bars), '#').c_str(), pct);
        if (pct >= 100) std::fprintf(stderr, "\n");
        std::fflush(stderr);
    };
}

}  // namespace irsim
