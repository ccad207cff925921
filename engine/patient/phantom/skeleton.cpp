// The phantom's skeleton: vertebrae with bodies, pedicles, laminae, spinous, transverse and
// articular processes (cortical shell over cancellous bone), discs, the spinal canal and cord, ribs
// with costal cartilages, sacrum, hip bones and femurs; and the vertebral landmarks.
#include <cmath>
#include <string>
#include <vector>

#include "patient/labels.h"
#include "patient/phantom/anatomy.h"
#include "core/units.h"

namespace irsim::patient::phantom {

namespace L = labels;

namespace {

constexpr double kDeg = kDegToRad;

bool isLumbar(const VertebraLayout& v) { return v.dim.level[0] == 'L'; }

// Cortical shell over cancellous bone: HU from the depth below the surface (d < 0 inside).
struct BoneHu {
    double shellMm, cancellous;
    double operator()(const dvec3&, double d) const {
        const double f = std::clamp((d + shellMm) / 1.5 + 0.5, 0.0, 1.0);
        return cancellous + (hu::cortical - cancellous) * f;
    }
};

// Vertebral bone: the shell as above over cancellous bone with a trabecular texture. The texture is
// smooth noise in cells taller than wide (the vertical trabeculae that carry the load dominate, and
// show as vertical striation on radiographs), +-25% of the cancellous CT number, so the mean stays
// that of the published cancellous attenuation and no voxel reaches the cortical threshold.
struct VertebralBoneHu {
    double shellMm, cancellous;
    uint64_t seed;
    double yFull, yNone;  // the texture is full in front of yFull and absent behind yNone
    double operator()(const dvec3& p, double d) const {
        // The texture fades in below the shell's blend, so the cortex keeps its CT numbers (and the
        // needle and cement models their cortical walls), and only in the body's front half: the
        // pedicles and the back of the body, where the trocar is tapped through, stay uniform.
        const double depth = std::clamp((-d - shellMm - 1.5) / 1.5, 0.0, 1.0) *
                             std::clamp((yNone - p.y) / (yNone - yFull), 0.0, 1.0);
        if (depth <= 0.0) return BoneHu{shellMm, cancellous}(p, d);
        const double n = 0.65 * smoothNoise(p, {1.6, 1.6, 4.0}, seed) + 0.35 * smoothNoise(p, {0.9, 0.9, 2.2}, seed + 1);
        return BoneHu{shellMm, cancellous * (1.0 + 0.5 * depth * (n - 0.5))}(p, d);
    }
};

// The intersection of two shapes with the edge where their surfaces meet rounded to radius r; the
// faces away from the edge stay in place.
double roundedIntersection(double a, double b, double r) {
    const double ua = std::max(a + r, 0.0), ub = std::max(b + r, 0.0);
    return std::min(std::max(a, b), -r) + r + hypotNonNegative(ua, ub) - r;
}

// A tube of elliptic section from a to b: semi-axes r.x along the craniocaudal direction (as far as
// it is perpendicular to the axis) and r.y across, interpolated from ra to rb; rounded ends.
struct FlatTube {
    dvec3 a, ab, up, across;
    glm::dvec2 ra, rb;
    double length;
    FlatTube(const dvec3& a_, const dvec3& b_, glm::dvec2 ra_, glm::dvec2 rb_)
        : a(a_), ab(b_ - a_), ra(ra_), rb(rb_), length(glm::length(b_ - a_)) {
        const dvec3 t = glm::normalize(ab);
        up = glm::normalize(dvec3(0, 0, 1) - t.z * t);
        across = glm::cross(t, up);
    }
    double operator()(const dvec3& p) const {
        double t = 0.0;
        sdSegment(p, a, a + ab, &t);
        const dvec3 q = p - (a + ab * t);
        const glm::dvec2 r = ra + (rb - ra) * t;
        const double along = glm::dot(q, ab) / length;
        const double k = std::sqrt((glm::dot(q, up) / r.x) * (glm::dot(q, up) / r.x) +
                                   (glm::dot(q, across) / r.y) * (glm::dot(q, across) / r.y) +
                                   (along / r.y) * (along / r.y));
        return (k - 1.0) * std::min(r.x, r.y);
    }
    Box bounds() const { return boxOfSegment(a, a + ab, std::max(std::max(ra.x, ra.y), std::max(rb.x, rb.y)) + 1.0); }
};

// Paints a chain of segments as one shape: each voxel by the segment nearest to it only, so the
// partial-volume edge is not blended twice where segments overlap at a joint (that showed as
// stripes across the ribs).
template <class Hu>
void paintChain(Painter& pa, uint16_t label, const std::vector<FlatTube>& segs, const Hu& hu) {
    for (size_t k = 0; k < segs.size(); ++k) {
        pa.paint(segs[k].bounds(), label,
                 [&](const dvec3& p) {
                     const double d = segs[k](p);
                     // Beyond half the largest voxel (5 mm) nothing is painted whichever segment
                     // is nearest: the neighbours need not be asked.
                     if (d >= 2.5) return d;
                     if (k > 0 && segs[k - 1](p) < d) return 1e9;
                     if (k + 1 < segs.size() && segs[k + 1](p) <= d) return 1e9;
                     return d;
                 },
                 hu);
    }
}

// The sacrum: a kyphotic wedge. Its sagittal midline is a circular arc from the S1 endplate's
// centre, leaving caudally and dorsally at the sacral slope and turning anteriorly by the sacral
// curvature over its length, so the pelvic surface is concave; wide across the alae at S1, it stays
// wide down the auricular surfaces (to S3) and then tapers to the apex; thick at S1 and thin at the
// apex; the alae thinner than the midline; wider anteriorly than dorsally (the sacroiliac joints
// converge dorsally). The anterior sacral foramina S1-S4 and the sacral canal are holes.
// Dimensions estimated from adult pelvic radiographs and CT (no table in the reference): sacral
// slope ~40 degrees, the curve ~55 degrees over ~100 mm, the base ~95 mm across the alae, the
// apex ~20 mm, the S1 segment ~36 mm thick; foramina ~20-25 mm apart down the curve.
struct Sacrum {
    static constexpr double kSlopeDeg = 40.0, kTurnDeg = 55.0, kLengthMm = 100.0;
    double y0, zTop;  // the S1 endplate: the arc's start (mid-thickness) and the top
    double radius = kLengthMm / (kTurnDeg * kDegToRad);
    dvec3 start{0.0}, centre{0.0}, out{0.0}, ahead{0.0};  // (y, z) in .y, .z; out: centre to start

