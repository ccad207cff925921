// Y-90 microsphere delivery on an arterial tree: conservation, flow split, reflux, stasis, dose.
#include <cmath>
#include <cstdio>
#include <cstring>

#include <catch2/catch.hpp>

#include "patient/phantom.h"
#include "patient/vessel_growth.h"
#include "therapy/contrast.h"
#include "therapy/microsphere_dose.h"
#include "therapy/microspheres.h"

using namespace irsim;

namespace {

// Celiac trunk -> splenic (200 ml/min), left gastric (40) and the common hepatic artery, which gives
// off the gastroduodenal (80) and goes on as the proper hepatic to the right hepatic (segment 5:
// 100, segment 8: 150) and the left hepatic (segment 2: 100). Flows in ml/min at the terminals.
struct CeliacTree {
    patient::VesselTree tree;
    int cha = -1, gda = -1, pha = -1, rha = -1, s5 = -1, s8 = -1, s2 = -1;
};

CeliacTree celiacTree() {
    CeliacTree c;
    patient::VesselTree& t = c.tree;
    t.name = "arterial";
    const int root = t.add(-1, {0, 0, 0}, "celiac_trunk", 3.5);
    const int celiac = t.add(root, {0, -15, 3}, "celiac_trunk", 3.5);
    t.add(celiac, {40, -10, 0}, "splenic", 2.5, 200.0);
    t.add(celiac, {10, -30, 20}, "left_gastric", 1.2, 40.0);
    c.cha = t.add(celiac, {-15, -30, 5}, "common_hepatic", 2.5);
    const int chaEnd = t.add(c.cha, {-28, -44, 8}, "common_hepatic", 2.5);
    c.gda = t.add(chaEnd, {-32, -52, -20}, "gastroduodenal", 1.5, 80.0);
    c.pha = t.add(chaEnd, {-30, -40, 20}, "proper_hepatic", 2.0);
    const int phaEnd = t.add(c.pha, {-32, -40, 30}, "proper_hepatic", 2.0);
    c.rha = t.add(phaEnd, {-50, -30, 35}, "right_hepatic", 1.6);
    c.s5 = t.add(c.rha, {-70, -40, 20}, "segment_5", 1.2, 100.0);
    c.s8 = t.add(c.rha, {-70, -20, 60}, "segment_8", 1.4, 150.0);
    const int lha = t.add(phaEnd, {-10, -50, 40}, "left_hepatic", 1.3);
    c.s2 = t.add(lha, {20, -60, 50}, "segment_2", 1.3, 100.0);
    patient::accumulateFlows(t);
    return c;
}

// Delivery with no embolic load (capacity without limit): the flows never change.
therapy::DeliveryDef noEmbolicLoad() {
    therapy::DeliveryDef d;
    d.capacitySpheresPerMlPerMin = 1e300;
    return d;
}

double mlPerS(double mlPerMin) { return mlPerMin / 60.0; }

void requireConserved(const therapy::MicrosphereModel& m, const therapy::MicrosphereState& s) {
    const therapy::ActivityBalance b = therapy::activityBalance(m, s);
    REQUIRE(b.total() == Approx(b.drawnGBq).epsilon(1e-9));
    double byOrgan = 0.0;
    for (const auto& [organ, gbq] : b.nonTargetByOrgan) byOrgan += gbq;
    REQUIRE(byOrgan == Approx(b.nonTargetGBq).epsilon(1e-12));
}

}  // namespace

TEST_CASE("resin and glass sphere counts follow from their vials, sizes and densities", "[therapy][y90][spheres]") {
    // Resin: 44e6 spheres per 3 GBq at calibration (Sirtex); one half-life later twice as many per GBq.
    const auto resin = therapy::MicrosphereDef::resin();
    CHECK(therapy::spheresPerGBq(resin, 0.0) == Approx(44e6 / 3.0).epsilon(1e-12));
    CHECK(therapy::spheresPerGBq(resin, therapy::kY90HalfLifeH) == Approx(2.0 * 44e6 / 3.0).epsilon(1e-12));
    // Glass: 1.2e6 spheres per 3 GBq (review tables) is 2500 Bq each.
    CHECK(therapy::spheresPerGBq(therapy::MicrosphereDef::glass(), 0.0) * 3.0 == Approx(1.2e6).epsilon(1e-12));
    // A 25 um glass sphere at any of the published densities 3.2-3.6 g/ml: 1 / (8.18e-9 ml x rho) is
    // 34,000-38,000 spheres per mg, inside the package insert's 22,000-73,000.
    for (double rho : {3.2, 3.4, 3.6}) {
        auto g = therapy::MicrosphereDef::glass();
        g.densityGPerMl = rho;
        INFO("density " << rho);
        CHECK(therapy::spheresPerMg(g) > 22000.0);
        CHECK(therapy::spheresPerMg(g) < 73000.0);
    }
    CHECK(therapy::spheresPerMg(therapy::MicrosphereDef::glass()) == Approx(33953.0).epsilon(1e-4));
}

