#pragma once
// The CT panel's 3D view in the window: the orbiting camera's mouse handling, and the devices and
// the C-arm drawn as lines over the ray-cast image through the view's own camera
// (render::projectToView), so they sit where the anatomy is.
#include <imgui.h>

#include "imaging/carm.h"
#include "imaging/radiopaque.h"
#include "patient/patient.h"
#include "patient/volume.h"
#include "render/view3d.h"

namespace irsim::app {

// A camera that frames the whole CT from the front-left, a little from above.
render::OrbitCamera initialView3dCamera(const patient::VolumeGeometry& ct);

// Mouse over the image [min, max]: drag with the left button orbits (0.4 deg per pixel), the
// wheel zooms (10% of the distance a notch).
void orbitWithMouse(render::OrbitCamera& camera, ImVec2 min, ImVec2 max);

// Draws the arterial tree when the patient has one (each segment of a lumen over 1 mm across a
// translucent red line as wide as the lumen at that depth: the grown hepatic tree of a real CT is in no label, so without it a
// catheter would hang in the liver), the devices inside it (polylines and spheres) and the C-arm
// (focal spot, detector square, central ray, beam edges) over a view of `imageSize` pixels shown
// in [min, max].
void drawView3dOverlay(ImDrawList* dl, const render::OrbitCamera& camera, int imageSize, ImVec2 min, ImVec2 max,
                       const imaging::FrameContents& devices, const imaging::CArmPose& pose,
                       const patient::VesselTree* arteries = nullptr);

}  // namespace irsim::app
