#include "app/window/view3d_panel.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace irsim::app {

namespace {

ImU32 colourOf(imaging::Material m) {
    switch (m) {
        case imaging::Material::Iodine: return IM_COL32(255, 150, 40, 255);         // contrast
        case imaging::Material::BariumSulfate: return IM_COL32(120, 230, 255, 255);  // catheter, cement
        default: return IM_COL32(220, 230, 240, 255);                                // steel, nitinol
    }
}

struct Projector {
    const render::OrbitCamera& camera;
    int size;
    ImVec2 min;
    float scale;  // panel pixels per view pixel
    std::optional<ImVec2> operator()(const glm::dvec3& p) const {
        const auto v = render::projectToView(camera, size, p);
        if (!v) return std::nullopt;
        return ImVec2(min.x + scale * static_cast<float>(v->x), min.y + scale * static_cast<float>(v->y));
    }
    void line(ImDrawList* dl, const glm::dvec3& a, const glm::dvec3& b, ImU32 colour, float width) const {
        const auto pa = (*this)(a), pb = (*this)(b);
        if (pa && pb) dl->AddLine(*pa, *pb, colour, width);  // a segment reaching behind the eye is left out
    }
};

}  // namespace

render::OrbitCamera initialView3dCamera(const patient::VolumeGeometry& g) {
    const glm::dvec3 a = g.voxelToPatient(glm::dvec3(0.0)), b = g.voxelToPatient(glm::dvec3(g.dims - 1));
    render::OrbitCamera c;
    c.targetLps = 0.5 * (a + b);
    c.azimuthDeg = -30.0;  // from the patient's right front, where the operator usually stands
    c.elevationDeg = 20.0;
    const double halfDiagonal = 0.5 * glm::length(b - a);
    c.distanceMm = 1.15 * halfDiagonal / std::tan(glm::radians(0.5 * c.fieldOfViewDeg));
    return c;
}

void orbitWithMouse(render::OrbitCamera& camera, ImVec2 min, ImVec2 max) {
    const ImGuiIO& io = ImGui::GetIO();
    if (!ImGui::IsMouseHoveringRect(min, max)) return;
    if (ImGui::IsMouseDown(ImGuiMouseButton_Left) && (io.MouseDelta.x != 0.0f || io.MouseDelta.y != 0.0f)) {
        camera.azimuthDeg = std::fmod(camera.azimuthDeg - 0.4 * io.MouseDelta.x, 360.0);
        camera.elevationDeg = std::clamp(camera.elevationDeg + 0.4 * io.MouseDelta.y, -89.0, 89.0);
    }
    if (io.MouseWheel != 0.0f)
        camera.distanceMm = std::clamp(camera.distanceMm * std::pow(0.9, io.MouseWheel), 100.0, 20000.0);
}

void drawView3dOverlay(ImDrawList* dl, const render::OrbitCamera& camera, int imageSize, ImVec2 min, ImVec2 max,
                       const imaging::FrameContents& devices, const imaging::CArmPose& pose) {
    const Projector project{camera, imageSize, min, (max.x - min.x) / static_cast<float>(imageSize)};
    const render::CameraBasis basis = render::basisOf(camera);
    dl->PushClipRect(min, max, true);
    // The C-arm: focal spot, the detector's active square, the central ray and the beam's edges.
    const imaging::CArmFrame f = imaging::frameOf(pose);
    const glm::dvec3 hx = 0.5 * pose.detectorWidthMm * f.imageRight, hy = 0.5 * pose.detectorHeightMm * f.imageUp;
    const glm::dvec3 corners[4] = {f.detectorCentre - hx - hy, f.detectorCentre + hx - hy,
                                   f.detectorCentre + hx + hy, f.detectorCentre - hx + hy};
    const ImU32 carm = IM_COL32(90, 200, 255, 255), beam = IM_COL32(90, 200, 255, 90);
    for (int i = 0; i < 4; ++i) {
        project.line(dl, corners[i], corners[(i + 1) % 4], carm, 2.0f);
        project.line(dl, f.source, corners[i], beam, 1.0f);
    }
    project.line(dl, f.source, f.detectorCentre, IM_COL32(255, 240, 90, 220), 1.5f);
    if (const auto s = project(f.source)) dl->AddCircleFilled(*s, 4.0f, IM_COL32(255, 240, 90, 255));
    // Devices: each path as its polyline, each sphere as a circle of its projected radius.
    for (const auto& path : devices.paths)
        for (size_t k = 0; k + 1 < path.pointsLps.size(); ++k)
            project.line(dl, path.pointsLps[k], path.pointsLps[k + 1], colourOf(path.material), 2.5f);
    for (const auto& s : devices.spheres) {
        const auto c = project(s.centreLps), e = project(s.centreLps + s.radiusMm * basis.right);
        if (c && e) dl->AddCircleFilled(*c, std::max(2.0f, std::abs(e->x - c->x)), colourOf(s.material));
    }
    dl->PopClipRect();
}

}  // namespace irsim::app
