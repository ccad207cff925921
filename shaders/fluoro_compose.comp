#version 450
// One pulse, stage 1 of imaging/fluoroscope.h: the primary transmission T with the frame's devices
// and agents (path segments and spheres binned into spans of 8 pixels on the CPU, intersected in
// double exactly as imaging/radiopaque.cpp does); pixels no primitive touches keep the view's T.
#include "shared.h"

layout(local_size_x = FLUORO_SPAN, local_size_y = FLUORO_SPAN_ROWS) in;
layout(set = 0, binding = COMPOSE_BINDING_BASIS, rgba32f) uniform readonly image2D uBasis;
layout(set = 0, binding = COMPOSE_BINDING_PRIMARY, r32f) uniform writeonly image2D uPrimary;
layout(set = 0, binding = COMPOSE_BINDING_SPECTRUM, std430) readonly buffer Spectrum { FluoroSpectrum spec; };
layout(set = 0, binding = COMPOSE_BINDING_PULSE, std430) readonly buffer Pulse { FluoroPulseHeader h; };
layout(set = 0, binding = COMPOSE_BINDING_PRIMITIVES, std430) readonly buffer Prims { FluoroPrimitive prim[]; };
layout(set = 0, binding = COMPOSE_BINDING_TILES, std430) readonly buffer Tiles { uint tiles[]; };

// imaging/radiopaque.cpp in double (pieceChord, pieceMassPath).
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
bool clipToJoint(dvec3 from, dvec3 dir, dvec3 p, dvec4 plane, inout double t0, inout double t1) {
    const dvec3 n = plane.xyz;
    if (abs(dot(dir, n)) < 1e-15LF) {
        const double s0 = dot(from - p, n) - plane.w;
        const bool positive = n.x > 0.0LF || (n.x == 0.0LF && (n.y > 0.0LF || (n.y == 0.0LF && n.z > 0.0LF)));
        return (s0 > 0.0LF || (s0 == 0.0LF && positive)) && t1 > t0;
    }
    return clipToHalfSpace(from, dir, p + n * plane.w, n, t0, t1);
}
// A half-ball without its flat face (the cylinder holds it).
bool beyondEnd(dvec3 from, dvec3 dir, dvec3 p, dvec3 n, inout double t0, inout double t1) {
    if (abs(dot(dir, n)) < 1e-15LF) return dot(from - p, n) > 0.0LF;
    return clipToHalfSpace(from, dir, p, n, t0, t1);
}
// One loop over both ends' planes: on lavapipe a loop costs a masked pass even when it runs none.
// The primitive's ends and clip counts come in loaded once: each SSBO read is a gather per lane.
bool clipToJoints(uint k, dvec3 pa, dvec3 pb, ivec2 clips, dvec3 from, dvec3 dir, inout double t0, inout double t1) {
    const int atA = clips.x, all = atA + clips.y;
    for (int i = 0; i < all; ++i) {
        const bool a = i < atA;
        const dvec4 plane = a ? prim[k].clipA[min(i, FLUORO_MAX_CLIPS - 1)]
                              : prim[k].clipB[clamp(i - atA, 0, FLUORO_MAX_CLIPS - 1)];
        if (!clipToJoint(from, dir, a ? pa : pb, plane, t0, t1)) return false;
    }
    return true;
}
double pieceChord(uint k, dvec3 a, dvec3 b, ivec2 clips, double r, bool freeEndBalls, dvec3 from, dvec3 dir) {
    const dvec3 axisFull = b - a;
    const double len = length(axisFull);
    if (!(len > 0.0LF) || !(r > 0.0LF)) return 0.0LF;
    const dvec3 axis = axisFull / len;
    double sum = 0.0LF;
    {
        const dvec3 w = from - a;
        const dvec3 up = dir - axis * dot(dir, axis);
        const dvec3 wp = w - axis * dot(w, axis);
        const double A = dot(up, up), B = 2.0LF * dot(up, wp), C = dot(wp, wp) - r * r;
        double t0 = 0.0LF, t1 = 0.0LF;
        bool hit = true;
        if (A < 1e-15LF) {
            hit = C < 0.0LF;
            t0 = -kHuge;
            t1 = kHuge;
        } else {
            const double disc = B * B - 4.0LF * A * C;
            hit = disc > 0.0LF;
            if (hit) {
                const double s = sqrt(disc);
                t0 = (-B - s) / (2.0LF * A);
                t1 = (-B + s) / (2.0LF * A);
            }
        }
        if (hit && clipToHalfSpace(from, dir, a, axis, t0, t1) && clipToHalfSpace(from, dir, b, -axis, t0, t1) &&
            clipToJoints(k, a, b, clips, from, dir, t0, t1))
            sum += positiveLength(t0, t1);
    }
    double t0, t1;
    if ((freeEndBalls || clips.x > 0) && sphereInterval(from, dir, a, r, t0, t1) &&
        beyondEnd(from, dir, a, -axis, t0, t1) && clipToJoints(k, a, b, clips, from, dir, t0, t1))
        sum += positiveLength(t0, t1);
    if ((freeEndBalls || clips.y > 0) && sphereInterval(from, dir, b, r, t0, t1) &&
        beyondEnd(from, dir, b, axis, t0, t1) && clipToJoints(k, a, b, clips, from, dir, t0, t1))
        sum += positiveLength(t0, t1);
    return sum;
}
// A tube's wall is two items: the outer chord and, subtracted, the lumen's (item & 1).
double massPath(uint item, dvec3 from, dvec3 dir) {
    const uint k = item >> 1;
    const dvec4 qa = prim[k].a, qm = prim[k].mass;
    if (qm.z > 0.5LF) {
        double t0, t1;
        if (!sphereInterval(from, dir, qa.xyz, qa.w, t0, t1)) return 0.0LF;
        return qm.x * positiveLength(t0, t1);
    }
    const bool lumen = (item & 1u) != 0u;
    const dvec4 qb = prim[k].b;
    const double chord = pieceChord(k, qa.xyz, qb.xyz, prim[k].clips.xy, lumen ? qb.w : qa.w, !lumen, from, dir);
    return lumen ? -(qm.x * chord) : qm.x * chord;
}