TEST_CASE("activity is conserved: drawn = tumour + normal liver + lung + non-target + delivery set", "[therapy][y90][spheres]") {
    const CeliacTree c = celiacTree();
    therapy::MicrosphereModel m = therapy::makeMicrosphereModel(c.tree, therapy::MicrosphereDef::resin(), 0.12, 1.5);
    m.sinks[static_cast<size_t>(c.s8)].tumourKg = 0.1;  // a tumour in segment 8's territory
    therapy::MicrosphereState s;
    therapy::prepareSpheres(m, s, 2.0, 24.0);
    requireConserved(m, s);
    // Pulses from the common hepatic, fast enough to reflux late, then a long flush.
    for (int pulse = 0; pulse < 10; ++pulse) {
        therapy::infuseSpheres(m, s, c.cha, 5.0, 0.5 + 0.5 * pulse);
        requireConserved(m, s);
    }
    therapy::infuseSpheres(m, s, c.cha, 400.0, 1.0);
    requireConserved(m, s);
    const therapy::ActivityBalance b = therapy::activityBalance(m, s);
    // Flushed with 450 ml in all (e^-22.5 of the deliverable left): what stays is the residual, 3.01 %.
    CHECK(b.inSetGBq == Approx(2.0 * 0.0301).epsilon(1e-6));
    // The lung shunt is 12 % of what reached the liver.
    CHECK(b.lungGBq == Approx(0.12 * (b.lungGBq + b.tumourGBq + b.normalLiverGBq)).epsilon(1e-12));
    CHECK(b.tumourGBq > 0.0);
    CHECK(b.nonTargetByOrgan.count("duodenum") == 1);
}

TEST_CASE("spheres split by flow and the flows add up at every branch point, embolized or not", "[therapy][y90][spheres]") {
    const CeliacTree c = celiacTree();
    const therapy::MicrosphereModel m = therapy::makeMicrosphereModel(c.tree, therapy::MicrosphereDef::glass(), 0.0, 1.5, noEmbolicLoad());
    therapy::MicrosphereState s;
    therapy::prepareSpheres(m, s, 1.0, 0.0);
    // From the proper hepatic at 0.1 ml/s (its flow is 350 ml/min = 5.8 ml/s): no reflux.
    therapy::infuseSpheres(m, s, c.pha, 20.0, 0.1);
    const double out = s.drawnGBq - s.inSetGBq;
    CHECK(s.lodgedGBq[static_cast<size_t>(c.s5)] == Approx(out * 100.0 / 350.0).epsilon(1e-12));
    CHECK(s.lodgedGBq[static_cast<size_t>(c.s8)] == Approx(out * 150.0 / 350.0).epsilon(1e-12));
    CHECK(s.lodgedGBq[static_cast<size_t>(c.s2)] == Approx(out * 100.0 / 350.0).epsilon(1e-12));
    CHECK(s.lodgedGBq[static_cast<size_t>(c.gda)] == 0.0);
    CHECK(s.refluxedGBq == 0.0);
    // Flow conservation at every node, before and after a resin load.
    therapy::MicrosphereModel resinModel = therapy::makeMicrosphereModel(c.tree, therapy::MicrosphereDef::resin(), 0.0, 1.5);
    therapy::MicrosphereState r;
    therapy::prepareSpheres(resinModel, r, 1.5, 0.0);
    therapy::infuseSpheres(resinModel, r, c.rha, 30.0, 0.08);
    for (const auto* state : {&s, &r}) {
        const auto& model = state == &s ? m : resinModel;
        const std::vector<double> own = therapy::currentOwnOutflowMlPerS(model, *state);
        const std::vector<double> flow = therapy::currentFlowMlPerS(model, *state);
        for (size_t i = 0; i < c.tree.nodes.size(); ++i) {
            double sum = own[i];
            for (int ch : model.children[i]) sum += flow[static_cast<size_t>(ch)];
            REQUIRE(flow[i] == Approx(sum).epsilon(1e-14));
        }
    }
    CHECK(therapy::flowFraction(m, s, 0) == 1.0);
    CHECK(therapy::flowFraction(resinModel, r, c.rha) < 0.9);
}

