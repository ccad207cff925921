// The soft tissues of the phantom: body wall, thorax (lungs, heart, diaphragm) and abdomen (organs,
// bowel with gas, veins).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/units.h"
#include "patient/labels.h"
#include "patient/phantom/anatomy.h"

namespace irsim::patient::phantom {

namespace L = labels;

namespace {

double softStep(double x, double width) { return std::clamp(0.5 + x / width, 0.0, 1.0); }
double mix(double a, double b, double w) { return a + (b - a) * w; }

// The signed distance to the skin ellipse (semi-axes ax, by, centre y yc), inset by `inset` mm.
double sdEllipseLayer(const dvec3& p, double ax, double by, double yc, double inset) {
    ax -= inset;
    by -= inset;
    const double k = std::sqrt((p.x / ax) * (p.x / ax) + ((p.y - yc) / by) * ((p.y - yc) / by));
    return (k - 1.0) * std::min(ax, by);
}

// The same at the skin ellipse of height p.z.
double sdBodyLayer(const Anatomy& a, const dvec3& p, double inset) {
    double ax, by, yc;
    a.skinEllipse(p.z, ax, by, yc);
    return sdEllipseLayer(p, ax, by, yc, inset);
}

struct Tube {
    std::vector<dvec3> points;
    std::vector<double> radii;
};

// A tube through points, painted segment by segment; hu(p, d, axisPoint, radius).
template <class Hu>
void paintTube(Painter& pa, uint16_t label, const Tube& t, const Hu& hu) {
    for (size_t s = 0; s + 1 < t.points.size(); ++s) {
        const dvec3 a = t.points[s], b = t.points[s + 1];
        const double ra = t.radii[s], rb = t.radii[s + 1];
        pa.paint(boxOfSegment(a, b, std::max(ra, rb)), label,
                 [&](const dvec3& p) { return sdCapsule(p, a, b, ra, rb); },
                 [&](const dvec3& p, double d) {
                     double tt = 0.0;
                     sdSegment(p, a, b, &tt);
                     return hu(p, d, a + (b - a) * tt, ra + (rb - ra) * tt);
                 });
    }
}

// A short winding stretch of tube (a few segments) painted in one pass, as the union of its
// segments: each voxel is painted once, by its nearest segment, whose axis point, radius and index
// go to hu(p, d, axisPoint, radius, segment); `wall` reshapes the distance, (d, p) -> d, moving the
// surface out by at most padMm.
template <class Hu, class Wall>
void paintWinding(Painter& pa, uint16_t label, const Tube& t, const Hu& hu, const Wall& wall, double padMm) {
    Box box{dvec3(1e300), dvec3(-1e300)};
    for (size_t s = 0; s < t.points.size(); ++s) {
        box.lo = glm::min(box.lo, t.points[s] - dvec3(t.radii[s] + padMm));
        box.hi = glm::max(box.hi, t.points[s] + dvec3(t.radii[s] + padMm));
    }
    // A capsule round the whole stretch (it holds every joint's sphere, so their hull): outside it
    // by more than the wall's reshaping and half a voxel nothing is painted, and the segments need
    // not be asked.
    const dvec3 first = t.points.front(), last = t.points.back();
    double hull = 0.0;
    for (size_t s = 0; s < t.points.size(); ++s) hull = std::max(hull, sdSegment(t.points[s], first, last) + t.radii[s]);
    const double voxelMm = pa.geometry().spacing.x;
    size_t nearest = 0;
    double along = 0.0;
    pa.paint(box, label,
             [&](const dvec3& p) {
                 const double outside = sdSegment(p, first, last) - hull;
                 if (outside >= padMm + 0.5 * voxelMm) return outside;
                 double best = 1e300;
                 for (size_t s = 0; s + 1 < t.points.size(); ++s) {
                     double tt = 0.0;
                     const double d = sdSegment(p, t.points[s], t.points[s + 1], &tt) - (t.radii[s] + (t.radii[s + 1] - t.radii[s]) * tt);
                     if (d < best) best = d, nearest = s, along = tt;
                 }
                 return wall(best, p);
             },
             [&](const dvec3& p, double d) {
                 const dvec3 a = t.points[nearest], b = t.points[nearest + 1];
                 return hu(p, d, a + (b - a) * along, t.radii[nearest] + (t.radii[nearest + 1] - t.radii[nearest]) * along, nearest);
             });
}

// A bowel loop is not a straight pipe: each segment of `t` is cut into `pieces` whose joints are
// pushed sideways by up to `swayMm` (seeded) and whose calibre varies by +-`calibre` (a fraction),
// so the loop winds and swells and narrows (peristalsis, contents) as on CT.
Tube tortuous(const Tube& t, Rng& rng, int pieces, double swayMm, double calibre) {
    Tube out;
    for (size_t s = 0; s + 1 < t.points.size(); ++s) {
        const dvec3 a = t.points[s], b = t.points[s + 1];
        const dvec3 along = glm::normalize(b - a);
        const dvec3 side = glm::normalize(glm::cross(along, std::abs(along.z) < 0.9 ? dvec3(0, 0, 1) : dvec3(1, 0, 0)));
        const dvec3 up = glm::cross(along, side);
        for (int k = 0; k < pieces; ++k) {
            const double f = static_cast<double>(k) / pieces;
            // The ends of the original segments stay where they were (the loop's route).
            const double sway = k == 0 ? 0.0 : swayMm;
            const double u = rng.uniform(-1.0, 1.0), v = rng.uniform(-1.0, 1.0), w = rng.uniform(-1.0, 1.0);
            out.points.push_back(a + (b - a) * f + side * (sway * u) + up * (sway * v));
            out.radii.push_back((t.radii[s] + (t.radii[s + 1] - t.radii[s]) * f) * (1.0 + calibre * w));
        }
    }
    out.points.push_back(t.points.back());
    out.radii.push_back(t.radii.back());
    return out;
}

// The bowel's outline undulates by ~1.5 mm over ~1.5 cm (folds, contents; estimated): only near
// the outer surface (beyond half a voxel outside nothing is painted; the wall's inner edge, 2.5 mm
// in, follows the outer one where it is near).
double bumpyWall(double d, const dvec3& p, uint64_t seed, double voxelMm) {
    constexpr double kAmpMm = 1.5;
    if (d >= kAmpMm + 0.5 * voxelMm || d < -kAmpMm) return d;
    return d + kAmpMm * (2.0 * smoothNoise(p, dvec3(15.0), seed) - 1.0);
}

// Linear interpolation in a table of (z, value) rows sorted by decreasing z, clamped at the ends.
double byHeight(const std::vector<glm::dvec2>& rows, double z) {
    if (z >= rows.front().x) return rows.front().y;
    for (size_t k = 1; k < rows.size(); ++k)
        if (z >= rows[k].x) return mix(rows[k].y, rows[k - 1].y, (z - rows[k].x) / (rows[k - 1].x - rows[k].x));
    return rows.back().y;
}

// The psoas in axial section: a teardrop whose rounded belly lies anterolateral and whose tail
// points posteromedially into the angle between the vertebral body and the transverse process,
// its area growing from its origin at T12 to the lumbosacral junction. Areas per side (mm^2)
// estimated from adult CT (psoas area at L3 ~8-12 cm^2 per side in adult men in sarcopenia
// studies; smaller above, largest at L4-L5), aspect ~1.5 (estimated).
struct PsoasSection {
    double s, zTop;
    static constexpr double kTail = 0.35;  // the tail's half width is 65% of the belly's
    glm::dvec2 centre(double z) const {
        static const std::vector<glm::dvec2> x{{176.0, 22.0}, {90.0, 38.0}, {-10.0, 52.0}, {-95.0, 70.0}, {-170.0, 78.0}};
        static const std::vector<glm::dvec2> y{{176.0, 28.0}, {90.0, 26.0}, {-10.0, 12.0}, {-95.0, -22.0}, {-170.0, -35.0}};
        return {s * byHeight(x, z), byHeight(y, z)};
    }
    static double areaMm2(double z) {
        static const std::vector<glm::dvec2> area{{176.0, 150.0}, {148.0, 400.0}, {113.0, 700.0}, {76.0, 1000.0},
                                                  {38.0, 1300.0}, {0.0, 1500.0}, {-95.0, 1150.0}, {-170.0, 900.0}};
        return byHeight(area, z);
    }
    static double aspect(double z) { return 1.15 + 0.35 * std::clamp((z + 95.0) / 100.0, 0.0, 1.0); }
    double operator()(const dvec3& p) const {
        const double A = areaMm2(p.z), e = aspect(p.z);
        // The mean half width over the teardrop is (1 - kTail / 4) of the belly's.
        const double ru = std::sqrt(A * e / kPi), rv = std::sqrt(A / (kPi * e)) / (1.0 - kTail / 4.0);
        const glm::dvec2 axis = glm::normalize(glm::dvec2(s * 0.6, -0.8)), across(-axis.y, axis.x);
        const glm::dvec2 q = glm::dvec2(p.x, p.y) - centre(p.z);
        const double u = glm::dot(q, axis), w = rv * (1.0 - kTail * std::clamp(-u / ru, 0.0, 1.0));
        const double v = glm::dot(q, across);
        const double d = (std::hypot(u / ru, v / w) - 1.0) * std::min(ru, w);
        return std::max(d, std::max(p.z - zTop, -170.0 - p.z));
    }
};

// The erector spinae of one side in axial section: a rounded rectangle from beside the spinous
// process to the angles of the ribs (lumbar ~56 x 44 mm, thoracic ~40 x 32 mm; estimated from adult
// CT).
struct ErectorSection {
    double s;
    double operator()(const dvec3& p) const {
        const double t = std::clamp((p.z - 140.0) / 60.0, 0.0, 1.0);  // 0 lumbar, 1 thoracic
        const double cx = mix(34.0, 28.0, t), hx = mix(28.0, 20.0, t), cy = mix(82.0, 78.0, t), hy = mix(22.0, 16.0, t);
        const double r = 10.0;
        const double qx = std::abs(s * p.x - cx) - (hx - r), qy = std::abs(p.y - cy) - (hy - r);
        const double d = hypotNonNegative(std::max(qx, 0.0), std::max(qy, 0.0)) + std::min(std::max(qx, qy), 0.0) - r;
        return std::max(d, std::max(-60.0 - p.z, p.z - 400.0));
    }
};

}  // namespace

void paintBodyWall(Painter& pa, const Anatomy& a) {
    // Four layers over the whole grid, fused into one pass (the same bytes as four paint() calls:
    // a voxel depends only on its own earlier paint), in slabs of slices over two threads: the skin
    // ellipse is found once per slice and the diaphragm once per column instead of at every voxel
    // of every layer, which was a third of the phantom's build time.
    const VolumeGeometry& g = pa.geometry();
    const double h = g.spacing.x;
    const uint64_t seed = a.options.seed;
    const int nx = g.dims.x, ny = g.dims.y;
    std::vector<double> dome(static_cast<size_t>(nx) * ny);
    for (int j = 0; j < ny; ++j)
        for (int i = 0; i < nx; ++i) {
            const dvec3 p = g.origin + g.spacing * dvec3(i, j, 0);
            dome[static_cast<size_t>(j) * nx + i] = a.diaphragmZ(p.x, p.y);
        }
    auto skin = [](const dvec3&, double) { return hu::skin; };
    auto muscle = [](const dvec3&, double) { return hu::muscle; };
    // Subcutaneous fat, then the abdominal and pelvic cavity (visceral fat, the mesentery) below the
    // diaphragm; around the pelvis the wall is thicker (gluteal and hip muscles).
    auto fat = [seed](const dvec3& p, double) { return hu::fat + 20.0 * (hashNoise(p, 4.0, seed) - 0.5); };
    auto visceral = [seed](const dvec3& p, double) { return hu::visceralFat + 30.0 * (hashNoise(p, 5.0, seed + 1) - 0.5); };
    forEachSlab(g.dims.z, [&](int kFirst, int kLast) {
        for (int k = kFirst; k < kLast; ++k) {
            const double z = (g.origin + g.spacing * dvec3(0, 0, k)).z;
            double ax, by, yc;
            a.skinEllipse(z, ax, by, yc);
            const double wall = 13.0 + 30.0 * (1.0 - std::clamp((z + 20.0) / 50.0, 0.0, 1.0));
            for (int j = 0; j < ny; ++j)
                for (int i = 0; i < nx; ++i) {
                    const size_t idx = g.index(i, j, k);
                    const dvec3 p = g.origin + g.spacing * dvec3(i, j, k);
                    if (pa.claimable(idx, L::skin)) pa.blend(idx, L::skin, h, p, sdEllipseLayer(p, ax, by, yc, 0.0), skin);
                    if (pa.claimable(idx, L::subcutaneous_fat))
                        pa.blend(idx, L::subcutaneous_fat, h, p, sdEllipseLayer(p, ax, by, yc, 2.0), fat);
                    if (pa.claimable(idx, L::muscle)) pa.blend(idx, L::muscle, h, p, sdEllipseLayer(p, ax, by, yc, a.fatMm), muscle);
                    if (pa.claimable(idx, L::visceral_fat)) {
                        const double d = std::max(sdEllipseLayer(p, ax, by, yc, a.fatMm + wall), p.z - dome[static_cast<size_t>(j) * nx + i]);
                        pa.blend(idx, L::visceral_fat, h, p, d, visceral);
                    }
                }
        }
    });
}

void paintThorax(Painter& pa, const Anatomy& a) {
    const VolumeGeometry& g = pa.geometry();
    const double zTop = g.origin.z + g.spacing.z * (g.dims.z - 1) + 5.0;
    // Lungs: inside the chest wall (fat, muscle and ribs, ~14 mm), above the diaphragm, beside the
    // mediastinum. Lower lobes behind the oblique fissure, the middle lobe / lingula in front.
    for (int side = -1; side <= 1; side += 2) {
        const uint16_t lower = side < 0 ? L::lung_lower_lobe_right : L::lung_lower_lobe_left;
        const uint16_t front = side < 0 ? L::lung_middle_lobe_right : L::lung_upper_lobe_left;
        auto lung = [&, side](const dvec3& p) {
            const double wall = sdBodyLayer(a, p, a.fatMm + 14.0);
            const double below = a.diaphragmZ(p.x, p.y) - p.z;
            const double medial = 28.0 - side * p.x;  // mediastinum half width
            return std::max(std::max(wall, below), medial);
        };
        auto fissureFront = [&, lung](const dvec3& p) {
            // Oblique fissure: a plane rising from posterior-inferior to anterior-superior.
            return std::max(lung(p), (p.y + 10.0) + 0.8 * (p.z - (a.domeRightZ + 20.0)));
        };
        const dvec3 gridHi = g.origin + g.spacing * dvec3(g.dims - 1);
        const Box box{{side < 0 ? g.origin.x : 0.0, g.origin.y, 160.0}, {side < 0 ? 0.0 : gridHi.x, gridHi.y, zTop}};
        auto lungHu = [&](const dvec3& p, double) {
            // Pulmonary vessels as a speckle denser towards the hilum.
            const double n = hashNoise(p, 3.0, a.options.seed + 2);
            return n > 0.93 ? -500.0 : hu::lung + 40.0 * (n - 0.5);
        };
        pa.paint(box, lower, lung, lungHu);
        pa.paint(box, front, fissureFront, lungHu);
    }
    // Diaphragm: a 5 mm muscle sheet on the abdominal side of the dome.
    const dvec3 gridHi = g.origin + g.spacing * dvec3(g.dims - 1);
    pa.paint({{g.origin.x, g.origin.y, 160.0}, {gridHi.x, gridHi.y, a.domeRightZ + 6.0}}, L::muscle,
             [&](const dvec3& p) {
                 const double dz = a.diaphragmZ(p.x, p.y);
                 return std::max(std::max(p.z - dz, dz - 5.0 - p.z), sdBodyLayer(a, p, a.fatMm + 10.0));
             },
             hu::muscle);
    pa.paint(boxAround(a.heartC, a.heartR), L::heart,
             [&](const dvec3& p) {
                 return std::max(sdEllipsoid(p, a.heartC, a.heartR), a.diaphragmZ(p.x, p.y) - p.z);
             },
             hu::blood);
    // Sternum and its xiphoid, anterior midline.
    double ax, by, yc;
    a.skinEllipse(a.domeRightZ, ax, by, yc);
    const double yFront = yc - by + a.fatMm + 6.0;
    const double zXiphoid = a.vertebra("T10")->zCentre;
    OrientedBox sternum{{0.0, yFront + 6.0, (zXiphoid + zTop) / 2.0}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1},
                        {14.0, 6.0, (zTop - zXiphoid) / 2.0}};
    pa.paint(sternum.bounds(), L::sternum, sternum,
             [](const dvec3&, double d) { return d > -1.5 ? hu::cortical : hu::cancellous; });
    // Oesophagus down to the gastro-oesophageal junction.
    Tube oes{{{8.0, 8.0, zTop}, {12.0, 0.0, a.domeLeftZ}, {30.0, -18.0, a.stomachC.z + 35.0}}, {8.0, 8.0, 9.0}};
    paintTube(pa, L::esophagus, oes, [](const dvec3&, double, const dvec3&, double) { return hu::muscle; });
}

