#include "core/paths.h"

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/error.h"

#ifndef IRSIM_DEFAULT_ROOT
#define IRSIM_DEFAULT_ROOT "."
#endif

namespace irsim {

std::filesystem::path userDataDir() {
    std::filesystem::path base;
    if (const char* x = std::getenv("XDG_DATA_HOME"); x && *x) {
        base = x;
    } else if (const char* h = std::getenv("HOME"); h && *h) {
        base = std::filesystem::path(h) / ".local" / "share";
    } else {
        base = std::filesystem::temp_directory_path();
    }
    auto dir = base / "irsim";
    std::filesystem::create_directories(dir);
    return dir;
}

std::filesystem::path projectRoot() {
    if (const char* r = std::getenv("IRSIM_ROOT"); r && *r) return r;
    return IRSIM_DEFAULT_ROOT;
}

std::string readTextFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(path.string(), 0, "", "cannot open file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace irsim
