#include "physics/vertebra.h"

#include <algorithm>
#include <cmath>

namespace irsim::physics {

namespace {

struct Box {
    glm::ivec3 lo{1 << 30};
    glm::ivec3 hi{-1};
    bool empty() const { return hi.x < lo.x; }
};

Box boundingBox(const patient::LabelMap& labels, uint16_t label) {
    Box b;
    const auto& g = labels.geometry;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i)
                if (labels.voxels[g.index(i, j, k)] == label) {
                    b.lo = glm::min(b.lo, glm::ivec3(i, j, k));
                    b.hi = glm::max(b.hi, glm::ivec3(i, j, k));
                }
    return b;
}

struct Run {
    double x0, x1, y, z;
};

}  // namespace

double PedicleGeometry::transverseAngleDeg() const {
    // Angle between the axis and the sagittal plane; sign-free (convergence toward the midline).
    return std::atan(std::fabs(axisSlopeXPerY)) * 180.0 / 3.14159265358979323846;
}

std::optional<VertebraGeometry> deriveVertebra(const TissueMap& map, uint16_t label, uint16_t canalLabel,
                                               const Landmarks& landmarks) {
    const patient::LabelMap* labels = map.labels();
    if (!labels || labels->voxels.empty() || canalLabel == 0) return std::nullopt;
    const auto& g = labels->geometry;
    Box box = boundingBox(*labels, label);
    if (box.empty()) return std::nullopt;

    VertebraGeometry v;
    v.label = label;
    v.name = map.nameOf(label);

    // Canal inside the vertebra's box.
    glm::dvec3 canalSum(0.0);
    double canalN = 0.0, cyMin = 1e300, cyMax = -1e300, cxMin = 1e300, cxMax = -1e300;
    for (int k = box.lo.z; k <= box.hi.z; ++k)
        for (int j = box.lo.y; j <= box.hi.y; ++j)
            for (int i = box.lo.x; i <= box.hi.x; ++i)
                if (labels->at(i, j, k) == canalLabel) {
                    glm::dvec3 p = g.voxelToPatient(glm::dvec3(i, j, k));
                    canalSum += p;
                    canalN += 1.0;
                    cyMin = std::min(cyMin, p.y); cyMax = std::max(cyMax, p.y);
                    cxMin = std::min(cxMin, p.x); cxMax = std::max(cxMax, p.x);
                }
    if (canalN == 0.0) return std::nullopt;
    double half = 0.5 * g.spacing.x;
    v.midlineXMm = canalSum.x / canalN;
    v.canalAnteriorYMm = cyMin - 0.5 * g.spacing.y;
    v.canalPosteriorYMm = cyMax + 0.5 * g.spacing.y;
    v.canalHalfWidthMm = 0.5 * (cxMax - cxMin) + half;

    // Body: the vertebra's voxels anterior to the canal.
    glm::dvec3 bodySum(0.0);
    double bodyN = 0.0;
    v.bodyAnteriorYMm = 1e300;
    v.bodyInferiorZMm = 1e300;
    v.bodySuperiorZMm = -1e300;
    for (int k = box.lo.z; k <= box.hi.z; ++k)
        for (int j = box.lo.y; j <= box.hi.y; ++j)
            for (int i = box.lo.x; i <= box.hi.x; ++i) {
                if (labels->at(i, j, k) != label) continue;
                glm::dvec3 p = g.voxelToPatient(glm::dvec3(i, j, k));
                if (p.y >= v.canalAnteriorYMm) continue;
                bodySum += p;
                bodyN += 1.0;
                v.bodyAnteriorYMm = std::min(v.bodyAnteriorYMm, p.y);
                v.bodyInferiorZMm = std::min(v.bodyInferiorZMm, p.z);
                v.bodySuperiorZMm = std::max(v.bodySuperiorZMm, p.z);
            }
    if (bodyN == 0.0) return std::nullopt;
    v.bodyCentroidLps = bodySum / bodyN;
    v.bodyVolumeMl = bodyN * g.voxelVolumeMl();

    // Pedicles: first bony run lateral to the canal in each axial row of the isthmus.
    double yLo = v.canalAnteriorYMm, yHi = v.canalAnteriorYMm + 0.5 * (v.canalPosteriorYMm - v.canalAnteriorYMm);
    std::vector<Run> runs[2];
    std::vector<double> xs;
    for (int k = box.lo.z; k <= box.hi.z; ++k)
        for (int j = box.lo.y; j <= box.hi.y; ++j) {
            glm::dvec3 rowP = g.voxelToPatient(glm::dvec3(box.lo.x, j, k));
            if (rowP.y < yLo || rowP.y > yHi) continue;
            xs.clear();
            for (int i = box.lo.x; i <= box.hi.x; ++i)
                if (labels->at(i, j, k) == label) xs.push_back(g.voxelToPatient(glm::dvec3(i, j, k)).x);
            std::sort(xs.begin(), xs.end());
            for (int s = 0; s < 2; ++s) {
                double sign = s == 0 ? -1.0 : 1.0;
                // Walk outward from the midline.
                double start = 0.0, end = 0.0;
                bool inRun = false;
                for (size_t n = 0; n < xs.size(); ++n) {
                    double x = s == 1 ? xs[n] : xs[xs.size() - 1 - n];
                    double lateral = sign * (x - v.midlineXMm);
                    if (lateral <= 0.0) continue;
                    if (!inRun) {
                        // The run must begin at the canal's wall, else this row is not isthmus.
                        if (lateral > v.canalHalfWidthMm + 3.0) break;
                        start = end = x;
                        inRun = true;
                    } else if (std::fabs(x - end) <= g.spacing.x * 1.01) {
                        end = x;
                    } else {
                        break;
                    }
                }
                if (inRun) runs[s].push_back({std::min(start, end) - half, std::max(start, end) + half, rowP.y, rowP.z});
            }
        }

    for (int s = 0; s < 2; ++s) {
        PedicleGeometry& p = v.pedicles[s];
        p.side = s == 0 ? -1 : 1;
        if (runs[s].empty()) continue;
        p.found = true;
        double n = 0.0, sx = 0.0, sy = 0.0, sz = 0.0, sxy = 0.0, syy = 0.0, hw = 0.0;
        p.inferiorZMm = 1e300; p.superiorZMm = -1e300;
        p.anteriorYMm = 1e300; p.posteriorYMm = -1e300;
        for (const Run& r : runs[s]) {
            double cx = 0.5 * (r.x0 + r.x1);
            n += 1.0; sx += cx; sy += r.y; sz += r.z; sxy += cx * r.y; syy += r.y * r.y;
            hw = std::max(hw, 0.5 * (r.x1 - r.x0));
            p.inferiorZMm = std::min(p.inferiorZMm, r.z - 0.5 * g.spacing.z);
            p.superiorZMm = std::max(p.superiorZMm, r.z + 0.5 * g.spacing.z);
            p.anteriorYMm = std::min(p.anteriorYMm, r.y);
            p.posteriorYMm = std::max(p.posteriorYMm, r.y);
        }
        p.centreLps = glm::dvec3(sx / n, sy / n, sz / n);
        p.halfWidthMm = hw;
        double vary = syy / n - (sy / n) * (sy / n);
        p.axisSlopeXPerY = vary > 1e-9 ? (sxy / n - (sx / n) * (sy / n)) / vary : 0.0;

        std::string key = v.name + (p.side > 0 ? ".pedicle_left.entry" : ".pedicle_right.entry");
        auto lm = landmarks.find(key);
        if (lm != landmarks.end()) {
            p.entryLps = lm->second;
        } else {
            // Walk posteriorly along the axis until the bone ends: the entry on the posterior
            // elements (junction of transverse process and facet in clinical terms).
            glm::dvec3 dir = glm::normalize(glm::dvec3(p.axisSlopeXPerY, 1.0, 0.0));
            glm::dvec3 q = p.centreLps;
            for (int step = 0; step < 400; ++step) {
                glm::dvec3 next = q + dir * 0.25;
                if (map.labelAt(next) != label) break;
                q = next;
            }
            p.entryLps = q;
        }
    }
    return v;
}

