// The fixed part of an ablation session: the patient's tissues on a bioheat grid round the target
// tumour (each label's thermal row of patient/materials.h), the large vessels that carry heat away,
// and the structures to protect.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include "procedures/ablation/ablation.h"

#include "core/text.h"
#include "core/units.h"

namespace irsim::procedures::ablation {

namespace {

// Lu et al. 2002 (AJR 178:47; ablation.md section 9, published): a heat sink from most hepatic and
// portal veins over 3 mm, none under 2 mm. A vein's voxel is a heat sink when the vein also fills the
// points 1.5 mm either side of it along each axis: a lumen at least 3 mm across there. The great
// vessels (aorta, IVC) are heat sinks too; other arteries are tissue: Lu measured veins, and the
// hepatic artery's branches in the liver are a few mm at most (the phantom paints its grown tree no
// thinner than its CT can show).
constexpr double kHeatSinkHalfWidthMm = 1.5;
// Air has a heat capacity per volume a thousandth of tissue's: in the explicit step it would need
// steps a hundred times shorter. Air cells are held at body temperature instead (the skin's
// cooling by the room is not modelled; it is far from a liver tumour).
constexpr double kAirHu = -400.0;

uint16_t labelAt(const patient::LabelMap& labels, const glm::dvec3& lps) {
    const glm::dvec3 f = labels.geometry.patientToVoxel(lps);
    const int i = static_cast<int>(std::lround(f.x)), j = static_cast<int>(std::lround(f.y)),
              k = static_cast<int>(std::lround(f.z));
    return labels.geometry.contains(i, j, k) ? labels.at(i, j, k) : 0;
}

double huAt(const patient::CtVolume& ct, const glm::dvec3& lps) {
    const glm::dvec3 f = ct.geometry.patientToVoxel(lps);
    const int i = static_cast<int>(std::lround(f.x)), j = static_cast<int>(std::lround(f.y)),
              k = static_cast<int>(std::lround(f.z));
    return ct.geometry.contains(i, j, k) ? static_cast<double>(ct.at(i, j, k)) : -1000.0;
}

// A spherical lesion inside an organ of the label map: wholly inside it (its centre and the six
// points of its surface on the axes) and inside the CT.
void placeLesion(Anatomy& a, const patient::Patient& patient, const Definition& def, const sim::ScenarioDocument& doc,
                 uint16_t organ) {
    const Definition::Lesion& l = *def.lesion;
    const double r = 0.5 * l.diameterMm;
    for (int n = 0; n < 7; ++n) {
        glm::dvec3 p = l.centreLps;
        if (n > 0) p[(n - 1) / 2] += (n % 2 ? r : -r);
        if (labelAt(patient.labels, p) != organ)
            doc.fail("ablation.lesion.centre_mm", formatted("a %.0f mm lesion at (%.1f, %.1f, %.1f) is not wholly inside ",
                                                            l.diameterMm, l.centreLps.x, l.centreLps.y, l.centreLps.z) +
                                                      l.organ + formatted(" (at (%.1f, %.1f, %.1f) it is not)", p.x, p.y, p.z));
    }
    a.tumourCentre = l.centreLps;
    a.lesionRadiusMm = a.tumourRadiusMm = r;
    a.tumourMl = 4.0 / 3.0 * kPi * r * r * r / 1000.0;
}

}  // namespace

bool Anatomy::inTumour(const glm::dvec3& lps) const {
    if (lesionRadiusMm > 0.0) return glm::length(lps - tumourCentre) <= lesionRadiusMm;
    const glm::dvec3 f = tumourBox.patientToVoxel(lps);
    const int i = static_cast<int>(std::lround(f.x)), j = static_cast<int>(std::lround(f.y)),
              k = static_cast<int>(std::lround(f.z));
    return tumourBox.contains(i, j, k) && tumourMask[tumourBox.index(i, j, k)];
}

std::string collateralMetric(const std::string& structure) { return "collateral_" + structure + "_ml"; }

Anatomy buildAnatomy(const patient::Patient& patient, const Definition& def, const sim::ScenarioDocument& doc) {
    Anatomy a;
    if (patient.labels.voxels.empty()) doc.fail("ablation.target", "ablation needs a label map with the tumour");
    a.materials = patient::materialsOf(patient);
    a.tissueClasses = physics::TissueMap(patient.ct, patient.labels, patient.labelNames);
    const patient::MaterialTable& materials = a.materials;
    uint16_t target = 0;
    std::vector<std::string> names;
    for (const auto& [value, row] : materials.rows()) {
        if (row.name == def.target) target = value;
        names.push_back(row.name);
        if (a.labelName.size() <= value) a.labelName.resize(value + 1u);
        a.labelName[value] = row.name;
    }
    if (target == 0 && !def.lesion) {
        const std::string near = closestWord(def.target, names);
        doc.fail("ablation.target", "the patient has no structure '" + def.target + "'" +
                                        (near.empty() ? "" : " (did you mean " + near + "?)"));
    }
    auto labelNamed = [&](const std::string& name, const std::string& field) {
        for (const auto& [value, row] : materials.rows())
            if (row.name == name) return value;
        doc.fail(field, "the patient has no structure '" + name + "'");
    };

    const patient::VolumeGeometry& lg = patient.labels.geometry;
    if (def.lesion) {
        placeLesion(a, patient, def, doc, labelNamed(def.lesion->organ, "ablation.lesion.organ"));
    } else {
    // The tumour: its voxels' box, centroid and equivalent radius.
    glm::dvec3 sum(0.0);
    glm::ivec3 lo(std::numeric_limits<int>::max()), hi(-1);
    size_t count = 0;
    for (int k = 0; k < lg.dims.z; ++k)
        for (int j = 0; j < lg.dims.y; ++j)
            for (int i = 0; i < lg.dims.x; ++i)
                if (patient.labels.at(i, j, k) == target) {
                    sum += lg.voxelToPatient(glm::dvec3(i, j, k));
                    lo = glm::min(lo, glm::ivec3(i, j, k)), hi = glm::max(hi, glm::ivec3(i, j, k));
                    ++count;
                }
    if (count == 0) doc.fail("ablation.target", "the structure '" + def.target + "' has no voxels");
    a.tumourBox = lg;
    a.tumourBox.origin = lg.voxelToPatient(glm::dvec3(lo));
    a.tumourBox.dims = hi - lo + 1;
    a.tumourMask.assign(a.tumourBox.voxelCount(), 0);
    for (int k = lo.z; k <= hi.z; ++k)
        for (int j = lo.y; j <= hi.y; ++j)
            for (int i = lo.x; i <= hi.x; ++i)
                a.tumourMask[a.tumourBox.index(i - lo.x, j - lo.y, k - lo.z)] = patient.labels.at(i, j, k) == target;
    a.tumourCentre = sum / static_cast<double>(count);
    a.tumourMl = static_cast<double>(count) * lg.voxelVolumeMl();
    a.tumourRadiusMm = std::cbrt(3.0 * a.tumourMl * 1000.0 / (4.0 * kPi));
    }

    // The grid: a cube round the tumour, its centre on a cell centre.
    therapy::BioheatModel& m = a.tissue;
    const double h = def.gridMm;
    const int half = static_cast<int>(std::ceil((a.tumourRadiusMm + def.gridMarginMm) / h));
    m.grid.spacingMm = h;
    m.grid.dims = glm::ivec3(2 * half + 1);
    m.grid.originMm = a.tumourCentre - glm::dvec3(half * h);
    const size_t n = m.grid.cellCount();
    m.material.assign(n, 0);
    m.role.assign(n, therapy::CellRole::Tissue);
    m.sourceWPerW.assign(n, 0.0f);
    a.label.assign(n, 0);
    // Unlabelled soft tissue (a CT's label map names organs, not everything): muscle's row.
    const patient::StructureMaterial unnamed = patient::structureMaterialOf("muscle");
    std::map<std::string, uint8_t> materialIndex;
    auto materialOf = [&](const std::string& name, const patient::ThermalProperties& t) -> uint8_t {
        auto it = materialIndex.find(name);
        if (it != materialIndex.end()) return it->second;
        const auto index = static_cast<uint8_t>(m.materials.size());
        if (m.materials.size() >= 255) doc.fail("ablation.target", "too many tissues round the tumour");
        m.materials.push_back(therapy::BioheatMaterial::ofTissue(name, t));
        materialIndex[name] = index;
        return index;
    };
    materialOf(unnamed.name, unnamed.thermal);
    // The lesion's own tissue (its name's thermal row; a name that is no lesion: liver tumour's).
    patient::StructureMaterial lesionRow = patient::structureMaterialOf(def.target);
    if (!lesionRow.lesion) lesionRow = patient::structureMaterialOf("liver_tumour");
    std::vector<uint8_t> sink(n, 0);
    const glm::ivec3 d = m.grid.dims;
    for (int k = 0; k < d.z; ++k)
        for (int j = 0; j < d.y; ++j)
            for (int i = 0; i < d.x; ++i) {
                const size_t c = m.grid.index(i, j, k);
                const glm::dvec3 p = m.grid.centreMm(i, j, k);
                const uint16_t label = labelAt(patient.labels, p);
                a.label[c] = label;
                const patient::StructureMaterial& row = materials[label];
                const bool air = row.xray == patient::XrayMaterial::Air || (label == 0 && huAt(patient.ct, p) < kAirHu) ||
                                 row.outsideBody;
                if (i == 0 || j == 0 || k == 0 || i == d.x - 1 || j == d.y - 1 || k == d.z - 1 || air) {
                    m.role[c] = therapy::CellRole::Boundary;
                    continue;
                }
                const bool sinkVessel = row.vessel && (row.needle == patient::NeedleTissue::Vein ||
                                                        row.needle == patient::NeedleTissue::GreatVessel);
                if (sinkVessel) {
                    bool wide = true;
                    for (int axis = 0; axis < 3 && wide; ++axis)
                        for (double s : {-kHeatSinkHalfWidthMm, kHeatSinkHalfWidthMm}) {
                            glm::dvec3 q = p;
                            q[axis] += s;
                            wide = wide && materials[labelAt(patient.labels, q)].vessel;
                        }
                    if (wide) {
                        m.role[c] = therapy::CellRole::Blood;
                        sink[c] = 1;
                        a.heatSinkCells.push_back(c);
                        if (std::find(a.heatSinkNames.begin(), a.heatSinkNames.end(), row.name) == a.heatSinkNames.end())
                            a.heatSinkNames.push_back(row.name);
                        continue;
                    }
                }
                const bool known = row.named && row.thermal.conductivityWPerMK > 0.0;
                m.material[c] = known ? materialOf(row.name, row.thermal) : 0;
                if (a.lesionRadiusMm > 0.0 && a.inTumour(p)) m.material[c] = materialOf(def.target, lesionRow.thermal);
            }
    a.vesselDistanceMm = distanceTransform(sink, m.grid.dims, h);
    std::vector<uint8_t> tumourCells(n, 0);
    for (int k = 0; k < m.grid.dims.z; ++k)
        for (int j = 0; j < m.grid.dims.y; ++j)
            for (int i = 0; i < m.grid.dims.x; ++i) tumourCells[m.grid.index(i, j, k)] = a.inTumour(m.grid.centreMm(i, j, k));
    a.tumourDistanceMm = distanceTransform(tumourCells, m.grid.dims, h);
    std::sort(a.heatSinkNames.begin(), a.heatSinkNames.end());

    auto cellsOf = [&](const std::vector<std::string>& structures, const std::string& field) {
        std::vector<Anatomy::Structure> out;
        for (size_t s = 0; s < structures.size(); ++s) {
            const uint16_t value = labelNamed(structures[s], field + "[" + std::to_string(s) + "]");
            Anatomy::Structure st{structures[s], {}};
            for (size_t c = 0; c < n; ++c)
                if (a.label[c] == value && m.role[c] == therapy::CellRole::Tissue) st.cells.push_back(c);
            out.push_back(std::move(st));
        }
        return out;
    };
    a.protect = cellsOf(def.protect, "ablation.protect");
    a.nerves = cellsOf(def.nerves, "ablation.nerves");
    therapy::finishModel(m, 1.0);
    return a;
}

}  // namespace irsim::procedures::ablation
