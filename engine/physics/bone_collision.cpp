#include "physics/bone_collision.h"

#include <algorithm>
#include <array>
#include <limits>

#include <btBulletCollisionCommon.h>

#include "physics/tissue.h"

namespace irsim::physics {

namespace {

btVector3 toBt(const glm::dvec3& v) {
    return btVector3(static_cast<btScalar>(v.x), static_cast<btScalar>(v.y), static_cast<btScalar>(v.z));
}
glm::dvec3 toGlm(const btVector3& v) { return glm::dvec3(v.x(), v.y(), v.z()); }

struct LabelBox {
    glm::ivec3 lo{std::numeric_limits<int>::max()};
    glm::ivec3 hi{std::numeric_limits<int>::min()};
    bool empty() const { return lo.x > hi.x; }
};

struct Surface {
    uint16_t label = 0;
    std::unique_ptr<btTriangleMesh> mesh;
    std::unique_ptr<btBvhTriangleMeshShape> shape;
    std::unique_ptr<btCollisionObject> object;
};

// Collects penetrating points with the bone side's position and normal, whichever side Bullet
// put the bone on.
struct Collector : btCollisionWorld::ContactResultCallback {
    const btCollisionObject* query = nullptr;
    std::vector<ShaftBoneContact>* out = nullptr;
    btScalar addSingleResult(btManifoldPoint& cp, const btCollisionObjectWrapper* w0, int, int index0,
                             const btCollisionObjectWrapper* w1, int, int index1) override {
        if (cp.getDistance() >= 0) return 0;
        bool boneIsB = w0->getCollisionObject() == query;
        const btCollisionObject* bone = boneIsB ? w1->getCollisionObject() : w0->getCollisionObject();
        ShaftBoneContact c;
        c.onBoneLps = toGlm(boneIsB ? cp.getPositionWorldOnB() : cp.getPositionWorldOnA());
        c.normalLps = toGlm(boneIsB ? cp.m_normalWorldOnB : -cp.m_normalWorldOnB);
        c.depthMm = -static_cast<double>(cp.getDistance());
        c.label = static_cast<uint16_t>(bone->getUserIndex());
        c.triangle = boneIsB ? index1 : index0;
        out->push_back(c);
        return 0;
    }
};

}  // namespace

struct BoneCollisionWorld::Impl {
    const patient::LabelMap* labels = nullptr;
    std::vector<uint16_t> boneLabels;   // ascending
    std::vector<LabelBox> boxes;        // parallel to boneLabels
    std::vector<uint8_t> built;         // parallel to boneLabels
    std::vector<std::unique_ptr<Surface>> surfaces;
    size_t triangles = 0;
    btDefaultCollisionConfiguration configuration;
    btCollisionDispatcher dispatcher{&configuration};
    btDbvtBroadphase broadphase;
    btCollisionWorld world{&dispatcher, &broadphase, &configuration};

