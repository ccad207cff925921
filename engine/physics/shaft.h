#pragma once
// The needle shaft as a chain of rigid segments joined by rotational springs: the discrete
// Euler-Bernoulli cantilever. A shaft held in bone (clamped where it enters the cortex) and
// pushed sideways at the hub bends like a cantilever; its deflection must match
// delta = F L^3 / (3 E I) for small loads. Joints sit at segment midpoints (x = (i + 1/2) L/N)
// with stiffness E I / (L/N), the midpoint rule, so the linear error is -1/(4 N^2).
// Quasi-static: a needle's inertia is negligible at hand speeds, so the shape is the static
// equilibrium under the current load, solved by fixed-point iteration on the bent geometry (the
// lever arms follow the deflected shape, so large deflections stiffen as a real shaft does).
#include <vector>

#include <glm/glm.hpp>

#include "physics/devices.h"

namespace irsim::physics {

struct ShaftShape {
    std::vector<glm::dvec3> nodes;      // LPS mm, clamp point first, loaded end last (N + 2)
    glm::dvec3 tipDeflectionMm{0.0};    // loaded end minus its unloaded position
    double baseMomentNmm = 0.0;         // bending moment at the clamp
    double maxStressNPerMm2 = 0.0;      // M c / I at the clamp (c = outer radius)
    bool yielded = false;               // stress above the material's yield: a bent needle
};

struct CantileverLoad {
    glm::dvec3 clampLps{0.0};           // where the shaft is held (bone entry)
    glm::dvec3 axis{0.0, 0.0, 1.0};     // unit, from the clamp toward the loaded (hub) end
    double freeLengthMm = 50.0;         // clamp to load point
    glm::dvec3 loadN{0.0};              // force at the free end, N
    int segments = 20;
    bool geometricNonlinear = true;     // false: small-deflection (linear) beam
};

// Static shape of the clamped shaft under an end load. `out` is reused (no allocation once sized).
void bendCantilever(const NeedleDef& needle, const CantileverLoad& load, ShaftShape& out);

// End force (N, perpendicular to the axis) that holds the free end displaced sideways by
// `deflectionMm`: the hub force a trainee feels when levering a trocar held in bone.
double lateralForceForDeflectionN(const NeedleDef& needle, double freeLengthMm, double deflectionMm,
                                  int segments = 20);

}  // namespace irsim::physics
