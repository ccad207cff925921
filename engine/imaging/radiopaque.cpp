#include "imaging/radiopaque.h"
#include "core/units.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace irsim::imaging {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// Interval [t0, t1] of the ray inside a sphere; false when it misses.
bool sphereInterval(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& c, double r,
                    double& t0, double& t1) {
    const glm::dvec3 w = from - c;
    const double b = glm::dot(w, dir);
    const double disc = b * b - (glm::dot(w, w) - r * r);
    if (disc <= 0.0) return false;
    const double h = std::sqrt(disc);
    t0 = -b - h;
    t1 = -b + h;
    return true;
}

// Narrows [t0, t1] to where dot(from + t dir - p, n) >= 0; false when nothing is left.
bool clipToHalfSpace(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& p,
                     const glm::dvec3& n, double& t0, double& t1) {
    const double s0 = glm::dot(from - p, n);
    const double ds = glm::dot(dir, n);
    if (std::abs(ds) < 1e-15) return s0 >= 0.0 && t1 > t0;
    const double tc = -s0 / ds;
    if (ds > 0.0) t0 = std::max(t0, tc);
    else t1 = std::min(t1, tc);
    return t1 > t0;
}

double positiveLength(double t0, double t1) { return std::max(0.0, t1 - std::max(t0, 0.0)); }

double cylinderChord(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& a,
                     const glm::dvec3& b, double r) {
    const glm::dvec3 axisFull = b - a;
    const double len = glm::length(axisFull);
    if (!(len > 0.0) || !(r > 0.0)) return 0.0;
    const glm::dvec3 axis = axisFull / len;
    const glm::dvec3 w = from - a;
    const glm::dvec3 up = dir - axis * glm::dot(dir, axis);
    const glm::dvec3 wp = w - axis * glm::dot(w, axis);
    const double A = glm::dot(up, up), B = 2.0 * glm::dot(up, wp), C = glm::dot(wp, wp) - r * r;
    double t0, t1;
    if (A < 1e-15) {
        // Ray along the axis: inside the infinite cylinder everywhere or nowhere.
        if (C >= 0.0) return 0.0;
        t0 = -kInf;
        t1 = kInf;
    } else {
        const double disc = B * B - 4.0 * A * C;
        if (disc <= 0.0) return 0.0;
        const double h = std::sqrt(disc);
        t0 = (-B - h) / (2.0 * A);
        t1 = (-B + h) / (2.0 * A);
    }
    if (!clipToHalfSpace(from, dir, a, axis, t0, t1)) return 0.0;
    if (!clipToHalfSpace(from, dir, b, -axis, t0, t1)) return 0.0;
    return positiveLength(t0, t1);
}

// Hemisphere of radius r at `end`, on the side of outward unit `n`.
double capChord(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& end, const glm::dvec3& n,
                double r) {
    double t0, t1;
    if (!sphereInterval(from, dir, end, r, t0, t1)) return 0.0;
    if (!clipToHalfSpace(from, dir, end, n, t0, t1)) return 0.0;
    return positiveLength(t0, t1);
}

}  // namespace

double chordThroughSphere(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& centre,
                          double radiusMm) {
    double t0, t1;
    if (!sphereInterval(from, dir, centre, radiusMm, t0, t1)) return 0.0;
    return positiveLength(t0, t1);
}

double chordThroughCylinder(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& a,
                            const glm::dvec3& b, double radiusMm) {
    return cylinderChord(from, dir, a, b, radiusMm);
}

size_t segmentCount(const RadiopaquePath& path) {
    const size_t n = path.pointsLps.size();
    return n == 0 ? 0 : (n == 1 ? 1 : n - 1);
}

double segmentMassPath(const RadiopaquePath& path, size_t k, const glm::dvec3& from, const glm::dvec3& dir) {
    const auto& p = path.pointsLps;
    // g/cm^3 x mm -> g/cm^2 needs / 10.
    const double perMm = path.gPerCm3 * 0.1;
    if (p.size() == 1) return perMm * chordThroughSphere(from, dir, p[0], path.radiusMm);
    if (k + 1 >= p.size()) return 0.0;
    const double fill = path.segmentFill.empty() ? 1.0 : path.segmentFill[k];
    if (fill <= 0.0) return 0.0;
    double chord = cylinderChord(from, dir, p[k], p[k + 1], path.radiusMm);
    if (path.innerRadiusMm > 0.0) chord -= cylinderChord(from, dir, p[k], p[k + 1], path.innerRadiusMm);
    if (k == 0 && glm::length(p[1] - p[0]) > 0.0)
        chord += capChord(from, dir, p[0], glm::normalize(p[0] - p[1]), path.radiusMm);
    if (k + 2 == p.size() && glm::length(p[k + 1] - p[k]) > 0.0)
        chord += capChord(from, dir, p[k + 1], glm::normalize(p[k + 1] - p[k]), path.radiusMm);
    return perMm * fill * chord;
}

