// irsim bench, endovascular part: steps/s of the coaxial device rod (issue 11's goal: the coaxial
// set, ~150 segments, in the aortic tree at >= 1,000 steps/s on one core), beside the same rod in
// free space and a Bullet chain of as many capsules joined by 6-DoF springs (the alternative the
// rod was chosen over; docs/endovascular.md). Rates per second of this thread's CPU time (one
// core): on a machine shared with other work the wall clock counts the time the thread waited for
// a core, which says nothing of the step's cost; a busy core's shared caches still slow it a little.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cmath>
#include <cstdio>
#include <memory>
#include <vector>

#include <btBulletDynamicsCommon.h>
#include <BulletDynamics/ConstraintSolver/btGeneric6DofSpring2Constraint.h>

#include "app/commands/bench_endovascular.h"
#include "patient/phantom.h"
#include "physics/coaxial_rod.h"

namespace irsim::app {

namespace {

// This thread's CPU time, seconds.
double cpuSeconds() {
    timespec t{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// Steps/s of `steps` steps with the hands moving (push and pull, turning), so contacts change:
// per CPU second, and per wall-clock second in `wall`.
double timeRod(const physics::CoaxialRodModel& m, physics::CoaxialRodState s, int steps, double& wall) {
    const auto w0 = std::chrono::steady_clock::now();
    const double t0 = cpuSeconds();
    for (int i = 0; i < steps; ++i) {
        const double sign = (i / 120) % 2 ? -1.0 : 1.0;
        std::vector<physics::HubMotion> hands(m.devices.size(), physics::HubMotion{});
        hands.back() = {5.0 * sign, 1.0 * sign};
        physics::stepCoaxialRod(m, s, hands);
    }
    const double cpu = cpuSeconds() - t0;
    wall = steps / std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
    return steps / cpu;
}

// A free chain of `n` capsules (2 mm, 0.45 mm radius) joined by 6-DoF springs, dt 1/240, 10 solver
// iterations (the set-up of the team's environment notes, whose chain measured ~4,400 steps/s).
double timeBulletChain(int n, int steps) {
    btDefaultCollisionConfiguration config;
    btCollisionDispatcher dispatcher(&config);
    btDbvtBroadphase broadphase;
    btSequentialImpulseConstraintSolver solver;
    btDiscreteDynamicsWorld world(&dispatcher, &broadphase, &solver, &config);
    world.setGravity(btVector3(0, 0, 0));
    world.getSolverInfo().m_numIterations = 10;
    btCapsuleShape shape(0.45f, 1.1f);
    std::vector<std::unique_ptr<btRigidBody>> bodies;
    std::vector<std::unique_ptr<btDefaultMotionState>> states;
    std::vector<std::unique_ptr<btGeneric6DofSpring2Constraint>> joints;
    for (int i = 0; i < n; ++i) {
        btTransform t;
        t.setIdentity();
        t.setOrigin(btVector3(0, 2.0f * i, 0));
        states.push_back(std::make_unique<btDefaultMotionState>(t));
        const btScalar mass = i == 0 ? 0.0f : 1e-3f;
        btVector3 inertia(0, 0, 0);
        if (mass > 0) shape.calculateLocalInertia(mass, inertia);
        bodies.push_back(std::make_unique<btRigidBody>(btRigidBody::btRigidBodyConstructionInfo(mass, states.back().get(), &shape, inertia)));
        world.addRigidBody(bodies.back().get());
        if (i > 0) {
            btTransform a, b;
            a.setIdentity();
            b.setIdentity();
            a.setOrigin(btVector3(0, 1.0f, 0));
            b.setOrigin(btVector3(0, -1.0f, 0));
            joints.push_back(std::make_unique<btGeneric6DofSpring2Constraint>(*bodies[static_cast<size_t>(i) - 1], *bodies.back(), a, b));
            auto& j = *joints.back();
            j.setLinearLowerLimit(btVector3(0, 0, 0));
            j.setLinearUpperLimit(btVector3(0, 0, 0));
            j.setAngularLowerLimit(btVector3(1, 1, 1));  // lower > upper: free, held by the springs
            j.setAngularUpperLimit(btVector3(-1, -1, -1));
            for (int d = 3; d < 6; ++d) {
                j.enableSpring(d, true);
                j.setStiffness(d, 10.0f);
                j.setDamping(d, 0.5f);
            }
            world.addConstraint(&j, true);
        }
    }
    bodies.back()->applyCentralForce(btVector3(0.01f, 0, 0));
    const double t0 = cpuSeconds();
    for (int i = 0; i < steps; ++i) world.stepSimulation(1.0f / 240.0f, 0);
    const double rate = steps / (cpuSeconds() - t0);
    for (auto& j : joints) world.removeConstraint(j.get());
    for (auto& b : bodies) world.removeRigidBody(b.get());
    return rate;
}

}  // namespace

void benchEndovascular(bool quick) {
    std::printf("endovascular devices (coaxial rod, docs/endovascular.md):\n");
    patient::PhantomOptions o;
    o.voxelMm = 3.0;
    o.michels = patient::MichelsType::I;
    const patient::Patient p = patient::makePhantom(o);
    const patient::VesselTree& tree = *p.vesselTree("arterial");
    const physics::VesselLumen lumen(tree);
    // The right common femoral sheath, pointing up the artery toward the aorta.
    const glm::dvec3 access = p.landmark("common_femoral_artery_right.access");
    int node = 0;
    for (size_t i = 0; i < tree.nodes.size(); ++i)
        if (glm::length(tree.nodes[i].position - access) < glm::length(tree.nodes[static_cast<size_t>(node)].position - access))
            node = static_cast<int>(i);
    const glm::dvec3 up = tree.nodes[static_cast<size_t>(tree.nodes[static_cast<size_t>(node)].parent)].position - access;

    const physics::DeviceLibrary& lib = physics::builtinDeviceLibrary();
    physics::CoaxialRodModel inTree;
    inTree.devices = {lib.device("cobra_c2_5fr"), lib.device("microcatheter_27fr"), lib.device("microwire_018")};
    inTree.lumen = &lumen;
    inTree.options.accessPoint = access;
    inTree.options.accessDirection = glm::normalize(up);
    // Into the tree to 300 mm of wire (150 segments): placement, not timed.
    physics::CoaxialRodState s = physics::makeCoaxialRod(inTree, {10.0, 12.0, 14.0});
    while (s.insertedMm[2] < 300.0) physics::stepCoaxialRod(inTree, s, {{40.0, 0.0}, {40.0, 0.0}, {40.0, 0.0}});
    const int segments = static_cast<int>(s.nodes.size()) - 1;
    const int steps = quick ? 480 : 2400;
    double treeWall = 0.0, freeWall = 0.0;
    const double treeRate = timeRod(inTree, s, steps, treeWall);
    physics::CoaxialRodModel free = inTree;
    free.lumen = nullptr;
    const double freeRate = timeRod(free, physics::makeCoaxialRod(free, {298.0, 299.0, 300.0}), steps, freeWall);
    const double bulletRate = timeBulletChain(segments, steps);
    std::printf("  coaxial set (Cobra 5 Fr + 2.7 Fr microcatheter + 0.018\" wire), %d segments of 2 mm:\n", segments);
    double worst = -1e9;
    for (size_t i = 0; i < s.nodes.size(); ++i)
        worst = std::max(worst, lumen.contact(s.segment[i], s.nodes[i], s.scratch.radius[i]).penetrationMm);
    std::printf("    placed: tip in '%s', largest wall indentation %.3f mm\n", lumen.branch(s.segment.back()).c_str(),
                std::max(worst, 0.0));
    std::printf("    steps per second of one core's CPU time (wall clock, as loaded now, in brackets):\n");
    std::printf("    in the phantom's arterial tree from the right CFA: %8.0f steps/s (%.0f) (goal >= 1,000)\n", treeRate,
                treeWall);
    std::printf("    the same rod in free space:                        %8.0f steps/s (%.0f); in the tree / free %.2f\n",
                freeRate, freeWall, treeRate / freeRate);
    std::printf("    Bullet chain of %d capsules, 6-DoF springs, free:  %8.0f steps/s\n", segments, bulletRate);
}

}  // namespace irsim::app