    Sacrum(double y0_, double zTop_) : y0(y0_), zTop(zTop_) {
        const double a = kSlopeDeg * kDegToRad;
        start = {0.0, y0, zTop};
        ahead = {0.0, std::sin(a), -std::cos(a)};  // caudal and dorsal
        out = {0.0, std::cos(a), std::sin(a)};     // dorsal: away from the centre of curvature
        centre = start - out * radius;
    }
    // Arc length down the midline from S1; the offset from the midline is the distance from the
    // centre of curvature less the radius (+ dorsal).
    double arcLength(const dvec3& p) const {
        const double dy = p.y - centre.y, dz = p.z - centre.z;
        return radius * std::atan2(dy * ahead.y + dz * ahead.z, dy * out.y + dz * out.z);
    }
    static double halfWidth(double u) { return u < 45.0 ? 48.0 - 0.2 * u : 39.0 - 29.0 * (u - 45.0) / 55.0; }
    static double halfThickness(double u) { return 18.0 - 12.0 * u / kLengthMm; }

    double operator()(const dvec3& p) const {
        // Far from the arc (beyond the thickest and widest section), the distance is at least
        // this, and that will do (no partial volume there).
        const double n = std::hypot(p.y - centre.y, p.z - centre.z) - radius;
        const double far = std::max(std::abs(n) - halfThickness(0.0), std::abs(p.x) - 1.12 * halfWidth(0.0));
        if (far >= 3.0) return far;
        const double u = arcLength(p);
        const double uc = std::clamp(u, 0.0, kLengthMm), t = halfThickness(uc);
        const double w = halfWidth(uc) * (1.0 - 0.12 * std::clamp(n / t, -1.0, 1.0));
        const double fx = std::min(std::abs(p.x) / w, 1.0);
        const double across = std::abs(p.x) - w, through = std::abs(n) - t * (1.0 - 0.3 * fx * fx);
        // The distance is at least the larger of these: far out, beyond any partial volume, that
        // will do.
        if (std::max(across, through) >= 3.0) return std::max(across, through);
        const double section = roundedIntersection(across, through, 4.0);
        // Above the arc's start the section continues up to the flat top (the disc's floor); the
        // alae's upper surface falls away laterally.
        const double ends = std::max(u - kLengthMm, p.z - (zTop - 6.0 * fx * fx));
        double d = roundedIntersection(section, ends, 6.0);
        static const double uf[] = {16.0, 37.0, 56.0, 72.0}, xf[] = {20.0, 18.0, 16.0, 13.0}, rf[] = {5.0, 4.5, 4.0, 3.0};
        for (int k = 0; k < 4; ++k) d = std::max(d, rf[k] - std::hypot(std::abs(p.x) - xf[k], u - uf[k]));
        if (u < 85.0) {
            const double cw = 11.0 - 5.0 * uc / kLengthMm, ct = 0.25 * t;
            const double e = std::hypot(p.x / cw, (n - 0.45 * t) / ct);
            d = std::max(d, -(e - 1.0) * std::min(cw, ct));
        }
        return d;
    }
    Box bounds() const { return {{-52.0, y0 - 30.0, zTop - 110.0}, {52.0, y0 + 50.0, zTop + 2.0}}; }
};

// The iliac wing (ala of the ilium) of one side: a curved plate, its axial section an arc of an
// ellipse round a centre in front of the sacrum, concave medially (the iliac fossa), flaring
// outwards as it rises from above the acetabulum to the crest. Thin in the fossa, thickened at the
// crest's rim and posteriorly towards the sacroiliac joint (dimensions estimated from adult pelvic
// CT: fossa ~3-5 mm, crest ~10-14 mm, the posterior ilium ~20 mm; no table in the reference).
struct IliacWing {
    double s;                                   // -1 right, +1 left
    static constexpr double kCx = 38.0, kCy = -2.0;  // the arc's centre (x mirrored), mm
    static constexpr double kFossaMm = 4.0, kCrestMm = 12.0, kPosteriorMm = 20.0;
    static constexpr double kAnteriorDeg = -58.0, kPosteriorDeg = 100.0;