void main() {
    // One span (8 pixels of a row, one SIMD vector on lavapipe) per invocation row: spans no
    // primitive's band reaches keep the view's T, copied before this pass. lavapipe runs both
    // sides of every branch, masked, but ends a loop when no lane goes on: so each span loops
    // over its own list and the intersection code runs only as often as some pixel may need it.
    const uint span = h.pad.x + 3u * (gl_WorkGroupID.x * FLUORO_SPAN_ROWS + gl_LocalInvocationID.y);
    const uint at = tiles[span];
    const int c = int(at & 0xFFFFu) + int(gl_LocalInvocationID.x);
    const int r = int(at >> 16);
    const uint first = tiles[span + 1u], last = tiles[span + 2u];
    const int cols = h.grid.x, rows = h.grid.y;
    if (first == last || c >= cols || r >= rows) return;
    if (c < h.open.x || c >= h.open.y || r < h.open.z || r >= h.open.w) return;
    const int bins = int(h.seed.w);
    {
        // Mass per material (g/cm^2), materials 4 to a vector: a local array would live in
        // scratch memory on lavapipe and slow every invocation, touched or not.
        dvec4 e0 = dvec4(0.0LF), e1 = dvec4(0.0LF), e2 = dvec4(0.0LF), e3 = dvec4(0.0LF);
        bool touched = false;
        const dvec3 pixel = h.detectorCentre.xyz +
                            h.imageRight.xyz * (((double(c) + 0.5LF) / double(cols) - 0.5LF) * h.imageRight.w) +
                            h.imageUp.xyz * ((0.5LF - (double(r) + 0.5LF) / double(rows)) * h.imageUp.w);
        const dvec3 d = pixel - h.sourceLps.xyz;
        const dvec3 dir = d / sqrt(dot(d, d));
        for (uint i = first; i < last; ++i) {
            const uint item = tiles[i], k = item >> 1;
            const ivec4 box = prim[k].box;
            if (c < box.x || c > box.y || r < box.z || r > box.w) continue;
            const double m = massPath(item, h.sourceLps.xyz, dir);
            if (m != 0.0LF) {
                const int mat = int(prim[k].mass.y);
                const ivec4 lane = ivec4(0, 1, 2, 3);
                e0 += m * dvec4(equal(ivec4(mat), lane));
                e1 += m * dvec4(equal(ivec4(mat - 4), lane));
                e2 += m * dvec4(equal(ivec4(mat - 8), lane));
                e3 += m * dvec4(equal(ivec4(mat - 12), lane));
                touched = touched || m > 0.0LF;
            }
        }
        if (touched) {
            const vec4 a = imageLoad(uBasis, ivec2(c, r));
            double sum = 0.0LF;
            for (int i = 0; i < bins; ++i) {
                const vec4 b = spec.bin[i];
                double att = double(b.y) * double(a.x) + double(b.z) * double(a.y) + double(b.w) * double(a.z);
                att += dot(dvec4(spec.mu[4 * i]), e0) + dot(dvec4(spec.mu[4 * i + 1]), e1) +
                       dot(dvec4(spec.mu[4 * i + 2]), e2) + dot(dvec4(spec.mu[4 * i + 3]), e3);
                sum += double(b.x) * double(exp(float(-att)));
            }
            imageStore(uPrimary, ivec2(c, r), vec4(float(sum)));
        }
    }
}
