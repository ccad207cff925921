#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "physics/bone_collision.h"
#include "physics/needle.h"
#include "physics/synthetic_vertebra.h"

using namespace irsim::physics;

namespace {

// A 20 mm cube of 0.5 mm voxels: bone (label 1) where k < 20, so the slab's top face lies on the
// voxel boundary z = 19.5 * 0.5 = 9.75 mm; a far box of label 2 tests the lazy building.
constexpr double kFaceZ = 9.75;
irsim::patient::LabelMap boneSlab() {
    irsim::patient::VolumeGeometry g;
    g.dims = glm::ivec3(40, 40, 40);
    g.spacing = glm::dvec3(0.5);
    irsim::patient::LabelMap m;
    m.allocate(g, 0);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                if (k < 20) m.at(i, j, k) = 1;
                if (i >= 36 && j >= 36 && k >= 36) m.at(i, j, k) = 2;
            }
    return m;
}

const ShaftBoneContact* deepest(const std::vector<ShaftBoneContact>& c) {
    const ShaftBoneContact* best = nullptr;
    for (const auto& x : c)
        if (!best || x.depthMm > best->depthMm) best = &x;
    return best;
}

}  // namespace

TEST_CASE("a shaft capsule over a bone slab: no contact across a gap, the analytic overlap when it sinks in",
          "[physics][bone_collision]") {
    irsim::patient::LabelMap slab = boneSlab();
    BoneCollisionWorld world(slab, {1, 2});
    const double r = 1.0;
    std::vector<ShaftBoneContact> c;
    // Parallel to the face, 0.3 mm above it: nothing.
    world.capsuleContacts({4.0, 10.0, kFaceZ + r + 0.3}, {16.0, 10.0, kFaceZ + r + 0.3}, r, c);
    CHECK(c.empty());
    // The capsule's box stops 0.3 mm short of the slab's: nothing is built yet.
    CHECK_FALSE(world.isBuilt(1));
    CHECK(world.triangleCount() == 0);

    // Parallel and sunk in: the depth is the overlap, the point lies on the face, the normal is +z.
    for (double overlap : {0.1, 0.4, 0.8}) {
        INFO("overlap " << overlap);
        c.clear();
        world.capsuleContacts({4.0, 10.0, kFaceZ + r - overlap}, {16.0, 10.0, kFaceZ + r - overlap}, r, c);
        REQUIRE(!c.empty());
        // Only the slab near the query is built; the far box waits until a query comes near it.
        CHECK(world.isBuilt(1));
        CHECK_FALSE(world.isBuilt(2));
        // The slab's top and bottom are 40 x 40 voxel faces (2 triangles each), its sides 40 x 20.
        CHECK(world.triangleCount() == size_t(2 * (2 * 40 * 40 + 4 * 40 * 20)));
        const ShaftBoneContact* d = deepest(c);
        CHECK(d->label == 1);
        CHECK(d->depthMm == Approx(overlap).margin(0.25));
        CHECK(d->onBoneLps.z == Approx(kFaceZ).margin(0.25));
        CHECK(d->onBoneLps.x >= 4.0 - r);
        CHECK(d->onBoneLps.x <= 16.0 + r);
        CHECK(d->normalLps.z > 0.9);
        for (const auto& x : c) CHECK(x.depthMm <= overlap + 0.25);
    }

    // Tilted: the low end sits 0.5 mm into the face, the high end 0.5 mm clear of it. The deepest
    // point is under the low end's cap.
    c.clear();
    world.capsuleContacts({4.0, 10.0, kFaceZ + r + 0.5}, {16.0, 10.0, kFaceZ + r - 0.5}, r, c);
    REQUIRE(!c.empty());
    const ShaftBoneContact* d = deepest(c);
    CHECK(d->depthMm == Approx(0.5).margin(0.25));
    CHECK(d->onBoneLps.x == Approx(16.0).margin(0.5));
    CHECK(d->onBoneLps.z == Approx(kFaceZ).margin(0.25));

    // Standing on end, tip 0.6 mm into the face.
    c.clear();
    world.capsuleContacts({10.0, 10.0, kFaceZ + r - 0.6}, {10.0, 10.0, kFaceZ + 15.0}, r, c);
    REQUIRE(!c.empty());
    d = deepest(c);
    CHECK(d->depthMm == Approx(0.6).margin(0.25));
    CHECK(d->onBoneLps.x == Approx(10.0).margin(0.25));
    CHECK(d->onBoneLps.y == Approx(10.0).margin(0.25));
    CHECK_FALSE(world.isBuilt(2));

    // Near the far box: it is built then, and touched on its -x face (x = 35.5 * 0.5 = 17.75).
    c.clear();
    world.capsuleContacts({17.75 - r + 0.3, 19.0, 17.0}, {17.75 - r + 0.3, 19.0, 20.0}, r, c);
    CHECK(world.isBuilt(2));
    REQUIRE(!c.empty());
    d = deepest(c);
    CHECK(d->label == 2);
    CHECK(d->depthMm == Approx(0.3).margin(0.25));
    CHECK(d->onBoneLps.x == Approx(17.75).margin(0.25));
}

