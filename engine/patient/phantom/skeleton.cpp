// The phantom's skeleton: vertebrae with bodies, pedicles, laminae, spinous, transverse and
// articular processes (cortical shell over cancellous bone), discs, the spinal canal and cord, ribs
// with costal cartilages, sacrum, hip bones and femurs; and the vertebral landmarks.
#include <cmath>
#include <string>

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

// An oriented ellipsoid: centre, orthonormal axes, semi-axes; `taper` narrows the first semi-axis
// towards the -az end (the sacrum's shape).
struct OrientedEllipsoid {
    dvec3 c, ax, ay, az, r;
    double taper = 0.0;
    double operator()(const dvec3& p) const {
        const dvec3 q = p - c;
        const double lz = glm::dot(q, az) / r.z;
        const double rx = r.x * (1.0 - taper * 0.5 * (1.0 - std::clamp(lz, -1.0, 1.0)));
        const dvec3 l(glm::dot(q, ax) / rx, glm::dot(q, ay) / r.y, lz);
        return (glm::length(l) - 1.0) * std::min(rx, std::min(r.y, r.z));
    }
    Box bounds() const {
        const double m = std::max(r.x, std::max(r.y, r.z));
        return boxAround(c, dvec3(m));
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

    static OrientedCylinder makePedicle(const VertebraLayout& v, const dvec3& c, const dvec3& dir, double back) {
        return OrientedCylinder(c + dir * 14.0, c - dir * back, {1.0, 0.0, 0.0}, v.dim.pedicleWidthMm / 2.0,
                                v.dim.pedicleHeightMm / 2.0);
    }

    explicit VertebraShape(const VertebraLayout& vl)
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
            tpA[s] = back + dvec3(0.0, -2.0, 1.0);
            tpB[s] = dvec3(sx * (v.dim.bodyWidthMm / 2.0 + (lumbar ? 24.0 : 18.0)), back.y + (lumbar ? 2.0 : 12.0),
                           back.z + 2.0);
            facetA[s] = back + dvec3(0.0, 3.0, -0.5 * H);
            facetB[s] = back + dvec3(0.0, 3.0, 0.55 * H);
        }
        tpRadius = isLumbar(v) ? 4.5 : 5.0;
        const bool lumbar = isLumbar(v);
        const dvec3 tip = mid + dvec3(0.0, lumbar ? 30.0 : 32.0, lumbar ? -6.0 : -24.0);
        const dvec3 sax = glm::normalize(tip - mid);
        spinous = OrientedBox{(mid + tip) * 0.5, sax, {1, 0, 0}, glm::cross(sax, dvec3(1, 0, 0)),
                              {glm::length(tip - mid) / 2.0 + 2.0, 3.5, lumbar ? 9.0 : 5.0}};
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

    double body(const dvec3& p) const {
        const double D = v.dim.bodyDepthMm, H = v.dim.bodyHeightMm;
        // A wedge fracture lowers the superior endplate, most at the anterior wall.
        const double anterior = std::clamp((yPost - p.y) / D, 0.0, 1.0);
        const double top = v.zCentre + H / 2.0 - v.heightLoss * H * anterior;
        const double bottom = v.zCentre - H / 2.0;
        const double round = sdEllipticCylinderZ(p, 0.0, v.yCentre, v.dim.bodyWidthMm / 2.0, D / 2.0, bottom, top);
        // The posterior wall is nearly flat (the front of the canal): the back half is a rounded box.
        const double hx = 0.36 * v.dim.bodyWidthMm, hy = D / 4.0, r = 5.0;
        const double qx = std::abs(p.x) - (hx - r), qy = std::abs(p.y - (v.yCentre + hy)) - (hy - r);
        const double flat = std::max(std::hypot(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0) - r,
                                     std::max(bottom - p.z, p.z - top));
        return std::min(round, flat);
    }

