// What a vertebroplasty session is scored on (engine/procedures/vertebroplasty/README.md), and what the X-ray beam
// sees of it: the steel trocar and the barium-loaded cement.
#include <cmath>
#include <map>

#include "procedures/vertebroplasty/vertebroplasty.h"
#include "core/units.h"

namespace irsim::procedures::vertebroplasty {

namespace {

constexpr double kDeg = kDegToRad;
// Cement is drawn as one sphere holding the BaSO4 mass of each cell of this size (mm): far below what
// a fluoroscopy image resolves at the patient (~0.3-0.5 mm pixels blurred by the focal spot and
// motion), and it keeps a few ml of cement to a few hundred spheres.
constexpr double kCementCellMm = 2.0;

}  // namespace

void Vertebroplasty::addMetrics(const Session& session, assessment::Metrics& m) const {
    (void)session;
    const State& s = state_;
    const physics::VertebraGeometry& v = anatomy_->level;
    m["needle_placements"] = {static_cast<double>(s.placements), "placements"};
    m["needle_repositionings"] = {static_cast<double>(s.repositionings), "repositionings"};
    m["mallet_taps"] = {static_cast<double>(s.tapsTotal), "taps"};
    m["breach_events"] = {static_cast<double>(s.breaches), "events"};
    m["hub_force_max_N"] = {s.maxAxialHubForceN, "N"};

    // The trocar where the cement went in (or where it was when removed), else where it is now.
    const physics::NeedleState& n = s.haveDeliveryPose ? s.finalPose : s.needle;
    if (n.heldInBone) {
        const glm::dvec3 inBone = n.tipLps - n.boneEntryLps;
        const glm::dvec3 dir = glm::length(inBone) >= 3.0 ? glm::normalize(inBone) : n.tipDir;
        const int side = n.boneEntryLps.x >= v.midlineXMm ? 1 : -1;
        const IdealPath& ideal = anatomy_->ideal[side > 0 ? 1 : 0];
        if (ideal.found) {
            const double c = std::clamp(glm::dot(dir, ideal.direction), -1.0, 1.0);
            m["trajectory_angle_error_deg"] = {std::acos(c) / kDeg, "deg"};
            m["entry_point_error_mm"] = {glm::length(n.boneEntryLps - ideal.entryLps), "mm"};
        }
        m["trajectory_medial_deg"] = {std::atan2(-side * dir.x, -dir.y) / kDeg, "deg"};
        m["trajectory_caudal_deg"] = {std::asin(std::clamp(-dir.z, -1.0, 1.0)) / kDeg, "deg"};
        // Depth in the body from the posterior wall (0 %) to the anterior cortex (100 %): the
        // anterior third is 67-100 %.
        const double depth = v.canalAnteriorYMm - v.bodyAnteriorYMm;
        m["tip_depth_percent"] = {depth > 0.0 ? 100.0 * (v.canalAnteriorYMm - n.tipLps.y) / depth : 0.0, "%"};
        m["tip_from_midline_mm"] = {std::fabs(n.tipLps.x - v.midlineXMm), "mm"};
        const uint16_t label = anatomy_->tissue.labelAt(n.tipLps);
        const bool inBody = (label == v.label || anatomy_->tissue.isVertebralLesionLabel(label)) &&
                            n.tipLps.y < v.canalAnteriorYMm;
        m["tip_in_body"] = {inBody ? 1.0 : 0.0, "yes/no"};
    }

    const therapy::CementState& c = s.cement;
    m["cement_injected_ml"] = {therapy::injectedMl(c), "ml"};
    m["cement_in_bone_ml"] = {therapy::inBoneMl(c), "ml"};
    m["cement_fill_percent"] = {therapy::bodyFillPercent(anatomy_->cement, c), "%"};
    m["cement_leak_ml"] = {therapy::leakedMl(c), "ml"};
    std::map<therapy::LeakSite, double> bySite = {{therapy::LeakSite::Epidural, 0.0},
                                                  {therapy::LeakSite::Disc, 0.0},
                                                  {therapy::LeakSite::Venous, 0.0},
                                                  {therapy::LeakSite::Paravertebral, 0.0}};
    for (const therapy::CementLeak& l : c.leaks) bySite[l.site] += l.volumeMl;
    m["cement_leak_epidural_ml"] = {bySite[therapy::LeakSite::Epidural], "ml"};
    m["cement_leak_disc_ml"] = {bySite[therapy::LeakSite::Disc], "ml"};
    m["cement_leak_venous_ml"] = {bySite[therapy::LeakSite::Venous], "ml"};
    m["cement_leak_paravertebral_ml"] = {bySite[therapy::LeakSite::Paravertebral], "ml"};
    // The viscosity when the first stroke went in: the best single predictor of leaks.
    if (c.mixedAtS >= 0.0 && s.firstInjectionS >= 0.0)
        m["cement_viscosity_first_injection_PaS"] = {
            therapy::viscosityPaS(anatomy_->cement.cement, (s.firstInjectionS - c.mixedAtS) / 60.0), "Pa s"};
}

imaging::FrameContents Vertebroplasty::radiopaqueContents(const Session& session) const {
    (void)session;
    imaging::FrameContents out;
    const State& s = state_;
    if (s.placed) {
        const physics::NeedleState& n = s.needle;
        const glm::dvec3 hub = physics::hubPosition(needleModel_, n);
        imaging::RadiopaquePath trocar = imaging::needle(hub, n.tipLps, needleModel_.device.gauge);
        if (n.phase != physics::NeedlePhase::Outside && n.insertedMm > 1.0)
            trocar.pointsLps = {hub, n.skinEntryLps, n.tipLps};
        // Without its stylet the cannula is a tube: its lumen shows lighter than the wall.
        if (!s.styletIn) trocar.innerRadiusMm = 0.5 * needleModel_.device.innerDiameterMm;
        out.paths.push_back(std::move(trocar));
    }
    const therapy::CementModel& cm = anatomy_->cement;
    const therapy::CementState& c = s.cement;
    if (c.injectedNl > 0) {
        // Sum the cement of each coarse cell; a cell's BaSO4 spread over the cell keeps the mass.
        const glm::dvec3 sp = cm.roi.spacing;
        const glm::ivec3 ratio = glm::max(glm::ivec3(glm::round(glm::dvec3(kCementCellMm) / sp)), glm::ivec3(1));
        struct {
            patient::VolumeGeometry grid;
        } d;
        d.grid = cm.roi;
        d.grid.spacing = sp * glm::dvec3(ratio);
        d.grid.dims = (cm.roi.dims + ratio - 1) / ratio;
        // Cell centres: the mean of the centres of the fine voxels it gathers.
        d.grid.origin = cm.roi.voxelToPatient(glm::dvec3(ratio - 1) * 0.5);
        std::map<size_t, int64_t> cells;  // ordered: the same spheres in the same order each run
        const glm::ivec3 dims = cm.roi.dims;
        for (int k = 0; k < dims.z; ++k)
            for (int j = 0; j < dims.y; ++j)
                for (int i = 0; i < dims.x; ++i) {
                    const int64_t nl = c.cementNl[cm.roi.index(i, j, k)];
                    if (nl <= 0) continue;
                    cells[d.grid.index(i / ratio.x, j / ratio.y, k / ratio.z)] += nl;
                }
        // Spheres of radius 0.9 cell cover the cell's corners, so neighbouring cells blend into a
        // continuous fill instead of a lattice of dots; their density is lowered by the volume
        // ratio so that each cell's BaSO4 mass is kept.
        const double cell = std::cbrt(d.grid.spacing.x * d.grid.spacing.y * d.grid.spacing.z);
        const double radius = 0.9 * cell;
        const double sphereNl = 4.0 / 3.0 * kPi * radius * radius * radius * 1000.0;  // mm^3 = 1000 nl
        for (const auto& [index, nl] : cells) {
            const size_t nx = static_cast<size_t>(d.grid.dims.x), ny = static_cast<size_t>(d.grid.dims.y);
            const glm::dvec3 ijk(static_cast<double>(index % nx), static_cast<double>((index / nx) % ny),
                                 static_cast<double>(index / (nx * ny)));
            const double gPerCm3 = anatomy_->cementBaSO4GPerCm3 * static_cast<double>(nl) / sphereNl;
            out.spheres.push_back({d.grid.voxelToPatient(ijk), radius, imaging::Material::BariumSulfate, gPerCm3});
        }
    }
    return out;
}

}  // namespace irsim::procedures::vertebroplasty