TEST_CASE("spheres reflux into non-target branches only above the vessel's flow or from proximal to their origin", "[therapy][y90][spheres]") {
    const CeliacTree c = celiacTree();
    const therapy::MicrosphereModel m = therapy::makeMicrosphereModel(c.tree, therapy::MicrosphereDef::resin(), 0.0, 1.5, noEmbolicLoad());
    auto deliver = [&](int tip, double rate) {
        therapy::MicrosphereState s;
        therapy::prepareSpheres(m, s, 1.0, 0.0);
        therapy::infuseSpheres(m, s, tip, 40.0, rate);
        return s;
    };
    // Right hepatic (250 ml/min = 4.17 ml/s), distal to every non-target origin: at any rate up to
    // its flow, nothing leaves the liver.
    for (double rate : {0.05, 1.0, 4.0, mlPerS(250.0)}) {
        const therapy::MicrosphereState s = deliver(c.rha, rate);
        INFO("rate " << rate);
        CHECK(therapy::activityBalance(m, s).nonTargetGBq == 0.0);
        CHECK(s.refluxedGBq == 0.0);
    }
    // At 6 ml/s the excess (6 - 4.17) / 6 backs up to the proper hepatic's branch point, whose
    // 350 ml/min carries it on: into the liver still, none to the gastroduodenal.
    const therapy::MicrosphereState fast = deliver(c.rha, 6.0);
    const double out = fast.drawnGBq - fast.inSetGBq;
    CHECK(fast.refluxedGBq == Approx(out * (6.0 - mlPerS(250.0)) / 6.0).epsilon(1e-9));
    CHECK(therapy::activityBalance(m, fast).nonTargetGBq == 0.0);
    // At 7 ml/s from the proper hepatic (350 ml/min = 5.83 ml/s) the excess reaches the common
    // hepatic's branch point and the gastroduodenal takes its share of the 430 ml/min there.
    const therapy::MicrosphereState pha = deliver(c.pha, 7.0);
    const double phaOut = pha.drawnGBq - pha.inSetGBq;
    const double excess = phaOut * (7.0 - mlPerS(350.0)) / 7.0;
    CHECK(pha.lodgedGBq[static_cast<size_t>(c.gda)] == Approx(excess * 80.0 / 430.0).epsilon(1e-9));
    // Slowly, from the common hepatic, proximal to the gastroduodenal origin: its flow share goes
    // there with no reflux at all.
    const therapy::MicrosphereState proximal = deliver(c.cha, 0.05);
    const double cOut = proximal.drawnGBq - proximal.inSetGBq;
    CHECK(proximal.refluxedGBq == 0.0);
    CHECK(therapy::activityBalance(m, proximal).nonTargetByOrgan.at("duodenum") == Approx(cOut * 80.0 / 430.0).epsilon(1e-12));
}

TEST_CASE("resin's embolic load slows the flow to stasis and shows on contrast, and glass barely changes it", "[therapy][y90][spheres]") {
    const CeliacTree c = celiacTree();
    const therapy::MicrosphereModel resin = therapy::makeMicrosphereModel(c.tree, therapy::MicrosphereDef::resin(), 0.0);
    const therapy::MicrosphereModel glass = therapy::makeMicrosphereModel(c.tree, therapy::MicrosphereDef::glass(), 0.0);
    therapy::MicrosphereState r, g;
    therapy::prepareSpheres(resin, r, 3.0, 0.0);
    therapy::prepareSpheres(glass, g, 3.0, 0.0);
    // Right hepatic bed: 250 ml/min x 9e4 = 2.25e7 spheres; a 3 GBq resin vial holds 4.4e7.
    double previous = 1.0;
    bool refluxedOnlyLate = true;
    for (int pulse = 0; pulse < 12; ++pulse) {
        therapy::infuseSpheres(resin, r, c.rha, 5.0, 5.0 / 60.0);  // 5 ml/min, the resin limit
        const double now = therapy::flowFraction(resin, r, c.rha);
        INFO("pulse " << pulse << ": flow " << now << " of baseline");
        if (previous > 1e-6) CHECK(now < previous);  // every pulse slows the flow further, to nothing
        if (now > 0.05 && r.refluxedGBq > 0.0) refluxedOnlyLate = false;
        previous = now;
    }
    CHECK(therapy::stasis(resin, r, c.rha));
    // Once the bed is nearly full even 5 ml/min outruns the flow: spheres reflux, and only then.
    CHECK(r.refluxedGBq > 0.0);
    CHECK(refluxedOnlyLate);
    therapy::infuseSpheres(glass, g, c.rha, 60.0, 0.5);
    CHECK(therapy::flowFraction(glass, g, c.rha) > 0.9);
    CHECK_FALSE(therapy::stasis(glass, g, c.rha));
    // A contrast check through the embolized tree: the front takes longer to reach segment 8.
    const patient::VesselTree slowed = therapy::embolizedTree(resin, r);
    const double before = therapy::frontTransitS(therapy::makeContrastModel(c.tree), c.rha, c.s8);
    const auto slowedModel = therapy::makeContrastModel(slowed);
    const double after = therapy::frontTransitS(slowedModel, c.rha, c.s8);
    CHECK((after < 0.0 || after > 5.0 * before));  // < 0: no flow reaches it at all
}

