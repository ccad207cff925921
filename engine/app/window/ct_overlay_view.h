#pragma once
// The procedure's CT overlay on the window's CT slice, drawn with ImGui over the GPU slice from the
// same data the headless CT frames use (Procedure::ctOverlay, radiopaqueContents): tissue whose CT
// number the procedure changed (grey, through the slice's window), its contours as coloured lines
// with a legend, and the metal devices cut by the slice.
#include <cstdint>
#include <string>
#include <vector>

#include <imgui.h>

#include "imaging/ct_slice.h"
#include "sim/frames.h"
#include "sim/session.h"

namespace irsim::app {

class CtOverlayView {
public:
    // Rebuilds from the session when its clock has moved on by `everyS` or the plane changed.
    void update(const sim::Session& session, const imaging::SlicePlane& plane, double everyS = 0.25);
    // Draws over the slice shown in [min, max], greys through the window (HU).
    void draw(ImDrawList* dl, ImVec2 min, ImVec2 max, const imaging::WindowLevel& window) const;
    bool empty() const { return cells_.empty() && lines_.empty() && metal_.empty(); }

private:
    struct Cell {
        glm::vec2 a, b;  // corners in the plane's pixel units
        float hu;
    };
    struct Line {
        std::string label;
        uint32_t rgba;
        std::vector<sim::SliceSegment> segments;
    };
    struct Metal {
        sim::SliceSegment segment;
        float widthPx;  // in the plane's pixel units
    };
    std::vector<Cell> cells_;
    std::vector<Line> lines_;
    std::vector<Metal> metal_;
    imaging::SlicePlane plane_;
    double builtAtS_ = -1.0;
    bool built_ = false;
};

}  // namespace irsim::app