double massPathThrough(const RadiopaquePath& path, const glm::dvec3& from, const glm::dvec3& dir) {
    double sum = 0.0;
    for (size_t k = 0; k < segmentCount(path); ++k) sum += segmentMassPath(path, k, from, dir);
    return sum;
}

RadiopaquePath guidewire(const std::vector<glm::dvec3>& points) {
    RadiopaquePath w;
    w.pointsLps = points;
    w.radiusMm = 0.25;
    w.material = Material::Nitinol;
    w.gPerCm3 = nominalDensity(Material::Nitinol);
    // The floppy tip: the core tapers; the last 30 mm carry (0.2/0.5)^2 of the core's mass.
    if (points.size() >= 2) {
        w.segmentFill.assign(points.size() - 1, 1.0f);
        double fromTip = 0.0;
        for (size_t k = points.size() - 1; k-- > 0;) {
            if (fromTip < 30.0) w.segmentFill[k] = 0.16f;
            fromTip += glm::length(points[k + 1] - points[k]);
        }
    }
    return w;
}

RadiopaquePath catheter(const std::vector<glm::dvec3>& points, double french) {
    RadiopaquePath c;
    c.pointsLps = points;
    c.radiusMm = french / 3.0 * 0.5;      // 1 French = 1/3 mm of outer diameter
    c.innerRadiusMm = 0.038 * 25.4 * 0.5;  // a 0.038" lumen
    c.innerRadiusMm = std::min(c.innerRadiusMm, 0.6 * c.radiusMm);
    c.material = Material::BariumSulfate;
    c.gPerCm3 = 0.24;  // 20% of a 1.2 g/cm^3 compound
    return c;
}

RadiopaquePath tipMarker(const glm::dvec3& tip, const glm::dvec3& direction, double outerRadiusMm) {
    RadiopaquePath m;
    const glm::dvec3 d = glm::normalize(direction);
    m.pointsLps = {tip - d * 1.0, tip};
    m.radiusMm = outerRadiusMm;
    m.innerRadiusMm = std::max(0.0, outerRadiusMm - 0.05);  // a 50 um band
    m.material = Material::Steel;
    m.gPerCm3 = nominalDensity(Material::Steel);
    return m;
}

RadiopaquePath needle(const glm::dvec3& hub, const glm::dvec3& tip, double gauge) {
    // Outer diameters (ISO 9626): 11 G 3.05, 13 G 2.41, 15 G 1.83, 18 G 1.27, 20 G 0.91, 22 G 0.72 mm.
    struct G { double gauge, od; };
    static const G table[] = {{11, 3.05}, {13, 2.41}, {15, 1.83}, {18, 1.27}, {20, 0.91}, {22, 0.72}};
    double od = table[3].od;
    for (const G& g : table)
        if (std::abs(g.gauge - gauge) < 0.5) od = g.od;
    RadiopaquePath n;
    n.pointsLps = {hub, tip};
    n.radiusMm = 0.5 * od;
    n.material = Material::Steel;
    n.gPerCm3 = nominalDensity(Material::Steel);
    return n;
}

RadiopaquePath contrastInVessel(const std::vector<glm::dvec3>& centreline, double lumenRadiusMm,
                                double mgIodinePerMl) {
    RadiopaquePath v;
    v.pointsLps = centreline;
    v.radiusMm = lumenRadiusMm;
    v.material = Material::Iodine;
    v.gPerCm3 = mgIodinePerMl * 1e-3;  // mg/ml = 1e-3 g/cm^3
    return v;
}

RadiopaqueSphere contrastBlob(const glm::dvec3& centre, double radiusMm, double mgIodinePerMl) {
    return {centre, radiusMm, Material::Iodine, mgIodinePerMl * 1e-3};
}

RadiopaqueSphere cementBlob(const glm::dvec3& centre, double radiusMm) {
    return {centre, radiusMm, Material::BariumSulfate, 0.30 * 1.6};
}

void appendAsSpheres(const SparseVoxelDensity& density, FrameContents& out) {
    const auto& g = density.grid;
    // A sphere of the voxel's volume carries its mass: r = (3V / 4 pi)^(1/3).
    const double r = std::cbrt(3.0 * g.spacing.x * g.spacing.y * g.spacing.z / (4.0 * kPi));
    for (size_t i = 0; i < density.voxels.size() && i < density.gPerCm3.size(); ++i) {
        if (!(density.gPerCm3[i] > 0.0f)) continue;
        out.spheres.push_back({g.voxelToPatient(glm::dvec3(density.voxels[i])), r, density.material,
                               static_cast<double>(density.gPerCm3[i])});
    }
}

}  // namespace irsim::imaging