    void build(size_t which);
};

void BoneCollisionWorld::Impl::build(size_t which) {
    built[which] = 1;
    const LabelBox& box = boxes[which];
    if (box.empty()) return;
    const uint16_t label = boneLabels[which];
    const patient::VolumeGeometry& g = labels->geometry;
    auto s = std::make_unique<Surface>();
    s->label = label;
    s->mesh = std::make_unique<btTriangleMesh>(true, false);
    // Each exposed face: the neighbour offset, and the two in-face axes spanning it.
    static constexpr std::array<std::array<int, 3>, 6> kNormals{{{-1, 0, 0}, {1, 0, 0}, {0, -1, 0}, {0, 1, 0}, {0, 0, -1}, {0, 0, 1}}};
    size_t added = 0;
    for (int k = box.lo.z; k <= box.hi.z; ++k)
        for (int j = box.lo.y; j <= box.hi.y; ++j)
            for (int i = box.lo.x; i <= box.hi.x; ++i) {
                if (labels->at(i, j, k) != label) continue;
                for (const auto& n : kNormals) {
                    int ni = i + n[0], nj = j + n[1], nk = k + n[2];
                    if (g.contains(ni, nj, nk) && labels->at(ni, nj, nk) == label) continue;
                    int axis = n[0] != 0 ? 0 : (n[1] != 0 ? 1 : 2);
                    int u = (axis + 1) % 3, v = (axis + 2) % 3;
                    glm::dvec3 c(i, j, k);
                    c[axis] += 0.5 * (n[0] + n[1] + n[2]);
                    glm::dvec3 du(0.0), dv(0.0);
                    du[u] = 0.5;
                    dv[v] = 0.5;
                    btVector3 p00 = toBt(g.voxelToPatient(c - du - dv)), p10 = toBt(g.voxelToPatient(c + du - dv));
                    btVector3 p11 = toBt(g.voxelToPatient(c + du + dv)), p01 = toBt(g.voxelToPatient(c - du + dv));
                    s->mesh->addTriangle(p00, p10, p11, false);
                    s->mesh->addTriangle(p00, p11, p01, false);
                    added += 2;
                }
            }
    if (added == 0) return;
    s->shape = std::make_unique<btBvhTriangleMeshShape>(s->mesh.get(), true);
    s->object = std::make_unique<btCollisionObject>();
    s->object->setCollisionShape(s->shape.get());
    s->object->setUserIndex(label);
    world.addCollisionObject(s->object.get());
    triangles += added;
    surfaces.push_back(std::move(s));
}

BoneCollisionWorld::BoneCollisionWorld(const patient::LabelMap& labels, std::vector<uint16_t> boneLabels)
    : impl_(std::make_unique<Impl>()) {
    std::sort(boneLabels.begin(), boneLabels.end());
    boneLabels.erase(std::unique(boneLabels.begin(), boneLabels.end()), boneLabels.end());
    impl_->labels = &labels;
    impl_->boneLabels = boneLabels;
    impl_->boxes.assign(boneLabels.size(), LabelBox{});
    impl_->built.assign(boneLabels.size(), 0);
    std::vector<int> slot(65536, -1);
    for (size_t n = 0; n < boneLabels.size(); ++n) slot[boneLabels[n]] = static_cast<int>(n);
    const glm::ivec3 d = labels.geometry.dims;
    for (int k = 0; k < d.z; ++k)
        for (int j = 0; j < d.y; ++j)
            for (int i = 0; i < d.x; ++i) {
                int s = slot[labels.at(i, j, k)];
                if (s < 0) continue;
                LabelBox& b = impl_->boxes[s];
                b.lo = glm::min(b.lo, glm::ivec3(i, j, k));
                b.hi = glm::max(b.hi, glm::ivec3(i, j, k));
            }
    scratch_.reserve(256);
}

BoneCollisionWorld::~BoneCollisionWorld() {
    if (!impl_) return;
    for (auto& s : impl_->surfaces) impl_->world.removeCollisionObject(s->object.get());
}

void BoneCollisionWorld::buildNear(const glm::dvec3& lo, const glm::dvec3& hi) {
    const patient::VolumeGeometry& g = impl_->labels->geometry;
    for (size_t n = 0; n < impl_->boneLabels.size(); ++n) {
        if (impl_->built[n]) continue;
        const LabelBox& b = impl_->boxes[n];
        if (b.empty()) { impl_->built[n] = 1; continue; }
        // The label's box in LPS (the corners of its outermost voxels, any grid direction).
        glm::dvec3 blo(std::numeric_limits<double>::max()), bhi(-std::numeric_limits<double>::max());
        for (int c = 0; c < 8; ++c) {
            glm::dvec3 ijk((c & 1) ? b.hi.x + 0.5 : b.lo.x - 0.5, (c & 2) ? b.hi.y + 0.5 : b.lo.y - 0.5,
                           (c & 4) ? b.hi.z + 0.5 : b.lo.z - 0.5);
            glm::dvec3 p = g.voxelToPatient(ijk);
            blo = glm::min(blo, p);
            bhi = glm::max(bhi, p);
        }
        bool meets = blo.x <= hi.x && blo.y <= hi.y && blo.z <= hi.z && bhi.x >= lo.x && bhi.y >= lo.y && bhi.z >= lo.z;
        if (meets) impl_->build(n);
    }
}

bool BoneCollisionWorld::isBuilt(uint16_t label) const {
    auto it = std::lower_bound(impl_->boneLabels.begin(), impl_->boneLabels.end(), label);
    return it != impl_->boneLabels.end() && *it == label && impl_->built[it - impl_->boneLabels.begin()];
}

size_t BoneCollisionWorld::triangleCount() const { return impl_->triangles; }

size_t BoneCollisionWorld::capsuleContacts(const glm::dvec3& a, const glm::dvec3& b, double radiusMm,
                                           std::vector<ShaftBoneContact>& out) {
    buildNear(glm::min(a, b) - glm::dvec3(radiusMm), glm::max(a, b) + glm::dvec3(radiusMm));
    if (impl_->surfaces.empty()) return 0;
    glm::dvec3 axis = b - a;
    double length = glm::length(axis);
    btQuaternion turn = btQuaternion::getIdentity();
    if (length > 1e-9) turn = shortestArcQuat(btVector3(0, 1, 0), toBt(axis / length));
    // Both live on the stack: a query allocates nothing of its own.
    btCapsuleShape shaft(static_cast<btScalar>(radiusMm), static_cast<btScalar>(length));
    btCollisionObject query;
    query.setCollisionShape(&shaft);
    query.setWorldTransform(btTransform(turn, toBt(0.5 * (a + b))));
    Collector collect;
    collect.query = &query;
    collect.out = &out;
    size_t before = out.size();
    impl_->world.contactTest(&query, collect);
    std::sort(out.begin() + static_cast<std::ptrdiff_t>(before), out.end(),
              [](const ShaftBoneContact& x, const ShaftBoneContact& y) {
                  if (x.label != y.label) return x.label < y.label;
                  if (x.triangle != y.triangle) return x.triangle < y.triangle;
                  return x.depthMm > y.depthMm;
              });
    return out.size() - before;
}

std::shared_ptr<BoneCollisionWorld> makeBoneCollisionWorld(const TissueMap& tissue) {
    std::vector<uint16_t> bone;
    for (int l = 1; l < 65536; ++l) {
        auto label = static_cast<uint16_t>(l);
        if (isBone(tissue.classOfLabel(label)) || tissue.isVertebraLabel(label)) bone.push_back(label);
    }
    return std::make_shared<BoneCollisionWorld>(*tissue.labels(), std::move(bone));
}

}  // namespace irsim::physics
