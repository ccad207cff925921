#version 450
// Stages 5-7 of imaging/fluoroscope.h: edge enhancement and latitude compression from the box
// means, the display window around the metered median (dense dark, air bright), 8-bit steps, and
// black behind the collimator shutters.
#include "shared.h"

layout(local_size_x = DISPLAY_GROUP, local_size_y = DISPLAY_GROUP) in;
layout(set = 0, binding = PRESENT_BINDING_SIGNAL, rg32f) uniform readonly image2D uSignal;
layout(set = 0, binding = PRESENT_BINDING_BLURRED, rg32f) uniform readonly image2D uBlurred;
layout(set = 0, binding = PRESENT_BINDING_OUT, rgba8) uniform writeonly image2D uOut;
layout(set = 0, binding = PRESENT_BINDING_PULSE, std430) readonly buffer Pulse { FluoroPulseHeader h; };

void main() {
    const ivec2 px = ivec2(gl_GlobalInvocationID.xy);
    if (px.x >= h.grid.x || px.y >= h.grid.y) return;
    float grey = 0.0;
    if (px.x >= h.open.x && px.x < h.open.y && px.y >= h.open.z && px.y < h.open.w) {
        const double s = double(imageLoad(uSignal, px).x);
        const vec2 b = imageLoad(uBlurred, px).xy;
        double sharp = s + h.display.x * (s - double(b.x));
        if (h.display.y != 0.0LF) sharp -= h.display.y * (double(b.y) - h.display.z);
        const double lo = h.quanta.z, span = h.quanta.w - h.quanta.z;
        const double g = 1.0LF - clamp((sharp - lo) / span, 0.0LF, 1.0LF);
        grey = float(floor(g * 255.0LF + 0.5LF) / 255.0LF);
    }
    imageStore(uOut, px, vec4(grey, grey, grey, 1.0));
}
