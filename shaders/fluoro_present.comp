#version 450
// Stages 5-7 of imaging/fluoroscope.h, fused with the vertical half of the edge and latitude box
// means (box_filter.comp did the horizontal half): one invocation per column walks down it with
// running sums, then edge enhancement, latitude compression, the display window around the metered
// median (dense dark, air bright), 8-bit steps, and black behind the collimator shutters. Under a
// roadmap (pad.w) it shows the subtracted roadmap instead.
#include "shared.h"

layout(local_size_x = FLUORO_LINE_GROUP) in;
layout(set = 0, binding = PRESENT_BINDING_SIGNAL, rg32f) uniform readonly image2D uSignal;
layout(set = 0, binding = PRESENT_BINDING_BLURRED, rg32f) uniform readonly image2D uRowMeans;  // horizontal box means
layout(set = 0, binding = PRESENT_BINDING_OUT, rgba8) uniform writeonly image2D uOut;
layout(set = 0, binding = PRESENT_BINDING_PULSE, std430) readonly buffer Pulse { FluoroPulseHeader h; };
layout(set = 0, binding = PRESENT_BINDING_ROADMAP, rg32f) uniform readonly image2D uRoadmap;
layout(push_constant) uniform Push { BoxFilterPush p; };

// The roadmap's mask and peak grey at (c, r), bilinear in the roadmap image (exact when it has the
// chain's size).
vec2 roadmapAt(int c, int r) {
    const int side = int(h.pad.z);
    const float scale = float(side) / float(h.grid.x);
    const vec2 q = clamp((vec2(c, r) + 0.5) * scale - 0.5, vec2(0.0), vec2(float(side - 1)));
    const ivec2 i0 = ivec2(floor(q)), i1 = min(i0 + 1, ivec2(side - 1));
    const vec2 f = q - vec2(i0);
    const vec2 top = mix(imageLoad(uRoadmap, i0).xy, imageLoad(uRoadmap, ivec2(i1.x, i0.y)).xy, f.x);
    const vec2 bottom = mix(imageLoad(uRoadmap, ivec2(i0.x, i1.y)).xy, imageLoad(uRoadmap, i1).xy, f.x);
    return mix(top, bottom, f.y);
}

void main() {
    const int c = int(gl_GlobalInvocationID.x);
    if (c >= h.grid.x) return;
    const int rows = h.grid.y;
    const vec4 black = vec4(0.0, 0.0, 0.0, 1.0);
    if (c < p.open.x || c >= p.open.y) {
        for (int r = 0; r < rows; ++r) imageStore(uOut, ivec2(c, r), black);
        return;
    }
    for (int r = 0; r < p.open.z; ++r) imageStore(uOut, ivec2(c, r), black);
    for (int r = p.open.w; r < rows; ++r) imageStore(uOut, ivec2(c, r), black);
    if (h.pad.w != 0u) {
        // The subtracted roadmap (sim/frames.h roadmapGrey): live log signal minus the DSA mask's,
        // the peak frame's iodine white; no edge enhancement or latitude compression, as on the CPU.
        const float background = float(h.roadmap.x), blackAt = float(h.roadmap.y), dsaBackground = float(h.roadmap.z);
        for (int r = p.open.z; r < p.open.w; ++r) {
            const vec2 layer = roadmapAt(c, r);
            const float d = imageLoad(uSignal, ivec2(c, r)).x - layer.x;
            const float iodine = clamp(1.0 - layer.y / dsaBackground, 0.0, 1.0);
            const float g = clamp(background * (1.0 - d / blackAt) + (1.0 - background) * iodine, 0.0, 1.0);
            const float grey = floor(g * 255.0 + 0.5) / 255.0;
            imageStore(uOut, ivec2(c, r), vec4(grey, grey, grey, 1.0));
        }
        return;
    }
    // float suffices after the box means: s is ~1-10 with errors ~1e-6, far below the 1/255 step.
    const float gain = float(h.display.x), latitude = float(h.display.y), median = float(h.display.z);
    const float lo = float(h.quanta.z), span = float(h.quanta.w - h.quanta.z);
    const int b0 = p.open.z, b1 = p.open.w, r0 = p.radius.x, r1 = p.radius.y;
    dvec2 sum = dvec2(0.0);
    for (int i = b0; i <= min(b1 - 1, b0 + r0); ++i) sum.x += double(imageLoad(uRowMeans, ivec2(c, i)).x);
    for (int i = b0; i <= min(b1 - 1, b0 + r1); ++i) sum.y += double(imageLoad(uRowMeans, ivec2(c, i)).y);
    for (int i = b0; i < b1; ++i) {
        const int n0 = min(b1 - 1, i + r0) - max(b0, i - r0) + 1;
        const int n1 = min(b1 - 1, i + r1) - max(b0, i - r1) + 1;
        const float edgeMean = float(sum.x / double(n0)), largeMean = float(sum.y / double(n1));
        const float s = imageLoad(uSignal, ivec2(c, i)).x;
        float sharp = s + gain * (s - edgeMean);
        sharp -= latitude * (largeMean - median);
        const float g = 1.0 - clamp((sharp - lo) / span, 0.0, 1.0);
        const float grey = floor(g * 255.0 + 0.5) / 255.0;
        imageStore(uOut, ivec2(c, i), vec4(grey, grey, grey, 1.0));
        if (i + r0 + 1 < b1) sum.x += double(imageLoad(uRowMeans, ivec2(c, i + r0 + 1)).x);
        if (i - r0 >= b0) sum.x -= double(imageLoad(uRowMeans, ivec2(c, i - r0)).x);
        if (i + r1 + 1 < b1) sum.y += double(imageLoad(uRowMeans, ivec2(c, i + r1 + 1)).y);
        if (i - r1 >= b0) sum.y -= double(imageLoad(uRowMeans, ivec2(c, i - r1)).y);
    }
}
