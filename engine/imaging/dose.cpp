#include "imaging/dose.h"
#include "core/units.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace irsim::imaging {

double aecKvp(double waterEquivalentMm) {
    return std::clamp(60.0 + (waterEquivalentMm - 100.0) / 8.0, 60.0, 120.0);
}

PulseExposure automaticExposure(const CArmPose& pose, double waterEquivalentMm, const FluoroMode& mode,
                                const BeamPath& path) {
    PulseExposure e;
    e.kVp = aecKvp(waterEquivalentMm);
    const Spectrum s = tubeSpectrum(e.kVp, path.filtration);
    e.patientTransmission = kermaTransmission(s, Material::Water, std::max(0.0, waterEquivalentMm) * 0.1);
    e.detectorKermaGy = mode.detectorKermaPerPulseGy;
    // Inverse square from the IRP (SAD - 150 mm from the focal spot) to the detector (SID).
    const double irpDistance = pose.sourceToIsocentreMm - 150.0;
    const double inverseSquare = (irpDistance / pose.sourceToImageMm) * (irpDistance / pose.sourceToImageMm);
    e.referenceAirKermaGy = e.detectorKermaGy /
                            (inverseSquare * path.tableTransmission * e.patientTransmission *
                             path.gridPrimaryTransmission);
    if (mode.airKermaRateLimitGyPerMin > 0.0) {
        const double atLimitPoint = irpDistance / (pose.sourceToImageMm - kAirKermaLimitFromReceptorMm);
        const double rateGyPerMin = e.referenceAirKermaGy * atLimitPoint * atLimitPoint * mode.pulsesPerSecond * 60.0;
        if (rateGyPerMin > mode.airKermaRateLimitGyPerMin) {
            const double f = mode.airKermaRateLimitGyPerMin / rateGyPerMin;
            e.referenceAirKermaGy *= f;
            e.detectorKermaGy *= f;
        }
    }
    const double scale = irpDistance / pose.sourceToImageMm;
    e.fieldAreaAtIrpCm2 = pose.detectorWidthMm * pose.collimationX * scale * pose.detectorHeightMm *
                          pose.collimationY * scale / 100.0;
    e.kermaAreaProductGyCm2 = e.referenceAirKermaGy * e.fieldAreaAtIrpCm2;
    return e;
}

void DoseReport::addPulse(double timeS, const CArmPose& pose, const FluoroMode& mode, const PulseExposure& e) {
    const double interval = 1.0 / mode.pulsesPerSecond;
    const bool sameRun = !runs.empty() && runs.back().mode == mode.name &&
                         runs.back().laoDeg == pose.laoDeg && runs.back().cranDeg == pose.cranDeg &&
                         timeS - (runs.back().startS + runs.back().durationS) <= 1.5 * interval;
    if (!sameRun) {
        RunRecord r;
        r.mode = mode.name;
        r.startS = timeS;
        r.laoDeg = pose.laoDeg;
        r.cranDeg = pose.cranDeg;
        r.kVp = e.kVp;
        runs.push_back(r);
    }
    RunRecord& r = runs.back();
    r.durationS = timeS - r.startS + interval;
    r.pulses += 1;
    r.referenceAirKermaGy += e.referenceAirKermaGy;
    r.kermaAreaProductGyCm2 += e.kermaAreaProductGyCm2;
    referenceAirKermaGy += e.referenceAirKermaGy;
    kermaAreaProductGyCm2 += e.kermaAreaProductGyCm2;
    if (mode.countsAsFluoroscopyTime) fluoroscopyTimeS += interval;
}

CtDose ctDose(const CtScan& scan) {
    CtDose d;
    d.ctdiVolGy = scan.ctdiwPer100mAsGy * scan.mAsPerRotation / 100.0 / scan.pitch;
    d.dlpGyCm = d.ctdiVolGy * scan.rangeMm / 10.0;
    d.effectiveDoseSv = 0.015 * d.dlpGyCm;  // 0.015 mSv per mGy*cm is 0.015 Sv per Gy*cm
    return d;
}

