#pragma once
// Bone surfaces as Bullet collision geometry, for what a voxel lookup at the needle tip cannot
// see: the shaft (a capsule of the device's outer radius along the track) resting on a lamina,
// spinous or transverse process, or rib while the tip is elsewhere.
// Each bone label's surface is the set of exposed faces of its voxels (two triangles per face,
// on the voxel boundaries), held in a static btBvhTriangleMeshShape inside one btCollisionWorld.
// A label's surface is built the first time a query comes near the label's bounding box, so a
// whole-body label map costs only the vertebrae near the needle. No Bullet type leaks from here.
// Frame: LPS mm (Bullet runs in single precision: ~1e-4 mm at 500 mm from the origin).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include <glm/glm.hpp>

#include "patient/volume.h"

namespace irsim::physics {

class TissueMap;

struct ShaftBoneContact {
    glm::dvec3 onBoneLps{0.0};   // contact point on the bone surface
    glm::dvec3 normalLps{0.0};   // unit, out of the bone toward the shaft
    double depthMm = 0.0;        // penetration of the shaft capsule into the bone (> 0)
    uint16_t label = 0;          // bone label touched
    int triangle = 0;            // triangle index within that label's surface (ordering only)
};

class BoneCollisionWorld {
public:
    // `labels` must outlive the world; `boneLabels` are the labels whose surfaces may be built.
    BoneCollisionWorld(const patient::LabelMap& labels, std::vector<uint16_t> boneLabels);
    ~BoneCollisionWorld();
    BoneCollisionWorld(const BoneCollisionWorld&) = delete;
    BoneCollisionWorld& operator=(const BoneCollisionWorld&) = delete;

    // Builds the surfaces of the labels whose voxel bounding box meets [loLps, hiLps].
    void buildNear(const glm::dvec3& loLps, const glm::dvec3& hiLps);
    bool isBuilt(uint16_t label) const;
    size_t triangleCount() const;

    // Contacts of the capsule with axis a..b (LPS mm) and radius (mm) penetrating any bone
    // surface, built lazily around the capsule first. Appends to `out`, sorted by label, then
    // triangle, so identical inputs give identical lists. Returns the number appended.
    size_t capsuleContacts(const glm::dvec3& a, const glm::dvec3& b, double radiusMm,
                           std::vector<ShaftBoneContact>& out);

    // Scratch for callers that must not allocate per step (capacity kept between uses).
    std::vector<ShaftBoneContact>& scratch() { return scratch_; }

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    std::vector<ShaftBoneContact> scratch_;
};

// A world over every bone label of a tissue map (vertebrae, ribs, sacrum, ...).
std::shared_ptr<BoneCollisionWorld> makeBoneCollisionWorld(const TissueMap& tissue);

}  // namespace irsim::physics
