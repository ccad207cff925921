#include "patient/patient.h"

#include "core/error.h"

namespace irsim::patient {

int VesselTree::add(int parent, const glm::dvec3& position, const std::string& branch, double radiusMm,
                    double flowMlPerMin) {
    VesselNode n;
    n.position = position;
    n.parent = parent;
    n.branch = branch;
    n.radiusMm = radiusMm;
    n.flowMlPerMin = flowMlPerMin;
    nodes.push_back(n);
    return static_cast<int>(nodes.size()) - 1;
}

std::optional<uint16_t> Patient::labelOf(const std::string& name) const {
    for (const auto& [value, n] : labelNames)
        if (n == name) return value;
    return std::nullopt;
}

std::optional<glm::dvec3> Patient::centroidOf(const std::string& name) const {
    auto label = labelOf(name);
    if (!label || labels.voxels.empty()) return std::nullopt;
    const VolumeGeometry& g = labels.geometry;
    glm::dvec3 sum{0.0};
    size_t n = 0;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i)
                if (labels.at(i, j, k) == *label) {
                    sum += glm::dvec3(i, j, k);
                    ++n;
                }
    if (n == 0) return std::nullopt;
    return g.voxelToPatient(sum / static_cast<double>(n));
}

double Patient::volumeMlOf(const std::string& name) const {
    auto label = labelOf(name);
    if (!label) return 0.0;
    size_t n = 0;
    for (uint16_t v : labels.voxels) n += (v == *label);
    return static_cast<double>(n) * labels.geometry.voxelVolumeMl();
}

glm::dvec3 Patient::landmark(const std::string& name) const {
    auto it = landmarks.find(name);
    if (it == landmarks.end())
        throw DataError(source, 0, name, "the patient has no landmark of this name");
    return it->second;
}

const VesselTree* Patient::vesselTree(const std::string& name) const {
    for (const auto& t : vessels)
        if (t.name == name) return &t;
    return nullptr;
}

int VesselTree::firstNodeOf(const std::string& branch) const {
    for (size_t i = 0; i < nodes.size(); ++i) {
        const VesselNode& n = nodes[i];
        if (n.branch == branch && (n.parent < 0 || nodes[static_cast<size_t>(n.parent)].branch != branch))
            return static_cast<int>(i);
    }
    return -1;
}

std::vector<int> VesselTree::nodesOf(const std::string& branch) const {
    std::vector<int> r;
    for (size_t i = 0; i < nodes.size(); ++i)
        if (nodes[i].branch == branch) r.push_back(static_cast<int>(i));
    return r;
}

}  // namespace irsim::patient
