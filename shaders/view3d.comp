#version 450
// The CT panel's 3D view, one invocation per pixel, front to back along a pinhole camera's ray
// (render/view3d.h states the contract; render/view3d_reference.cpp is the CPU mirror, statement
// for statement): the first crossing of the skin threshold is composited semi-transparent, the
// first voxel of a drawn class (organ, bone, vessel, tumour) ends the ray opaque. Shading is a
// headlight on the gradient: of the density for the skin, of the class's indicator for organs.
// Vessel lumens and devices are capsules intersected analytically (View3dTube) and composited in
// depth order with what the march meets.
#include "view3d_shared.h"

layout(local_size_x = VIEW3D_GROUP, local_size_y = VIEW3D_GROUP) in;
layout(set = 0, binding = VIEW3D_BINDING_DENSITY) uniform sampler3D uDensity;
layout(set = 0, binding = VIEW3D_BINDING_CLASSES) uniform usampler3D uClasses;
layout(set = 0, binding = VIEW3D_BINDING_OUT, rgba8) uniform writeonly image2D uOut;
layout(set = 0, binding = VIEW3D_BINDING_DEPTH, rgba32f) uniform writeonly image2D uDepth;
layout(std430, set = 0, binding = VIEW3D_BINDING_TUBES) readonly buffer Tubes { View3dTube tubes[]; };
layout(std430, set = 0, binding = VIEW3D_BINDING_BINS) readonly buffer Bins { uint bins[]; };
layout(push_constant) uniform Push { View3dPush p; };

const vec4 kColours[VIEW3D_CLASSES] = vec4[](VIEW3D_CLASS_COLOURS);

float density(vec3 q) { return textureLod(uDensity, (q + 0.5) / p.dims.xyz, 0.0).r; }

uint classAt(vec3 q) {
    const ivec3 i = clamp(ivec3(floor(q + 0.5)), ivec3(0), ivec3(p.dims.xyz) - 1);
    return texelFetch(uClasses, i, 0).r;
}

float indicator(vec3 q, uint c) { return classAt(q) == c ? 1.0 : 0.0; }

// Headlight: cos between the LPS gradient D (g / spacing) and the ray, computed in voxel space as
// g . dq / |g / spacing| (dq: the ray's unit LPS direction in voxels per mm).
float shade(vec3 g, vec3 dq) {
    const float n = length(g * p.invSpacing.xyz);
    const float c = n > 1e-6 ? abs(dot(g, dq)) / n : 1.0;
    return VIEW3D_AMBIENT + (1.0 - VIEW3D_AMBIENT) * min(c, 1.0);
}

// The ray (unit r from the eye, camera frame) entering capsule T: t in mm, or 1e30 when it misses.
// Closest approach first (no difference of two squares of the eye's distance: float keeps the
// hundredth of a millimetre a 0.2 mm wire needs at a metre).
float capsuleHit(View3dTube T, vec3 r) {
    const vec3 a = T.a.xyz, d = T.b.xyz - T.a.xyz;
    const float R = T.a.w, dd = dot(d, d);
    float best = 1e30;
    if (dd > 0.0) {
        const vec3 rp = r - (dot(r, d) / dd) * d;  // the ray's part across the axis
        const vec3 w = -a - (dot(-a, d) / dd) * d;  // the eye's offset from the axis
        const float s2 = dot(rp, rp);
        if (s2 > 1e-8) {
            const float tc = -dot(w, rp) / s2;
            const vec3 m = w + tc * rp;
            const float e = R * R - dot(m, m);
            if (e >= 0.0) {
                const float t = tc - sqrt(e / s2);
                const float y = dot(t * r - a, d);
                if (t > 0.0 && y >= 0.0 && y <= dd) best = t;
            }
        }
    }
    for (int end = 0; end < 2; ++end) {
        const vec3 c = end == 0 ? T.a.xyz : T.b.xyz;
        const float tc = dot(r, c);
        const vec3 m = tc * r - c;
        const float e = R * R - dot(m, m);
        if (e >= 0.0) {
            const float t = tc - sqrt(e);
            if (t > 0.0) best = min(best, t);
        }
    }
    return best;
}

// Headlight shading of capsule T where the ray meets it at t: its normal is from the nearest axis point.
float tubeShade(View3dTube T, vec3 r, float t) {
    const vec3 d = T.b.xyz - T.a.xyz;
    const float dd = dot(d, d);
    const vec3 x = t * r;
    const float f = dd > 0.0 ? clamp(dot(x - T.a.xyz, d) / dd, 0.0, 1.0) : 0.0;
    const vec3 n = x - (T.a.xyz + f * d);
    const float l = length(n);
    const float c = l > 1e-9 ? abs(dot(n, r)) / l : 1.0;
    return VIEW3D_AMBIENT + (1.0 - VIEW3D_AMBIENT) * min(c, 1.0);
}

