#version 450
// A plane of the CT with a window/level: Hounsfield units from the water-equivalent density
// texture (HU = 1000 (rho - 1), exact above -1000 HU), black outside the scanned volume.
#include "shared.h"

layout(local_size_x = 16, local_size_y = 16) in;
layout(set = 0, binding = SLICE_BINDING_DENSITY) uniform sampler3D uDensity;
layout(set = 0, binding = SLICE_BINDING_OUT, rgba8) uniform writeonly image2D uOut;
layout(push_constant) uniform Push { CtSlicePush p; };

void main() {
    const ivec2 px = ivec2(gl_GlobalInvocationID.xy);
    if (px.x >= p.size.x || px.y >= p.size.y) return;
    const vec3 q = p.originQ.xyz + float(px.x) * p.colStepQ.xyz + float(px.y) * p.rowStepQ.xyz;
    float grey = 0.0;
    if (all(greaterThanEqual(q, vec3(-0.5))) && all(lessThanEqual(q, p.dims.xyz - 0.5))) {
        const float hu = 1000.0 * (textureLod(uDensity, (q + 0.5) / p.dims.xyz, 0.0).r - 1.0);
        grey = clamp((hu - (p.window.x - 0.5 * p.window.y)) / p.window.y, 0.0, 1.0);
    }
    imageStore(uOut, px, vec4(grey, grey, grey, 1.0));
}
