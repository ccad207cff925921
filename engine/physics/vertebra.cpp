#include "physics/vertebra.h"
#include "core/units.h"

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

// The vertebral foramen of one vertebra as a mask over its bounding box (i fastest), 1 = canal.
// A label map may hold the whole canal ("spinal_canal", the phantom) or only the cord
// ("spinal_cord", TotalSegmentator), which is a third of the canal's width or less. So the canal
// is found from the vertebra's own bone: in each axial slice, the bone-free region the vertebra
// encloses; of its pieces, those that hold canal-label voxels, or, in a slice without any, the
// canal label's centroid. A segmentation's arch has gaps of a voxel or two (thin laminae, partial
// volume), so the enclosure is taken after closing the bone by `closeMm` in the slice: the outside
// is flood-filled (4-neighbours) through cells farther than that from bone, and the enclosed
// pieces are grown back by the same distance into non-bone cells. The canal label's own voxels
// are kept as well, so a slice whose arch is open (at the intervertebral foramina, gaps far wider
// than the closing) still has the cord. Assumes k runs cranio-caudally (axial slices at fixed k).
std::vector<uint8_t> canalMask(const patient::LabelMap& labels, uint16_t label, uint16_t canalLabel, const Box& box,
                               double closeMm) {
    const glm::ivec3 n = box.hi - box.lo + 1;
    std::vector<uint8_t> mask(static_cast<size_t>(n.x) * n.y * n.z, 0);
    auto at = [&](int i, int j, int k) -> uint8_t& { return mask[(static_cast<size_t>(k) * n.y + j) * n.x + i]; };
    // Cord centroid in the box, as voxel (i, j): the seed in slices where the label is absent.
    double si = 0.0, sj = 0.0, sn = 0.0;
    for (int k = 0; k < n.z; ++k)
        for (int j = 0; j < n.y; ++j)
            for (int i = 0; i < n.x; ++i)
                if (labels.at(box.lo.x + i, box.lo.y + j, box.lo.z + k) == canalLabel) {
                    at(i, j, k) = 1;
                    si += i; sj += j; sn += 1.0;
                }
    if (sn == 0.0) return mask;
    const int seedI = static_cast<int>(std::lround(si / sn)), seedJ = static_cast<int>(std::lround(sj / sn));
    const glm::dvec3 sp = labels.geometry.spacing;
    const int ri = std::max(1, static_cast<int>(std::lround(closeMm / sp.x)));
    const int rj = std::max(1, static_cast<int>(std::lround(closeMm / sp.y)));

    // 2D grid with a margin of outside around the box's slice, wider than the closing.
    const int mi = ri + 1, mj = rj + 1, w = n.x + 2 * mi, h = n.y + 2 * mj;
    const size_t cells = static_cast<size_t>(w) * h;
    std::vector<uint8_t> bone(cells), nearBone(cells), grown(cells);
    std::vector<int> comp(cells), stack;
    std::vector<uint8_t> keep;
    for (int k = 0; k < n.z; ++k) {
        std::fill(bone.begin(), bone.end(), 0);
        for (int j = 0; j < n.y; ++j)
            for (int i = 0; i < n.x; ++i)
                bone[static_cast<size_t>((j + mj) * w + i + mi)] =
                    labels.at(box.lo.x + i, box.lo.y + j, box.lo.z + k) == label;
        // Bone dilated by the closing distance (a box neighbourhood).
        std::fill(nearBone.begin(), nearBone.end(), 0);
        for (int j = 0; j < h; ++j)
            for (int i = 0; i < w; ++i) {
                if (!bone[static_cast<size_t>(j * w + i)]) continue;
                for (int dj = -rj; dj <= rj; ++dj)
                    for (int di = -ri; di <= ri; ++di)
                        nearBone[static_cast<size_t>((j + dj) * w + i + di)] = 1;
            }
        // Components of the cells clear of bone; component 0 starts at the margin's corner (outside).
        std::fill(comp.begin(), comp.end(), -1);
        int count = 0;
        for (int start = 0; start < w * h; ++start) {
            if (comp[static_cast<size_t>(start)] >= 0 || nearBone[static_cast<size_t>(start)]) continue;
            stack.assign(1, start);
            comp[static_cast<size_t>(start)] = count;
            while (!stack.empty()) {
                const int c = stack.back();
                stack.pop_back();
                const int ci = c % w, cj = c / w;
                const int nb[4][2] = {{ci - 1, cj}, {ci + 1, cj}, {ci, cj - 1}, {ci, cj + 1}};
                for (const auto& q : nb) {
                    if (q[0] < 0 || q[1] < 0 || q[0] >= w || q[1] >= h) continue;
                    const int qi = q[1] * w + q[0];
                    if (comp[static_cast<size_t>(qi)] >= 0 || nearBone[static_cast<size_t>(qi)]) continue;
                    comp[static_cast<size_t>(qi)] = count;
                    stack.push_back(qi);
                }
            }
            ++count;
        }
        // Enclosed pieces that hold cord (or the seed).
        keep.assign(static_cast<size_t>(count), 0);
        bool any = false;
        for (int j = 0; j < n.y; ++j)
            for (int i = 0; i < n.x; ++i)
                if (labels.at(box.lo.x + i, box.lo.y + j, box.lo.z + k) == canalLabel) {
                    any = true;
                    const int c = comp[static_cast<size_t>((j + mj) * w + i + mi)];
                    if (c > 0) keep[static_cast<size_t>(c)] = 1;
                }
        if (!any) {
            const int c = comp[static_cast<size_t>((seedJ + mj) * w + seedI + mi)];
            if (c > 0) keep[static_cast<size_t>(c)] = 1;
        }
        for (size_t c = 0; c < cells; ++c) grown[c] = comp[c] > 0 && keep[static_cast<size_t>(comp[c])];
        // Grown back toward the bone by the closing distance, one ring of 8 neighbours at a time
        // (the dilation's box neighbourhood).
        for (int ring = 0; ring < std::max(ri, rj); ++ring) {
            std::vector<uint8_t> next = grown;
            for (int j = 1; j < h - 1; ++j)
                for (int i = 1; i < w - 1; ++i) {
                    const size_t c = static_cast<size_t>(j * w + i);
                    if (grown[c] || bone[c]) continue;
                    const size_t wz = static_cast<size_t>(w);
                    if (grown[c - 1] || grown[c + 1] || grown[c - wz] || grown[c + wz] || grown[c - wz - 1] ||
                        grown[c - wz + 1] || grown[c + wz - 1] || grown[c + wz + 1])
                        next[c] = 1;
                }
            grown.swap(next);
        }
        for (int j = 0; j < n.y; ++j)
            for (int i = 0; i < n.x; ++i)
                if (grown[static_cast<size_t>((j + mj) * w + i + mi)]) at(i, j, k) = 1;
    }
    return mask;
}

}  // namespace