    // The arc's lateral semi-axis at height z: ~46 mm above the acetabulum, 80 mm at the crest.
    static double lateral(double z) { return 46.0 + 34.0 * std::clamp((z + 70.0) / 85.0, 0.0, 1.0); }
    static constexpr double kAp = 52.0;
    // The crest's height along the arc: highest over its middle, lower at the anterior and
    // posterior superior iliac spines.
    static double crestZ(double thetaDeg) {
        const double u = (thetaDeg - 15.0) / (thetaDeg < 15.0 ? 73.0 : 69.0);
        return 18.0 - 36.0 * u * u;
    }
    static double bottomZ(double thetaDeg) { return -72.0 - 18.0 * std::clamp((thetaDeg - 40.0) / 44.0, 0.0, 1.0); }
    double thickness(double thetaDeg, double z) const {
        const double rim = std::clamp(1.0 - (crestZ(thetaDeg) - z) / 14.0, 0.0, 1.0);
        const double back = std::clamp((thetaDeg - 45.0) / 35.0, 0.0, 1.0);
        return std::max(kFossaMm + (kCrestMm - kFossaMm) * rim, kFossaMm + (kPosteriorMm - kFossaMm) * back);
    }
    double theta(const dvec3& p) const { return std::atan2(p.y - kCy, s * p.x - kCx) / kDegToRad; }
    // Signed distance from the plate's mid-surface, mm (+ lateral), measured along the ray from the
    // arc's centre.
    double offset(const dvec3& p) const {
        const double qx = s * p.x - kCx, qy = p.y - kCy;
        const double k = std::hypot(qx / lateral(p.z), qy / kAp);
        return std::hypot(qx, qy) * (k - 1.0) / std::max(k, 1e-6);
    }
    double operator()(const dvec3& p) const {
        const double th = theta(p);
        const double plate = std::abs(offset(p)) - thickness(th, p.z) / 2.0;
        const double r = 0.5 * (lateral(p.z) + kAp);
        const double ends = std::max((kAnteriorDeg - th), (th - kPosteriorDeg)) * kDegToRad * r;
        const double height = std::max(bottomZ(th) - p.z, p.z - crestZ(th));
        return roundedIntersection(std::max(plate, ends), height, 4.0);
    }
    Box bounds() const {
        return {{s < 0 ? -130.0 : 25.0, -60.0, -95.0}, {s < 0 ? -25.0 : 130.0, 65.0, 22.0}};
    }
};

// One vertebra as a union of parts, in the patient frame.
struct VertebraShape {
    const VertebraLayout& v;
    double yPost;         // posterior wall of the body
    double canalDepth;    // anteroposterior depth of the canal
    dvec3 isthmus[2];     // pedicle centres, [0] right (x < 0), [1] left
    dvec3 towardsBody[2]; // unit pedicle axes, pointing anteromedially into the body
    OrientedCylinder pedicle[2];
    OrientedBox lamina[2];
    OrientedBox spinous;
    dvec3 tpA[2], tpB[2], facetA[2], facetB[2];
    double tpRadius;
    std::vector<FlatTube> transverse;
    // The facet joints above and below this level: where the articular processes of two levels
    // overlap (a band of 2 * kFacetOverlapMm in height) a plane gap separates them.
    dvec3 jointUp[2], jointDown[2], jointNormal[2];
    double spinousSlopeDeg;

    static OrientedCylinder makePedicle(const VertebraLayout& v, const dvec3& c, const dvec3& dir, double back) {
        return OrientedCylinder(c + dir * 14.0, c - dir * back, {1.0, 0.0, 0.0}, v.dim.pedicleWidthMm / 2.0,
                                v.dim.pedicleHeightMm / 2.0);
    }

