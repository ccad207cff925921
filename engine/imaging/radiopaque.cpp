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

// Interval [t0, t1] of the ray inside the infinite cylinder of radius r round the line through a
// along unit `axis`, cut by the planes square to it at a and b; false when it misses.
bool cylinderInterval(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& a, const glm::dvec3& b,
                      const glm::dvec3& axis, double r, double& t0, double& t1) {
    const glm::dvec3 w = from - a;
    const glm::dvec3 up = dir - axis * glm::dot(dir, axis);
    const glm::dvec3 wp = w - axis * glm::dot(w, axis);
    const double A = glm::dot(up, up), B = 2.0 * glm::dot(up, wp), C = glm::dot(wp, wp) - r * r;
    if (A < 1e-15) {
        // Ray along the axis: inside the infinite cylinder everywhere or nowhere.
        if (C >= 0.0) return false;
        t0 = -kInf;
        t1 = kInf;
    } else {
        const double disc = B * B - 4.0 * A * C;
        if (disc <= 0.0) return false;
        const double h = std::sqrt(disc);
        t0 = (-B - h) / (2.0 * A);
        t1 = (-B + h) / (2.0 * A);
    }
    return clipToHalfSpace(from, dir, a, axis, t0, t1) && clipToHalfSpace(from, dir, b, -axis, t0, t1);
}

