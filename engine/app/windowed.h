#pragma once
// The windowed simulator (engine/app/window/): GLFW, Vulkan swapchain, Dear ImGui panels.
#include <string>

namespace irsim::app {

struct WindowRunOptions {
    std::string scenarioPath;
    std::string replayLog;        // play this action log in the window instead of live input
    std::string recordLog;        // where the live session's actions are written (JSON Lines)
    std::string reportPath;       // where the report goes when the procedure ends
    int quitAfterFrames = 0;      // > 0: close after this many frames (tests, screenshots)
    std::string screenshotPath;   // PNG of the last frame (quitAfterFrames), and of the next frame on each SIGUSR1
    std::string trainee;          // when set, the session is stored in the records at the end
    std::string recordsUrl;       // "" = the default store
    std::string startedAt;        // ISO 8601, from the app's clock
    bool startIn3dView = false;   // the CT panel opens on its 3D view (else the axial slice)
};

// Returns the process exit status; throws DataError for bad input.
int runWindowed(const WindowRunOptions& options);

}  // namespace irsim::app
