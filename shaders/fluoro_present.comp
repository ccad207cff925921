#version 450
// Stages 5-7 of imaging/fluoroscope.h, fused with the vertical half of the edge and latitude box
// means (box_filter.comp did the horizontal half): one invocation per column walks down it with
// running sums, then edge enhancement, latitude compression, the display window around the metered
// median (dense dark, air bright), 8-bit steps, and black behind the collimator shutters.
#include "shared.h"

layout(local_size_x = FLUORO_LINE_GROUP) in;
layout(set = 0, binding = PRESENT_BINDING_SIGNAL, rg32f) uniform readonly image2D uSignal;
layout(set = 0, binding = PRESENT_BINDING_BLURRED, rg32f) uniform readonly image2D uRowMeans;  // horizontal box means
layout(set = 0, binding = PRESENT_BINDING_OUT, rgba8) uniform writeonly image2D uOut;
layout(set = 0, binding = PRESENT_BINDING_PULSE, std430) readonly buffer Pulse { FluoroPulseHeader h; };
layout(push_constant) uniform Push { BoxFilterPush p; };

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