namespace irsim::procedures::vertebroplasty {

std::vector<double> Vertebroplasty::quantities(const Session&) const { return {therapy::injectedMl(state_.cement)}; }

std::optional<glm::dvec3> Vertebroplasty::ctFollowPoint(const Session& session) const {
    // The CT slice follows the trocar's tip: the end of the steel path the X-ray sees.
    for (const imaging::RadiopaquePath& p : radiopaqueContents(session).paths)
        if (p.material == imaging::Material::Steel && !p.pointsLps.empty()) return p.pointsLps.back();
    return std::nullopt;
}

std::vector<sim::DeviceState> Vertebroplasty::devices(const Session&) const {
    const State& s = state_;
    if (s.placements == 0) return {};  // still on the tray
    sim::DeviceState d;
    d.device = s.deviceName;
    d.inPatient = inPatient();
    d.tipLps = s.needle.tipLps;
    d.depthFromSkinMm = d.inPatient ? s.needle.insertedMm : 0.0;
    d.tissueAtTip = d.inPatient ? physics::toString(s.needle.tipTissue) : "air";
    return {d};
}

namespace {
void hashNeedle(StateHash& h, const physics::NeedleState& n) {
    h.add(n.timeS).add(n.steps).add(static_cast<int>(n.phase)).add(n.tipLps).add(n.tipDir).add(n.bevelDir);
    h.add(n.hubAxis).add(n.skinEntryLps).add(n.insertedMm).add(n.track.size());
    for (double l : n.lengthInMm) h.add(l);
    h.add(static_cast<int>(n.tipTissue)).add(static_cast<int>(n.indentTissue)).add(n.indentationMm).add(n.skinLeftMm);
    h.add(n.heldInBone).add(n.boneEntryArcMm).add(n.boneEntryLps).add(n.boneTrackDir).add(n.bendDeflectionMm);
    h.add(n.stiffnessN).add(n.cuttingN).add(n.frictionN).add(n.axialHubForceN).add(n.lateralHubForceN);
    h.add(n.hubForceLps).add(n.stalled).add(static_cast<int>(n.lastBoneVertebra)).add(n.openBreach);
    h.add(n.breachExitArcMm).add(n.events.size()).add(static_cast<int>(n.shaftContactLabel));
    h.add(n.shaftContactDepthMm).add(n.shaftContactLps);
}
}  // namespace

void Vertebroplasty::hashState(StateHash& h) const {
    const State& s = state_;
    h.add(s.deviceChosen).add(s.deviceName).add(s.placed).add(s.styletIn).add(s.removing);
    hashNeedle(h, s.needle);
    h.add(s.placements).add(s.repositionings).add(s.maxAxialHubForceN);
    h.add(s.advanceLeftMm).add(s.advanceSpeedMmS).add(s.twisting).add(s.withdrawLeftMm).add(s.withdrawSpeedMmS);
    h.add(s.reangleOmega).add(s.reangleTicksLeft).add(s.tapsLeft).add(s.nextTapTick).add(s.tapIntervalTicks);
    h.add(s.tapEnergyJ).add(s.tapsTotal).add(s.needleEventsSeen).add(s.breaches);
    for (const auto& [needleEvent, sessionEvent] : s.breachEvents) h.add(needleEvent).add(sessionEvent);
    h.add(s.cement.mixedAtS).add(s.cement.cementNl).add(s.cement.injectedNl).add(s.cement.inBoneNl);
    for (const therapy::CementLeak& l : s.cement.leaks) h.add(static_cast<int>(l.site)).add(l.firstLps).add(l.volumeMl);
    h.add(s.cement.leakNl);
    h.add(s.injectLeftMl).add(s.injectRateMlS).add(s.injectAccumMl).add(s.leakEvents);
    h.add(s.haveDeliveryPose).add(s.firstInjectionS);
    hashNeedle(h, s.finalPose);
}

}  // namespace irsim::procedures::vertebroplasty
