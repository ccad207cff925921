#version 450
// One pulse, stages 1, 3 and 4 of imaging/fluoroscope.h: the devices and agents of the frame
// (path segments and spheres, intersected in double exactly as imaging/radiopaque.cpp does), the
// expected quanta N0 (T + S), Poisson noise drawn with irsim::Rng (PCG32, core/rng.h) seeded per
// row and consumed left to right over the row's open pixels, and the log signal. One invocation
// per row, because the generator is sequential along a row.
#extension GL_ARB_gpu_shader_int64 : require
#include "shared.h"

layout(local_size_x = FLUORO_LINE_GROUP) in;
layout(set = 0, binding = COMPOSE_BINDING_BASIS, rgba32f) uniform readonly image2D uBasis;
layout(set = 0, binding = COMPOSE_BINDING_TRANSMISSION, r32f) uniform readonly image2D uTransmission;
layout(set = 0, binding = COMPOSE_BINDING_SCATTER, rg32f) uniform readonly image2D uScatter;
layout(set = 0, binding = COMPOSE_BINDING_SIGNAL, rg32f) uniform writeonly image2D uSignal;
layout(set = 0, binding = COMPOSE_BINDING_STAGES, rg32f) uniform writeonly image2D uStages;
layout(set = 0, binding = COMPOSE_BINDING_SPECTRUM, std430) readonly buffer Spectrum { FluoroSpectrum spec; };
layout(set = 0, binding = COMPOSE_BINDING_PULSE, std430) readonly buffer Pulse { FluoroPulseHeader h; };
layout(set = 0, binding = COMPOSE_BINDING_PRIMITIVES, std430) readonly buffer Prims { FluoroPrimitive prim[]; };
layout(set = 0, binding = COMPOSE_BINDING_TILES, std430) readonly buffer Tiles { uint tiles[]; };

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

// imaging/radiopaque.cpp in double.
const double kHuge = 1e300LF;
bool sphereInterval(dvec3 from, dvec3 dir, dvec3 c, double r, out double t0, out double t1) {
    const dvec3 w = from - c;
    const double b = dot(w, dir);
    const double disc = b * b - (dot(w, w) - r * r);
    t0 = 0.0LF; t1 = 0.0LF;
    if (disc <= 0.0LF) return false;
    const double s = sqrt(disc);
    t0 = -b - s;
    t1 = -b + s;
    return true;
}
bool clipToHalfSpace(dvec3 from, dvec3 dir, dvec3 p, dvec3 n, inout double t0, inout double t1) {
    const double s0 = dot(from - p, n);
    const double ds = dot(dir, n);
    if (abs(ds) < 1e-15LF) return s0 >= 0.0LF && t1 > t0;
    const double tc = -s0 / ds;
    if (ds > 0.0LF) t0 = max(t0, tc);
    else t1 = min(t1, tc);
    return t1 > t0;
}
double positiveLength(double t0, double t1) { return max(0.0LF, t1 - max(t0, 0.0LF)); }
double cylinderChord(dvec3 from, dvec3 dir, dvec3 a, dvec3 b, double r) {
    const dvec3 axisFull = b - a;
    const double len = length(axisFull);
    if (!(len > 0.0LF) || !(r > 0.0LF)) return 0.0LF;
    const dvec3 axis = axisFull / len;
    const dvec3 w = from - a;
    const dvec3 up = dir - axis * dot(dir, axis);
    const dvec3 wp = w - axis * dot(w, axis);
    const double A = dot(up, up), B = 2.0LF * dot(up, wp), C = dot(wp, wp) - r * r;
    double t0, t1;
    if (A < 1e-15LF) {
        if (C >= 0.0LF) return 0.0LF;
        t0 = -kHuge;
        t1 = kHuge;
    } else {
        const double disc = B * B - 4.0LF * A * C;
        if (disc <= 0.0LF) return 0.0LF;
        const double s = sqrt(disc);
        t0 = (-B - s) / (2.0LF * A);
        t1 = (-B + s) / (2.0LF * A);
    }
    if (!clipToHalfSpace(from, dir, a, axis, t0, t1)) return 0.0LF;
    if (!clipToHalfSpace(from, dir, b, -axis, t0, t1)) return 0.0LF;
    return positiveLength(t0, t1);
}
double capChord(dvec3 from, dvec3 dir, dvec3 end, dvec3 n, double r) {
    double t0, t1;
    if (!sphereInterval(from, dir, end, r, t0, t1)) return 0.0LF;
    if (!clipToHalfSpace(from, dir, end, n, t0, t1)) return 0.0LF;
    return positiveLength(t0, t1);
}
double massPath(FluoroPrimitive q, dvec3 from, dvec3 dir) {
    if (q.mass.z > 0.5LF) {
        double t0, t1;
        if (!sphereInterval(from, dir, q.a.xyz, q.a.w, t0, t1)) return 0.0LF;
        return q.mass.x * positiveLength(t0, t1);
    }
    double chord = cylinderChord(from, dir, q.a.xyz, q.b.xyz, q.a.w);
    if (q.b.w > 0.0LF) chord -= cylinderChord(from, dir, q.a.xyz, q.b.xyz, q.b.w);
    if (q.capA.w > 0.5LF) chord += capChord(from, dir, q.a.xyz, q.capA.xyz, q.a.w);
    if (q.capB.w > 0.5LF) chord += capChord(from, dir, q.b.xyz, q.capB.xyz, q.a.w);
    return q.mass.x * chord;
}