const BodyOutline::Slice* BodyOutline::sliceAt(double zMm) const {
    if (slices.empty() || !(sliceSpacingMm > 0.0)) return nullptr;
    const double first = slices.front().zMm, step = slices.size() > 1 ? slices[1].zMm - first : sliceSpacingMm;
    const long k = std::lround((zMm - first) / step);
    if (k < 0 || k >= static_cast<long>(slices.size())) return nullptr;
    const Slice& s = slices[static_cast<size_t>(k)];
    return s.semiAxes.x > 0.0 ? &s : nullptr;
}

bool BodyOutline::inside(const glm::dvec3& p) const {
    const Slice* s = sliceAt(p.z);
    if (!s) return false;
    const double u = (p.x - s->centre.x) / s->semiAxes.x, v = (p.y - s->centre.y) / s->semiAxes.y;
    return u * u + v * v <= 1.0;
}

BodyOutline bodyOutlineOf(const patient::CtVolume& ct, const patient::LabelMap* labels, int thresholdHu) {
    return bodyOutlineOf(ct, labels, patient::irsimMaterials(), thresholdHu);
}

BodyOutline bodyOutlineOf(const patient::CtVolume& ct, const patient::LabelMap* labels,
                          const patient::MaterialTable& materials, int thresholdHu) {
    const auto& g = ct.geometry;
    if (labels && labels->voxels.size() != ct.voxels.size()) labels = nullptr;
    std::vector<uint8_t> outside(65536, 0);
    for (const auto& [label, m] : materials.rows()) outside[label] = m.outsideBody ? 1 : 0;
    BodyOutline out;
    out.sliceSpacingMm = std::abs((g.direction * glm::dvec3(0.0, 0.0, g.spacing.z)).z);
    for (int k = 0; k < g.dims.z; ++k) {
        double n = 0.0, sx = 0.0, sy = 0.0, sxx = 0.0, syy = 0.0;
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                const size_t idx = g.index(i, j, k);
                if (ct.voxels[idx] <= thresholdHu) continue;
                if (labels && outside[labels->voxels[idx]]) continue;
                const glm::dvec3 p = g.voxelToPatient({i, j, k});
                n += 1.0, sx += p.x, sy += p.y, sxx += p.x * p.x, syy += p.y * p.y;
            }
        BodyOutline::Slice s;
        s.zMm = g.voxelToPatient({0.0, 0.0, double(k)}).z;
        if (n >= 16.0) {
            s.centre = {sx / n, sy / n};
            s.semiAxes = {2.0 * std::sqrt(std::max(0.0, sxx / n - s.centre.x * s.centre.x)),
                          2.0 * std::sqrt(std::max(0.0, syy / n - s.centre.y * s.centre.y))};
        }
        out.slices.push_back(s);
    }
    return out;
}

SkinDoseMap::SkinDoseMap(BodyOutline outline, SkinDoseSettings settings)
    : outline_(std::move(outline)), settings_(settings) {
    double lo = 1e300, hi = -1e300;
    for (const auto& s : outline_.slices) lo = std::min(lo, s.zMm), hi = std::max(hi, s.zMm);
    if (outline_.slices.empty()) lo = hi = 0.0;
    zMin_ = lo - 0.5 * outline_.sliceSpacingMm;
    binsZ_ = std::max(1, static_cast<int>(std::ceil((hi - lo + outline_.sliceSpacingMm) / settings_.binZMm)));
    dose_.assign(static_cast<size_t>(binsZ_) * settings_.binsAround, 0.0);
}