void main() {
    const ivec2 px = ivec2(gl_GlobalInvocationID.xy);
    if (px.x >= p.size.x || px.y >= p.size.y) return;
    const float u = (2.0 * (float(px.x) + 0.5) / float(p.size.x) - 1.0) * p.params.y;
    const float v = (1.0 - 2.0 * (float(px.y) + 0.5) / float(p.size.y)) * p.params.y;
    const float len = sqrt(1.0 + u * u + v * v);
    const vec3 dq = (p.forwardQ.xyz + u * p.rightQ.xyz + v * p.upQ.xyz) / len;
    const vec3 eye = p.eyeQ.xyz;

    // The first lumen and the first device along the ray, among the tubes binned to this tile.
    const vec3 r = vec3(u, v, 1.0) / len;
    float lumenT = 1e30, deviceT = 1e30;
    int lumen = -1, device = -1;
    if (p.size.z > 0) {
        const uint tilesX = (uint(p.size.x) + VIEW3D_GROUP - 1) / VIEW3D_GROUP;
        const uint tile = uint(px.y / VIEW3D_GROUP) * tilesX + uint(px.x / VIEW3D_GROUP);
        for (uint q = bins[tile]; q < bins[tile + 1]; ++q) {
            const int i = int(bins[q]);
            const float t = capsuleHit(tubes[i], r);
            if (tubes[i].b.w > 0.5) {
                if (t < deviceT) { deviceT = t; device = i; }
            } else if (t < lumenT) {
                lumenT = t;
                lumen = i;
            }
        }
    }
    const bool lumensDrawn = p.size.w > 0;

    // Clip to the volume's box q in [-0.5, dims - 0.5]; t in mm from the eye.
    float tNear = 0.0, tFar = 1e30;
    for (int a = 0; a < 3; ++a) {
        const float hi = p.dims[a] - 0.5;
        if (abs(dq[a]) < 1e-12) {
            if (eye[a] < -0.5 || eye[a] > hi) tFar = -1.0;
        } else {
            const float ta = (-0.5 - eye[a]) / dq[a];
            const float tb = (hi - eye[a]) / dq[a];
            tNear = max(tNear, min(ta, tb));
            tFar = min(tFar, max(ta, tb));
        }
    }
    const float step = p.params.x;
    const int n = tFar > tNear ? int(ceil((tFar - tNear) / step)) : 0;

    vec3 colour = vec3(0.0);
    float alpha = 0.0, skinT = -1.0, organT = -1.0, prev = 0.0;
    bool inside = false;
    bool ended = false;
    for (int k = 0; k < n; ++k) {
        const float t = tNear + (float(k) + 0.5) * step;
        if (lumen >= 0 && lumenT <= t) {
            const float a = tubes[lumen].colour.a;
            colour += (1.0 - alpha) * a * tubeShade(tubes[lumen], r, lumenT) * tubes[lumen].colour.rgb;
            alpha += (1.0 - alpha) * a;
            lumen = -1;
        }
        if (device >= 0 && deviceT <= t) {
            colour += (1.0 - alpha) * tubeShade(tubes[device], r, deviceT) * tubes[device].colour.rgb;
            alpha = 1.0;
            device = -1;
            ended = true;
            break;
        }
        const vec3 q = eye + dq * t;
        const float rho = density(q);
        if (!inside && rho > p.params.z) {
            inside = true;
            // The crossing between this sample and the previous one, linearly interpolated.
            skinT = k == 0 ? t : t - step * (rho - p.params.z) / (rho - prev);
            const vec3 g = vec3(density(q + vec3(1, 0, 0)) - density(q - vec3(1, 0, 0)),
                                density(q + vec3(0, 1, 0)) - density(q - vec3(0, 1, 0)),
                                density(q + vec3(0, 0, 1)) - density(q - vec3(0, 0, 1)));
            const float a = p.params.w;
            colour += (1.0 - alpha) * a * shade(g, dq) * VIEW3D_SKIN_COLOUR.rgb;
            alpha += (1.0 - alpha) * a;
        }
        prev = rho;
        const uint c = classAt(q);
        if (c != 0u && c < uint(VIEW3D_CLASSES) && kColours[c].a > 0.0 &&
            !(lumensDrawn && c == VIEW3D_CLASS_ARTERY)) {
            organT = t;
            const vec3 g = vec3(indicator(q + vec3(1, 0, 0), c) - indicator(q - vec3(1, 0, 0), c),
                                indicator(q + vec3(0, 1, 0), c) - indicator(q - vec3(0, 1, 0), c),
                                indicator(q + vec3(0, 0, 1), c) - indicator(q - vec3(0, 0, 1), c));
            const float a = p.size.z > 0 ? VIEW3D_ORGAN_SEE_THROUGH : 1.0;
            colour += (1.0 - alpha) * a * shade(g, dq) * kColours[c].rgb;
            alpha += (1.0 - alpha) * a;
            ended = p.size.z == 0;
            break;
        }
    }
    // Tubes beyond the last sample or seen through an organ.
    if (!ended) {
        if (lumen >= 0 && lumenT < 1e30) {
            const float a = tubes[lumen].colour.a;
            colour += (1.0 - alpha) * a * tubeShade(tubes[lumen], r, lumenT) * tubes[lumen].colour.rgb;
            alpha += (1.0 - alpha) * a;
        }
        if (device >= 0 && deviceT < 1e30) {
            colour += (1.0 - alpha) * tubeShade(tubes[device], r, deviceT) * tubes[device].colour.rgb;
            alpha = 1.0;
        }
    }
    colour += (1.0 - alpha) * VIEW3D_BACKGROUND.rgb;
    imageStore(uOut, px, vec4(colour, 1.0));
    imageStore(uDepth, px, vec4(organT, skinT, deviceT < 1e30 ? deviceT : -1.0, lumenT < 1e30 ? lumenT : -1.0));
}
