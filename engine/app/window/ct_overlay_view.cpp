#include "app/window/ct_overlay_view.h"

#include <algorithm>
#include <cmath>

namespace irsim::app {

namespace {

bool samePlane(const imaging::SlicePlane& a, const imaging::SlicePlane& b) {
    return a.centreLps == b.centreLps && a.right == b.right && a.down == b.down && a.widthMm == b.widthMm &&
           a.heightMm == b.heightMm && a.cols == b.cols && a.rows == b.rows;
}

glm::vec2 planePixels(const imaging::SlicePlane& plane, const glm::dvec3& lps) {
    const glm::dvec3 q = lps - plane.centreLps;
    return {static_cast<float>((glm::dot(q, plane.right) / plane.widthMm + 0.5) * plane.cols),
            static_cast<float>((glm::dot(q, plane.down) / plane.heightMm + 0.5) * plane.rows)};
}

ImU32 imguiColour(uint32_t rgba) {
    return IM_COL32((rgba >> 24) & 0xff, (rgba >> 16) & 0xff, (rgba >> 8) & 0xff, rgba & 0xff);
}

// Half the slice's thickness either side, as the headless CT draws devices (sim/frames.cpp).
constexpr double kSlabMm = 1.5;

}  // namespace

void CtOverlayView::update(const sim::Session& session, const imaging::SlicePlane& plane, double everyS) {
    const double now = session.time_s();
    if (built_ && samePlane(plane, plane_) && std::abs(now - builtAtS_) < everyS) return;
    built_ = true, builtAtS_ = now, plane_ = plane;
    cells_.clear(), lines_.clear(), metal_.clear();
    sim::CtOverlay overlay;
    session.procedure().ctOverlay(session, overlay);
    const glm::dvec3 normal = plane.normal();
    for (const sim::CtOverlayField& f : overlay.fields) {
        // One square a cell, where the field's grid meets the plane.
        for (int k = 0; k < f.dims.z; ++k) {
            for (int j = 0; j < f.dims.y; ++j)
                for (int i = 0; i < f.dims.x; ++i) {
                    const glm::dvec3 p = f.originLps + f.spacingMm * glm::dvec3(i, j, k);
                    if (std::abs(glm::dot(p - plane.centreLps, normal)) > 0.5 * f.spacingMm) continue;
                    const float hu = f.hu[(static_cast<size_t>(k) * f.dims.y + j) * f.dims.x + i];
                    if (std::isnan(hu)) continue;
                    const double half = 0.5 * f.spacingMm;
                    cells_.push_back({planePixels(plane, p - half * (plane.right + plane.down)),
                                      planePixels(plane, p + half * (plane.right + plane.down)), hu});
                }
        }
    }
    for (const sim::CtOverlayContour& c : overlay.contours) {
        Line line{c.label, c.rgba, sim::contourOnSlice(c, plane)};
        if (!line.segments.empty()) lines_.push_back(std::move(line));
    }
    // Metal: each segment's part within the slab, projected on the plane.
    const double pxPerMm = plane.cols / plane.widthMm;
    for (const imaging::RadiopaquePath& p : session.radiopaqueContents().paths) {
        if (p.material == imaging::Material::Iodine) continue;
        for (size_t k = 0; k + 1 < p.pointsLps.size(); ++k) {
            const glm::dvec3 a = p.pointsLps[k], b = p.pointsLps[k + 1];
            const double da = glm::dot(a - plane.centreLps, normal), db = glm::dot(b - plane.centreLps, normal);
            const double reach = kSlabMm + p.radiusMm;
            double t0 = 0.0, t1 = 1.0;
            if (da == db) {
                if (std::abs(da) > reach) continue;
            } else {
                const double ta = (-reach - da) / (db - da), tb = (reach - da) / (db - da);
                t0 = std::max(t0, std::min(ta, tb)), t1 = std::min(t1, std::max(ta, tb));
                if (t0 > t1) continue;
            }
            const glm::vec2 pa = planePixels(plane, a + t0 * (b - a)), pb = planePixels(plane, a + t1 * (b - a));
            metal_.push_back({{glm::dvec2(pa), glm::dvec2(pb)}, static_cast<float>(std::max(1.0, 2.0 * p.radiusMm * pxPerMm))});
        }
    }
}

void CtOverlayView::draw(ImDrawList* dl, ImVec2 min, ImVec2 max, const imaging::WindowLevel& window) const {
    if (!built_) return;
    const float sx = (max.x - min.x) / static_cast<float>(plane_.cols), sy = (max.y - min.y) / static_cast<float>(plane_.rows);
    const auto screen = [&](const glm::dvec2& p) {
        return ImVec2(min.x + static_cast<float>(p.x) * sx, min.y + static_cast<float>(p.y) * sy);
    };
    dl->PushClipRect(min, max, true);
    for (const Cell& c : cells_) {
        const double g = std::clamp((c.hu - (window.levelHu - 0.5 * window.widthHu)) / window.widthHu, 0.0, 1.0);
        const auto v = static_cast<int>(std::lround(255.0 * g));
        dl->AddRectFilled(screen(c.a), screen(c.b), IM_COL32(v, v, v, 255));
    }
    for (const Metal& m : metal_)
        dl->AddLine(screen(m.segment.a), screen(m.segment.b), IM_COL32(255, 255, 255, 255), std::max(2.0f, m.widthPx * sx));
    for (const Line& l : lines_)
        for (const sim::SliceSegment& s : l.segments) dl->AddLine(screen(s.a), screen(s.b), imguiColour(l.rgba), 1.5f);
    // The legend, top left: a swatch and the contour's name.
    ImVec2 at{min.x + 6.0f, min.y + 6.0f};
    const float line = ImGui::GetTextLineHeight();
    for (const Line& l : lines_) {
        dl->AddRectFilled({at.x, at.y + 0.3f * line}, {at.x + 14.0f, at.y + 0.7f * line}, imguiColour(l.rgba));
        dl->AddText({at.x + 18.0f, at.y}, imguiColour(l.rgba), l.label.c_str());
        at.y += line;
    }
    dl->PopClipRect();
}

}  // namespace irsim::app
