// Binding indices and push-constant blocks shared by the GLSL shaders and engine/render (C++).
// Only vec4/ivec4 members, so std430 (push constants) and C++ agree on the layout; engine/render
// static_asserts every size.
#ifndef IRSIM_SHADERS_SHARED_H
#define IRSIM_SHADERS_SHARED_H

#ifdef __cplusplus
#include <glm/glm.hpp>
namespace irsim::render::gpu {
using vec4 = glm::vec4;
using ivec4 = glm::ivec4;
#endif

// drr.comp: the water-equivalent path march of imaging/drr.h, one invocation per detector pixel.
#define DRR_BINDING_DENSITY 0  // sampler3D, water-equivalent density per voxel, linear, clamp
#define DRR_BINDING_PATH 1     // r32f storage image, mm of water per pixel
#define DRR_GROUP 16
struct DrrPush {
    vec4 sourceQ;       // xyz: focal spot in continuous voxel coordinates; w: step, mm
    vec4 firstPixelDq;  // xyz: pixel (0,0) centre minus the focal spot, voxel coordinates
    vec4 colStepQ;      // xyz: change of the pixel centre per column, voxel coordinates
    vec4 rowStepQ;      // xyz: per row
    vec4 spacingMm;     // xyz: mm per voxel index along i, j, k
    vec4 dims;          // xyz: voxels along i, j, k (as floats)
    ivec4 grid;         // x: cols, y: rows, z: first row of this dispatch
};

// fluoro_display.comp: detector signal, quantum noise, log transform and window to a grey image.
#define DISPLAY_BINDING_PATH 0     // sampler2D, mm of water (linear: a preview is upscaled)
#define DISPLAY_BINDING_OUT 1      // rgba8 storage image
#define DISPLAY_GROUP 16
struct FluoroDisplayPush {
    vec4 transfer;  // x: water attenuation, 1/mm; y: quanta per pixel unattenuated;
                    // z, w: log-signal window (ln(N0/N)) shown black at w, white at z
    vec4 shutter;   // x, y: half open field (fraction of width, height); z: grey behind the
                    // shutters; w: 1 = quantum noise on
    ivec4 size;     // x: cols, y: rows, z: noise seed (the pulse number)
};

// ct_slice.comp: one plane of the CT with a window/level.
#define SLICE_BINDING_DENSITY 0
#define SLICE_BINDING_OUT 1
struct CtSlicePush {
    vec4 originQ;   // xyz: pixel (0,0) centre, continuous voxel coordinates
    vec4 colStepQ;  // xyz: per column
    vec4 rowStepQ;  // xyz: per row
    vec4 dims;      // xyz: voxels along i, j, k
    vec4 window;    // x: level HU, y: width HU
    ivec4 size;     // x: cols, y: rows
};

// blit.vert/blit.frag: a sampled image drawn into the viewport's rectangle.
#define BLIT_BINDING_IMAGE 0

#ifdef __cplusplus
}  // namespace irsim::render::gpu
#endif
#endif