void main() {
    const int r = int(gl_GlobalInvocationID.x);
    const int cols = h.grid.x, rows = h.grid.y;
    if (r >= rows) return;
    const bool stages = h.seed.z != 0u;
    if (r < h.open.z || r >= h.open.w) {
        if (stages)
            for (int c = 0; c < cols; ++c) imageStore(uStages, ivec2(c, r), vec4(0.0));
        return;
    }
    if (stages) {
        for (int c = 0; c < h.open.x; ++c) imageStore(uStages, ivec2(c, r), vec4(0.0));
        for (int c = h.open.y; c < cols; ++c) imageStore(uStages, ivec2(c, r), vec4(0.0));
    }
    const uint64_t seed = packUint2x32(uvec2(h.seed.x, h.seed.y));
    Rng rng = rngSeeded(seed, uint64_t(r) + 1UL);
    const int bins = int(h.seed.w);
    const double n0 = h.quanta.x, lnN0 = h.quanta.y, lo = h.quanta.z, hi = h.quanta.w;
    const bool noise = h.display.w > 0.5LF;
    const double vOffset = (0.5LF - (double(r) + 0.5LF) / double(rows)) * h.imageUp.w;
    const int tileRow = (r / FLUORO_TILE) * h.grid.z;
    for (int c = h.open.x; c < h.open.y; ++c) {
        const uint tile = uint(tileRow + c / FLUORO_TILE);
        const uint first = tiles[tile], last = tiles[tile + 1u];
        double extra[FLUORO_MATERIALS];
        for (int m = 0; m < FLUORO_MATERIALS; ++m) extra[m] = 0.0LF;
        bool touched = false;
        if (first != last) {
            const dvec3 pixel = h.detectorCentre.xyz +
                                h.imageRight.xyz * (((double(c) + 0.5LF) / double(cols) - 0.5LF) * h.imageRight.w) +
                                h.imageUp.xyz * vOffset;
            const dvec3 d = pixel - h.sourceLps.xyz;
            const dvec3 dir = d / sqrt(dot(d, d));
            for (uint i = first; i < last; ++i) {
                const FluoroPrimitive q = prim[tiles[i]];
                if (c < q.box.x || c > q.box.y || r < q.box.z || r > q.box.w) continue;
                const double m = massPath(q, h.sourceLps.xyz, dir);
                if (m > 0.0LF) {
                    extra[int(q.mass.y)] += m;
                    touched = true;
                }
            }
        }
        float t = imageLoad(uTransmission, ivec2(c, r)).x;
        if (touched) {
            const vec4 a = imageLoad(uBasis, ivec2(c, r));
            double sum = 0.0LF;
            for (int i = 0; i < bins; ++i) {
                const vec4 b = spec.bin[i];
                double att = double(b.y) * double(a.x) + double(b.z) * double(a.y) + double(b.w) * double(a.z);
                for (int m = 0; m < FLUORO_MATERIALS; ++m)
                    if (extra[m] != 0.0LF) att += double(spec.mu[m * FLUORO_MAX_BINS + i]) * extra[m];
                sum += double(b.x) * double(exp(float(-att)));
            }
            t = float(sum);
        }
        const double expected = n0 * (double(t) + double(imageLoad(uScatter, ivec2(c, r)).x));
        const double n = noise ? poisson(rng, expected) : expected;
        const float s = float(lnN0 - double(log(float(max(n, 1.0LF)))));
        imageStore(uSignal, ivec2(c, r), vec4(s, float(clamp(double(s), lo, hi)), 0.0, 0.0));
        if (stages) imageStore(uStages, ivec2(c, r), vec4(t, float(n), 0.0, 0.0));
    }
}
