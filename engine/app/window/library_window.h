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

struct LibraryChoice {
    std::string scenario;  // the file whose Start button was pressed
    bool author = false;   // "Author a scenario" was pressed
};

// What was chosen; neither when the window was closed.
LibraryChoice runLibraryWindow(const LibraryWindowOptions& options);

}  // namespace irsim::app
