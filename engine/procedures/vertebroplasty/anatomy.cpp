// The fixed part of a vertebroplasty session: the treated vertebra's geometry, its ideal
// transpedicular paths and the cement model around it, and the trocar presets.
#include <algorithm>
#include <cmath>

#include "procedures/vertebroplasty/vertebroplasty.h"

#include "core/text.h"
#include "core/units.h"

namespace irsim::procedures::vertebroplasty {

namespace {

constexpr double kDeg = kPi / 180.0;

// Vertebral levels from the top, TotalSegmentator names.
const char* const kLevels[] = {"C1", "C2", "C3", "C4", "C5", "C6", "C7", "T1", "T2", "T3", "T4", "T5", "T6",
                               "T7", "T8", "T9", "T10", "T11", "T12", "L1", "L2", "L3", "L4", "L5", "S1"};

std::vector<std::string> levelAndNeighbours(const std::string& levelName) {
    std::vector<std::string> out{levelName};
    const int n = static_cast<int>(sizeof kLevels / sizeof kLevels[0]);
    for (int i = 0; i < n; ++i)
        if (levelName == std::string("vertebrae_") + kLevels[i]) {
            if (i > 0) out.push_back(std::string("vertebrae_") + kLevels[i - 1]);
            if (i + 1 < n) out.push_back(std::string("vertebrae_") + kLevels[i + 1]);
        }
    return out;
}

IdealPath idealPath(const patient::Patient& patient, const physics::TissueMap& map,
                    const physics::VertebraGeometry& v, int side) {
    IdealPath p;
    p.side = side;
    const std::string base = v.name + (side > 0 ? ".pedicle_left" : ".pedicle_right");
    auto entry = patient.landmarks.find(base + ".entry");
    auto end = patient.landmarks.find(base + ".axis_end");
    if (entry != patient.landmarks.end() && end != patient.landmarks.end()) {
        // The phantom knows its pedicle axes exactly (Zindrick/Panjabi angles).
        p.entryLps = entry->second;
        p.targetLps = end->second;
    } else {
        const physics::PedicleGeometry& ped = v.pedicle(side);
        if (!ped.found) return p;
        // A real CT: from the pedicle's entry along its axis (physics/vertebra.h) to the anterior
        // third of the body, at the body's mid-height there. A real vertebra is tilted (lordosis,
        // kyphosis), so the height comes from the label at the target rather than the pedicle's:
        // a path kept level with the pedicle can leave through the endplate.
        p.entryLps = ped.entryLps;
        const double y = v.canalAnteriorYMm + 0.75 * (v.bodyAnteriorYMm - v.canalAnteriorYMm);
        double x = ped.centreXAt(y);
        if (side * (x - v.midlineXMm) < 0.0) x = v.midlineXMm;  // converged past the midline: stop there
        double zLo = 1e300, zHi = -1e300;
        for (double z = v.bodyInferiorZMm - 10.0; z <= v.bodySuperiorZMm + 10.0; z += 0.5)
            if (map.labelAt(glm::dvec3(x, y, z)) == v.label) {
                zLo = std::min(zLo, z);
                zHi = std::max(zHi, z);
            }
        if (zHi < zLo) return p;
        p.targetLps = glm::dvec3(x, y, 0.5 * (zLo + zHi));
    }
    const glm::dvec3 d = p.targetLps - p.entryLps;
    if (glm::length(d) < 5.0) return p;
    p.direction = glm::normalize(d);
    p.medialDeg = std::atan2(-side * p.direction.x, -p.direction.y) / kDeg;
    p.caudalDeg = std::asin(std::clamp(-p.direction.z, -1.0, 1.0)) / kDeg;
    p.found = true;
    return p;
}

}  // namespace

Anatomy buildAnatomy(const patient::Patient& patient, const std::string& levelName, const ScenarioDocument& doc,
                     const std::string& field) {
    Anatomy a;
    if (patient.labels.voxels.empty()) doc.fail(field, "vertebroplasty needs a label map with the vertebrae");
    a.tissue = physics::TissueMap(patient.ct, patient.labels, patient.labelNames);
    const uint16_t canal = physics::canalLabelOf(a.tissue);
    if (canal == 0) doc.fail(field, "the patient's labels have no spinal_canal or spinal_cord");
    if (a.tissue.labelNamed(levelName) == 0) doc.fail(field, "the patient has no structure '" + levelName + "'");
    for (const std::string& name : levelAndNeighbours(levelName)) {
        const uint16_t label = a.tissue.labelNamed(name);
        if (label == 0) continue;
        auto v = physics::deriveVertebra(a.tissue, label, canal, patient.landmarks);
        if (!v) {
            if (name == levelName) doc.fail(field, "cannot find the body and canal of '" + levelName + "'");
            continue;
        }
        if (name == levelName) a.level = *v;
        a.vertebrae.push_back(std::move(*v));
    }
    for (int s = 0; s < 2; ++s) a.ideal[static_cast<size_t>(s)] = idealPath(patient, a.tissue, a.level, s == 0 ? -1 : 1);
    if (!a.ideal[0].found && !a.ideal[1].found)
        doc.fail(field, "cannot find a pedicle of '" + levelName + "' (no landmarks and no isthmus in the labels)");

    therapy::CementOptions options;
    // Venous leakage through the basivertebral vein is the commonest leak (Yeom 2003); the vein
    // and its foramen are a few mm across (estimated radius 1.5 mm).
    options.basivertebralForamenRadiusMm = 1.5;
    a.cement = therapy::makeCementModel(a.tissue, a.level, therapy::CementDef::vertebroplastyPmma(), options);
    a.cementBaSO4GPerCm3 = a.cement.cement.bariumSulphateMassFraction * a.cement.cement.densityGPerMl;
    return a;
}

std::optional<physics::NeedleDef> deviceNamed(const std::string& name) {
    using physics::NeedleDef;
    using physics::NeedleTip;
    if (name == "trocar_11g_bevel") return NeedleDef::trocar11G(NeedleTip::Bevel);
    if (name == "trocar_11g_diamond") return NeedleDef::trocar11G(NeedleTip::Diamond);
    if (name == "trocar_13g_bevel") return NeedleDef::trocar13G(NeedleTip::Bevel);
    if (name == "trocar_13g_diamond") return NeedleDef::trocar13G(NeedleTip::Diamond);
    return std::nullopt;
}

const std::vector<std::string>& trocarNames() {
    // Function-local: the registration (builtin.cpp) runs during static initialisation.
    static const std::vector<std::string> names = {"trocar_11g_bevel", "trocar_11g_diamond", "trocar_13g_bevel",
                                                   "trocar_13g_diamond"};
    return names;
}

std::string deviceNames() { return joinWords(trocarNames(), "or"); }

glm::dvec3 headingFromAngles(int side, double medialDeg, double caudalDeg) {
    const double m = medialDeg * kDeg, c = caudalDeg * kDeg;
    // Anterior is -y; medial is toward x = 0 from the pedicle's side; caudal is -z.
    return glm::normalize(glm::dvec3(-side * std::sin(m) * std::cos(c), -std::cos(m) * std::cos(c), -std::sin(c)));
}

std::string breachEventKind(physics::BreachKind k) {
    using physics::BreachKind;
    switch (k) {
        case BreachKind::PedicleMedial: return "breach.medial";
        case BreachKind::PedicleInferior: return "breach.inferior";
        case BreachKind::PedicleSuperior: return "breach.superior";
        case BreachKind::PedicleLateral: return "breach.lateral";
        case BreachKind::BodyAnterior: return "breach.anterior";
        case BreachKind::BodyLateral: return "breach.lateral";
        case BreachKind::Endplate: return "breach.endplate";
        case BreachKind::GreatVessel: return "breach.vessel";
    }
    return "breach";
}

}  // namespace irsim::procedures::vertebroplasty