std::vector<VertebraGeometry> deriveVertebrae(const TissueMap& map, const Landmarks& landmarks) {
    std::vector<VertebraGeometry> out;
    uint16_t canal = map.labelNamed("spinal_canal");
    if (canal == 0) canal = map.labelNamed("spinal_cord");
    for (uint16_t l : map.vertebraLabels()) {
        auto v = deriveVertebra(map, l, canal, landmarks);
        if (v) out.push_back(std::move(*v));
    }
    return out;
}

const char* toString(BreachKind k) {
    switch (k) {
        case BreachKind::PedicleMedial: return "medial pedicle wall (spinal canal)";
        case BreachKind::PedicleInferior: return "inferior pedicle wall (neural foramen)";
        case BreachKind::PedicleSuperior: return "superior pedicle wall";
        case BreachKind::PedicleLateral: return "lateral pedicle wall";
        case BreachKind::BodyAnterior: return "anterior cortex of the body";
        case BreachKind::BodyLateral: return "lateral wall of the body";
        case BreachKind::Endplate: return "endplate (disc)";
        case BreachKind::GreatVessel: return "aorta/IVC";
    }
    return "?";
}

BreachKind classifyBreach(const VertebraGeometry& v, const glm::dvec3& exit, const glm::dvec3& tip,
                          Tissue tipTissue) {
    if (tipTissue == Tissue::GreatVessel) return BreachKind::GreatVessel;
    if (tipTissue == Tissue::SpinalCanal) return BreachKind::PedicleMedial;
    if (tipTissue == Tissue::Disc) return BreachKind::Endplate;
    (void)tip;
    if (exit.y >= v.canalAnteriorYMm - 1.0) {
        int side = exit.x >= v.midlineXMm ? 1 : -1;
        const PedicleGeometry& p = v.pedicle(side);
        if (p.found) {
            double halfHeight = std::max(0.5 * (p.superiorZMm - p.inferiorZMm), 1e-6);
            double dx = side * (exit.x - p.centreXAt(exit.y)) / std::max(p.halfWidthMm, 1e-6);
            double dz = (exit.z - 0.5 * (p.superiorZMm + p.inferiorZMm)) / halfHeight;
            if (std::fabs(dx) >= std::fabs(dz)) return dx < 0.0 ? BreachKind::PedicleMedial : BreachKind::PedicleLateral;
            return dz < 0.0 ? BreachKind::PedicleInferior : BreachKind::PedicleSuperior;
        }
    }
    if (exit.z > v.bodySuperiorZMm - 1.0 || exit.z < v.bodyInferiorZMm + 1.0) return BreachKind::Endplate;
    glm::dvec3 rel = exit - v.bodyCentroidLps;
    return -rel.y >= std::fabs(rel.x) ? BreachKind::BodyAnterior : BreachKind::BodyLateral;
}

}  // namespace irsim::physics
