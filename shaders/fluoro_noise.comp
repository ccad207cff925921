#version 450
// One pulse, stages 3 and 4 of imaging/fluoroscope.h: expected quanta N0 (T + S), Poisson noise
// drawn with irsim::Rng (PCG32, core/rng.h) seeded per row and consumed left to right over the
// row's open pixels, and the log signal. One invocation per row: the generator is sequential
// along a row.
#extension GL_ARB_gpu_shader_int64 : require
#include "shared.h"

layout(local_size_x = FLUORO_LINE_GROUP) in;
layout(set = 0, binding = NOISE_BINDING_PRIMARY, r32f) uniform readonly image2D uPrimary;
layout(set = 0, binding = NOISE_BINDING_SCATTER, rg32f) uniform readonly image2D uScatter;
layout(set = 0, binding = NOISE_BINDING_SIGNAL, rg32f) uniform writeonly image2D uSignal;
layout(set = 0, binding = NOISE_BINDING_QUANTA, r32f) uniform writeonly image2D uQuanta;
layout(set = 0, binding = NOISE_BINDING_PULSE, std430) readonly buffer Pulse { FluoroPulseHeader h; };

// irsim::Rng (core/rng.h), word for word.
struct Rng { uint64_t state; uint64_t inc; };
uint rngNext(inout Rng r) {
    const uint64_t old = r.state;
    r.state = old * 6364136223846793005UL + r.inc;
    const uint xorshifted = uint(((old >> 18) ^ old) >> 27);
    const uint rot = uint(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}
Rng rngSeeded(uint64_t seed, uint64_t stream) {
    Rng r;
    r.state = 0UL;
    r.inc = (stream << 1) | 1UL;
    rngNext(r);
    r.state += seed;
    rngNext(r);
    return r;
}
double uniform01(inout Rng r) { return double(rngNext(r)) * (1.0LF / 4294967296.0LF); }
// GLSL has no double log/cos: the float ones differ from the CPU's by ~1e-7, which moves a count
// across an integer boundary for a few pixels in 10^5 (tests/render state the tolerance).
double normal01(inout Rng r) {
    double u1 = uniform01(r);
    const double u2 = uniform01(r);
    if (u1 < 1e-300LF) u1 = 1e-300LF;
    return double(sqrt(-2.0 * log(float(u1))) * cos(6.283185307179586 * float(u2)));
}
double poisson(inout Rng r, double mean) {
    if (mean <= 0.0LF) return 0.0LF;
    if (mean > 64.0LF) {
        const double v = floor(mean + sqrt(mean) * normal01(r) + 0.5LF);
        return v < 0.0LF ? 0.0LF : v;
    }
    const double l = double(exp(float(-mean)));
    double p = 1.0LF;
    uint k = 0u;
    do {
        ++k;
        p *= uniform01(r);
    } while (p > l);
    return double(k - 1u);
}

void main() {
    const int r = int(gl_GlobalInvocationID.x);
    const int cols = h.grid.x, rows = h.grid.y;
    if (r >= rows) return;
    const bool stages = h.seed.z != 0u;
    if (r < h.open.z || r >= h.open.w) {
        if (stages)
            for (int c = 0; c < cols; ++c) imageStore(uQuanta, ivec2(c, r), vec4(0.0));
        return;
    }
    if (stages) {
        for (int c = 0; c < h.open.x; ++c) imageStore(uQuanta, ivec2(c, r), vec4(0.0));
        for (int c = h.open.y; c < cols; ++c) imageStore(uQuanta, ivec2(c, r), vec4(0.0));
    }
    Rng rng = rngSeeded(packUint2x32(uvec2(h.seed.x, h.seed.y)), uint64_t(r) + 1UL);
    const double n0 = h.quanta.x, lnN0 = h.quanta.y, lo = h.quanta.z, hi = h.quanta.w;
    const bool noise = h.display.w > 0.5LF;
    for (int c = h.open.x; c < h.open.y; ++c) {
        const float t = imageLoad(uPrimary, ivec2(c, r)).x;
        const double expected = n0 * (double(t) + double(imageLoad(uScatter, ivec2(c, r)).x));
        const double n = noise ? poisson(rng, expected) : expected;
        const float s = float(lnN0 - double(log(float(max(n, 1.0LF)))));
        imageStore(uSignal, ivec2(c, r), vec4(s, float(clamp(double(s), lo, hi)), 0.0, 0.0));
        if (stages) imageStore(uQuanta, ivec2(c, r), vec4(float(n)));
    }
}