TEST_CASE("the dose of a sphere distribution that follows the tissue mass is the MIRD formula in every voxel", "[therapy][y90][spheres]") {
    // A 60 mm cube of liver (2 mm voxels) with a 10 mm tumour at its centre, fed by a proper hepatic
    // artery with nine terminal branches (octant centres and the centre).
    auto p = std::make_shared<patient::Patient>();
    patient::VolumeGeometry g;
    g.dims = {30, 30, 30};
    g.spacing = {2.0, 2.0, 2.0};
    g.origin = {1.0, 1.0, 1.0};
    p->labels.allocate(g, 5);
    p->labelNames = {{5, "liver"}, {204, "liver_tumour"}};
    for (int k = 0; k < 30; ++k)
        for (int j = 0; j < 30; ++j)
            for (int i = 0; i < 30; ++i)
                if (glm::length(g.voxelToPatient({i, j, k}) - glm::dvec3(30.0)) < 10.0) p->labels.at(i, j, k) = 204;
    auto makeTree = [](const std::vector<double>& flows) {
        patient::VesselTree t;
        t.name = "arterial";
        const int root = t.add(-1, {30, 30, -40}, "proper_hepatic", 2.0);
        const int hilum = t.add(root, {30, 30, -5}, "proper_hepatic", 2.0);
        int k = 0;
        for (double z : {15.0, 45.0})
            for (double y : {15.0, 45.0})
                for (double x : {15.0, 45.0}) t.add(hilum, {x, y, z}, "segment_5", 1.0, flows[static_cast<size_t>(k++)]);
        t.add(hilum, {30, 30, 30}, "segment_5", 1.0, flows[8]);
        patient::accumulateFlows(t);
        return t;
    };
    // First the territories, then flows in proportion to their masses (uniform perfusion).
    const patient::VesselTree first = makeTree(std::vector<double>(9, 10.0));
    therapy::MicrosphereModel probe = therapy::makeMicrosphereModel(first, therapy::MicrosphereDef::glass(), 0.1);
    therapy::assignTerritories(*p, probe);
    std::vector<double> flows;
    for (size_t i = 2; i < 11; ++i) flows.push_back(1000.0 * (probe.sinks[i].tumourKg + probe.sinks[i].normalLiverKg));
    const patient::VesselTree tree = makeTree(flows);
    therapy::MicrosphereModel m = therapy::makeMicrosphereModel(tree, therapy::MicrosphereDef::glass(), 0.1, 1.0, noEmbolicLoad());
    const therapy::TerritoryMap map = therapy::assignTerritories(*p, m);
    // The planner's MIRD activity for 120 Gy to this 216 ml (0.22248 kg), drawn with the residual.
    therapy::PlanInput in;
    in.method = therapy::PlanningMethod::Mird;
    in.targetGy = 120.0, in.liverMl = 216.0, in.lungShuntFraction = 0.1;
    const therapy::Plan plan = therapy::planActivity(in);
    therapy::MicrosphereState s;
    therapy::prepareSpheres(m, s, plan.activityGBq / (1.0 - m.device.residualFraction), 0.0);
    therapy::infuseSpheres(m, s, 0, 60.0, 0.2);  // 60 ml washes the set's 2 ml out (e^-30 left)
    const therapy::DoseVolume d = therapy::voxelDose(m, s, map);
    size_t liverVoxels = 0;
    for (size_t v = 0; v < d.doseGy.size(); ++v) {
        if (map.sinkOfVoxel[v] < 0) continue;
        ++liverVoxels;
        REQUIRE(d.doseGy[v] == Approx(120.0).epsilon(1e-6));  // float storage
    }
    CHECK(liverVoxels == 27000);
    CHECK(d.meanTumourGy == Approx(120.0).epsilon(1e-9));
    CHECK(d.meanNormalLiverGy == Approx(120.0).epsilon(1e-9));
    CHECK(d.tumourD70Gy == Approx(120.0).epsilon(1e-6));
    CHECK(d.tumourV100 == 1.0);
    CHECK(d.normalLiverV40 == 1.0);
    // The territory means agree with the voxel means; the lung gets 50 x A x 0.1 / 1 kg.
    const therapy::DeliveredDose dd = therapy::deliveredDose(m, s);
    CHECK(dd.tumourGy == Approx(d.meanTumourGy).epsilon(1e-9));
    CHECK(dd.normalLiverGy == Approx(d.meanNormalLiverGy).epsilon(1e-9));
    CHECK(dd.lungGy == Approx(plan.lungDoseGy).epsilon(1e-9));
}