    // `above`: the next level up (its disc and height place the upper facet joint), or none at T6.
    explicit VertebraShape(const VertebraLayout& vl, const VertebraLayout* above = nullptr)
        : v(vl),
          yPost(vl.yCentre + vl.dim.bodyDepthMm / 2.0),
          canalDepth(isLumbar(vl) ? 17.0 : 15.0),
          pedicle{makeAt(0), makeAt(1)} {
        const double H = v.dim.bodyHeightMm;
        const double zc = v.zCentre;
        const dvec3 mid{0.0, yPost + canalDepth + 4.0, zc - 0.05 * H};
        for (int s = 0; s < 2; ++s) {
            const dvec3 back = pedicle[s].a + pedicle[s].axis * pedicle[s].length;  // posterior end
            const dvec3 ax = glm::normalize(mid - back);
            const double len = glm::length(mid - back);
            lamina[s] = OrientedBox{(back + mid) * 0.5, ax, glm::cross(dvec3(0, 0, 1), ax), {0, 0, 1},
                                    {len / 2.0 + 2.0, 3.2, 0.42 * H}};
            const double sx = s == 0 ? -1.0 : 1.0;
            const bool lumbar = isLumbar(v);
            // The transverse process tapers from its root to its tip; lumbar processes run nearly
            // coronally, a little dorsally and caudally, thoracic ones dorsolaterally (to the rib
            // tubercles).
            tpA[s] = back + dvec3(0.0, -2.0, 1.0);
            tpB[s] = dvec3(sx * transverseTipMm(v.dim.level), back.y + (lumbar ? 4.0 : 12.0), back.z + (lumbar ? -3.0 : 0.0));
            // The articular pillar (superior and inferior articular processes) runs from the joint
            // with the level above to the joint with the level below, both at mid-disc height.
            const double aboveDisc = above ? above->dim.discHeightMm : v.dim.discHeightMm;
            jointDown[s] = back + dvec3(0.0, 3.0, -0.62 * H - 0.5 * v.dim.discHeightMm);
            jointUp[s] = dvec3(back.x, back.y + 3.0, v.zCentre + H / 2.0 + 0.5 * aboveDisc);
            facetA[s] = jointDown[s] - dvec3(0.0, 0.0, 8.0);
            facetB[s] = jointUp[s] + dvec3(0.0, 0.0, 8.0);
            // Facet orientation (White & Panjabi's textbook figures, unverified here): lumbar joints
            // stand vertical at ~45 degrees to the frontal plane, the inferior process of the level
            // above medial and behind the superior process of the level below; thoracic joints ~60
            // degrees to the transverse and ~20 degrees to the frontal plane. The normal points
            // into the upper vertebra's side.
            jointNormal[s] = isLumbar(v) ? glm::normalize(dvec3(-sx, 1.0, 0.0))
                                         : glm::normalize(dvec3(-sx * 0.36, 1.0, 0.58));
        }
        tpRadius = isLumbar(v) ? 4.5 : 5.0;
        const bool lumbar = isLumbar(v);
        // Round at the root, flattened towards the tip (lumbar: a blade ~6 mm high and ~4 mm
        // thick; thoracic: a club); estimated.
        const glm::dvec2 tpTip = lumbar ? glm::dvec2(3.0, 2.0) : glm::dvec2(3.8, 3.2);
        for (int s = 0; s < 2; ++s) transverse.emplace_back(tpA[s], tpB[s], glm::dvec2(tpRadius), tpTip);
        // Spinous processes slope caudally, steeply in the mid-thorax (the tip overlies the body
        // below) and nearly horizontal in the lumbar spine; estimated from standard anatomy.
        spinousSlopeDeg = spinousSlope(v.dim.level);
        const double length = lumbar ? 30.0 : 34.0, slope = spinousSlopeDeg * kDeg;
        const dvec3 tip = mid + dvec3(0.0, length * std::cos(slope), -length * std::sin(slope));
        const dvec3 sax = glm::normalize(tip - mid);
        spinous = OrientedBox{(mid + tip) * 0.5, sax, {1, 0, 0}, glm::cross(sax, dvec3(1, 0, 0)),
                              {glm::length(tip - mid) / 2.0 + 2.0, 3.5, lumbar ? 9.0 : 5.0}, 3.0};
    }

    // The tip of the transverse process from the midline, mm (half the bitransverse width):
    // estimated from adult AP radiographs and dry-bone figures (no table in the reference): the
    // lumbar processes lengthen to L3, the longest, and shorten again to L5; the thoracic ones
    // shorten downwards to the small T12 process.
    static double transverseTipMm(const std::string& level) {
        if (level[0] == 'L') {
            static const double lumbar[] = {36.0, 42.0, 47.0, 44.0, 42.0};
            return lumbar[std::stoi(level.substr(1)) - 1];
        }
        const int n = std::stoi(level.substr(1));
        return n <= 10 ? 37.0 : (n == 11 ? 32.0 : 27.0);
    }

    static double spinousSlope(const std::string& level) {
        if (level[0] == 'L') return 10.0;
        const int n = std::stoi(level.substr(1));
        if (n <= 8) return 50.0;
        if (n == 9) return 45.0;
        if (n == 10) return 35.0;
        return n == 11 ? 25.0 : 15.0;
    }

    // The joint space (~1.5 mm on CT) and the half height over which the processes overlap:
    // estimated.
    static constexpr double kFacetGapMm = 1.5, kFacetOverlapMm = 6.0;

    // The part of the pillar this level owns near the joint at j: as the upper vertebra (its
    // inferior process) or as the lower (its superior process).
    double facetSide(const dvec3& p, const dvec3& j, const dvec3& m, bool upper) const {
        const double h = kFacetOverlapMm, g = kFacetGapMm, across = glm::dot(p - j, m), dz = p.z - j.z;
        if (upper) return std::min(h - dz, std::max(g / 2.0 - across, -h + g - dz));
        return std::min(dz + h, std::max(across + g / 2.0, dz - h + g));
    }

