#pragma once
// Building the procedural phantom takes seconds (a 1.5 mm torso); a trainee who starts the same
// scenario again, and the tests that replay every shipped log, should not wait for it twice. The
// cache keeps each built phantom as one binary file named by its options and by a hash of the code
// that builds it, holding every field exactly (doubles by their bits), so a phantom read back is
// the one makePhantom would build, bit for bit. A file that is missing, damaged or from other code
// is ignored and the phantom is built (and stored) again.
#include <functional>
#include <optional>
#include <string>

#include "patient/phantom.h"

namespace irsim::patient {

// $IRSIM_PHANTOM_CACHE, else $XDG_CACHE_HOME/irsim/phantoms, else ~/.cache/irsim/phantoms;
// IRSIM_PHANTOM_CACHE=off (or a folder that cannot be made) disables the cache.
std::string phantomCacheDir();

// What a caller runs to put a phantom it had built into the cache: the pruning of old files and
// the write (some 80 MB at 1.5 mm).
using PhantomStore = std::function<void(const Patient&)>;

// makePhantom through the cache. A phantom that had to be built is written before this returns,
// or, with `deferredStore` given, handed back there for the caller to write when the wait matters
// less (the window writes it while it makes its Vulkan objects); left empty when the file was read.
Patient makePhantomCached(const PhantomOptions& options, const ProgressFn& progress = {},
                          PhantomStore* deferredStore = nullptr);

// The file format, for the cache and its tests: every field of the patient.
void writePatientFile(const Patient& patient, const std::string& key, const std::string& path);
// nullopt when the file is absent, damaged, or holds another key.
std::optional<Patient> readPatientFile(const std::string& key, const std::string& path);

// The options and the code's hash as one text ("seed=7;voxel=0x1.8p+0;..."): equal keys, equal phantoms.
std::string phantomCacheKey(const PhantomOptions& options);

}  // namespace irsim::patient
