#pragma once
// Files for the loader tests: the shipped example patient, scratch folders in the build tree, and
// the bytes of a file to copy and damage.
#include <zlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/error.h"

namespace irsim::test {

inline const std::string kData = std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/";

inline std::string tempDir(const std::string& name) {
    const auto d = std::filesystem::path(IRSIM_BINARY_DIR) / "test-tmp" / ("patient_" + name);
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    return d.string();
}

inline std::vector<char> readBytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void writeBytes(const std::string& path, const std::vector<char>& b, size_t n) {
    std::ofstream out(path, std::ios::binary);
    out.write(b.data(), static_cast<std::streamsize>(std::min(n, b.size())));
}

// A gzip file's contents (zlib's gz reader).
inline std::vector<char> inflated(const std::string& path) {
    std::vector<char> raw;
    gzFile f = gzopen(path.c_str(), "rb");
    char buf[65536];
    int n;
    while ((n = gzread(f, buf, sizeof buf)) > 0) raw.insert(raw.end(), buf, buf + n);
    gzclose(f);
    return raw;
}

// The DataError's message, or "" when none was thrown.
template <class Fn>
std::string errorOf(const Fn& fn) {
    try {
        fn();
    } catch (const DataError& e) {
        return e.what();
    }
    return "";
}

}  // namespace irsim::test