double PedicleGeometry::transverseAngleDeg() const {
    // Angle between the axis and the sagittal plane; sign-free (convergence toward the midline).
    return std::atan(std::fabs(axisSlopeXPerY)) * 180.0 / kPi;
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

    // Canal: the foramen this vertebra's arch encloses around the canal label.
    // Closing distance: gaps up to twice this in a segmented arch are bridged (estimated; the
    // intervertebral foramen, 10-20 mm tall, stays open).
    const std::vector<uint8_t> canal = canalMask(*labels, label, canalLabel, box, 3.0);
    const glm::ivec3 bn = box.hi - box.lo + 1;
    auto inCanal = [&](int i, int j, int k) {
        return canal[(static_cast<size_t>(k - box.lo.z) * bn.y + (j - box.lo.y)) * bn.x + (i - box.lo.x)] != 0;
    };
    glm::dvec3 canalSum(0.0);
    double canalN = 0.0, cyMin = 1e300, cyMax = -1e300, cxMin = 1e300, cxMax = -1e300;
    for (int k = box.lo.z; k <= box.hi.z; ++k)
        for (int j = box.lo.y; j <= box.hi.y; ++j)
            for (int i = box.lo.x; i <= box.hi.x; ++i)
                if (inCanal(i, j, k)) {
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

    // Pedicles: in each axial row of the isthmus that crosses the canal, the first bony run
    // going laterally from the canal's edge in that row.
    // The isthmus band is taken slice by slice: the canal's AP extent changes from slice to slice
    // (a real arch is not a prism), and a band from the whole vertebra's extent would miss slices.
    std::vector<double> sliceYLo(static_cast<size_t>(bn.z), 1e300), sliceYHi(static_cast<size_t>(bn.z), -1e300);
    for (int k = box.lo.z; k <= box.hi.z; ++k)
        for (int j = box.lo.y; j <= box.hi.y; ++j)
            for (int i = box.lo.x; i <= box.hi.x; ++i)
                if (inCanal(i, j, k)) {
                    const double y = g.voxelToPatient(glm::dvec3(i, j, k)).y;
                    auto& lo = sliceYLo[static_cast<size_t>(k - box.lo.z)];
                    auto& hi = sliceYHi[static_cast<size_t>(k - box.lo.z)];
                    lo = std::min(lo, y);
                    hi = std::max(hi, y);
                }
    // The run must start at the canal's wall: within a voxel and a half, or 3 mm where the canal
    // label stops short of the bone (estimated: the phantom's canal fills the foramen).
    const double wallGapMm = std::max(3.0, 1.5 * g.spacing.x);
    std::vector<Run> runs[2];
    std::vector<double> xs;
    for (int k = box.lo.z; k <= box.hi.z; ++k)
        for (int j = box.lo.y; j <= box.hi.y; ++j) {
            glm::dvec3 rowP = g.voxelToPatient(glm::dvec3(box.lo.x, j, k));
            const double yLo = sliceYLo[static_cast<size_t>(k - box.lo.z)] - 0.5 * g.spacing.y;
            const double yHi = yLo + 0.5 * (sliceYHi[static_cast<size_t>(k - box.lo.z)] + 0.5 * g.spacing.y - yLo);
            if (rowP.y < yLo || rowP.y > yHi) continue;
            xs.clear();
            double rowCanalLo = 1e300, rowCanalHi = -1e300;
            for (int i = box.lo.x; i <= box.hi.x; ++i) {
                const double x = g.voxelToPatient(glm::dvec3(i, j, k)).x;
                if (labels->at(i, j, k) == label) xs.push_back(x);
                if (inCanal(i, j, k)) { rowCanalLo = std::min(rowCanalLo, x); rowCanalHi = std::max(rowCanalHi, x); }
            }
            if (rowCanalHi < rowCanalLo) continue;  // this row misses the canal
            std::sort(xs.begin(), xs.end());
            for (int s = 0; s < 2; ++s) {
                double sign = s == 0 ? -1.0 : 1.0;
                const double wall = s == 0 ? rowCanalLo : rowCanalHi;
                // Walk outward from the canal's edge.
                double start = 0.0, end = 0.0;
                bool inRun = false;
                for (size_t n = 0; n < xs.size(); ++n) {
                    double x = s == 1 ? xs[n] : xs[xs.size() - 1 - n];
                    double lateral = sign * (x - wall);
                    if (lateral <= 0.0) continue;
                    if (!inRun) {
                        // The run must begin at the canal's wall, else this row is not isthmus.
                        if (lateral > wallGapMm) break;
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
            p.inferiorZMm = std::min(p.inferiorZMm, r.z - 0.5 * g.spacing.z);
            p.superiorZMm = std::max(p.superiorZMm, r.z + 0.5 * g.spacing.z);
            p.anteriorYMm = std::min(p.anteriorYMm, r.y);
            p.posteriorYMm = std::max(p.posteriorYMm, r.y);
        }
        p.centreLps = glm::dvec3(sx / n, sy / n, sz / n);
        // Width as measured on axial CT (Zindrick 1987): the isthmus, the narrowest row of a
        // slice, in the slice where that is widest (the pedicle's mid-height).
        for (size_t a = 0; a < runs[s].size();) {
            double narrowest = 1e300;
            size_t b = a;
            for (; b < runs[s].size() && runs[s][b].z == runs[s][a].z; ++b)
                narrowest = std::min(narrowest, runs[s][b].x1 - runs[s][b].x0);
            hw = std::max(hw, 0.5 * narrowest);
            a = b;
        }
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

uint16_t canalLabelOf(const TissueMap& map) {
    // A label table names far more structures than a map holds (TotalSegmentator's names and
    // irsim's own): a name alone does not mean the map has the structure.
    const patient::LabelMap* labels = map.labels();
    if (!labels) return 0;
    const uint16_t canal = map.labelNamed("spinal_canal"), cord = map.labelNamed("spinal_cord");
    bool haveCord = false;
    for (uint16_t v : labels->voxels) {
        if (canal != 0 && v == canal) return canal;
        haveCord |= cord != 0 && v == cord;
    }
    return haveCord ? cord : 0;
}

std::vector<VertebraGeometry> deriveVertebrae(const TissueMap& map, const Landmarks& landmarks) {
    std::vector<VertebraGeometry> out;
    const uint16_t canal = canalLabelOf(map);
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
    // A real label map marks only the cord: a tip in the epidural fat around it is in the canal
    // all the same, and the canal's extent is known from the arch (deriveVertebra).
    if (std::fabs(tip.x - v.midlineXMm) < v.canalHalfWidthMm && tip.y > v.canalAnteriorYMm &&
        tip.y < v.canalPosteriorYMm && tip.z > v.bodyInferiorZMm && tip.z < v.bodySuperiorZMm)
        return BreachKind::PedicleMedial;
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