TEST_CASE("on the phantom, a right hepatic delivery gives the hypervascular tumour several times the normal-liver dose", "[therapy][y90][spheres]") {
    patient::PhantomOptions o;
    o.seed = 3;
    o.voxelMm = 3.0;
    o.michels = patient::MichelsType::I;
    o.lesions.push_back({"liver_segment_8", patient::LesionKind::HypervascularLiver, 40.0});
    const patient::Patient p = patient::makePhantom(o);
    const patient::VesselTree& tree = *p.vesselTree("arterial");
    therapy::MicrosphereModel m = therapy::makeMicrosphereModel(tree, therapy::MicrosphereDef::resin(), 0.05);
    const therapy::TerritoryMap map = therapy::assignTerritories(p, m);
    therapy::MicrosphereState s;
    therapy::prepareSpheres(m, s, 1.2, 24.0);
    const int rha = tree.firstNodeOf("right_hepatic");
    REQUIRE(rha >= 0);
    for (int pulse = 0; pulse < 6; ++pulse) therapy::infuseSpheres(m, s, rha, 5.0, 5.0 / 60.0);
    therapy::infuseSpheres(m, s, rha, 20.0, 5.0 / 60.0);
    requireConserved(m, s);
    const therapy::ActivityBalance b = therapy::activityBalance(m, s);
    CHECK(b.nonTargetGBq == 0.0);
    const therapy::DoseVolume d = therapy::voxelDose(m, s, map);
    // Normal liver inside the treated (right) lobe: the voxels that got any dose.
    double treatedSum = 0.0;
    size_t treated = 0;
    for (size_t v = 0; v < d.doseGy.size(); ++v)
        if (map.tissue[v] == therapy::kNormalLiverVoxel && d.doseGy[v] > 0.0f) treatedSum += d.doseGy[v], ++treated;
    REQUIRE(treated > 0);
    const double tn = d.meanTumourGy / (treatedSum / static_cast<double>(treated));
    INFO("tumour " << d.meanTumourGy << " Gy, treated normal liver " << treatedSum / treated << " Gy, whole normal liver "
                   << d.meanNormalLiverGy << " Gy, D70 " << d.tumourD70Gy << " Gy");
    // The tree perfuses the tumour 4 times more per ml than liver (arteries.cpp): the ratio of the
    // doses emerges near 4 (territories are whole voxels of 3 mm, and tumour-edge territories mix).
    CHECK(tn > 2.5);
    CHECK(tn < 6.0);
    CHECK(d.meanNormalLiverGy < treatedSum / static_cast<double>(treated));  // the left lobe got none
    CHECK(d.tumourD70Gy <= d.meanTumourGy * 1.5);
    // Same run again: bit for bit.
    therapy::MicrosphereState again;
    therapy::prepareSpheres(m, again, 1.2, 24.0);
    for (int pulse = 0; pulse < 6; ++pulse) therapy::infuseSpheres(m, again, rha, 5.0, 5.0 / 60.0);
    therapy::infuseSpheres(m, again, rha, 20.0, 5.0 / 60.0);
    REQUIRE(again.lodgedGBq.size() == s.lodgedGBq.size());
    CHECK(std::memcmp(again.lodgedGBq.data(), s.lodgedGBq.data(), s.lodgedGBq.size() * sizeof(double)) == 0);
    CHECK(again.lungGBq == s.lungGBq);
    CHECK(again.inSetGBq == s.inSetGBq);
}
