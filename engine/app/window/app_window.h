#pragma once
// A GLFW window with a Vulkan context, a swapchain and Dear ImGui on it: what the simulator and
// the debrief windows share. Everything is torn down in reverse order, also when a frame throws.
#include <memory>
#include <string>

struct GLFWwindow;

namespace irsim::render {
class Context;
}

namespace irsim::app {

class Presenter;

// The connection to the window system (GLFW on X11 or Wayland), shared: the first one opens it,
// the last one closes it. A command that opens one window after another (the library, then the
// author, then the simulator) holds one across them, so the display is not closed and reopened
// between windows; an X server with no client left resets, and a window opened during the reset
// finds no display. Throws DataError, with GLFW's own reason, when there is no window system.
class WindowSystem {
public:
    WindowSystem();
    ~WindowSystem();
    WindowSystem(const WindowSystem&) = delete;
    WindowSystem& operator=(const WindowSystem&) = delete;
};

class AppWindow {
public:
    // Throws DataError when there is no window system or no Vulkan support for windows.
    AppWindow(int width, int height, const std::string& title);
    ~AppWindow();
    AppWindow(const AppWindow&) = delete;
    AppWindow& operator=(const AppWindow&) = delete;

    GLFWwindow* window() const { return window_.get(); }
    render::Context& context() { return *context_; }
    Presenter& presenter() { return *presenter_; }

private:
    struct WindowDeleter {
        void operator()(GLFWwindow* w) const;
    };
    struct ImGuiBackends;

    WindowSystem windowSystem_;  // first in, last out
    std::unique_ptr<GLFWwindow, WindowDeleter> window_;
    std::unique_ptr<render::Context> context_;
    std::unique_ptr<Presenter> presenter_;
    std::unique_ptr<ImGuiBackends> imgui_;
};

}  // namespace irsim::app
