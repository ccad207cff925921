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
        // float suffices here: s is ~1-10 with errors ~1e-6, far below the 1/255 display step.
        const float s = imageLoad(uSignal, px).x;
        const vec2 b = imageLoad(uBlurred, px).xy;
        float sharp = s + float(h.display.x) * (s - b.x);
        sharp -= float(h.display.y) * (b.y - float(h.display.z));
        const float lo = float(h.quanta.z), span = float(h.quanta.w - h.quanta.z);
        const float g = 1.0 - clamp((sharp - lo) / span, 0.0, 1.0);
        grey = floor(g * 255.0 + 0.5) / 255.0;
    }
    imageStore(uOut, px, vec4(grey, grey, grey, 1.0));
}
