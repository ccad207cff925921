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

std::filesystem::path userCacheDir() {
    if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::filesystem::path(x) / "irsim";
    if (const char* h = std::getenv("HOME"); h && *h) return std::filesystem::path(h) / ".cache" / "irsim";
    return {};
}

std::filesystem::path projectRoot() {
    if (const char* r = std::getenv("IRSIM_ROOT"); r && *r) return r;
    return IRSIM_DEFAULT_ROOT;
}

uintmax_t requireRegularFile(const std::filesystem::path& path, const std::string& what) {
    namespace fs = std::filesystem;
    std::error_code ec;
    const fs::file_status st = fs::status(path, ec);
    if (ec || !fs::exists(st)) throw DataError(path.string(), 0, "", "cannot open " + what + ": no such file");
    if (fs::is_directory(st)) throw DataError(path.string(), 0, "", "cannot open " + what + ": this is a folder, not a file");
    if (!fs::is_regular_file(st))
        throw DataError(path.string(), 0, "", "cannot open " + what + ": not a regular file (a device, FIFO or socket)");
    const uintmax_t size = fs::file_size(path, ec);
    if (ec) throw DataError(path.string(), 0, "", "cannot open " + what + ": " + ec.message());
    return size;
}

std::string readTextFile(const std::filesystem::path& path) {
    const uintmax_t size = requireRegularFile(path, "a text file");
    if (size > kMaxTextFileBytes)
        throw DataError(path.string(), 0, "", "the file is " + std::to_string(size) + " bytes; irsim reads text files up to " +
                                                  std::to_string(kMaxTextFileBytes) + " bytes");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(path.string(), 0, "", "cannot open file");
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace irsim