void paintAbdomen(Painter& pa, const Anatomy& a) {
    const uint64_t seed = a.options.seed;
    auto underDome = [&](const dvec3& p, double d) { return std::max(d, p.z - (a.diaphragmZ(p.x, p.y) - 5.0)); };

    // Liver.
    const Box liverBox{glm::min(a.liverRightC - a.liverRightR, a.liverLeftC - a.liverLeftR),
                       glm::max(a.liverRightC + a.liverRightR, a.liverLeftC + a.liverLeftR)};
    pa.paint(liverBox, L::liver, [&](const dvec3& p) { return a.liverSdf(p); },
             [&](const dvec3& p, double) { return hu::liver + 6.0 * (hashNoise(p, 3.0, seed + 3) - 0.5); });
    pa.paint(boxAround(a.gallC, a.gallR), L::gallbladder,
             [&](const dvec3& p) { return sdEllipsoid(p, a.gallC, a.gallR); }, hu::bile);
    // Organ outlines are not ellipses: their surfaces undulate by a few mm over a few cm (smooth
    // seeded noise added to the distance; estimated amplitudes), the spleen is hollowed medially
    // where it lies on the stomach and kidney, and the kidney's hilum is a notch.
    auto lumpy = [seed](double d, const dvec3& p, double ampMm, double cellMm, uint64_t salt) {
        return d + ampMm * (2.0 * smoothNoise(p, dvec3(cellMm), seed + salt) - 1.0);
    };
    const dvec3 spleenHollow = a.spleenC + dvec3(-1.45 * a.spleenR.x, -0.2 * a.spleenR.y, 0.0);
    pa.paint(boxAround(a.spleenC, a.spleenR + dvec3(3.0)), L::spleen,
             [&](const dvec3& p) {
                 const double d = std::max(sdEllipsoid(p, a.spleenC, a.spleenR),
                                           -sdEllipsoid(p, spleenHollow, {0.6 * a.spleenR.x, 0.5 * a.spleenR.y, 0.8 * a.spleenR.z}));
                 return underDome(p, lumpy(d, p, 3.0, 30.0, 21));
             },
             hu::spleen);
    for (int side = -1; side <= 1; side += 2) {
        const dvec3 c = side < 0 ? a.kidneyRC : a.kidneyLC;
        const dvec3 sinus = c + dvec3(-side * 16.0, -6.0, 0.0);
        const dvec3 notch = c + dvec3(-side * 0.95 * a.kidneyR.x, -4.0, 0.0);
        pa.paint(boxAround(c, a.kidneyR + dvec3(2.0)), side < 0 ? L::kidney_right : L::kidney_left,
                 [&](const dvec3& p) {
                     const double d = std::max(sdEllipsoid(p, c, a.kidneyR), -sdEllipsoid(p, notch, {6.0, 8.0, 16.0}));
                     return lumpy(d, p, 1.5, 25.0, 22);
                 },
                 [&](const dvec3& p, double) {
                     // Renal sinus fat at the hilum.
                     return sdEllipsoid(p, sinus, {9.0, 8.0, 22.0}) < 0.0 ? hu::fat : hu::kidney;
                 });
    }
    // Stomach with an air-fluid level: supine, the gas rises anteriorly (towards -y).
    pa.paint(boxAround(a.stomachC, a.stomachR + dvec3(4.0)), L::stomach,
             [&](const dvec3& p) { return underDome(p, lumpy(sdEllipsoid(p, a.stomachC, a.stomachR), p, 4.0, 35.0, 23)); },
             [&](const dvec3& p, double d) {
                 if (d > -4.0) return hu::bowelWall;
                 return p.y < a.stomachC.y - 8.0 ? hu::gas : hu::bowelFluid;
             });
    // Pancreas along the splenic vein, head in the duodenal C-loop.
    const double zp = a.zPortal - 40.0;
    Tube pancreas{{{-38.0, -22.0, zp - 12.0}, {-8.0, -32.0, zp}, {35.0, -22.0, zp + 8.0}, {72.0, 12.0, zp + 18.0}},
                  {14.0, 11.0, 10.0, 8.0}};
    paintTube(pa, L::pancreas, pancreas, [](const dvec3&, double, const dvec3&, double) { return hu::pancreas; });

    // Bowel: wall, fluid, and gas rising to the non-dependent (anterior) side of gas-filled loops.
    // The gas fills rounded, irregular pockets rather than a flat level: its boundary is the
    // anterior fraction `gasFraction` of the lumen perturbed by smooth noise.
    auto gasWeight = [seed](const dvec3& p, const dvec3& axis, double r, double gasFraction) {
        const double level = (axis.y - p.y) / r + 0.9 * (mottle(p, 11.0, seed + 5) - 0.5);
        return softStep(level - (1.0 - 2.0 * gasFraction), 0.2);
    };
    auto bowelHu = [gasWeight, seed](bool gassy, double gasFraction) {
        return [gassy, gasFraction, gasWeight, seed](const dvec3& p, double d, const dvec3& axis, double r, size_t) {
            if (d > -2.5) return hu::bowelWall;
            if (!gassy) return hu::bowelFluid;
            // Chyme: fluid with small rounded bubbles (a few mm) below the gas pocket.
            const double w = gasWeight(p, axis, r, gasFraction);
            if (w >= 1.0) return hu::gas;
            const double f = smoothNoise(p, dvec3(4.0), seed + 7);
            const double content = mix(hu::bowelFluid + 30.0 * (f - 0.5), hu::gas, softStep(0.15 - f, 0.05));
            return mix(content, hu::gas, w);
        };
    };
    const double voxelMm = pa.geometry().spacing.x;
    auto bumpy = [seed, voxelMm](double d, const dvec3& p) { return bumpyWall(d, p, seed + 8, voxelMm); };
    Tube duodenum{{{20.0, -52.0, zp + 25.0}, {-30.0, -42.0, zp + 20.0}, {-52.0, -22.0, zp - 5.0},
                   {-48.0, -18.0, zp - 35.0}, {0.0, -20.0, zp - 45.0}, {28.0, -25.0, zp - 25.0}},
                  {12.0, 12.0, 12.0, 12.0, 12.0, 12.0}};
    for (size_t s = 0; s + 1 < duodenum.points.size(); ++s)
        paintWinding(pa, L::duodenum, {{duodenum.points[s], duodenum.points[s + 1]}, {duodenum.radii[s], duodenum.radii[s + 1]}},
                     bowelHu(true, 0.3), bumpy, 1.5);
    // Colon: caecum, ascending, transverse (anterior, usually gas-filled when supine), descending,
    // sigmoid, rectum.
    const double zFlex = a.kidneyRC.z + 10.0;
    Tube colon{{{-70.0, -35.0, -45.0}, {-85.0, 10.0, 0.0}, {-88.0, 15.0, zFlex - 30.0}, {-75.0, -35.0, zFlex},
                {-20.0, -75.0, zFlex - 35.0}, {30.0, -72.0, zFlex - 25.0}, {80.0, -10.0, zFlex + 25.0},
                {90.0, 25.0, zFlex - 10.0}, {85.0, 25.0, -20.0}, {55.0, -30.0, -65.0}, {15.0, -20.0, -80.0},
                {0.0, 18.0, -105.0}, {0.0, 24.0, -170.0}},
               {24.0, 22.0, 21.0, 21.0, 20.0, 20.0, 19.0, 17.0, 17.0, 16.0, 15.0, 17.0, 17.0}};
    Rng colonRng = Rng::seeded(seed, 13u), windRng = Rng::seeded(seed, 17u);
    constexpr int kColonPieces = 2;
    const Tube colonWound = tortuous(colon, windRng, kColonPieces, 5.0, 0.12);
    // Length of colon before each point, for the haustra.
    std::vector<double> along{0.0};
    for (size_t s = 0; s + 1 < colonWound.points.size(); ++s)
        along.push_back(along.back() + glm::length(colonWound.points[s + 1] - colonWound.points[s]));
    for (size_t route = 0; route + 1 < colon.points.size(); ++route) {
        const size_t k0 = route * kColonPieces;
        const Tube stretch{{colonWound.points.begin() + k0, colonWound.points.begin() + k0 + kColonPieces + 1},
                           {colonWound.radii.begin() + k0, colonWound.radii.begin() + k0 + kColonPieces + 1}};
        const bool transverse = route >= 3 && route <= 5;
        const double gas = transverse ? 0.7 : 0.25 + 0.3 * colonRng.uniform();
        paintWinding(pa, L::colon, stretch, [&, gas, k0](const dvec3& p, double d, const dvec3& axis, double r, size_t k) {
            if (d > -2.5) return hu::bowelWall;
            // Haustral folds: thin crescents of wall reaching a third of the way into the lumen
            // every ~25 mm (estimated from barium enemas), outlined by the gas.
            const double arc = along[k0 + k] + glm::length(axis - stretch.points[k]);
            const double phase = arc / 25.0 - std::floor(arc / 25.0);
            if (std::abs(phase - 0.5) * 25.0 < 1.2 && d > -0.35 * r) return hu::bowelWall;
            // Faeces: soft stool mottled with rounded bubbles of gas.
            const double f = mottle(p, 3.5, seed + 6);
            const double stool = mix(-50.0 + 100.0 * f, -750.0, softStep(0.40 - f, 0.06));
            return mix(stool, hu::gas, gasWeight(p, axis, r, gas));
        }, bumpy, 1.5);
    }
    // Small bowel: loops folded through the lower and central abdomen, some with gas.
    {
        Rng r = Rng::seeded(seed, 11u);
        std::vector<dvec3> path;
        const int rows = 6, cols = 5;
        for (int row = 0; row < rows; ++row) {
            const double z = a.kidneyLC.z - 25.0 - row * 24.0;
            for (int c = 0; c < cols; ++c) {
                const int cc = (row % 2 == 0) ? c : cols - 1 - c;
                const double x = -55.0 + cc * 27.0 + r.uniform(-6.0, 6.0);
                const double y = -55.0 + 25.0 * ((c + row) % 2) + r.uniform(-6.0, 6.0);
                path.push_back({x, y, z + r.uniform(-5.0, 5.0)});
            }
        }
        // Each leg of the route winds through three pieces, its calibre 12 mm +-20% (small-bowel
        // diameter up to ~25 mm is normal: estimated).
        constexpr int kPieces = 3;
        Rng wind = Rng::seeded(seed, 19u);
        const Tube wound = tortuous({path, std::vector<double>(path.size(), 12.0)}, wind, kPieces, 7.0, 0.2);
        for (size_t s = 0; s + 1 < path.size(); ++s) {
            const bool gassy = r.uniform() < 0.35;
            const double frac = r.uniform(0.2, 0.6);
            const size_t k0 = s * kPieces;
            const Tube leg{{wound.points.begin() + k0, wound.points.begin() + k0 + kPieces + 1},
                           {wound.radii.begin() + k0, wound.radii.begin() + k0 + kPieces + 1}};
            paintWinding(pa, L::small_bowel, leg, bowelHu(gassy, frac), bumpy, 1.5);
        }
    }
    pa.paint(boxAround({0.0, -50.0, -118.0}, {38.0, 34.0, 32.0}), L::urinary_bladder,
             [&](const dvec3& p) { return lumpy(sdEllipsoid(p, {0.0, -50.0, -118.0}, {34.0, 30.0, 28.0}), p, 2.0, 30.0, 24); }, 5.0);

    // Muscles beside the spine: psoas (iliopsoas) and the erector spinae (autochthon).
    const double zT12 = a.vertebra("T12")->zCentre;
    for (int side = -1; side <= 1; side += 2) {
        const PsoasSection psoas{static_cast<double>(side), zT12 - 5.0};
        pa.paint({{side < 0 ? -110.0 : 5.0, -70.0, -175.0}, {side < 0 ? -5.0 : 110.0, 60.0, zT12}},
                 side < 0 ? L::iliopsoas_right : L::iliopsoas_left, psoas, hu::muscle);
        const ErectorSection erector{static_cast<double>(side)};
        const Box box{{side < 0 ? -75.0 : 0.0, 40.0, -60.0}, {side < 0 ? 0.0 : 75.0, 115.0, 400.0}};
        // A fat plane (~2.5 mm, estimated) along the erector's lateral and anterior borders, where
        // the thoracolumbar fascia separates it from quadratus lumborum and the flank muscles, so
        // CT shows its outline; only lateral to its middle, away from the transpedicular trocars.
        pa.paint(box, L::visceral_fat,
                 [&](const dvec3& p) {
                     const double d = erector(p);
                     const double lateralHalf = std::max(p.y - 92.0, 30.0 - side * p.x);
                     return std::max(std::max(d - 2.5, -d), std::max(sdBodyLayer(a, p, a.fatMm), lateralHalf));
                 },
                 hu::fat);
        pa.paint(box, side < 0 ? L::autochthon_right : L::autochthon_left,
                 [&](const dvec3& p) { return std::max(erector(p), sdBodyLayer(a, p, a.fatMm)); }, hu::muscle);
    }

    // Veins (unenhanced blood): IVC, iliac veins, portal and splenic vein, hepatic veins.
    const double zTopIvc = a.domeRightZ + 10.0;
    Tube ivc{{{a.ivc.x, a.ivc.y, 5.0}, {a.ivc.x, a.ivc.y - 2.0, 120.0}, {a.ivc.x, a.ivc.y - 6.0, zTopIvc}},
             {11.0, 12.0, 13.0}};
    auto blood = [](const dvec3&, double, const dvec3&, double) { return hu::blood; };
    paintTube(pa, L::inferior_vena_cava, ivc, blood);
    for (int side = -1; side <= 1; side += 2) {
        const double s = side;
        Tube iliacVein{{{a.ivc.x * 0.3, a.ivc.y + 8.0, 8.0}, {s * 38.0, 20.0, -30.0}, {s * 72.0, -32.0, -105.0},
                        {s * 76.0, -45.0, -170.0}},
                       {9.0, 7.0, 6.5, 6.0}};
        paintTube(pa, side < 0 ? 68 : 67, iliacVein, blood);
    }
    Tube portal{{{72.0, 20.0, zp + 22.0}, {35.0, -14.0, zp + 14.0}, {-6.0, -22.0, zp + 6.0}, a.hilum}, {5.0, 5.5, 7.0, 7.0}};
    paintTube(pa, L::portal_vein_and_splenic_vein, portal, blood);
    const dvec3 hvRoot{a.ivc.x, a.ivc.y - 6.0, a.domeRightZ - 15.0};
    for (const dvec3& tip : {dvec3{-115.0, 10.0, a.domeRightZ - 55.0}, dvec3{-50.0, -65.0, a.domeRightZ - 50.0},
                             dvec3{30.0, -45.0, a.domeRightZ - 40.0}}) {
        Tube hv{{hvRoot, tip}, {6.0, 2.5}};
        pa.paint(boxOfSegment(hvRoot, tip, 6.0), L::hepatic_vein,
                 [&](const dvec3& p) { return std::max(sdCapsule(p, hv.points[0], hv.points[1], 6.0, 2.5), a.liverSdf(p)); },
                 hu::blood);
    }
}

}  // namespace irsim::patient::phantom
