#pragma once
// Progress of long operations (loading a CT, growing a vessel tree). The command line prints a bar,
// the app draws one; the engine only calls the callback with a fraction in [0,1].
#include <functional>
#include <string>

namespace irsim {

using ProgressFn = std::function<void(const std::string& stage, double fraction)>;

// A progress callback that draws a text bar on stderr (only when stderr is a terminal, so logs and
// CI output stay clean).
ProgressFn terminalProgress();

}  // namespace irsim
