#pragma once
// The scenario library screen (`irsim library`): every scenario with its starting image,
// procedure, difficulty and the trainee's record on it; the trainee picks one to start.
#include <string>

#include "app/library.h"

namespace irsim::app {

struct LibraryWindowOptions {
    LibraryOptions library;
    int quitAfterFrames = 0;     // > 0: close after this many frames (tests, screenshots)
    std::string screenshotPath;  // PNG of the last frame
};

// Returns the scenario file chosen with its Start button, or "" when the window was closed.
std::string runLibraryWindow(const LibraryWindowOptions& options);

}  // namespace irsim::app
