#version 450
// One pulse, stages 3 and 4 of imaging/fluoroscope.h: expected quanta N0 (T + S), Poisson noise
// drawn with irsim::Rng (PCG32, core/rng.h) seeded per row and consumed left to right over the
// row's open pixels, and the log signal; then the horizontal half of the edge and latitude box
// means over the same row (fluoro_present.comp does the vertical half). One invocation per row:
// the generator is sequential along a row. The box means read back this invocation's own stores,
// so they need no barrier, and one dispatch fewer is cheaper on lavapipe.
#extension GL_ARB_gpu_shader_int64 : require
#include "shared.h"

layout(local_size_x = FLUORO_LINE_GROUP) in;
layout(set = 0, binding = NOISE_BINDING_PRIMARY, r32f) uniform readonly image2D uPrimary;
layout(set = 0, binding = NOISE_BINDING_SCATTER, rg32f) uniform readonly image2D uScatter;
layout(set = 0, binding = NOISE_BINDING_SIGNAL, rg32f) uniform image2D uSignal;
layout(set = 0, binding = NOISE_BINDING_ROW_MEANS, rg32f) uniform writeonly image2D uRowMeans;
layout(set = 0, binding = NOISE_BINDING_PULSE, std430) readonly buffer Pulse { FluoroPulseHeader h; };
layout(push_constant) uniform Push { BoxFilterPush p; };

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

// The open-field box means of s (x, radius r0) and of s clamped to the display window (y, r1)
// along row r, with running sums in double (box_filter.comp's rule; the clamped s is a float, as
// the signal image held it).
double clamped(float s, double lo, double hi) { return double(float(clamp(double(s), lo, hi))); }
void rowMeans(int r, double lo, double hi) {
    const int b0 = p.open.x, b1 = p.open.y, r0 = p.radius.x, r1 = p.radius.y;
    dvec2 sum = dvec2(0.0);
    for (int i = b0; i <= min(b1 - 1, b0 + r0); ++i) sum.x += double(imageLoad(uSignal, ivec2(i, r)).x);
    for (int i = b0; i <= min(b1 - 1, b0 + r1); ++i) sum.y += clamped(imageLoad(uSignal, ivec2(i, r)).x, lo, hi);
    for (int i = b0; i < b1; ++i) {
        const int n0 = min(b1 - 1, i + r0) - max(b0, i - r0) + 1;
        const int n1 = min(b1 - 1, i + r1) - max(b0, i - r1) + 1;
        imageStore(uRowMeans, ivec2(i, r), vec4(float(sum.x / double(n0)), float(sum.y / double(n1)), 0.0, 0.0));
        if (i + r0 + 1 < b1) sum.x += double(imageLoad(uSignal, ivec2(i + r0 + 1, r)).x);
        if (i - r0 >= b0) sum.x -= double(imageLoad(uSignal, ivec2(i - r0, r)).x);
        if (i + r1 + 1 < b1) sum.y += clamped(imageLoad(uSignal, ivec2(i + r1 + 1, r)).x, lo, hi);
        if (i - r1 >= b0) sum.y -= clamped(imageLoad(uSignal, ivec2(i - r1, r)).x, lo, hi);
    }
}

void main() {
    const int r = int(gl_GlobalInvocationID.x);
    if (r < h.open.z || r >= min(h.grid.y, h.open.w)) return;
    Rng rng = rngSeeded(packUint2x32(uvec2(h.seed.x, h.seed.y)), uint64_t(r) + 1UL);
    const double n0 = h.quanta.x, lnN0 = h.quanta.y, lo = h.quanta.z, hi = h.quanta.w;
    const bool noise = h.display.w > 0.5LF;
    // y keeps the count N for the tests' read-back (GpuFluoroStages::quanta).
    for (int c = h.open.x; c < h.open.y; ++c) {
        const float t = imageLoad(uPrimary, ivec2(c, r)).x;
        const double expected = n0 * (double(t) + double(imageLoad(uScatter, ivec2(c, r)).x));
        const double n = noise ? poisson(rng, expected) : expected;
        const float s = float(lnN0 - double(log(float(max(n, 1.0LF)))));
        imageStore(uSignal, ivec2(c, r), vec4(s, float(n), 0.0, 0.0));
    }
    rowMeans(r, lo, hi);
}
