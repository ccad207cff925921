#version 450
// The open-field box mean of imaging/fluoroscope.h along one direction: each output pixel is the
// mean of the open-field pixels within `radius` of it on its row (or column). One invocation per
// line with a running sum in double, so the cost does not grow with the radius.
#include "shared.h"

layout(local_size_x = FLUORO_LINE_GROUP) in;
layout(set = 0, binding = BOX_BINDING_IN, rg32f) uniform readonly image2D uIn;
layout(set = 0, binding = BOX_BINDING_OUT, rg32f) uniform writeonly image2D uOut;
layout(push_constant) uniform Push { BoxFilterPush p; };

ivec2 at(int line, int i) { return p.radius.z != 0 ? ivec2(line, i) : ivec2(i, line); }

void main() {
    const bool vertical = p.radius.z != 0;
    const int line = int(gl_GlobalInvocationID.x) + (vertical ? p.open.x : p.open.z);
    const int lineEnd = vertical ? p.open.y : p.open.w;
    if (line >= lineEnd) return;
    const int b0 = vertical ? p.open.z : p.open.x, b1 = vertical ? p.open.w : p.open.y;
    const int r0 = p.radius.x, r1 = p.radius.y;
    dvec2 sum = dvec2(0.0);
    // Windows [i - r, i + r] clipped to [b0, b1): start with [b0, b0 + r].
    for (int i = b0; i <= min(b1 - 1, b0 + r0); ++i) sum.x += double(imageLoad(uIn, at(line, i)).x);
    for (int i = b0; i <= min(b1 - 1, b0 + r1); ++i) sum.y += double(imageLoad(uIn, at(line, i)).y);
    for (int i = b0; i < b1; ++i) {
        const int n0 = min(b1 - 1, i + r0) - max(b0, i - r0) + 1;
        const int n1 = min(b1 - 1, i + r1) - max(b0, i - r1) + 1;
        imageStore(uOut, at(line, i), vec4(float(sum.x / double(n0)), float(sum.y / double(n1)), 0.0, 0.0));
        if (i + r0 + 1 < b1) sum.x += double(imageLoad(uIn, at(line, i + r0 + 1)).x);
        if (i - r0 >= b0) sum.x -= double(imageLoad(uIn, at(line, i - r0)).x);
        if (i + r1 + 1 < b1) sum.y += double(imageLoad(uIn, at(line, i + r1 + 1)).y);
        if (i - r1 >= b0) sum.y -= double(imageLoad(uIn, at(line, i - r1)).y);
    }
}
