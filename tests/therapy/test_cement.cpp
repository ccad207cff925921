#include <catch2/catch.hpp>

#include "physics/synthetic_vertebra.h"
#include "therapy/cement.h"

using namespace irsim;
using namespace irsim::therapy;

namespace {

struct Scene {
    physics::SyntheticVertebra sv;
    physics::TissueMap map;
    physics::VertebraGeometry v;
};

void build(Scene& s, bool defect) {
    physics::SyntheticVertebraOptions o;
    o.spacingMm = 1.0;
    o.cancellousHu = 120;  // osteoporotic
    o.posteriorWallDefect = defect;
    s.sv = physics::makeSyntheticVertebra(o);
    s.map = physics::TissueMap(s.sv.ct, s.sv.labels, s.sv.names);
    auto all = physics::deriveVertebrae(s.map);
    REQUIRE(all.size() == 1);
    s.v = all[0];
}

}  // namespace

TEST_CASE("the viscosity of PMMA rises through liquid, doughy, working and setting phases", "[therapy][cement]") {
    CementDef c = CementDef::vertebroplastyPmma();
    double prev = 0.0;
    for (double t = 0.0; t <= 20.0; t += 0.5) {
        double eta = viscosityPaS(c, t);
        CHECK(eta > prev);  // monotonic
        prev = eta;
    }
    CHECK(phaseOf(c, 1.0) == CementPhase::Liquid);
    CHECK(phaseOf(c, 6.0) == CementPhase::Doughy);
    CHECK(phaseOf(c, 10.0) == CementPhase::Working);
    CHECK(phaseOf(c, 16.0) == CementPhase::Setting);
    CHECK(phaseOf(c, 25.0) == CementPhase::Set);
    // Log-linear between the curve's points: the geometric mean at the midpoint.
    CHECK(viscosityPaS(c, 7.0) == Approx(std::sqrt(120.0 * 300.0)));
}

TEST_CASE("cement volume is conserved exactly: injected = in bone + leaked", "[therapy][cement]") {
    Scene s;
    build(s, true);
    CementModel m = makeCementModel(s.map, s.v);
    CementState st = makeCementState(m);
    mixCement(st, 0.0);
    glm::dvec3 tip(0.0, 0.0, 0.0);
    double asked = 0.0, delivered = 0.0;
    for (int i = 0; i < 20; ++i) {
        double ml = 0.1 + 0.05 * (i % 9);
        auto r = injectCement(m, st, tip, ml, 60.0 + 10.0 * i);
        asked += ml;
        delivered += r.deliveredMl;
    }
    CHECK(st.injectedNl == st.inBoneNl + [&] { int64_t t = 0; for (auto l : st.leakNl) t += l; return t; }());
    int64_t voxels = 0;
    for (auto c : st.cementNl) voxels += c;
    CHECK(voxels == st.injectedNl);
    CHECK(injectedMl(st) == Approx(asked).margin(1e-9));
    CHECK(delivered == Approx(asked).margin(1e-9));
    // The fraction volume integrates back to the injected volume.
    auto frac = cementFraction(m, st);
    double sum = 0.0;
    for (float f : frac.voxels) sum += f;
    CHECK(sum * m.roi.voxelVolumeMl() == Approx(injectedMl(st)).epsilon(1e-5));
    for (float f : frac.voxels) REQUIRE(f <= 1.0f);
}

TEST_CASE("cement fills the body from the tip outward, and liquid cement leaks through a posterior wall defect, doughy does not",
          "[therapy][cement]") {
    Scene s;
    build(s, true);
    CementModel m = makeCementModel(s.map, s.v);
    // Tip in the posterior half of the body, 8 mm in front of the defect.
    glm::dvec3 tip(0.0, 10.0, 0.0);
    auto run = [&](double mixMinutesBefore) {
        CementState st = makeCementState(m);
        mixCement(st, 0.0);
        for (int i = 0; i < 12; ++i) injectCement(m, st, tip, 0.5, mixMinutesBefore * 60.0 + 5.0 * i);
        return st;
    };
    CementState liquid = run(1.0), doughy = run(6.0);
    CHECK(injectedMl(liquid) == Approx(6.0).margin(1e-9));
    CHECK(leakedMl(liquid) > 0.1);
    REQUIRE(!liquid.leaks.empty());
    CHECK(liquid.leaks.front().site == LeakSite::Epidural);
    CHECK(liquid.leaks.front().firstLps.y > s.v.canalAnteriorYMm - 3.0);  // behind the body's back wall
    CHECK(leakedMl(doughy) == 0.0);
    // 6 ml in a ~30 ml body: the fill percentage is the body's share.
    CHECK(bodyFillPercent(m, doughy) == Approx(100.0 * 6.0 / s.v.bodyVolumeMl).epsilon(0.02));
    // The filled region is compact around the tip: its centroid within 5 mm of the tip.
    glm::dvec3 c(0.0);
    double w = 0.0;
    for (int k = 0; k < m.roi.dims.z; ++k)
        for (int j = 0; j < m.roi.dims.y; ++j)
            for (int i = 0; i < m.roi.dims.x; ++i) {
                double nl = double(doughy.cementNl[m.roi.index(i, j, k)]);
                c += m.roi.voxelToPatient(glm::dvec3(i, j, k)) * nl;
                w += nl;
            }
    CHECK(glm::length(c / w - tip) < 5.0);
    // Setting cement cannot be injected.
    CementState late = makeCementState(m);
    mixCement(late, 0.0);
    CHECK(injectCement(m, late, tip, 0.5, 16.0 * 60.0).deliveredMl == 0.0);
}

TEST_CASE("the same injections give the same cement, byte for byte", "[therapy][cement][determinism]") {
    Scene s;
    build(s, true);
    CementModel m = makeCementModel(s.map, s.v);
    auto run = [&](double dx) {
        CementState st = makeCementState(m);
        mixCement(st, 0.0);
        for (int i = 0; i < 8; ++i) injectCement(m, st, glm::dvec3(dx, 6.0, 0.0), 0.3, 150.0 + 20.0 * i);
        return hashCementState(st);
    };
    CHECK(run(0.0) == run(0.0));
    CHECK(run(0.0) != run(3.0));
}