TEST_CASE("bone contacts are the same bit for bit on two identical runs", "[physics][bone_collision]") {
    irsim::patient::LabelMap slab = boneSlab();
    auto run = [&] {
        BoneCollisionWorld world(slab, {1, 2});
        std::vector<ShaftBoneContact> all;
        for (int n = 0; n < 20; ++n) {
            double t = 0.05 * n;
            world.capsuleContacts({3.0 + t, 9.0, kFaceZ + 0.2 + 0.03 * n}, {15.0, 11.0 - t, kFaceZ + 0.9}, 1.2, all);
        }
        return all;
    };
    std::vector<ShaftBoneContact> a = run(), b = run();
    REQUIRE(!a.empty());
    REQUIRE(a.size() == b.size());
    for (size_t i = 0; i < a.size(); ++i) {
        CHECK(std::memcmp(&a[i].onBoneLps, &b[i].onBoneLps, sizeof(glm::dvec3)) == 0);
        CHECK(std::memcmp(&a[i].normalLps, &b[i].normalLps, sizeof(glm::dvec3)) == 0);
        CHECK(std::memcmp(&a[i].depthMm, &b[i].depthMm, sizeof(double)) == 0);
        CHECK(a[i].label == b[i].label);
        CHECK(a[i].triangle == b[i].triangle);
    }
}

namespace {

struct Drive {
    NeedleState state;
    std::vector<NeedleEvent> contacts;
    bool tipSawBoneBehind = false;   // the tip sampled bone posterior to y = 45 mm
};

// A trocar from outside the skin (y = 85) along `dir` through `entry`, pushed by hand with a
// mallet tap whenever it stalls, until the tip reaches y <= stopY.
Drive drive(const NeedleModel& m, glm::dvec3 entry, glm::dvec3 dir, double stopY) {
    Drive r;
    dir = glm::normalize(dir);
    placeNeedle(m, r.state, entry - dir * ((85.0 - entry.y) / -dir.y), dir);
    NeedleInput push;
    push.advanceMmPerS = 10.0;
    NeedleInput tap;
    tap.malletTapJ = 0.5;
    for (int i = 0; i < 20000 && r.state.tipLps.y > stopY; ++i) {
        stepNeedle(m, r.state, r.state.stalled ? tap : push);
        if (r.state.tipLps.y > 45.0 && isBone(m.tissue->tissueAt(r.state.tipLps))) r.tipSawBoneBehind = true;
    }
    for (const auto& e : r.state.events)
        if (e.kind == NeedleEventKind::ShaftBoneContact) r.contacts.push_back(e);
    return r;
}

}  // namespace

