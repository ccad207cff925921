#include "physics/shaft.h"

#include <cmath>

namespace irsim::physics {

namespace {

// Rotate v about unit axis k by angle a (Rodrigues).
glm::dvec3 rotate(const glm::dvec3& v, const glm::dvec3& k, double a) {
    double c = std::cos(a), s = std::sin(a);
    return v * c + glm::cross(k, v) * s + k * glm::dot(k, v) * (1.0 - c);
}

// Node positions for the given joint rotation vectors (rad, LPS axes). Segment lengths: half,
// N-1 full, half. Rotations accumulate from the clamp outward.
void buildNodes(const CantileverLoad& l, const std::vector<glm::dvec3>& rot, std::vector<glm::dvec3>& nodes) {
    int n = l.segments;
    double seg = l.freeLengthMm / n;
    nodes.resize(static_cast<size_t>(n) + 2);
    nodes[0] = l.clampLps;
    glm::dvec3 dir = glm::normalize(l.axis);
    nodes[1] = nodes[0] + dir * (0.5 * seg);
    for (int i = 0; i < n; ++i) {
        double a = glm::length(rot[i]);
        if (a > 0.0) dir = glm::normalize(rotate(dir, rot[i] / a, a));
        double len = (i == n - 1) ? 0.5 * seg : seg;
        nodes[i + 2] = nodes[i + 1] + dir * len;
    }
}

}  // namespace

void bendCantilever(const NeedleDef& needle, const CantileverLoad& load, ShaftShape& out) {
    const int n = load.segments;
    const double seg = load.freeLengthMm / n;
    const double ei = flexuralRigidityNmm2(needle);
    std::vector<glm::dvec3> rot(static_cast<size_t>(n), glm::dvec3(0.0));

    // Joint i carries the moment of the end load about itself: M = (r_end - r_joint) x F.
    // Linear: lever arms on the straight axis. Nonlinear: on the current bent shape, iterated to
    // a fixed point (relaxed so large loads converge).
    buildNodes(load, rot, out.nodes);
    int iterations = load.geometricNonlinear ? 60 : 1;
    for (int it = 0; it < iterations; ++it) {
        const glm::dvec3 end = out.nodes.back();
        for (int i = 0; i < n; ++i) {
            glm::dvec3 m = glm::cross(end - out.nodes[i + 1], load.loadN);
            glm::dvec3 target = m * (seg / ei);
            rot[i] = (it == 0) ? target : 0.5 * rot[i] + 0.5 * target;
        }
        buildNodes(load, rot, out.nodes);
    }
    glm::dvec3 straightEnd = load.clampLps + glm::normalize(load.axis) * load.freeLengthMm;
    out.tipDeflectionMm = out.nodes.back() - straightEnd;
    out.baseMomentNmm = glm::length(glm::cross(out.nodes.back() - out.nodes[0], load.loadN));
    double c = 0.5 * needle.outerDiameterMm;
    out.maxStressNPerMm2 = out.baseMomentNmm * c / secondMomentMm4(needle);
    out.yielded = out.maxStressNPerMm2 > yieldStressNPerMm2(needle.material);
}

double lateralForceForDeflectionN(const NeedleDef& needle, double freeLengthMm, double deflectionMm,
                                  int segments) {
    // Secant on the nonlinear chain, started from the linear answer 3 E I delta / L^3.
    double ei = flexuralRigidityNmm2(needle);
    double f0 = 3.0 * ei * deflectionMm / (freeLengthMm * freeLengthMm * freeLengthMm);
    if (deflectionMm == 0.0) return 0.0;
    CantileverLoad l;
    l.clampLps = glm::dvec3(0.0);
    l.axis = glm::dvec3(0.0, 0.0, 1.0);
    l.freeLengthMm = freeLengthMm;
    l.segments = segments;
    ShaftShape s;
    auto deflect = [&](double f) {
        l.loadN = glm::dvec3(f, 0.0, 0.0);
        bendCantilever(needle, l, s);
        return s.tipDeflectionMm.x;
    };
    double fa = f0, da = deflect(fa);
    double fb = f0 * 1.1, db = deflect(fb);
    for (int it = 0; it < 20 && db != da; ++it) {
        double fc = fb + (deflectionMm - db) * (fb - fa) / (db - da);
        fa = fb; da = db;
        fb = fc; db = deflect(fb);
    }
    return fb;
}

}  // namespace irsim::physics