    double facets(const dvec3& p, int s) const {
        const double pillar = sdCapsule(p, facetA[s], facetB[s], 5.0, 5.0);
        return std::max(pillar, std::max(facetSide(p, jointUp[s], jointNormal[s], false),
                                         facetSide(p, jointDown[s], jointNormal[s], true)));
    }

    OrientedCylinder makeAt(int s) {
        const double sx = s == 0 ? -1.0 : 1.0;
        const double th = v.dim.pedicleMedialDeg * kDeg;
        isthmus[s] = {sx * (v.dim.canalWidthMm / 2.0 + v.dim.pedicleWidthMm / 2.0), yPost + 5.0,
                      v.zCentre + 0.12 * v.dim.bodyHeightMm};
        towardsBody[s] = {-sx * std::sin(th), -std::cos(th), 0.0};
        const double back = (canalDepth - 5.0) / std::cos(th);
        return makePedicle(v, isthmus[s], towardsBody[s], back);
    }

    // Body shape, estimated from lateral and AP radiographs and sagittal CT (no published table we
    // hold covers it): the lateral and anterior walls are concave, the body ~10%
    // narrower at mid-height than at the endplates, lumbar and thoracic (T6-T11; not T12: its
    // trocar path, converging 1 degree, runs along the anterolateral cortex, and a waist there put
    // the shipped expert's cement outside the body); the endplates are
    // slightly concave (~1 mm central depression); the ring apophysis rounds the rim (radius ~2.5
    // mm lumbar, 2 mm thoracic). The posterior wall stays flat across (axially): a ~2 mm notch
    // behind the midline (the basivertebral veins') moved the canal's front, from which the
    // vertebroplasty derives its pedicles and depth scale, and changed the derived L1 pedicles.
    // Its sagittal concavity (posteriorLip) leaves that front where it was.
    double waist() const { return v.dim.level == "T12" ? 0.0 : 0.10; }
    double rimRadius() const { return isLumbar(v) ? 2.5 : 2.0; }
    static constexpr double kEndplateDipMm = 1.0;
    // The anterior wall's concavity is about half the lateral walls' (~5% of the depth).
    static constexpr double kAnteriorShare = 0.5;

    // 1 - waist() at mid-height, 1 where the rim's rounding begins (so the rim keeps the table's
    // endplate width).
    double waistScale(double z) const {
        const double t = std::min(std::abs(z - v.zCentre) / (v.dim.bodyHeightMm / 2.0 - rimRadius()), 1.0);
        return 1.0 - waist() * (1.0 - t * t);
    }

    // The posterior wall is concave in the sagittal plane too (the lateral radiograph's posterior
    // line): the endplate rims stand behind the wall's mid-height by this much. Normal posterior
    // concavity is ~1-3 mm, deeper caudally (scalloping beyond ~3 mm is pathological): estimated,
    // no table in the reference. The mid-height wall stays at yPost, the canal's front, so the
    // canal, the pedicles and the procedure's depth scale (the canal's most anterior point) keep
    // their own definition; only the rims above and below reach behind it.
    double posteriorConcavityMm() const { return isLumbar(v) ? 2.0 : 1.5; }
    // How far the posterior wall stands behind yPost at height z: 0 at mid-height, the full
    // concavity where the rim's rounding begins.
    double posteriorLip(double z) const {
        const double t = std::min(std::abs(z - v.zCentre) / (v.dim.bodyHeightMm / 2.0 - rimRadius()), 1.0);
        return posteriorConcavityMm() * t * t;
    }

    double body(const dvec3& p) const {
        const double D = v.dim.bodyDepthMm, H = v.dim.bodyHeightMm, W = v.dim.bodyWidthMm;
        // The waist: the section at height z is the endplate's outline shrunk towards the posterior
        // wall's midpoint; the lateral walls narrow from the body's centre forwards, and towards
        // the posterior wall, where the pedicles join, the waist fades out. The section's depth
        // runs from the anterior wall (drawn back by the waist) to the posterior wall (behind
        // yPost by the lip).
        const double s0 = waistScale(p.z), sy = 1.0 - kAnteriorShare * (1.0 - s0);
        const double s = 1.0 - (1.0 - s0) * std::clamp((yPost - p.y) / (0.5 * D), 0.0, 1.0);
        const double lip = posteriorLip(p.z), sd = sy + lip / D;
        const dvec3 q{p.x / s, yPost - (yPost + lip - p.y) / sd, p.z};
        // A wedge fracture lowers the superior endplate, most at the anterior wall.
        const double anterior = std::clamp((yPost - q.y) / D, 0.0, 1.0);
        const double ex = q.x / (W / 2.0), ey = (q.y - v.yCentre) / (D / 2.0);
        const double dip = kEndplateDipMm * std::max(0.0, 1.0 - ex * ex - ey * ey);
        const double top = v.zCentre + H / 2.0 - v.heightLoss * H * anterior - dip;
        const double bottom = v.zCentre - H / 2.0 + dip;
        const double kRound = (std::sqrt(ex * ex + ey * ey) - 1.0) * std::min(W, D) / 2.0;
        // The posterior wall is nearly flat (the front of the canal): the back half is a rounded box.
        const double hx = 0.36 * W, hy = D / 4.0, r = 5.0;
        const double qx = std::abs(q.x) - (hx - r), qy = std::abs(q.y - (v.yCentre + hy)) - (hy - r);
        const double kFlat = hypotNonNegative(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0) - r;
        const double radial = std::min(kRound, kFlat) * std::min(s, std::min(sy, sd));
        return roundedIntersection(radial, std::max(bottom - p.z, p.z - top), rimRadius());
    }