TEST_CASE("a trocar swung across the spinous process touches it with its shaft, and the straight transpedicular one does not",
          "[physics][bone_collision][needle]") {
    SyntheticVertebra sv = makeSyntheticVertebra();
    TissueMap map(sv.ct, sv.labels, sv.names);
    NeedleModel m;
    m.device = NeedleDef::trocar11G();
    m.tissue = &map;
    m.boneCollision = makeBoneCollisionWorld(map);
    const double r = 0.5 * m.device.outerDiameterMm;

    // Tip target: 2 mm into the left pedicle's posterior cap (the cap is at y = 44 on the axis).
    const glm::dvec3 axisPoint = sv.pedicleAxisPoint[1], axisDir = sv.pedicleAxisDir[1];
    const glm::dvec3 target = axisPoint + axisDir * ((42.0 - axisPoint.y) / axisDir.y);

    SECTION("straight down the pedicle axis: the shaft meets no bone outside the pedicle") {
        Drive d = drive(m, target, axisDir, 28.0);
        CHECK(d.state.heldInBone);
        CHECK(d.state.tipLps.y <= 28.0);
        CHECK(d.contacts.empty());
        CHECK(d.state.shaftContactLabel == 0);
    }

    SECTION("swung medially so the shaft passes 0.75 mm outside the spinous process's posterolateral edge") {
        // The spinous process's voxels end at x = 2.75, y = 59.75 (|x| < 3, y < 60 on a 0.5 mm
        // grid). The line from the target passes that edge on its outer side at distance g.
        const glm::dvec3 edge(2.75, 59.75, 0.0);
        const double g = 0.75;
        glm::dvec3 toEdge = edge - target;
        double phi = std::atan2(-toEdge.x, toEdge.y), theta = phi - std::asin(g / glm::length(toEdge));
        glm::dvec3 towardHub(-std::sin(theta), std::cos(theta), 0.0);
        // The line passes the edge at g, so the capsule overlaps it by r - g.
        REQUIRE(std::fabs(glm::length(glm::cross(edge - target, towardHub)) - g) < 1e-9);
        Drive d = drive(m, target, -towardHub, 42.0);
        // The tip never sampled bone on its way past the process: only Bullet sees the shaft on it.
        CHECK_FALSE(d.tipSawBoneBehind);
        CHECK(d.state.heldInBone);
        REQUIRE(d.contacts.size() == 1);
        const NeedleEvent& e = d.contacts[0];
        CHECK(e.vertebra == 31);
        CHECK(std::hypot(e.whereLps.x - edge.x, e.whereLps.y - edge.y) < 0.25);
        CHECK(std::fabs(e.whereLps.z) < r);
        // Raised as the shaft's end first reaches the edge, so shallow then; once the shaft lies
        // past it the depth is the capsule's analytic overlap with the edge.
        CHECK(e.depthMm > 0.0);
        CHECK(e.depthMm < r - g);
        // Still resting on it at the end: one event, not one per step.
        CHECK(d.state.shaftContactLabel == 31);
        CHECK(d.state.shaftContactDepthMm == Approx(r - g).margin(0.25));
        CHECK(std::hypot(d.state.shaftContactLps.x - edge.x, d.state.shaftContactLps.y - edge.y) < 0.25);

        // Without Bullet the same insertion gives no sign of the shaft on the process.
        NeedleModel plain = m;
        plain.boneCollision.reset();
        Drive p = drive(plain, target, -towardHub, 42.0);
        CHECK(p.contacts.empty());
        CHECK(p.state.tipLps == d.state.tipLps);

        // And with it, twice the same.
        NeedleModel again = m;
        again.boneCollision = makeBoneCollisionWorld(map);
        Drive d2 = drive(again, target, -towardHub, 42.0);
        CHECK(hashNeedleState(d2.state) == hashNeedleState(d.state));
    }
}
