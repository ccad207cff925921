#version 450
// One explicit step of the Pennes bioheat solver exactly as therapy/bioheat.cpp (stepBioheatBy,
// the CPU reference) states it, heat only (no freezing), a probe well's scaled faces included.
// Pass 0: every cell's enthalpy from the previous step's temperatures; pass 1: temperature from
// enthalpy, held cells reset, damage and extremes. Enthalpy and the face sums are double, as on the
// CPU; the Arrhenius and CEM43 rates are float (GLSL has no double exp).
#extension GL_ARB_gpu_shader_fp64 : enable
#include "shared.h"

layout(local_size_x = BIOHEAT_GROUP) in;
layout(push_constant) uniform Push { BioheatPush p; };
layout(std430, binding = BIOHEAT_BINDING_CELLS) readonly buffer Cells { uint cells[]; };
layout(std430, binding = BIOHEAT_BINDING_SOURCE) readonly buffer Source { float source[]; };
layout(std430, binding = BIOHEAT_BINDING_CONDUCTANCE) readonly buffer Conductance { float g[]; };
layout(std430, binding = BIOHEAT_BINDING_ENTHALPY) buffer Enthalpy { double H[]; };
layout(std430, binding = BIOHEAT_BINDING_TEMPERATURE) buffer Temperature { float T[]; };
layout(std430, binding = BIOHEAT_BINDING_OMEGA) buffer Omega { float omega[]; };
layout(std430, binding = BIOHEAT_BINDING_CEM43) buffer Cem43 { float cem43[]; };
layout(std430, binding = BIOHEAT_BINDING_PERFUSED) buffer Perfused { float perfused[]; };
layout(std430, binding = BIOHEAT_BINDING_MAXC) buffer MaxC { float maxC[]; };
layout(std430, binding = BIOHEAT_BINDING_MINC) buffer MinC { float minC[]; };
layout(std430, binding = BIOHEAT_BINDING_MATERIALS) readonly buffer Materials { double mat[]; };
layout(std430, binding = BIOHEAT_BINDING_HOTTEST) buffer Hottest { uint hottest; };
layout(std430, binding = BIOHEAT_BINDING_FACE_SCALE) readonly buffer FaceScale { float heldFaceScale[]; };

// therapy::CellRole
const uint kTissue = 0u, kApplicator = 3u;
// therapy/bioheat.cpp: perfusion stops at 271 K; damage accumulates from 40 degC.
const double kPerfusionStopsBelowC = 271.0lf - 273.15lf;
const float kDamageFromC = 40.0;

uint role(uint c) { return (cells[c] >> 8) & 0xffu; }
uint materialOf(uint c) { return cells[c] & 0xffu; }
uint groupOf(uint c) { return (cells[c] >> 16) & 0xffu; }
bool groupHeld(uint c) { uint gr = groupOf(c); return gr < BIOHEAT_MAX_GROUPS && (p.held.x & (1 << gr)) != 0; }
bool isHeld(uint c) { uint r = role(c); return r != kTissue && !(r == kApplicator && !groupHeld(c)); }
// A held applicator cell's scale on its faces to tissue (1 for every other cell).
double faceScale(uint c) { return role(c) == kApplicator && groupHeld(c) ? double(heldFaceScale[c]) : 1.0lf; }

// One face's heat into the cell, W; beside a probe well the CPU's (g * scale) * dT, else g * dT.
double face(uint nb, float gf, double tc, bool scaled) {
    return scaled ? double(gf) * faceScale(nb) * (double(T[nb]) - tc) : double(gf) * (double(T[nb]) - tc);
}

// The material's curve: tC at 0, h at 6, slope at 12, invSlope at 19.
double curveTemperature(uint base, double h) {
    if (h >= mat[base + 7] && h < mat[base + 8]) return mat[base + 1] + (h - mat[base + 7]) * mat[base + 21];
    if (h < mat[base + 6]) return mat[base + 0] + (h - mat[base + 6]) * mat[base + 19];
    uint i = 0u;
    while (i < 5u && h >= mat[base + 6u + i + 1u]) ++i;
    return mat[base + i] + (h - mat[base + 6u + i]) * mat[base + 19u + i + 1u];
}

double curveEnthalpy(uint base, double t) {
    if (t < mat[base + 0]) return mat[base + 6] + mat[base + 12] * (t - mat[base + 0]);
    uint i = 0u;
    while (i < 5u && t >= mat[base + i + 1u]) ++i;
    return mat[base + 6u + i] + mat[base + 12u + i + 1u] * (t - mat[base + i]);
}

void main() {
    const uint c = (gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * BIOHEAT_GROUP + gl_LocalInvocationID.x;
    if (c >= uint(p.held.y)) return;
    const uint base = materialOf(c) * BIOHEAT_MATERIAL_STRIDE;
    const double dt = p.step.x;
    if (p.dims.w == 0) {
        const uint dx = uint(p.dims.x), dy = uint(p.dims.y), dz = uint(p.dims.z);
        const uint i = c % dx, j = (c / dx) % dy, k = c / (dx * dy);
        const uint sy = dx, sz = dx * dy, n = uint(p.held.y);
        const double tc = double(T[c]);
        if (isHeld(c)) return;
        // The faces in the CPU's order, each term in double.
        const bool scaled = (cells[c] & BIOHEAT_BESIDE_SCALED_HELD) != 0u;
        double q = 0.0lf;
        if (i > 0u) q += face(c - 1u, g[c - 1u], tc, scaled);
        if (i + 1u < dx) q += face(c + 1u, g[c], tc, scaled);
        if (j > 0u) q += face(c - sy, g[n + c - sy], tc, scaled);
        if (j + 1u < dy) q += face(c + sy, g[n + c], tc, scaled);
        if (k > 0u) q += face(c - sz, g[2u * n + c - sz], tc, scaled);
        if (k + 1u < dz) q += face(c + sz, g[2u * n + c], tc, scaled);
        double perf = 0.0lf;
        if (tc > kPerfusionStopsBelowC)
            perf = mat[base + 26] * double(perfused[c]) * (p.step.w - tc);
        const double src = p.step.y * double(source[c]);
        H[c] += dt * (q + perf + src) / p.step.z;
        return;
    }
    double t;
    const uint r = role(c);
    if (r == kApplicator && groupHeld(c)) {
        t = double(p.groupC[groupOf(c)]);
        H[c] = curveEnthalpy(base, t);
    } else if (isHeld(c)) {
        return;
    } else {
        t = curveTemperature(base, H[c]);
    }
    const float tf = float(t);
    T[c] = tf;
    if (t > double(kDamageFromC)) {
        const float rate = exp(float(mat[base + 27] - mat[base + 28] / (t + 273.15lf)));
        const float cemPerMin = exp2(float(43.0lf - t) * (t >= 43.0lf ? -1.0 : -2.0));
        omega[c] += float(dt * double(rate));
        cem43[c] += float(dt / 60.0lf * double(cemPerMin));
        perfused[c] = exp(-omega[c]);
    }
    if (r == kTissue) atomicMax(hottest, floatBitsToUint(max(tf, 0.0)));
    maxC[c] = max(maxC[c], tf);
    minC[c] = min(minC[c], tf);
}
