#pragma once
// The CT panel's 3D view in the window: the orbiting camera's mouse handling, and the needles and
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

// Draws the devices that are not in the ray-cast image (needles, contrast: polylines and spheres)
// and the C-arm (focal spot, detector square, central ray, beam edges) over a view of `imageSize`
// pixels shown in [min, max]. The arteries and the endovascular devices are in the image itself.
void drawView3dOverlay(ImDrawList* dl, const render::OrbitCamera& camera, int imageSize, ImVec2 min, ImVec2 max,
                       const imaging::FrameContents& devices, const imaging::CArmPose& pose);

}  // namespace irsim::app
