#include "core/startup_clock.h"

#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace irsim::startup {

namespace {
double seconds(clockid_t clock) {
    timespec t{};
    clock_gettime(clock, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}
// The process's start by the boot clock, from /proc/self/stat's 22nd field (clock ticks).
double processStartS() {
    FILE* f = std::fopen("/proc/self/stat", "r");
    if (!f) return seconds(CLOCK_BOOTTIME);
    char buf[1024];
    const size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // The fields after the command name, which sits in parentheses and may hold spaces.
    const char* p = buf;
    for (const char* q = buf; *q; ++q)
        if (*q == ')') p = q + 1;
    unsigned long long start = 0;
    if (std::sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu", &start) != 1)
        return seconds(CLOCK_BOOTTIME);
    return static_cast<double>(start) / static_cast<double>(sysconf(_SC_CLK_TCK));
}
}  // namespace

void mark(const char* stage) {
    static const bool on = std::getenv("IRSIM_STARTUP_TIMES") != nullptr;
    if (!on) return;
    static const double startS = processStartS();
    std::fprintf(stderr, "irsim startup: %-28s wall %7.3f s  cpu %7.3f s\n", stage, seconds(CLOCK_BOOTTIME) - startS,
                 seconds(CLOCK_PROCESS_CPUTIME_ID));
}

}  // namespace irsim::startup
