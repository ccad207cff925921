// The 3D view of the CT panel (view3d.comp, render/view3d.h): binding indices, push constants and
// the organ colour table, shared by the GLSL and C++ (vec4/ivec4 members only; render/view3d.cpp
// static_asserts the size).
#ifndef IRSIM_SHADERS_VIEW3D_SHARED_H
#define IRSIM_SHADERS_VIEW3D_SHARED_H

#ifdef __cplusplus
#include <glm/glm.hpp>
namespace irsim::render::gpu {
using vec4 = glm::vec4;
using ivec4 = glm::ivec4;
#endif

#define VIEW3D_BINDING_DENSITY 0  // sampler3D, water-equivalent density (GpuDrr's), linear, clamp
#define VIEW3D_BINDING_CLASSES 1  // usampler3D, r8ui display class per voxel, read with texelFetch
#define VIEW3D_BINDING_OUT 2      // rgba8 storage image, the picture
#define VIEW3D_BINDING_DEPTH 3    // rgba32f storage image: x organ hit, y skin hit (mm from the eye, -1 none)
#define VIEW3D_BINDING_TUBES 4  // std430 View3dTube[]: vessel lumens, then devices, in camera space
#define VIEW3D_BINDING_BINS 5   // std430 uint[]: per 16x16 tile, [start, end) into the list after them
#define VIEW3D_GROUP 16

// Display classes (a voxel's label mapped through render::view3dClassOf) and their colours (linear
// RGB, alpha 1 = drawn opaque). Class 0 is not drawn (unlabelled, skin, fat, muscle, bowel...).
#define VIEW3D_CLASS_NONE 0
#define VIEW3D_CLASS_LIVER 1
#define VIEW3D_CLASS_KIDNEY 2
#define VIEW3D_CLASS_SPLEEN 3
#define VIEW3D_CLASS_BONE 4
#define VIEW3D_CLASS_ARTERY 5
#define VIEW3D_CLASS_TUMOUR 6
#define VIEW3D_CLASS_VEIN 7
#define VIEW3D_CLASSES 8
#define VIEW3D_CLASS_COLOURS                                                                       \
    vec4(0.0f, 0.0f, 0.0f, 0.0f), vec4(0.55f, 0.30f, 0.17f, 1.0f), vec4(0.80f, 0.47f, 0.42f, 1.0f), \
        vec4(0.52f, 0.22f, 0.38f, 1.0f), vec4(0.93f, 0.91f, 0.86f, 1.0f),                           \
        vec4(0.86f, 0.12f, 0.10f, 1.0f), vec4(0.96f, 0.86f, 0.15f, 1.0f), vec4(0.25f, 0.35f, 0.82f, 1.0f)
// The patient's surface: semi-transparent skin.
#define VIEW3D_SKIN_COLOUR vec4(0.93f, 0.76f, 0.64f, 1.0f)
#define VIEW3D_BACKGROUND vec4(0.07f, 0.07f, 0.09f, 1.0f)
// Lighting: a headlight (from the eye), ambient plus Lambert on |cos| (both sides of a surface).
#define VIEW3D_AMBIENT 0.3f

// Vessel lumens and devices, drawn from their centrelines rather than the label map (the grown
// hepatic tree of a real CT is in no label; a 0.9 mm wire is under a voxel): capsules round each
// centreline segment. A lumen is a translucent shell (the first one a ray enters), a device opaque.
// While any lumen is drawn, arterial voxels are not (the lumens stand for them) and organs are
// translucent, so a catheter shows inside its vessel and a vessel inside the liver.
#define VIEW3D_LUMEN_COLOUR vec4(0.86f, 0.12f, 0.10f, 0.35f)
#define VIEW3D_ORGAN_SEE_THROUGH 0.45f
// Device colours (linear RGB), told apart from each other and from the arteries' red and the
// veins' blue: a guidewire's metal, a catheter's green shaft (the hue of many hydrophilic
// catheters), a microcatheter's yellow.
#define VIEW3D_WIRE_COLOUR vec4(0.90f, 0.92f, 0.95f, 1.0f)
#define VIEW3D_CATHETER_COLOUR vec4(0.20f, 0.85f, 0.35f, 1.0f)
#define VIEW3D_MICROCATHETER_COLOUR vec4(0.98f, 0.78f, 0.15f, 1.0f)

// One capsule in the camera's frame (mm; x right, y up, z forward from the eye, so a pixel's ray
// is (u, v, 1) / |(u, v, 1)| and its parameter is mm from the eye).
struct View3dTube {
    vec4 a;       // xyz: one end; w: radius, mm
    vec4 b;       // xyz: the other end; w: 1 a device, 0 a lumen
    vec4 colour;  // rgb, a: opacity
};

struct View3dPush {
    vec4 eyeQ;        // xyz: the eye, continuous voxel coordinates
    vec4 forwardQ;    // xyz: the camera's unit forward vector (LPS) in voxel units per mm
    vec4 rightQ;      // xyz: its unit right vector, voxel units per mm
    vec4 upQ;         // xyz: its unit up vector, voxel units per mm
    vec4 invSpacing;  // xyz: 1 / mm per voxel along i, j, k
    vec4 dims;        // xyz: voxels along i, j, k
    vec4 params;      // x: step, mm; y: tan(half vertical field of view); z: skin threshold
                      // (water-equivalent density); w: skin opacity
    ivec4 size;       // x: cols, y: rows, z: tubes (0: none drawn), w: lumens among them
};

#ifdef __cplusplus
}  // namespace irsim::render::gpu
#endif
#endif