    double operator()(const dvec3& p) const {
        double d = body(p);
        for (int s = 0; s < 2; ++s) {
            d = std::min(d, pedicle[s](p));
            d = std::min(d, lamina[s](p));
            d = std::min(d, transverse[s](p));
            d = std::min(d, facets(p, s));
        }
        return std::min(d, spinous(p));
    }

    Box bounds() const {
        const double W = v.dim.bodyWidthMm;
        return {{-W / 2.0 - 30.0, v.yCentre - v.dim.bodyDepthMm / 2.0 - 2.0, v.zCentre - v.dim.bodyHeightMm - 30.0},
                {W / 2.0 + 30.0, yPost + canalDepth + 50.0, v.zCentre + v.dim.bodyHeightMm}};
    }

    // Walks from `from` along `dir` until the bone ends; returns the last point inside.
    dvec3 exitPoint(const dvec3& from, const dvec3& dir) const {
        dvec3 p = from;
        for (int n = 0; n < 2000 && (*this)(p + dir * 0.05) <= 0.0; ++n) p += dir * 0.05;
        return p;
    }
};

constexpr double kArchShellMm = 2.0;

}  // namespace

void paintSpine(Painter& pa, Anatomy& a) {
    const double cancellous = a.options.osteoporotic ? hu::cancellousOsteoporotic : hu::cancellous;
    const VolumeGeometry& g = pa.geometry();
    const double zTop = g.origin.z + g.spacing.z * (g.dims.z - 1) + 5.0;
    std::vector<VertebraShape> shapes;
    for (size_t n = 0; n < a.vertebrae.size(); ++n) shapes.emplace_back(a.vertebrae[n], n > 0 ? &a.vertebrae[n - 1] : nullptr);
    for (size_t n = 0; n < a.vertebrae.size(); ++n) {
        const VertebraLayout& v = a.vertebrae[n];
        const VertebraShape& shape = shapes[n];
        const double H = v.dim.bodyHeightMm;
        // The body's cortical shell ~1 mm as CT shows it (histologically thinner, ~0.4 mm; the CT
        // blurs it over a voxel): estimated. The spinous process is mostly compact bone: a 2 mm
        // shell, estimated.
        const double yNone = shape.yPost - 0.5 * v.dim.bodyDepthMm, yFull = shape.yPost - 0.7 * v.dim.bodyDepthMm;
        const VertebralBoneHu bodyBone{isLumbar(v) ? 1.2 : 1.0, cancellous, a.options.seed + 31, yFull, yNone};
        const VertebralBoneHu archBone{kArchShellMm, cancellous, a.options.seed + 31, yFull, yNone};
        pa.paint(shape.bounds(), v.label, shape, [&](const dvec3& p, double d) {
            // Only the spinous and transverse processes, away from every trocar path, get the
            // thicker shell.
            const bool spinous = shape.spinous(p) <= d + 1e-9 && shape.lamina[0](p) > 0.0 && shape.lamina[1](p) > 0.0;
            const bool transverse = shape.pedicle[0](p) > 0.0 && shape.pedicle[1](p) > 0.0 &&
                                    std::min(shape.transverse[0](p), shape.transverse[1](p)) <= d + 1e-9;
            double h = spinous || transverse ? archBone(p, d) : bodyBone(p, d);
            // Impacted trabeculae under a fractured endplate: a sclerotic band.
            if (v.heightLoss > 0.0 && shape.body(p) < 0.0 && p.z > v.zCentre + H / 2.0 - v.heightLoss * H - 6.0)
                h += 180.0;
            return h;
        });
        // The disc below: it fills the space between the endplates (their central dip included)
        // and bulges ~1 mm beyond the rims at mid-height.
        const double zb = v.zCentre - H / 2.0, zd = zb - v.dim.discHeightMm;
        const VertebraShape* below = n + 1 < shapes.size() ? &shapes[n + 1] : nullptr;
        pa.paint({{-v.dim.bodyWidthMm, v.yCentre - v.dim.bodyDepthMm, zd - 2.0}, {v.dim.bodyWidthMm, shape.yPost + 1.0, zb + 2.0}},
                 L::intervertebral_disc,
                 [&](const dvec3& p) {
                     const double t = std::clamp((p.z - 0.5 * (zb + zd)) / (0.5 * v.dim.discHeightMm), -1.0, 1.0);
                     const double bulge = 1.0 * (1.0 - t * t);
                     double d = sdEllipticCylinderZ(p, 0.0, v.yCentre, v.dim.bodyWidthMm / 2.0 + bulge,
                                                    v.dim.bodyDepthMm / 2.0 + bulge, zd - 1.5, zb + 1.5);
                     d = std::max(d, -shape.body(p));
                     return below ? std::max(d, -below->body(p)) : std::max(d, zd - p.z);
                 },
                 hu::disc);
        // The canal through this level and its disc.
        const double zCanalTop = n == 0 ? zTop : v.zCentre + H / 2.0 + 0.01;
        const double yc = shape.yPost + shape.canalDepth / 2.0;
        pa.paint({{-v.dim.canalWidthMm, shape.yPost - 1.0, zd - 1.0}, {v.dim.canalWidthMm, shape.yPost + shape.canalDepth + 1.0, zCanalTop}},
                 L::spinal_canal,
                 [&](const dvec3& p) {
                     // Behind the body's rims, which stand behind the canal's front (posteriorLip).
                     const double e = sdEllipticCylinderZ(p, 0.0, yc, v.dim.canalWidthMm / 2.0, shape.canalDepth / 2.0, zd, zCanalTop);
                     // A body's rims reach at most 2 mm behind its posterior wall: 8 mm behind it
                     // the body is > 5 mm away (beyond any partial volume) and need not be asked.
                     if (e >= 0.5 * g.spacing.x) return e;
                     const double d = p.y > shape.yPost + 8.0 ? e : std::max(e, -shape.body(p));
                     return below && p.y <= below->yPost + 8.0 ? std::max(d, -below->body(p)) : d;
                 },
                 hu::csf);
        if (v.lytic)
            pa.paint(boxAround(v.lyticCentre, dvec3(v.lyticRadius)), L::vertebral_metastasis,
                     [&](const dvec3& p) { return glm::length(p - v.lyticCentre) - v.lyticRadius; }, hu::tumourBone);

        // Landmarks.
        const std::string name = "vertebrae_" + v.dim.level;
        a.landmarks[name + ".body_centre"] = {0.0, v.yCentre, v.zCentre};
        a.landmarks[name + ".anterior_cortex"] = {0.0, shape.yPost - v.dim.bodyDepthMm * (1.0 - VertebraShape::kAnteriorShare * (1.0 - shape.waistScale(v.zCentre))), v.zCentre};
        for (int s = 0; s < 2; ++s) {
            const std::string ped = name + (s == 0 ? ".pedicle_right" : ".pedicle_left");
            const dvec3 c = shape.isthmus[s], dir = shape.towardsBody[s];
            const dvec3 entry = shape.exitPoint(c, -dir);
            const dvec3 front = shape.exitPoint(c, dir);
            a.landmarks[ped + ".centre"] = c;
            a.landmarks[ped + ".entry"] = entry;
            a.landmarks[ped + ".axis_end"] = entry + (front - entry) * 0.75;
        }
    }
    // The cord ends at the conus medullaris, at about L1-L2 in adults; below it the canal holds the
    // cauda equina in CSF.
    const VertebraLayout& l1 = *a.vertebra("L1");
    const VertebraShape l1Shape(l1);
    const double zConus = l1.zCentre - 0.3 * l1.dim.bodyHeightMm;
    const double yCord = l1Shape.yPost + l1Shape.canalDepth / 2.0 - 1.0;
    pa.paint({{-8.0, yCord - 8.0, zConus - 5.0}, {8.0, yCord + 8.0, zTop}}, L::spinal_cord,
             [&](const dvec3& p) {
                 const double taper = std::clamp((p.z - zConus) / 30.0, 0.3, 1.0);
                 return sdEllipticCylinderZ(p, 0.0, yCord, 5.0 * taper, 4.0 * taper, zConus, zTop);
             },
             hu::cord);
}

void paintRibsAndPelvis(Painter& pa, const Anatomy& a) {
    const double cancellous = a.options.osteoporotic ? hu::cancellousOsteoporotic : hu::cancellous;
    const BoneHu bone{1.5, cancellous};
    const double h = pa.geometry().spacing.x;
    const double zXiphoid = a.vertebra("T10")->zCentre;

    // Ribs 6-12 from their vertebrae around the chest wall, descending anteriorly; 6-10 reach the
    // costal margin through their cartilages, 11 and 12 float.
    const double endAngle[] = {2.65, 2.55, 2.45, 2.35, 2.25, 1.7, 1.2};
    for (int n = 6; n <= 12; ++n) {
        const VertebraLayout& v = *a.vertebra("T" + std::to_string(n));
        for (int side = -1; side <= 1; side += 2) {
            const double s = side;
            const uint16_t label = L::rib(side > 0, n);
            std::vector<dvec3> pts;
            const dvec3 head{s * (v.dim.bodyWidthMm / 2.0 + 2.0), v.yCentre + v.dim.bodyDepthMm / 2.0 - 4.0, v.zCentre + 4.0};
            pts.push_back(head);
            const int steps = 16;
            const double phi0 = 0.28, phi1 = endAngle[n - 6];
            for (int k = 0; k <= steps; ++k) {
                const double phi = phi0 + (phi1 - phi0) * k / steps;
                const double z = v.zCentre - 30.0 * phi;
                double ax, by, yc;
                a.skinEllipse(z, ax, by, yc);
                const double inset = a.fatMm + 9.0;
                pts.push_back({s * (ax - inset) * std::sin(phi), yc + (by - inset) * std::cos(phi), z});
            }
            // A rib is round at its head and neck and flat along the shaft: ~12 mm high and ~6 mm
            // thick (estimated from adult mid-shaft sections), a shell of compact bone round a
            // thin marrow.
            auto ribRadii = [&](size_t k) {
                const double f = std::clamp((static_cast<double>(k) - 1.0) / 3.0, 0.0, 1.0);
                return glm::dvec2(4.5 + 1.5 * f, 4.5 - 1.5 * f);  // craniocaudal, thickness
            };
            std::vector<FlatTube> segs;
            for (size_t k = 0; k + 1 < pts.size(); ++k) segs.emplace_back(pts[k], pts[k + 1], ribRadii(k), ribRadii(k + 1));
            paintChain(pa, label, segs, bone);
            if (n <= 10) {
                // The costal cartilage continues the rib's curve forwards, then turns up and
                // medially to the sternum (the costal margin).
                double ax, by, yc;
                a.skinEllipse(zXiphoid, ax, by, yc);
                const dvec3 end = pts.back();
                const dvec3 heading = glm::normalize(end - pts[pts.size() - 2]);
                const dvec3 sternal{s * 14.0, yc - by + a.fatMm + 12.0, zXiphoid + 10.0 + (10 - n) * 9.0};
                const dvec3 control = end + heading * (0.45 * glm::length(sternal - end));
                std::vector<FlatTube> cartilage;
                dvec3 prev = end;
                for (int k = 1; k <= 6; ++k) {
                    const double t = k / 6.0;
                    const dvec3 next = (1.0 - t) * (1.0 - t) * end + 2.0 * (1.0 - t) * t * control + t * t * sternal;
                    cartilage.emplace_back(prev, next, glm::dvec2(5.0, 3.5), glm::dvec2(5.0, 3.5));
                    prev = next;
                }
                paintChain(pa, L::costal_cartilages, cartilage, [](const dvec3&, double) { return hu::cartilage; });
            }
        }
    }

    // Sacrum below the L5-S1 disc, its promontory under L5's anterior wall.
    const VertebraLayout& l5 = *a.vertebra("L5");
    const double zS1 = l5.zCentre - l5.dim.bodyHeightMm / 2.0 - l5.dim.discHeightMm;
    const Sacrum sacrum(l5.yCentre - l5.dim.bodyDepthMm / 2.0 + 22.0, zS1);
    pa.paint(sacrum.bounds(), L::sacrum, sacrum, bone);

    for (int side = -1; side <= 1; side += 2) {
        const double s = side;
        const uint16_t hip = side < 0 ? L::hip_right : L::hip_left;
        // Iliac wing, from the sacroiliac joint (a ~2.5 mm joint space along the sacrum's
        // lateral surface, estimated) flaring anterolaterally to the anterior superior spine.
        const IliacWing wing{s};
        // (Half a voxel outside the wing nothing is painted: the sacrum need not be asked.)
        pa.paint(wing.bounds(), hip,
                 [&](const dvec3& p) {
                     const double d = wing(p);
                     return d >= 0.5 * h ? d : std::max(d, 2.5 - sacrum(p));
                 },
                 bone);
        const dvec3 parts[][2] = {{{s * 76.0, 22.0, -60.0}, {s * 80.0, -8.0, -112.0}},   // body of ilium, acetabulum
                                  {{s * 78.0, 2.0, -118.0}, {s * 60.0, 28.0, -158.0}},   // ischium
                                  {{s * 74.0, -24.0, -112.0}, {s * 10.0, -60.0, -128.0}}};  // pubic ramus
        const double radius[] = {17.0, 11.0, 8.0};
        for (int k = 0; k < 3; ++k) {
            const dvec3 p0 = parts[k][0], p1 = parts[k][1];
            pa.paint(boxOfSegment(p0, p1, radius[k]), hip,
                     [&](const dvec3& p) { return sdCapsule(p, p0, p1, radius[k], radius[k]); }, bone);
        }
        // Femur: head in the acetabulum, neck, the top of the shaft.
        const uint16_t femur = side < 0 ? L::femur_right : L::femur_left;
        const dvec3 head{s * 88.0, -14.0, -118.0}, troch{s * 118.0, -2.0, -138.0}, shaft{s * 114.0, 4.0, -220.0};
        pa.paint(boxAround(head, dvec3(24.0)), femur, [&](const dvec3& p) { return glm::length(p - head) - 23.0; }, bone);
        pa.paint(boxOfSegment(head, troch, 16.0), femur, [&](const dvec3& p) { return sdCapsule(p, head, troch, 15.0, 16.0); }, bone);
        pa.paint(boxOfSegment(troch, shaft, 16.0), femur, [&](const dvec3& p) { return sdCapsule(p, troch, shaft, 15.0, 13.0); },
                 BoneHu{4.0, 60.0});
    }
}

}  // namespace irsim::patient::phantom
