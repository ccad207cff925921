#version 450
// The water-equivalent DRR, step for step as imaging/drr.h (the CPU reference) states it:
// clip the ray to the volume's box, march in stepMm segments (the last one shorter), sample the
// trilinear density at each segment's midpoint clamped to the voxel centres, sum length x sample.
#include "shared.h"

layout(local_size_x = DRR_GROUP, local_size_y = DRR_GROUP) in;
layout(set = 0, binding = DRR_BINDING_DENSITY) uniform sampler3D uDensity;
layout(set = 0, binding = DRR_BINDING_PATH, r32f) uniform writeonly image2D uPath;
layout(push_constant) uniform Push { DrrPush p; };

void main() {
    const int col = int(gl_GlobalInvocationID.x);
    const int row = int(gl_GlobalInvocationID.y) + p.grid.z;
    if (col >= p.grid.x || row >= p.grid.y) return;
    const vec3 d = p.firstPixelDq.xyz + float(col) * p.colStepQ.xyz + float(row) * p.rowStepQ.xyz;
    const float len = length(d * p.spacingMm.xyz);
    float sum = 0.0;
    if (len > 0.0) {
        const vec3 q0 = p.sourceQ.xyz;
        const vec3 dq = d / len;  // voxel units per mm along the ray
        float lo = 0.0, hi = len;
        bool hit = true;
        for (int a = 0; a < 3; ++a) {
            const float boxLo = -0.5, boxHi = p.dims[a] - 0.5;
            if (abs(dq[a]) < 1e-12) {
                if (q0[a] < boxLo || q0[a] > boxHi) hit = false;
                continue;
            }
            float ta = (boxLo - q0[a]) / dq[a];
            float tb = (boxHi - q0[a]) / dq[a];
            if (ta > tb) { const float t = ta; ta = tb; tb = t; }
            lo = max(lo, ta);
            hi = min(hi, tb);
        }
        if (hit && hi > lo) {
            // Texture coordinates of the segment midpoints: the full segments' midpoints advance by
            // one step each; the last segment may be shorter. The clamp of q to [0, dims - 1] is
            // what CLAMP_TO_EDGE filtering does by itself for q in [-0.5, dims - 0.5], so it is
            // not repeated here.
            const float stepMm = p.sourceQ.w;
            const int n = int(ceil((hi - lo) / stepMm));
            const vec3 invDims = 1.0 / p.dims.xyz;
            const vec3 u0 = (q0 + dq * (lo + 0.5 * stepMm) + 0.5) * invDims;
            const vec3 du = dq * stepMm * invDims;
            float full = 0.0;
            for (int k = 0; k < n - 1; ++k) full += textureLod(uDensity, u0 + float(k) * du, 0.0).r;
            const float a = lo + float(n - 1) * stepMm;
            const vec3 qLast = clamp(q0 + dq * (0.5 * (a + hi)), vec3(0.0), p.dims.xyz - 1.0);
            sum = stepMm * full + (hi - a) * textureLod(uDensity, (qLast + 0.5) * invDims, 0.0).r;
        }
    }
    imageStore(uPath, ivec2(col, row), vec4(sum));
}
