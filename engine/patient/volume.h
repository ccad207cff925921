#pragma once
// Volumes on a regular grid in the patient frame. Convention (docs/conventions.md): the patient
// frame is DICOM LPS (x to the patient's left, y posterior, z superior), millimetres.
// Voxel (i,j,k) has its centre at origin + direction * (spacing .* (i,j,k)); i varies fastest in
// memory. NIfTI (RAS) input is converted to LPS on load.
#include <cstddef>
#include <cstdint>
#include <vector>

#include <glm/glm.hpp>

namespace irsim::patient {

struct VolumeGeometry {
    glm::ivec3 dims{0};                  // voxels along i, j, k
    glm::dvec3 spacing{1.0};             // mm between voxel centres along i, j, k
    glm::dvec3 origin{0.0};              // mm, LPS position of voxel (0,0,0)'s centre
    glm::dmat3 direction{1.0};           // columns: LPS unit vectors of the i, j, k axes

    size_t voxelCount() const { return static_cast<size_t>(dims.x) * dims.y * dims.z; }
    size_t index(int i, int j, int k) const {
        return (static_cast<size_t>(k) * dims.y + j) * dims.x + i;
    }
    bool contains(int i, int j, int k) const {
        return i >= 0 && j >= 0 && k >= 0 && i < dims.x && j < dims.y && k < dims.z;
    }
    glm::dvec3 voxelToPatient(const glm::dvec3& ijk) const { return origin + direction * (spacing * ijk); }
    glm::dvec3 patientToVoxel(const glm::dvec3& lps) const {
        return (glm::transpose(direction) * (lps - origin)) / spacing;  // direction is orthonormal
    }
    double voxelVolumeMl() const { return spacing.x * spacing.y * spacing.z / 1000.0; }
};

template <class T>
struct Volume {
    VolumeGeometry geometry;
    std::vector<T> voxels;  // (dims.z x dims.y x dims.x), i fastest

    T at(int i, int j, int k) const { return voxels[geometry.index(i, j, k)]; }
    T& at(int i, int j, int k) { return voxels[geometry.index(i, j, k)]; }
    void allocate(const VolumeGeometry& g, T fill = T{}) {
        geometry = g;
        voxels.assign(g.voxelCount(), fill);
    }
};

using CtVolume = Volume<int16_t>;   // Hounsfield units
using LabelMap = Volume<uint16_t>;  // structure label per voxel (see labels.h), 0 = none

}  // namespace irsim::patient