double cylinderChord(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& a,
                     const glm::dvec3& b, double r) {
    const glm::dvec3 axisFull = b - a;
    const double len = glm::length(axisFull);
    if (!(len > 0.0) || !(r > 0.0)) return 0.0;
    double t0, t1;
    return cylinderInterval(from, dir, a, b, axisFull / len, r, t0, t1) ? positiveLength(t0, t1) : 0.0;
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

namespace {

// The cut planes at an end of a segment of calibre `radius` whose own direction from there is
// `own`. Among pieces of like calibre, a mitre with each (the bisecting plane); a narrower piece
// starts where its axis leaves the widest others: their cylinder when it runs along one of them,
// their ball at the joint when it turns back. None at a free end. A neighbour folding straight back
// onto the segment gives no usable mitre and is skipped.
int jointClips(const glm::dvec3& own, double radius, const PathJoin* neighbours, size_t count, glm::dvec4* out) {
    double widest = radius;
    for (size_t i = 0; i < count; ++i) widest = std::max(widest, neighbours[i].radiusMm);
    int n = 0;
    if (radius < kJoinCalibre * widest) {
        double start = 0.0;
        for (size_t i = 0; i < count; ++i) {
            const PathJoin& j = neighbours[i];
            if (j.radiusMm < kJoinCalibre * widest) continue;
            const double c = glm::dot(own, j.direction);
            const double sine = std::sqrt(std::max(0.0, 1.0 - c * c));
            // Along a wide piece: where the axis leaves its cylinder (at most 4 radii in, for a
            // branch leaving at a shallow angle); turning away from it: out of its ball.
            start = std::max(start, c > 0.0 ? j.radiusMm / std::max(sine, 0.25) : j.radiusMm);
        }
        out[n++] = glm::dvec4(own, start);
        return n;
    }
    for (size_t i = 0; i < count; ++i) {
        if (neighbours[i].radiusMm < kJoinCalibre * widest) continue;
        const glm::dvec3 m = own - neighbours[i].direction;
        if (glm::length(m) < 1e-6 || n == kMaxJointClips) continue;
        out[n++] = glm::dvec4(glm::normalize(m), 0.0);
    }
    return n;
}

// clipToHalfSpace for a joint's plane, which the two pieces on either side share with opposite
// normals: a ray lying in the plane (an AP ray through vessels that branch in the image plane)
// goes to exactly one of them, the one whose normal is lexicographically positive.
bool clipToJoint(const glm::dvec3& from, const glm::dvec3& dir, const glm::dvec3& p, const glm::dvec4& plane,
                 double& t0, double& t1) {
    const glm::dvec3 n(plane);
    if (std::abs(glm::dot(dir, n)) < 1e-15) {
        const double s0 = glm::dot(from - p, n) - plane.w;
        const bool positive = n.x > 0.0 || (n.x == 0.0 && (n.y > 0.0 || (n.y == 0.0 && n.z > 0.0)));
        return (s0 > 0.0 || (s0 == 0.0 && positive)) && t1 > t0;
    }
    return clipToHalfSpace(from, dir, p + n * plane.w, n, t0, t1);
}

bool clipToJoints(const SegmentPiece& s, const glm::dvec3& from, const glm::dvec3& dir, double& t0, double& t1) {
    for (int i = 0; i < s.clipsA; ++i)
        if (!clipToJoint(from, dir, s.a, s.clipA[i], t0, t1)) return false;
    for (int i = 0; i < s.clipsB; ++i)
        if (!clipToJoint(from, dir, s.b, s.clipB[i], t0, t1)) return false;
    return true;
}

// The ray's chord through the piece at radius r: the cylinder between the end planes, and the
// half-balls beyond each end (a free end's cap; at a joint, what of the joint's ball is this
// piece's side), all cut by the joint planes. `balls`: at a free end too (the solid rod's caps) or
// only at joints (a tube's lumen, open at a joint, closed at a free end as the cap is).
double pieceChord(const SegmentPiece& s, double r, bool freeEndBalls, const glm::dvec3& from, const glm::dvec3& dir) {
    const glm::dvec3 axisFull = s.b - s.a;
    const double len = glm::length(axisFull);
    if (!(len > 0.0) || !(r > 0.0)) return 0.0;
    const glm::dvec3 axis = axisFull / len;
    double sum = 0.0;
    double t0, t1;
    if (cylinderInterval(from, dir, s.a, s.b, axis, r, t0, t1) && clipToJoints(s, from, dir, t0, t1))
        sum += positiveLength(t0, t1);
    // The half-balls leave out their flat face, which the cylinder holds: a ray lying in an end's
    // plane crosses the piece once.
    const auto beyond = [&](const glm::dvec3& p, const glm::dvec3& n, double& u0, double& u1) {
        return std::abs(glm::dot(dir, n)) < 1e-15 ? glm::dot(from - p, n) > 0.0 : clipToHalfSpace(from, dir, p, n, u0, u1);
    };
    if ((freeEndBalls || s.joinedA) && sphereInterval(from, dir, s.a, r, t0, t1) && beyond(s.a, -axis, t0, t1) &&
        clipToJoints(s, from, dir, t0, t1))
        sum += positiveLength(t0, t1);
    if ((freeEndBalls || s.joinedB) && sphereInterval(from, dir, s.b, r, t0, t1) && beyond(s.b, axis, t0, t1) &&
        clipToJoints(s, from, dir, t0, t1))
        sum += positiveLength(t0, t1);
    return sum;
}

}  // namespace

SegmentPiece segmentPiece(const RadiopaquePath& path, size_t k) {
    const auto& p = path.pointsLps;
    SegmentPiece s;
    if (p.size() < 2 || k + 1 >= p.size()) return s;
    s.a = p[k];
    s.b = p[k + 1];
    s.radiusMm = path.radiusMm;
    s.innerRadiusMm = path.innerRadiusMm;
    const double fill = path.segmentFill.empty() ? 1.0 : path.segmentFill[k];
    if (!(fill > 0.0) || !(glm::length(s.b - s.a) > 0.0)) return s;
    // g/cm^3 x mm -> g/cm^2 needs / 10.
    s.gPerCm2PerMm = path.gPerCm3 * 0.1 * fill;
    const glm::dvec3 forward = glm::normalize(s.b - s.a);
    const auto direction = [](const glm::dvec3& from, const glm::dvec3& to) {
        const glm::dvec3 d = to - from;
        return glm::length(d) > 0.0 ? glm::normalize(d) : glm::dvec3(0.0);
    };
    const PathJoin previous{k > 0 ? direction(p[k], p[k - 1]) : glm::dvec3(0.0), path.radiusMm};
    const PathJoin next{k + 2 < p.size() ? direction(p[k + 1], p[k + 2]) : glm::dvec3(0.0), path.radiusMm};
    const double atStart = path.startRadiusMm > 0.0 ? path.startRadiusMm : path.radiusMm;
    const double atEnd = path.endRadiusMm > 0.0 ? path.endRadiusMm : path.radiusMm;
    s.clipsA = k > 0 ? jointClips(forward, path.radiusMm, &previous, 1, s.clipA)
                     : jointClips(forward, atStart, path.startJoins.data(), path.startJoins.size(), s.clipA);
    s.clipsB = k + 2 < p.size() ? jointClips(-forward, path.radiusMm, &next, 1, s.clipB)
                                : jointClips(-forward, atEnd, path.endJoins.data(), path.endJoins.size(), s.clipB);
    s.joinedA = s.clipsA > 0;
    s.joinedB = s.clipsB > 0;
    return s;
}

double pieceMassPath(const SegmentPiece& s, const glm::dvec3& from, const glm::dvec3& dir) {
    if (!(s.gPerCm2PerMm > 0.0)) return 0.0;
    double chord = pieceChord(s, s.radiusMm, true, from, dir);
    if (s.innerRadiusMm > 0.0) chord -= pieceChord(s, s.innerRadiusMm, false, from, dir);
    return s.gPerCm2PerMm * chord;
}

double segmentMassPath(const RadiopaquePath& path, size_t k, const glm::dvec3& from, const glm::dvec3& dir) {
    const auto& p = path.pointsLps;
    if (p.size() == 1) return path.gPerCm3 * 0.1 * chordThroughSphere(from, dir, p[0], path.radiusMm);
    return pieceMassPath(segmentPiece(path, k), from, dir);
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
