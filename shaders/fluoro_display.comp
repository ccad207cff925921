#version 450
// One fluoroscopy pulse from the cached water path: detected quanta N = N0 exp(-mu W), Poisson
// noise (Gaussian with variance N), the log transform ln(N0/N) and the display window (dense
// anatomy dark, air bright, as clinical monitors show it), shutters outside the collimated field.
// render/fluoro_display.h holds the CPU mirror the tests compare against.
#include "shared.h"

layout(local_size_x = DISPLAY_GROUP, local_size_y = DISPLAY_GROUP) in;
layout(set = 0, binding = DISPLAY_BINDING_PATH) uniform sampler2D uPath;
layout(set = 0, binding = DISPLAY_BINDING_OUT, rgba8) uniform writeonly image2D uOut;
layout(push_constant) uniform Push { FluoroDisplayPush p; };

uint hashU(uint x) {
    x ^= x >> 16; x *= 0x7feb352du;
    x ^= x >> 15; x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

void main() {
    const ivec2 px = ivec2(gl_GlobalInvocationID.xy);
    if (px.x >= p.size.x || px.y >= p.size.y) return;
    const vec2 uv = (vec2(px) + 0.5) / vec2(p.size.xy);
    float grey = p.shutter.z;
    if (abs(uv.x - 0.5) <= p.shutter.x && abs(uv.y - 0.5) <= p.shutter.y) {
        const float water = textureLod(uPath, uv, 0.0).r;
        const float n0 = p.transfer.y;
        float n = n0 * exp(-p.transfer.x * water);
        if (p.shutter.w > 0.5) {
            const uint h1 = hashU(uint(px.y) * uint(p.size.x) + uint(px.x) + hashU(uint(p.size.z)));
            const uint h2 = hashU(h1);
            const float u1 = (float(h1 >> 8) + 0.5) * (1.0 / 16777216.0);
            const float u2 = (float(h2 >> 8) + 0.5) * (1.0 / 16777216.0);
            n += sqrt(n) * sqrt(-2.0 * log(u1)) * cos(6.28318530718 * u2);
        }
        const float signal = log(n0 / max(n, 1.0));
        grey = 1.0 - clamp((signal - p.transfer.z) / (p.transfer.w - p.transfer.z), 0.0, 1.0);
    }
    imageStore(uOut, px, vec4(grey, grey, grey, 1.0));
}
