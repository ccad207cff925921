#pragma once
#include <filesystem>
#include <string>

namespace irsim {

// $XDG_DATA_HOME/irsim or ~/.local/share/irsim; created on demand.
std::filesystem::path userDataDir();

// The project's root, for finding scenarios/ and assets/ when run from the build tree
// (IRSIM_ROOT overrides the compiled-in path).
std::filesystem::path projectRoot();

// Reads a whole file; throws DataError naming the path when it cannot.
std::string readTextFile(const std::filesystem::path& path);

}  // namespace irsim