const SkinDoseMap::Footprint& SkinDoseMap::footprint(const CArmPose& pose) {
    for (size_t i = 0; i < footprints_.size(); ++i)
        if (sameGeometry(footprints_[i].pose, pose)) return footprints_[i];
    if (footprints_.size() >= 4) footprints_.erase(footprints_.begin());
    footprints_.push_back({pose, {}});
    std::vector<Hit>& hits = footprints_.back().hits;
    const CArmFrame f = frameOf(pose);
    const double irpDistance = pose.sourceToIsocentreMm - 150.0;
    const int n = settings_.raysAcross;
    // Per bin: sum of factors, rays, and whether the beam crossed the table there.
    std::map<size_t, std::pair<double, int>> bins;
    std::map<size_t, bool> table;
    for (int r = 0; r < n; ++r)
        for (int c = 0; c < n; ++c) {
            const glm::dvec3 target =
                f.detectorCentre +
                f.imageRight * (((c + 0.5) / n - 0.5) * pose.detectorWidthMm * pose.collimationX) +
                f.imageUp * ((0.5 - (r + 0.5) / n) * pose.detectorHeightMm * pose.collimationY);
            const glm::dvec3 dir = glm::normalize(target - f.source);
            // First point inside the body, then bisection to 0.01 mm.
            double t = 0.0, hit = -1.0;
            for (; t <= pose.sourceToImageMm; t += settings_.marchStepMm)
                if (outline_.inside(f.source + dir * t)) {
                    hit = t;
                    break;
                }
            if (hit < 0.0) continue;
            double a = std::max(0.0, hit - settings_.marchStepMm), b = hit;
            for (int it = 0; it < 12; ++it) {
                const double m = 0.5 * (a + b);
                (outline_.inside(f.source + dir * m) ? b : a) = m;
            }
            const glm::dvec3 skin = f.source + dir * b;
            const BodyOutline::Slice* s = outline_.sliceAt(skin.z);
            if (!s) continue;
            const int zBin = static_cast<int>(std::floor((skin.z - zMin_) / settings_.binZMm));
            double angle = std::atan2(skin.y - s->centre.y, skin.x - s->centre.x);
            if (angle < 0.0) angle += 2.0 * kPi;
            const int aBin = std::min(settings_.binsAround - 1,
                                      static_cast<int>(angle / (2.0 * kPi) * settings_.binsAround));
            if (zBin < 0 || zBin >= binsZ_) continue;
            const size_t bin = static_cast<size_t>(zBin) * settings_.binsAround + aBin;
            const double isf = (irpDistance / b) * (irpDistance / b);
            auto& e = bins[bin];
            e.first += isf * settings_.backscatterFactor * settings_.tissueToAirMuEn;
            e.second += 1;
            // The table top lies under the patient's back (the slice's posterior extent): the beam
            // crosses it before the skin when the focal spot is below it.
            table[bin] = table[bin] || f.source.y > s->centre.y + s->semiAxes.y;
        }
    for (const auto& [bin, sum] : bins) hits.push_back({bin, sum.first / sum.second, table[bin]});
    return footprints_.back();
}

void SkinDoseMap::addPulse(const CArmPose& pose, const PulseExposure& exposure, const BeamPath& path) {
    for (const Hit& h : footprint(pose).hits)
        dose_[h.bin] += exposure.referenceAirKermaGy * h.factor * (h.crossesTable ? path.tableTransmission : 1.0);
}

double SkinDoseMap::peakSkinDoseGy() const {
    return dose_.empty() ? 0.0 : *std::max_element(dose_.begin(), dose_.end());
}

double SkinDoseMap::peakZMm() const {
    const size_t i = static_cast<size_t>(std::max_element(dose_.begin(), dose_.end()) - dose_.begin());
    return zMin_ + (static_cast<double>(i / settings_.binsAround) + 0.5) * settings_.binZMm;
}

double SkinDoseMap::peakAngleDeg() const {
    const size_t i = static_cast<size_t>(std::max_element(dose_.begin(), dose_.end()) - dose_.begin());
    return (static_cast<double>(i % settings_.binsAround) + 0.5) * 360.0 / settings_.binsAround;
}

}  // namespace irsim::imaging
