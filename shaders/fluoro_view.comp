#version 450
// Once per C-arm pose (imaging/fluoroscope.h, the FluoroscopeView): for every open-field pixel the
// path integrals of the tissue basis materials and the water path along drr.h's march (the
// composition texture holds each voxel's basis densities, so the hardware's trilinear filter gives
// exactly the CPU's stencil-weighted sum of corner compositions), the anatomy's polyenergetic
// primary transmission (stage 1) and the scatter source SPR(W) T that stage 2 then blurs.
#include "shared.h"

layout(local_size_x = DRR_GROUP, local_size_y = DRR_GROUP) in;
layout(set = 0, binding = VIEW_BINDING_COMPOSITION) uniform sampler3D uComposition;
layout(set = 0, binding = VIEW_BINDING_BASIS, rgba32f) uniform writeonly image2D uBasis;
layout(set = 0, binding = VIEW_BINDING_TRANSMISSION, r32f) uniform writeonly image2D uTransmission;
layout(set = 0, binding = VIEW_BINDING_SCATTER, rg32f) uniform writeonly image2D uScatter;
layout(set = 0, binding = VIEW_BINDING_SPECTRUM, std430) readonly buffer Spectrum { FluoroSpectrum spec; };
layout(push_constant) uniform Push { FluoroViewPush p; };

void main() {
    const ivec2 px = ivec2(gl_GlobalInvocationID.xy);
    // firstPixelDq.w: the first open-field row of this dispatch (a band of the view).
    const int col = px.x + p.open.x, row = px.y + p.open.z + int(p.firstPixelDq.w);
    if (col >= p.open.y || row >= p.open.w) return;
    const vec3 d = p.firstPixelDq.xyz + float(col) * p.colStepQ.xyz + float(row) * p.rowStepQ.xyz;
    const float len = length(d * p.spacingMm.xyz);
    vec4 sum = vec4(0.0);
    if (len > 0.0) {
        const vec3 q0 = p.sourceQ.xyz;
        const vec3 dq = d / len;
        float lo = 0.0, hi = len;
        bool hit = true;
        for (int a = 0; a < 3; ++a) {
            const float boxLo = -0.5, boxHi = p.dims[a] - 0.5;
            if (abs(dq[a]) < 1e-12) {
                if (q0[a] < boxLo || q0[a] > boxHi) hit = false;
                continue;
            }
            float ta = (boxLo - q0[a]) / dq[a], tb = (boxHi - q0[a]) / dq[a];
            if (ta > tb) { const float t = ta; ta = tb; tb = t; }
            lo = max(lo, ta);
            hi = min(hi, tb);
        }
        const float stepMm = p.sourceQ.w;
        int k0 = 0, k1 = int(ceil((hi - lo) / stepMm));
        // The preview clips to the body's box, keeping the samples on the full march's lattice.
        float clo = lo, chi = hi;
        for (int a = 0; a < 3; ++a) {
            if (abs(dq[a]) < 1e-12) {
                if (q0[a] < spec.clipLo[a] || q0[a] > spec.clipHi[a]) hit = false;
                continue;
            }
            float ta = (spec.clipLo[a] - q0[a]) / dq[a], tb = (spec.clipHi[a] - q0[a]) / dq[a];
            if (ta > tb) { const float t = ta; ta = tb; tb = t; }
            clo = max(clo, ta);
            chi = min(chi, tb);
        }
        if (hit && hi > lo && chi > clo) {
            k0 = max(0, int(floor((clo - lo) / stepMm)));
            k1 = min(k1, int(ceil((chi - lo) / stepMm)) + 1);
            const vec3 last = p.dims.xyz - 1.0;
            const vec3 invDims = 1.0 / p.dims.xyz;
            for (int k = k0; k < k1; ++k) {
                const float a = lo + float(k) * stepMm;
                const float b = min(lo + float(k + 1) * stepMm, hi);
                const vec3 q = clamp(q0 + dq * (0.5 * (a + b)), vec3(0.0), last);
                sum += (b - a) * textureLod(uComposition, (q + 0.5) * invDims, 0.0);
            }
        }
    }
    const vec3 basis = sum.xyz * 0.1;  // g/cm^3 mm -> g/cm^2
    float t = 0.0;
    const int bins = int(p.dims.w);
    for (int i = 0; i < bins; ++i) {
        const vec4 b = spec.bin[i];
        t += b.x * exp(-(b.y * basis.x + b.z * basis.y + b.w * basis.z));
    }
    imageStore(uBasis, ivec2(col, row), vec4(basis, sum.w));
    imageStore(uTransmission, ivec2(col, row), vec4(t));
    imageStore(uScatter, ivec2(col, row), vec4(p.spacingMm.w * (sum.w / 10.0) * t, 0.0, 0.0, 0.0));
}
