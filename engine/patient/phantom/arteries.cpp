// The phantom's arterial tree: aorta, celiac trunk and its branches, SMA, renal arteries, iliac
// arteries down to the common femoral arteries (the access site), and a hepatic arterial tree grown
// into the Couinaud segments with the Michels variant of the scenario.
#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <set>

#include "patient/labels.h"
#include "patient/phantom/anatomy.h"
#include "patient/vessel_growth.h"

namespace irsim::patient::phantom {

namespace L = labels;

namespace {


// A polyline from `parent`, one node per point; returns the last node.
int addPath(VesselTree& t, int parent, const std::vector<dvec3>& pts, const std::string& branch, double radius = 0.0,
            double outflow = 0.0) {
    for (size_t i = 0; i < pts.size(); ++i)
        parent = t.add(parent, pts[i], branch, radius, i + 1 == pts.size() ? outflow : 0.0);
    return parent;
}

int nearestOnBranch(const VesselTree& t, const std::string& branch, double z) {
    int best = -1;
    for (size_t i = 0; i < t.nodes.size(); ++i)
        if (t.nodes[i].branch == branch &&
            (best < 0 || std::abs(t.nodes[i].position.z - z) < std::abs(t.nodes[static_cast<size_t>(best)].position.z - z)))
            best = static_cast<int>(i);
    return best;
}

// Reference outflows at rest, ml/min (Williams & Leggett 1989, Clin Phys Physiol Meas 10:187,
// fractions of a 6.5 l/min cardiac output): spleen ~3%, stomach ~1%, kidneys ~19% (both), SMA
// territory (small bowel, right colon) ~7%, each leg ~4-5%, hepatic artery ~6.5%.
constexpr double kSpleen = 200.0, kStomach = 40.0, kDuodenum = 80.0, kKidney = 600.0, kSma = 450.0,
                 kLeg = 300.0, kPelvis = 120.0, kHepatic = 400.0;

struct HepaticTrunk {
    std::string name;
    int from;                 // node it leaves
    std::vector<dvec3> path;  // to the liver
    std::set<int> segments;   // Couinaud segments it supplies
};

}  // namespace

VesselTree buildArteries(Anatomy& a, const LabelMap&, const LabelMap&) {
    VesselTree t;
    t.name = "arterial";
    auto z = [&](const char* level) { return a.vertebra(level)->zCentre; };
    const double zCeliac = 0.5 * (z("T12") + z("L1"));
    const double zSma = zCeliac - 14.0;
    const double zRenal = 0.5 * (z("L1") + z("L2"));
    const double zBif = z("L4");

    // Aorta: descending thoracic (left of the spine), through the hiatus at T12, anterior to the
    // lumbar bodies down to the bifurcation at L4. Lumen radius 12.5 mm thoracic to ~9 mm at the
    // bifurcation (normal diameters ~25 -> ~18 mm; Pedersen et al. 1993, J Vasc Surg 17:596).
    const double zTop = a.vertebra("T8")->zCentre + 20.0;
    int node = -1;
    const int steps = 40;
    for (int s = 0; s <= steps; ++s) {
        const double zz = zTop + (zBif - zTop) * s / steps;
        const double f = std::clamp((zTop - zz) / (zTop - zBif), 0.0, 1.0);
        const auto* v = a.vertebra("L3");
        const double yFront = (zz > z("T11") ? 12.0 : v->yCentre - v->dim.bodyDepthMm / 2.0 - 12.0);
        const double x = 24.0 - 18.0 * std::clamp((z("T10") - zz) / (z("T10") - z("L1")), 0.0, 1.0);
        node = t.add(node, {x, yFront, zz}, "aorta", 12.5 - 3.5 * f);
    }
    const int bifurcation = node;
    a.landmarks["aorta.bifurcation"] = t.nodes[static_cast<size_t>(bifurcation)].position;

    // Iliac arteries to the common femoral arteries (CFA diameter ~8-10 mm; Sandgren et al. 1999,
    // J Vasc Surg 29:503; common iliac ~10-12 mm, external iliac ~8 mm).
    const VertebraLayout& l5 = *a.vertebra("L5");
    for (int side = -1; side <= 1; side += 2) {
        const double s = side;
        const std::string sfx = side < 0 ? "_right" : "_left";
        const dvec3 b = t.nodes[static_cast<size_t>(bifurcation)].position;
        const int ci = addPath(t, bifurcation, {b + dvec3(s * 14.0, 2.0, -18.0), {s * 40.0, l5.yCentre - 18.0, -28.0}},
                               "common_iliac" + sfx, 5.0);
        addPath(t, ci, {{s * 45.0, 20.0, -50.0}, {s * 50.0, 35.0, -75.0}}, "internal_iliac" + sfx, 3.0, kPelvis);
        const int ei = addPath(t, ci, {{s * 58.0, -5.0, -60.0}, {s * 72.0, -30.0, -88.0}, {s * 79.0, -46.0, -104.0}},
                               "external_iliac" + sfx, 4.2);
        const double zHead = -118.0;
        const int cfa = addPath(t, ei, {{s * 81.0, -50.0, zHead}, {s * 82.0, -50.0, -140.0}, {s * 84.0, -46.0, -170.0}},
                                "common_femoral" + sfx, 4.2, kLeg);
        (void)cfa;
        // The puncture site: over the medial third of the femoral head, below the inguinal ligament.
        a.landmarks["common_femoral_artery" + sfx + ".access"] = {s * 81.0, -50.0, zHead};
    }

    // Renal arteries to the hilum of each kidney.
    for (int side = -1; side <= 1; side += 2) {
        const double s = side;
        const int o = nearestOnBranch(t, "aorta", zRenal);
        const dvec3 c = side < 0 ? a.kidneyRC : a.kidneyLC;
        const dvec3 origin = t.nodes[static_cast<size_t>(o)].position;
        const dvec3 wall = origin + dvec3(s * t.nodes[static_cast<size_t>(o)].radiusMm, 2.0, 0.0);
        addPath(t, o, {wall, {c.x - s * 30.0, c.y - 8.0, c.z + 2.0}, {c.x - s * 18.0, c.y - 6.0, c.z}},
                side < 0 ? "renal_right" : "renal_left", 2.8, kKidney);
    }

    // Celiac trunk: leaves the anterior aorta at T12-L1, runs 1-2 cm forward and trifurcates.
    const int co = nearestOnBranch(t, "aorta", zCeliac);
    const dvec3 ao = t.nodes[static_cast<size_t>(co)].position;
    const dvec3 celiacOrigin = ao + dvec3(0.0, -t.nodes[static_cast<size_t>(co)].radiusMm, 0.0);
    a.landmarks["celiac_trunk.origin"] = celiacOrigin;
    const int celiac0 = t.add(co, celiacOrigin, "celiac_trunk", 3.6);
    const dvec3 ce = celiacOrigin + dvec3(0.0, -16.0, 3.0);
    const int celiac = t.add(celiac0, ce, "celiac_trunk");
    addPath(t, celiac, {ce + dvec3(25.0, 8.0, 6.0), {55.0, 8.0, a.spleenC.z - 20.0}, a.spleenC + dvec3(-22.0, -14.0, -6.0)},
            "splenic", 0.0, kSpleen);
    const int lga = addPath(t, celiac, {ce + dvec3(8.0, -10.0, 18.0), {22.0, -28.0, ce.z + 40.0}}, "left_gastric", 0.0, kStomach);

    // SMA: leaves ~1.5 cm below the celiac trunk and runs down in the mesentery.
    const int so = nearestOnBranch(t, "aorta", zSma);
    const dvec3 smaOrigin = t.nodes[static_cast<size_t>(so)].position + dvec3(0.0, -t.nodes[static_cast<size_t>(so)].radiusMm, 0.0);
    a.landmarks["sma.origin"] = smaOrigin;
    const int sma0 = t.add(so, smaOrigin, "sma", 4.2);
    const int smaTop = t.add(sma0, smaOrigin + dvec3(0.0, -14.0, -6.0), "sma");
    addPath(t, smaTop, {{-4.0, -42.0, zSma - 45.0}, {-12.0, -48.0, zSma - 100.0}, {-25.0, -45.0, zSma - 150.0}}, "sma", 0.0, kSma);

    // Hepatic supply by Michels type. CHA from the celiac trunk (or the SMA / left gastric).
    const MichelsType m = a.michels;
    int chaFrom = celiac;
    if (m == MichelsType::IX) chaFrom = smaTop;
    if (m == MichelsType::X) chaFrom = lga;
    const dvec3 chaStart = t.nodes[static_cast<size_t>(chaFrom)].position;
    const dvec3 gdaOrigin{-28.0, -44.0, a.hilum.z - 22.0};
    const int cha = addPath(t, chaFrom, {chaStart + (gdaOrigin - chaStart) * 0.5 + dvec3(0.0, -4.0, 4.0), gdaOrigin},
                            "common_hepatic");
    addPath(t, cha, {gdaOrigin + dvec3(-4.0, -8.0, -25.0), gdaOrigin + dvec3(-8.0, -10.0, -50.0)}, "gastroduodenal", 0.0, kDuodenum);
    a.landmarks["hepatic_hilum"] = a.hilum;

    const bool replacedR = m == MichelsType::III || m == MichelsType::IV || m == MichelsType::VIII;
    const bool replacedL = m == MichelsType::II || m == MichelsType::IV;
    const bool accessoryR = m == MichelsType::VI || m == MichelsType::VII;
    const bool accessoryL = m == MichelsType::V || m == MichelsType::VII || m == MichelsType::VIII;
    std::vector<HepaticTrunk> trunks;
    const bool needPha = !(replacedR && replacedL);
    int pha = -1;
    if (needPha) pha = addPath(t, cha, {a.hilum + dvec3(6.0, -6.0, -6.0), a.hilum}, "proper_hepatic");
    const dvec3 smaR = t.nodes[static_cast<size_t>(smaTop)].position;
    const dvec3 lgaEnd = t.nodes[static_cast<size_t>(lga)].position;
    // Replaced/accessory right hepatic from the SMA: behind the portal vein to the right hilum.
    const std::vector<dvec3> fromSma{smaR + dvec3(-12.0, 8.0, 4.0), {-30.0, -12.0, a.hilum.z - 15.0}, a.hilum + dvec3(-14.0, 8.0, 0.0)};
    // Replaced/accessory left hepatic from the left gastric, through the fissure of the ligamentum venosum.
    const std::vector<dvec3> fromLga{lgaEnd + dvec3(0.0, -6.0, 10.0), {10.0, -45.0, a.hilum.z + 18.0}, {0.0, -40.0, a.hilum.z + 12.0}};
    std::set<int> right{5, 6, 7, 8}, left{1, 2, 3, 4};
    if (replacedR) trunks.push_back({"replaced_right_hepatic", smaTop, fromSma, right});
    if (accessoryR) {
        trunks.push_back({"accessory_right_hepatic", smaTop, fromSma, {6, 7}});
        right = {5, 8};
    }
    if (replacedL) trunks.push_back({"replaced_left_hepatic", lga, fromLga, {2, 3, 4, 1}});
    if (accessoryL) {
        trunks.push_back({"accessory_left_hepatic", lga, fromLga, {2, 3}});
        left = {1, 4};
    }
    if (!replacedR) trunks.push_back({"right_hepatic", pha, {a.hilum + dvec3(-18.0, 4.0, 4.0)}, right});
    if (!replacedL && needPha) trunks.push_back({"left_hepatic", pha, {a.hilum + dvec3(16.0, -6.0, 6.0)}, left});
    if (replacedL && !replacedR) trunks.back().segments.insert(1);  // PHA -> RHA also feeds the caudate

    // Territories: the liver on a 3 mm lattice (analytic, so a cropped grid grows the same tree),
    // each sample tagged with its Couinaud segment; tumours weigh more.
    std::map<int, std::vector<PerfusionSample>> bySegment;
    double totalWeight = 0.0;
    {
        const dvec3 lo = glm::min(a.liverRightC - a.liverRightR, a.liverLeftC - a.liverLeftR);
        const dvec3 hi = glm::max(a.liverRightC + a.liverRightR, a.liverLeftC + a.liverLeftR);
        const double step = 3.0, ml = step * step * step / 1000.0;
        for (double zz = lo.z; zz <= hi.z; zz += step)
            for (double yy = lo.y; yy <= hi.y; yy += step)
                for (double xx = lo.x; xx <= hi.x; xx += step) {
                    const dvec3 p{xx, yy, zz};
                    if (a.liverSdf(p) > 0.0) continue;
                    double w = ml;
                    for (const auto& les : a.liverLesions)
                        if (glm::length(p - les.centre) < les.radius) w = ml * 4.0;
                    bySegment[a.couinaudSegment(p)].push_back({p, w});
                    totalWeight += w;
                }
    }
    const double flowPerWeight = kHepatic / totalWeight;
    std::vector<int> hepaticRoots;
    for (const HepaticTrunk& tr : trunks) {
        dvec3 centroid(0.0);
        double w = 0.0;
        for (int sgm : tr.segments)
            for (const auto& s : bySegment[sgm]) {
                centroid += s.position * s.weight;
                w += s.weight;
            }
        centroid /= w;
        std::vector<dvec3> path = tr.path;
        path.push_back(path.back() + (centroid - path.back()) * 0.3);
        const int end = addPath(t, tr.from, path, tr.name);
        hepaticRoots.push_back(end);
        for (int sgm : tr.segments) {
            TreeGrowthOptions go;
            go.seed = a.options.seed * 16 + static_cast<uint64_t>(sgm);
            go.terminalWeight = 0.2;
            go.firstBranchName = "segment_" + std::to_string(sgm);
            growPerfusionTree(t, end, bySegment[sgm], flowPerWeight, go);
        }
    }
    accumulateFlows(t);
    // Radii of everything below the aorta's visceral branches by Murray's law from their origins.
    assignMurrayRadii(t, celiac0);
    assignMurrayRadii(t, sma0);
    return t;
}

void paintVessels(Painter& pa, const VesselTree& t, const Anatomy&) {
    auto labelOf = [](const std::string& b) -> uint16_t {
        if (b == "aorta") return L::aorta;
        if (b == "celiac_trunk") return L::celiac_trunk;
        if (b == "sma") return L::superior_mesenteric_artery;
        if (b == "splenic") return L::splenic_artery;
        if (b == "left_gastric") return L::left_gastric_artery;
        if (b == "gastroduodenal") return L::gastroduodenal_artery;
        if (b == "renal_left") return L::renal_artery_left;
        if (b == "renal_right") return L::renal_artery_right;
        if (b == "common_femoral_left") return L::common_femoral_artery_left;
        if (b == "common_femoral_right") return L::common_femoral_artery_right;
        if (b.find("iliac_left") != std::string::npos) return L::iliac_artery_left;
        if (b.find("iliac_right") != std::string::npos) return L::iliac_artery_right;
        return L::hepatic_artery;
    };
    for (const VesselNode& n : t.nodes) {
        // Arteries thinner than ~0.8 mm are below the CT's resolution; they live only in the graph.
        if (n.parent < 0 || n.radiusMm < 0.8) continue;
        const dvec3 p0 = t.nodes[static_cast<size_t>(n.parent)].position, p1 = n.position;
        const double r = n.radiusMm;
        pa.paint(boxOfSegment(p0, p1, r), labelOf(n.branch), [&](const dvec3& p) { return sdCapsule(p, p0, p1, r, r); },
                 hu::blood);
    }
}

}  // namespace irsim::patient::phantom
