#pragma once
#include <cstdint>
#include <filesystem>
#include <string>

namespace irsim {

// $XDG_DATA_HOME/irsim or ~/.local/share/irsim; created on demand.
std::filesystem::path userDataDir();

// $XDG_CACHE_HOME/irsim or ~/.cache/irsim (what can be rebuilt: phantoms, thumbnails); "" when
// neither is set. Not created here.
std::filesystem::path userCacheDir();

// The project's root, for finding scenarios/ and assets/ when run from the build tree
// (IRSIM_ROOT overrides the compiled-in path).
std::filesystem::path projectRoot();

// The size of a regular file, after refusing with a DataError what is not one: a device such as
// /dev/zero reads forever, a FIFO blocks until someone writes, a folder is not a file. `what` names
// the file's role in the message ("the CT", "the action log").
uintmax_t requireRegularFile(const std::filesystem::path& path, const std::string& what);

// The largest text file irsim reads (a scenario, an action log, a label table): 64 MiB, about a
// thousand times the longest shipped action log, so a wrong path cannot exhaust memory.
inline constexpr uintmax_t kMaxTextFileBytes = uintmax_t{64} << 20;

// Reads a whole file; throws DataError naming the path when it cannot, when it is not a regular
// file, or when it is larger than kMaxTextFileBytes.
std::string readTextFile(const std::filesystem::path& path);

}  // namespace irsim
