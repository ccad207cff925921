#version 450
// The full-quality water-equivalent DRR by slices (Joseph's method; Joseph 1982, IEEE Trans Med
// Imaging 1:192): the ray meets each voxel plane across the view's principal axis once, and the
// density there is interpolated bilinearly within the plane (4 voxels, where a trilinear sample
// reads 8) and weighted by the ray's length inside that plane's slab. One sample per voxel plane,
// the sampling density of an exact voxel traversal (plastimatch's), clipped to the box outside
// which the CT is all air (DrrSlicesPush).
#include "shared.h"

layout(local_size_x = DRR_GROUP, local_size_y = DRR_GROUP) in;
// Layer s, texel (x, y): the densities of the 2 x 2 voxels (x, y), (x + 1, y), (x, y + 1),
// (x + 1, y + 1) of slice s (clamped to the slice), x along b, y along c: a bilinear sample is one
// texel fetch (engine/render/drr_gpu.cpp). On lavapipe that costs about 60% of a filtered sample
// of a one-channel slice, which fetched the 2 x 2 texels lane by lane (docs/rendering.md).
layout(set = 0, binding = DRR_BINDING_DENSITY) uniform sampler2DArray uQuads;
layout(set = 0, binding = DRR_BINDING_PATH, r32f) uniform writeonly image2D uPath;
layout(push_constant) uniform Push { DrrSlicesPush p; };

// The bilinear density of slice s at in-plane voxel coordinates q.
float density(vec2 q, int s, vec2 qMax, ivec2 loMax) {
    q = clamp(q, vec2(0.0), qMax);
    const ivec2 i = min(ivec2(q), loMax);  // q >= 0: the conversion is floor
    const vec2 f = q - vec2(i);
    const vec4 v = texelFetch(uQuads, ivec3(i, s), 0);
    return mix(mix(v.x, v.y, f.x), mix(v.z, v.w, f.x), f.y);
}

void main() {
    const int col = int(gl_GlobalInvocationID.x);
    const int row = int(gl_GlobalInvocationID.y);
    if (col >= int(p.boxLo.w) || row >= int(p.boxHi.w)) return;
    // Axis a across the slices; b and c within them (texel x and y).
    const int a = int(p.dims.w), b = a == 0 ? 1 : 0, c = a == 2 ? 1 : 2;
    const vec3 d = p.firstPixelDq.xyz + float(col) * p.colStepQ.xyz + float(row) * p.rowStepQ.xyz;
    const float len = length(d * p.spacingMm.xyz);
    float sum = 0.0;
    if (len > 0.0 && abs(d[a]) > 0.0) {
        const vec3 q0 = p.sourceQ.xyz;
        const vec3 dq = d / len;
        float lo = 0.0, hi = len;
        bool hit = true;
        for (int i = 0; i < 3; ++i) {
            const float boxLo = p.boxLo[i], boxHi = p.boxHi[i];
            if (abs(dq[i]) < 1e-12) {
                if (q0[i] < boxLo || q0[i] > boxHi) hit = false;
                continue;
            }
            float ta = (boxLo - q0[i]) / dq[i], tb = (boxHi - q0[i]) / dq[i];
            if (ta > tb) { const float t = ta; ta = tb; tb = t; }
            lo = max(lo, ta);
            hi = min(hi, tb);
        }
        if (hit && hi > lo) {
            // Planes p (integer q_a) whose slab [p - 0.5, p + 0.5] the ray crosses within [lo, hi].
            const float qa0 = q0[a] + dq[a] * lo, qa1 = q0[a] + dq[a] * hi;
            const int p0 = int(floor(min(qa0, qa1) + 0.5)), p1 = int(floor(max(qa0, qa1) + 0.5));
            const float perPlane = 1.0 / abs(dq[a]);  // mm of ray per slab
            const float invDqa = 1.0 / dq[a];
            // The ray's in-plane voxel coordinates (along b, c) at plane s are q0bc + s * slope.
            const vec2 slope = vec2(dq[b], dq[c]) * invDqa;  // voxels along b, c per plane
            const vec2 q0bc = vec2(q0[b], q0[c]) - q0[a] * slope;
            // Bilinear with clamp to edge, as a linear CLAMP_TO_EDGE sampler filters: q clamped to
            // [0, n - 1], the low voxel at most n - 2 (0 in a slice one voxel wide).
            const vec2 qMax = vec2(p.dims[b], p.dims[c]) - 1.0;
            const ivec2 loMax = max(ivec2(qMax) - 1, ivec2(0));
            const int s0 = max(p0, 0), s1 = min(p1, int(p.dims[a]) - 1);
            float interior = 0.0;
            for (int s = s0 + 1; s < s1; ++s) interior += density(q0bc + float(s) * slope, s, qMax, loMax);
            sum = perPlane * interior;
            // The first and last slabs: the ray's length inside them may be shorter.
            for (int e = 0; e < (s1 > s0 ? 2 : (s1 == s0 ? 1 : 0)); ++e) {
                const int s = e == 0 ? s0 : s1;
                const float tEnter = (float(s) - 0.5 * sign(dq[a]) - q0[a]) * invDqa;
                const float tLeave = (float(s) + 0.5 * sign(dq[a]) - q0[a]) * invDqa;
                const float w = clamp(min(tLeave, hi) - max(tEnter, lo), 0.0, perPlane);
                sum += w * density(q0bc + float(s) * slope, s, qMax, loMax);
            }
        }
    }
    imageStore(uPath, ivec2(col, row), vec4(sum));
}
