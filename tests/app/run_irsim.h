#pragma once
// Runs the built irsim program in a shell and captures what it printed.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <string>

namespace irsim::test {

struct ProgramResult {
    int status = -1;
    std::string out;  // stdout and stderr together unless redirected in the command
};

inline ProgramResult runShell(const std::string& command) {
    ProgramResult r;
    std::FILE* p = popen(command.c_str(), "r");
    if (!p) return r;
    std::array<char, 4096> buf{};
    size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

// The real CT most tests use (TotalSegmentator's 30-slice example, 3 mm) and its label map.
inline std::string exampleCt() { return std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/example_ct_sm.nii.gz"; }
inline std::string exampleLabels() { return std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/example_seg.nii.gz"; }

inline std::string quoted(const std::string& s) { return "'" + s + "'"; }

inline std::filesystem::path freshDir(const std::string& name) {
    auto d = std::filesystem::path(IRSIM_BINARY_DIR) / "test-output" / name;
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d;
}

}  // namespace irsim::test