    double operator()(const dvec3& p) const {
        double d = body(p);
        for (int s = 0; s < 2; ++s) {
            d = std::min(d, pedicle[s](p));
            d = std::min(d, lamina[s](p));
            d = std::min(d, sdCapsule(p, tpA[s], tpB[s], tpRadius, tpRadius * 0.8));
            d = std::min(d, sdCapsule(p, facetA[s], facetB[s], 5.0, 5.0));
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

}  // namespace

void paintSpine(Painter& pa, Anatomy& a) {
    const double cancellous = a.options.osteoporotic ? hu::cancellousOsteoporotic : hu::cancellous;
    const VolumeGeometry& g = pa.geometry();
    const double zTop = g.origin.z + g.spacing.z * (g.dims.z - 1) + 5.0;
    for (size_t n = 0; n < a.vertebrae.size(); ++n) {
        const VertebraLayout& v = a.vertebrae[n];
        const VertebraShape shape(v);
        const double H = v.dim.bodyHeightMm;
        pa.paint(shape.bounds(), v.label, shape, [&](const dvec3& p, double d) {
            double h = BoneHu{isLumbar(v) ? 1.2 : 1.0, cancellous}(p, d);
            // Impacted trabeculae under a fractured endplate: a sclerotic band.
            if (v.heightLoss > 0.0 && shape.body(p) < 0.0 && p.z > v.zCentre + H / 2.0 - v.heightLoss * H - 6.0)
                h += 180.0;
            return h;
        });
        // The disc below.
        const double zb = v.zCentre - H / 2.0, zd = zb - v.dim.discHeightMm;
        pa.paint({{-v.dim.bodyWidthMm, v.yCentre - v.dim.bodyDepthMm, zd - 1.0}, {v.dim.bodyWidthMm, shape.yPost + 1.0, zb + 1.0}},
                 L::intervertebral_disc,
                 [&](const dvec3& p) {
                     return sdEllipticCylinderZ(p, 0.0, v.yCentre, v.dim.bodyWidthMm / 2.0 - 0.5,
                                                v.dim.bodyDepthMm / 2.0 - 0.5, zd, zb);
                 },
                 hu::disc);
        // The canal through this level and its disc.
        const double zCanalTop = n == 0 ? zTop : v.zCentre + H / 2.0 + 0.01;
        const double yc = shape.yPost + shape.canalDepth / 2.0;
        pa.paint({{-v.dim.canalWidthMm, shape.yPost - 1.0, zd - 1.0}, {v.dim.canalWidthMm, shape.yPost + shape.canalDepth + 1.0, zCanalTop}},
                 L::spinal_canal,
                 [&](const dvec3& p) {
                     return sdEllipticCylinderZ(p, 0.0, yc, v.dim.canalWidthMm / 2.0, shape.canalDepth / 2.0, zd, zCanalTop);
                 },
                 hu::csf);
        if (v.lytic)
            pa.paint(boxAround(v.lyticCentre, dvec3(v.lyticRadius)), L::vertebral_metastasis,
                     [&](const dvec3& p) { return glm::length(p - v.lyticCentre) - v.lyticRadius; }, hu::tumourBone);

        // Landmarks.
        const std::string name = "vertebrae_" + v.dim.level;
        a.landmarks[name + ".body_centre"] = {0.0, v.yCentre, v.zCentre};
        a.landmarks[name + ".anterior_cortex"] = {0.0, v.yCentre - v.dim.bodyDepthMm / 2.0, v.zCentre};
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
            for (size_t k = 0; k + 1 < pts.size(); ++k) {
                const dvec3 p0 = pts[k], p1 = pts[k + 1];
                pa.paint(boxOfSegment(p0, p1, 6.0), label, [&](const dvec3& p) { return sdCapsule(p, p0, p1, 4.5, 4.5); }, bone);
            }
            if (n <= 10) {
                double ax, by, yc;
                a.skinEllipse(zXiphoid, ax, by, yc);
                const dvec3 end = pts.back();
                const dvec3 sternal{s * 14.0, yc - by + a.fatMm + 12.0, zXiphoid + 10.0 + (10 - n) * 9.0};
                pa.paint(boxOfSegment(end, sternal, 6.0), L::costal_cartilages,
                         [&](const dvec3& p) { return sdCapsule(p, end, sternal, 4.0, 4.0); }, hu::cartilage);
            }
        }
    }

    // Sacrum below L5, tilted with its top forward (sacral promontory).
    const VertebraLayout& l5 = *a.vertebra("L5");
    const double zS1 = -l5.dim.bodyHeightMm / 2.0 - l5.dim.discHeightMm;
    const dvec3 saz = glm::normalize(dvec3(0.0, -0.5, 1.0));
    OrientedEllipsoid sacrum{{0.0, l5.yCentre + 24.0, zS1 - 46.0}, {1, 0, 0}, glm::cross(saz, dvec3(1, 0, 0)), saz,
                             {50.0, 12.0, 48.0}, 0.6};
    pa.paint(sacrum.bounds(), L::sacrum, sacrum, bone);

    for (int side = -1; side <= 1; side += 2) {
        const double s = side;
        const uint16_t hip = side < 0 ? L::hip_right : L::hip_left;
        // Iliac wing: a thin plate flaring anterolaterally from the sacroiliac joint.
        const dvec3 nrm = glm::normalize(dvec3(s, -0.45, 0.0));
        const dvec3 inPlane = glm::normalize(glm::cross(dvec3(0, 0, 1), nrm));
        OrientedEllipsoid wing{{s * 88.0, 18.0, -42.0}, nrm, inPlane, {0, 0, 1}, {5.0, 58.0, 45.0}};
        pa.paint(wing.bounds(), hip, wing, bone);
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
