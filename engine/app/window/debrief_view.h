#pragma once
// The debrief in the window (Dear ImGui), opened when the procedure ends or by `irsim debrief`:
// score, pass/fail and reasons first; the rubric metrics with target, limit, marks and colour (and
// the expert reference's values); the timeline of events, scrubbed by replaying the action log in a
// fresh session (the image taken last before that moment rendered on the CPU and shown); plots of
// the cumulative dose and the quantities the procedure declares; the learning curve; assessors' ratings.
// Layout: a fixed 1280x800 screen of panels, like the simulator's.
#include <memory>
#include <string>

#include "app/debrief_source.h"
#include "app/windowed.h"
#include "render/context.h"

namespace irsim::render {
class ImageBlitter;
}

namespace irsim::app {

class DebriefView {
public:
    // patient: the session's (shared with the simulator), or null to load it on first replay.
    // synchronous: replays finish before the frame that asked for them (scripted screenshots);
    // otherwise they run on a worker thread and the window stays responsive.
    DebriefView(render::Context& ctx, render::ImageBlitter& blitter, LoadedDebrief data,
                std::shared_ptr<const patient::Patient> patient, bool synchronous);
    ~DebriefView();
    DebriefView(const DebriefView&) = delete;
    DebriefView& operator=(const DebriefView&) = delete;

    // Between ImGui::NewFrame and ImGui::Render: the panels over a width x height screen.
    void draw(float width, float height);
    // The frame's command buffer, for the image panel's draw callback (before RenderDrawData).
    void setCommandBuffer(VkCommandBuffer cmd);
    bool closeRequested() const;

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// The debrief of the session that just ended in the simulator window: stores it for opts.trainee
// (with the report and the action log at logPath) when one is given, then builds the view.
std::unique_ptr<DebriefView> openDebriefAtEnd(const WindowRunOptions& opts, const sim::Session& session,
                                              const std::string& logPath, render::Context& ctx,
                                              render::ImageBlitter& blitter);

// A window showing only the debrief (`irsim debrief`, `irsim replay --debrief-screenshot`).
// Returns the exit status; throws DataError for bad input.
int runDebriefWindow(const LoadedDebrief& data, std::shared_ptr<const patient::Patient> patient,
                     int quitAfterFrames, const std::string& screenshotPath);

}  // namespace irsim::app
