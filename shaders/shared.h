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

// drr_slices.comp: the full-quality DRR by slices. The march of DrrPush with the box the rays are
// clipped to (continuous voxel coordinates: the CT's box, or a tighter one past which every
// voxel is air, so rays skip the empty space without changing their sums). 128 bytes, the
// push-constant size every Vulkan device offers.
struct DrrSlicesPush {
    vec4 sourceQ;       // xyz: focal spot, continuous voxel coordinates
    vec4 firstPixelDq;  // xyz: pixel (0,0) centre minus the focal spot
    vec4 colStepQ;      // xyz: per column
    vec4 rowStepQ;      // xyz: per row
    vec4 spacingMm;     // xyz: mm per voxel index along i, j, k
    vec4 dims;          // xyz: voxels along i, j, k (as floats); w: the axis across the slices
    vec4 boxLo;         // xyz: the clip box's low corner; w: detector columns
    vec4 boxHi;         // xyz: its high corner; w: detector rows
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


// The physics fluoroscope (render/gpu_fluoroscope.h), stage by stage as imaging/fluoroscope.h.
#define FLUORO_MAX_BINS 64
#define FLUORO_MATERIALS 14     // imaging::Material::Count
#define FLUORO_SPAN 8           // device footprints are binned in spans of 8 pixels of a row
#define FLUORO_SPAN_ROWS 8      // spans per compose workgroup
#define FLUORO_LINE_GROUP 32    // box filters and the per-row noise: one invocation per line

// fluoro_view.comp (once per pose): basis path integrals, water path, anatomy transmission and
// the scatter source, per open-field pixel.
#define VIEW_BINDING_COMPOSITION 0  // sampler3D rgba32f: soft tissue, fat, bone g/cm^3; water-equivalent density
#define VIEW_BINDING_BASIS 1        // rgba32f: A_soft, A_fat, A_bone g/cm^2; w: water path mm
#define VIEW_BINDING_TRANSMISSION 2 // r32f: T of the anatomy
#define VIEW_BINDING_SCATTER 3      // rg32f: x the scatter source SPR(W) T (before the blur)
#define VIEW_BINDING_SPECTRUM 4     // storage buffer FluoroSpectrum
struct FluoroViewPush {
    vec4 sourceQ;       // xyz: focal spot, continuous voxel coordinates; w: step, mm
    vec4 firstPixelDq;  // xyz: pixel (0,0) centre minus the focal spot, voxel coordinates; w: first
                        //      open-field row of this dispatch
    vec4 colStepQ;      // xyz: per column
    vec4 rowStepQ;      // xyz: per row
    vec4 spacingMm;     // xyz: mm per voxel index; w: scatter SPR per cm of water (field and grid included)
    vec4 dims;          // xyz: voxels along i, j, k; w: spectrum bins
    ivec4 open;         // open field: columns [x, y), rows [z, w)
};

// box_filter.comp: the open-field box mean of imaging/fluoroscope.h along rows or columns, on the
// two channels of an rg32f image with a radius each (0: copied).
#define BOX_BINDING_IN 0   // rg32f storage image
#define BOX_BINDING_OUT 1  // rg32f storage image
struct BoxFilterPush {
    ivec4 open;     // columns [x, y), rows [z, w)
    ivec4 radius;   // x: channel 0, y: channel 1, z: 1 = vertical (along columns)
};

// fluoro_compose.comp (every pulse, per pixel): T with the frame's devices and agents.
#define COMPOSE_BINDING_BASIS 0
#define COMPOSE_BINDING_PRIMARY 2     // r32f in/out: the view's T (copied), T where devices are
#define COMPOSE_BINDING_SPECTRUM 3
#define COMPOSE_BINDING_PULSE 4       // storage buffer FluoroPulseHeader
#define COMPOSE_BINDING_PRIMITIVES 5  // storage buffer of FluoroPrimitive
#define COMPOSE_BINDING_TILES 6       // storage buffer of uint: items, then per span any footprint
                                      // reaches: first column | row << 16, first item, end

// fluoro_noise.comp (every pulse, one invocation per row, as the CPU draws noise per row):
// quanta, Poisson noise with irsim::Rng, log signal, horizontal box means (push BoxFilterPush).
#define NOISE_BINDING_PRIMARY 0
#define NOISE_BINDING_SCATTER 1  // rg32f, x: S
#define NOISE_BINDING_SIGNAL 2     // rg32f out: x s, y N (open field only)
#define NOISE_BINDING_ROW_MEANS 3  // rg32f out: the horizontal box means of s (x) and clamped s (y)
#define NOISE_BINDING_PULSE 4

// fluoro_present.comp (one invocation per column, push constants BoxFilterPush): the vertical box
// means, edge enhancement, latitude compression, window, 8-bit steps, shutters.
#define PRESENT_BINDING_SIGNAL 0   // rg32f
#define PRESENT_BINDING_BLURRED 1  // rg32f: the horizontal box means of s (x) and clamped s (y)
#define PRESENT_BINDING_OUT 2      // rgba8
#define PRESENT_BINDING_PULSE 3
#define PRESENT_BINDING_ROADMAP 4  // rg32f: a roadmap's DSA mask log signal (x), peak DSA frame grey (y)

#ifdef __cplusplus
using dvec4 = glm::dvec4;
using uvec4 = glm::uvec4;
#endif
// The view's march clip and spectrum: bin i has weight phi_i (x) and the basis materials' mu/rho (y, z, w);
// mu[4 i + m / 4][m % 4] every material's mu/rho at bin i, cm^2/g (materials padded to 16).
struct FluoroSpectrum {
    vec4 clipLo;  // xyz: the view's march is clipped to [clipLo, clipHi] (voxel coordinates) on
    vec4 clipHi;  //      top of the volume's box; the full view uses the box itself
    vec4 bin[FLUORO_MAX_BINS];
    vec4 mu[4 * FLUORO_MAX_BINS];
};
struct FluoroPulseHeader {
    dvec4 quanta;          // x: N0; y: ln N0; z: lo; w: hi (display window, ln units)
    dvec4 display;         // x: edge gain; y: latitude compression; z: metered median m; w: 1 = noise
    dvec4 sourceLps;       // focal spot, mm
    dvec4 detectorCentre;  // mm
    dvec4 imageRight;      // unit; w: detector width mm
    dvec4 imageUp;         // unit; w: detector height mm
    ivec4 open;            // columns [x, y), rows [z, w)
    ivec4 grid;            // x: cols, y: rows, z: spans across
    uvec4 seed;            // x, y: low, high 32 bits of the noise seed; z: 1 = write stages; w: bins
    uvec4 pad;             // x: index in tiles[] of the reached spans; y: their count (whole workgroups);
                           // z: the roadmap image's side, pixels; w: 1 = show the roadmap
    dvec4 roadmap;         // x: background grey; y: log difference shown black; z: DSA background grey
};
// A path segment (kind 0: imaging::SegmentPiece) or a sphere (kind 1), with its pixel footprint.
#define FLUORO_MAX_CLIPS 4  // imaging::kMaxJointClips
struct FluoroPrimitive {
    dvec4 a;       // xyz: segment start or sphere centre, LPS mm; w: radius mm
    dvec4 b;       // xyz: segment end; w: inner radius mm (tube; 0 solid)
    dvec4 mass;    // x: g/cm^2 per mm of chord (density x fill / 10); y: material; z: kind
    ivec4 box;     // footprint: columns [x, y], rows [z, w], inclusive
    ivec4 clips;   // x: cut planes at a, y: at b (0: a free end)
    vec4 axis;     // the segment's ends projected on the detector, pixels (col, row of a; of b)
    vec4 reach;    // x: no ray that touches the primitive meets the detector farther than this many
                   // pixels from the projected segment (a bound, see fluoro_pulse.cpp)
    dvec4 clipA[FLUORO_MAX_CLIPS];  // xyz: unit normal n, w: offset o; keep dot(x - a, n) >= o
    dvec4 clipB[FLUORO_MAX_CLIPS];  // at b
};

// bioheat.comp: one explicit step of therapy/bioheat.h (stepBioheatBy) in two passes over the
// cells, one invocation per cell. Enthalpy and the flux sums in double as on the CPU.
#define BIOHEAT_GROUP 64
#define BIOHEAT_MAX_GROUPS 4           // applicator groups the push constants carry
#define BIOHEAT_MATERIAL_STRIDE 32     // doubles per material in BIOHEAT_BINDING_MATERIALS
#define BIOHEAT_BINDING_CELLS 0        // uint: material | role << 8 | group << 16 | beside a probe well << 24
#define BIOHEAT_BINDING_SOURCE 1       // float: W per W of generator power
#define BIOHEAT_BINDING_CONDUCTANCE 2  // float (3 x cells): +x, +y, +z face conductance, W/K
#define BIOHEAT_BINDING_ENTHALPY 3     // double: J/m^3 relative to body temperature
#define BIOHEAT_BINDING_TEMPERATURE 4  // float, degC
#define BIOHEAT_BINDING_OMEGA 5        // float: Arrhenius integral
#define BIOHEAT_BINDING_CEM43 6        // float, min
#define BIOHEAT_BINDING_PERFUSED 7     // float: exp(-Omega)
#define BIOHEAT_BINDING_MAXC 8         // float
#define BIOHEAT_BINDING_MINC 9         // float
#define BIOHEAT_BINDING_MATERIALS 10   // double: tC[6], h[6], slope[7], invSlope[7], perfusion W/K, ln A, Ea/R
#define BIOHEAT_BINDING_HOTTEST 11     // uint: float bits of the hottest tissue cell (>= 0 degC)
#define BIOHEAT_BINDING_FACE_SCALE 12  // float: a held applicator cell's scale on its faces to tissue
#define BIOHEAT_BESIDE_SCALED_HELD (1u << 24)  // in a cell's word: BioheatModel::besideScaledHeld
struct BioheatPush {
    dvec4 step;    // x: dt s; y: generator power W; z: cell volume m^3; w: blood temperature degC
    ivec4 dims;    // xyz: cells along i, j, k; w: pass (0: enthalpy from the faces, 1: temperature, damage)
    ivec4 held;    // x: bit g set when applicator group g is held; y: cell count
    vec4 groupC;   // held temperature of groups 0-3, degC
};

// blit.vert/blit.frag: a sampled image drawn into the viewport's rectangle.
#define BLIT_BINDING_IMAGE 0

#ifdef __cplusplus
}  // namespace irsim::render::gpu
#endif
#endif
