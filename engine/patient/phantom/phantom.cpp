#include "patient/phantom.h"

#include <algorithm>
#include <cmath>
#include <future>

#include "core/error.h"
#include "patient/labels.h"
#include "patient/phantom/anatomy.h"

namespace irsim::patient {

namespace {

using phantom::Anatomy;
using phantom::dvec3;

[[noreturn]] void fail(const std::string& field, const std::string& what) {
    throw DataError("phantom", 0, "phantom." + field, what);
}

void placeLesions(Anatomy& a) {
    int n = 0;
    for (const PhantomLesion& les : a.options.lesions) {
        ++n;
        const std::string field = "lesions[" + std::to_string(n - 1) + "]";
        const std::string tag = "tumour_" + std::to_string(n) + ".centre";
        if (les.kind == LesionKind::HypervascularLiver) {
            int segment = 0;
            if (les.site.rfind("liver_segment_", 0) == 0) segment = std::atoi(les.site.c_str() + 14);
            if (segment < 1 || segment > 8) fail(field + ".site", "expected liver_segment_1 .. liver_segment_8 for a liver lesion, got \"" + les.site + "\"");
            if (!(les.diameterMm >= 3.0 && les.diameterMm <= 120.0)) fail(field + ".diameter_mm", "expected 3-120 mm");
            const double r = les.diameterMm / 2.0;
            // Candidates: points of the segment on a 3 mm lattice, as deep in the liver as possible.
            const dvec3 lo = glm::min(a.liverRightC - a.liverRightR, a.liverLeftC - a.liverLeftR);
            const dvec3 hi = glm::max(a.liverRightC + a.liverRightR, a.liverLeftC + a.liverLeftR);
            std::vector<dvec3> inSegment;
            dvec3 centroid(0.0);
            for (double z = lo.z; z <= hi.z; z += 3.0)
                for (double y = lo.y; y <= hi.y; y += 3.0)
                    for (double x = lo.x; x <= hi.x; x += 3.0) {
                        const dvec3 p{x, y, z};
                        if (a.liverSdf(p) < 0.0 && a.couinaudSegment(p) == segment) {
                            inSegment.push_back(p);
                            centroid += p;
                        }
                    }
            if (inSegment.empty()) fail(field + ".site", "segment " + std::to_string(segment) + " is empty in this phantom");
            centroid /= static_cast<double>(inSegment.size());
            // Deepest within the segment near its centroid, with a seeded tie-break between tumours.
            dvec3 best = inSegment.front();
            double bestScore = -1e300;
            for (const dvec3& p : inSegment) {
                const double score = -a.liverSdf(p) - 0.3 * glm::length(p - centroid) + a.rng.uniform(0.0, 3.0);
                if (score > bestScore) {
                    bestScore = score;
                    best = p;
                }
            }
            a.liverLesions.push_back({best, r});
            a.landmarks[tag] = best;
        } else {
            const std::string level = les.site.rfind("vertebrae_", 0) == 0 ? les.site.substr(10) : "";
            phantom::VertebraLayout* v = nullptr;
            for (auto& vv : a.vertebrae)
                if (vv.dim.level == level) v = &vv;
            if (!v || (level[0] == 'T' && std::atoi(level.c_str() + 1) < 10))
                fail(field + ".site", "expected vertebrae_T10 .. vertebrae_L5 for a vertebral lesion, got \"" + les.site + "\"");
            if (les.kind == LesionKind::CompressionFracture) {
                if (!(les.heightLossFraction >= 0.05 && les.heightLossFraction <= 0.8))
                    fail(field + ".height_loss", "expected a fraction 0.05-0.8 of the anterior height");
                v->heightLoss = les.heightLossFraction;
                a.landmarks[tag] = {0.0, v->yCentre, v->zCentre};
            } else {
                if (!(les.diameterMm >= 3.0 && les.diameterMm <= 40.0)) fail(field + ".diameter_mm", "expected 3-40 mm");
                // In the posterior body, breaking through the posterior wall into the canal.
                const double r = std::min(les.diameterMm / 2.0, 0.45 * v->dim.bodyHeightMm);
                v->lytic = true;
                v->lyticRadius = r;
                v->lyticCentre = {a.rng.uniform(-4.0, 4.0), v->yCentre + v->dim.bodyDepthMm / 2.0 - 0.75 * r, v->zCentre};
                a.landmarks[tag] = v->lyticCentre;
            }
        }
    }
}

}  // namespace

Patient makePhantom(const PhantomOptions& o, const ProgressFn& progress) {
    if (!(o.voxelMm >= 0.25 && o.voxelMm <= 6.0)) fail("voxel_mm", "expected a voxel size of 0.25-6 mm");
    if (!(o.bodySize >= 0.3 && o.bodySize <= 3.0)) fail("body_size", "expected a body size factor of 0.3-3");
    if (!(o.ctNoiseHu >= 0.0 && o.ctNoiseHu <= 100.0)) fail("ct_noise_hu", "expected 0-100 HU");
    auto report = [&](const char* stage, double f) {
        if (progress) progress(stage, f);
    };
    report("phantom", 0.0);
    Anatomy a = phantom::drawAnatomy(o);
    placeLesions(a);

    // The grid: the whole torso from the groins to mid-thorax, or the requested region.
    double maxA = 0.0, maxB = 0.0;
    for (double z = -200.0; z <= 400.0; z += 10.0) {
        double ax, by, yc;
        a.skinEllipse(z, ax, by, yc);
        maxA = std::max(maxA, ax);
        maxB = std::max(maxB, by);
    }
    dvec3 lo{-maxA - 8.0, 8.0 - maxB - 8.0, -175.0};
    dvec3 hi{maxA + 8.0, 8.0 + maxB + 8.0, a.vertebra("T8")->zCentre + 10.0};
    if (o.regionMm) {
        lo = glm::max(lo, glm::min(o.regionMm->first, o.regionMm->second));
        hi = glm::min(hi, glm::max(o.regionMm->first, o.regionMm->second));
        if (!(lo.x < hi.x && lo.y < hi.y && lo.z < hi.z)) fail("region_mm", "the region does not overlap the torso");
    }
    VolumeGeometry g;
    g.spacing = dvec3(o.voxelMm);
    g.origin = lo;
    g.dims = glm::ivec3(glm::floor((hi - lo) / o.voxelMm)) + 1;
    g.direction = glm::dmat3(1.0);

    static const phantom::PriorityTable priority = phantom::makePriorities();
    phantom::Painter pa(g, priority);
    // Each thread paints every shape over its share of the slices (painter.h, SliceShare), with its
    // own copy of the anatomy (paintSpine adds landmarks, buildArteries draws its tree: the same on
    // both, from the same state); the first thread's is kept.
    auto paintAll = [&](Anatomy& an, int share, int shares, bool reports) {
        const phantom::ScopedSliceShare only(share, shares);
        auto say = [&](double f) {
            if (reports) report("phantom", f);
        };
        phantom::paintBodyWall(pa, an);
        say(0.2);
        phantom::paintThorax(pa, an);
        phantom::paintAbdomen(pa, an);
        say(0.45);
        for (const auto& les : an.liverLesions)
            pa.paint(phantom::boxAround(les.centre, dvec3(les.radius)), labels::liver_tumour,
                     [&](const dvec3& q) { return std::max(glm::length(q - les.centre) - les.radius, an.liverSdf(q)); },
                     phantom::hu::tumourLiver);
        phantom::paintRibsAndPelvis(pa, an);
        phantom::paintSpine(pa, an);
        say(0.7);
        LabelMap none;
        VesselTree tree = phantom::buildArteries(an, none, none);
        phantom::paintVessels(pa, tree, an);
        say(0.85);
        return tree;
    };
    VesselTree arteries;
    if (phantom::phantomThreads() == 1) {
        arteries = paintAll(a, 0, 1, true);
    } else {
        Anatomy other = a;
        auto second = std::async(std::launch::async, [&] { paintAll(other, 1, 2, false); });
        arteries = paintAll(a, 0, 2, true);
        second.get();
    }

    Patient p;
    p.source = "phantom seed " + std::to_string(o.seed);
    p.labelNames = irsimLabels();
    p.ct.geometry = g;
    p.ct.voxels.resize(g.voxelCount());
    // Quantum noise, drawn voxel by voxel in memory order from its own stream (two draws a voxel);
    // each slab of slices starts its copy of the stream where that slab's first voxel's draws are.
    // The liver's Couinaud segments in the same pass.
    const std::vector<float>& hu = pa.hu();
    const std::vector<uint16_t>& painted = pa.labels();
    p.liverSegments.allocate(g, 0);
    const size_t perSlice = static_cast<size_t>(g.dims.x) * g.dims.y;
    phantom::forEachSlab(g.dims.z, [&](int kFirst, int kLast) {
        Rng noise = Rng::seeded(o.seed, 99u);
        noise.advance(2u * perSlice * static_cast<size_t>(kFirst));
        for (size_t i = perSlice * kFirst; i < perSlice * kLast; ++i) {
            double v = hu[i];
            if (o.ctNoiseHu > 0.0) v += o.ctNoiseHu * noise.normal();
            p.ct.voxels[i] = static_cast<int16_t>(std::clamp(std::lround(v), -1024L, 3071L));
        }
        for (int k = kFirst; k < kLast; ++k)
            for (int j = 0; j < g.dims.y; ++j)
                for (int i = 0; i < g.dims.x; ++i) {
                    const uint16_t l = painted[g.index(i, j, k)];
                    if (l == labels::liver || l == labels::liver_tumour)
                        p.liverSegments.at(i, j, k) = static_cast<uint16_t>(a.couinaudSegment(g.voxelToPatient(dvec3(i, j, k))));
                }
    });
    p.labels.geometry = g;
    p.labels.voxels = std::move(pa.labels());
    p.vessels.push_back(std::move(arteries));
    p.landmarks = std::move(a.landmarks);
    p.attributes["michels_type"] = michelsName(a.michels);
    p.attributes["phantom_seed"] = std::to_string(o.seed);
    report("phantom", 1.0);
    return p;
}

}  // namespace irsim::patient
