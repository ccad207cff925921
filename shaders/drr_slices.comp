#version 450
// The full-quality water-equivalent DRR by slices (Joseph's method; Joseph 1982, IEEE Trans Med
// Imaging 1:192): the ray meets each voxel plane across the view's principal axis once, and the
// density there is interpolated bilinearly within the plane (4 texels, where a trilinear sample
// reads 8) and weighted by the ray's length inside that plane's slab. One sample per voxel plane,
// the sampling density of an exact voxel traversal (plastimatch's), clipped to the box outside
// which the CT is all air (DrrSlicesPush).
#include "shared.h"

layout(local_size_x = DRR_GROUP, local_size_y = DRR_GROUP) in;
layout(set = 0, binding = DRR_BINDING_DENSITY) uniform sampler2DArray uSlices;  // layers along the axis
layout(set = 0, binding = DRR_BINDING_PATH, r32f) uniform writeonly image2D uPath;
layout(push_constant) uniform Push { DrrSlicesPush p; };

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
            // Texture coordinates within plane s are linear in s: uv = uv0 + s duv.
            const vec2 inv = 1.0 / vec2(p.dims[b], p.dims[c]);
            const vec2 slope = vec2(dq[b], dq[c]) * invDqa;  // voxels along b, c per plane
            const vec2 uv0 = (vec2(q0[b], q0[c]) - q0[a] * slope + 0.5) * inv;
            const vec2 duv = slope * inv;
            const int s0 = max(p0, 0), s1 = min(p1, int(p.dims[a]) - 1);
            float interior = 0.0;
            for (int s = s0 + 1; s < s1; ++s) interior += textureLod(uSlices, vec3(uv0 + float(s) * duv, float(s)), 0.0).r;
            sum = perPlane * interior;
            // The first and last slabs: the ray's length inside them may be shorter.
            for (int e = 0; e < (s1 > s0 ? 2 : (s1 == s0 ? 1 : 0)); ++e) {
                const int s = e == 0 ? s0 : s1;
                const float tEnter = (float(s) - 0.5 * sign(dq[a]) - q0[a]) * invDqa;
                const float tLeave = (float(s) + 0.5 * sign(dq[a]) - q0[a]) * invDqa;
                const float w = clamp(min(tLeave, hi) - max(tEnter, lo), 0.0, perPlane);
                sum += w * textureLod(uSlices, vec3(uv0 + float(s) * duv, float(s)), 0.0).r;
            }
        }
    }
    imageStore(uPath, ivec2(col, row), vec4(sum));
}
