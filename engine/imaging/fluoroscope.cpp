#include "imaging/fluoroscope.h"

#include <algorithm>
#include <cmath>

#include "core/rng.h"
#include "imaging/parallel.h"
#include "imaging/raymarch.h"
#include "imaging/spectrum.h"

namespace irsim::imaging {

namespace {

constexpr double kJoulePerKeV = 1.602176634e-16;  // CODATA 2018 (exact)
constexpr int kMaterialCount = static_cast<int>(Material::Count);

const TissueTable& tissueTable() {
    static const TissueTable table;
    return table;
}

struct TissueSums {
    double basis[kTissueBasisCount] = {0.0, 0.0, 0.0};  // g/cm^2
    double waterMm = 0.0;
};

// The drr.h march, reading each stencil corner's composition (fluoroscope.h).
TissueSums marchTissue(const patient::CtVolume& ct, const patient::LabelMap* labels, const LabelClasses& classes,
                       const glm::dvec3& from, const glm::dvec3& to, double stepMm) {
    const TissueTable& table = tissueTable();
    TissueSums sums;
    double basisMm[kTissueBasisCount] = {0.0, 0.0, 0.0};
    marchRay(ct.geometry, from, to, stepMm, [&](const glm::dvec3& q, double lengthMm) {
        const TrilinearStencil s(ct.geometry, q);
        double acc[kTissueBasisCount] = {0.0, 0.0, 0.0};
        double water = 0.0;
        for (int m = 0; m < 8; ++m) {
            const int16_t hu = ct.voxels[s.index[m]];
            const TissueClass cls = labels ? classes[labels->voxels[s.index[m]]] : TissueClass::ByHu;
            const VoxelComposition& v = table.at(hu, cls);
            for (int b = 0; b < kTissueBasisCount; ++b) acc[b] += s.weight[m] * v.basis[b];
            water += s.weight[m] * (1.0 + std::max<double>(hu, -1000.0) / 1000.0);
        }
        for (int b = 0; b < kTissueBasisCount; ++b) basisMm[b] += lengthMm * acc[b];
        sums.waterMm += lengthMm * water;
    });
    for (int b = 0; b < kTissueBasisCount; ++b) sums.basis[b] = basisMm[b] * 0.1;  // g/cm^3 mm -> g/cm^2
    return sums;
}

// Attenuation tables of the view's spectrum: mu[m * bins + i], cm^2/g.
struct SpectrumTables {
    std::vector<double> energy, weight, mu;
    size_t bins() const { return energy.size(); }
    double muOf(int material, size_t i) const { return mu[static_cast<size_t>(material) * bins() + i]; }
};

SpectrumTables spectrumTables(double kVp, const FluoroSettings& settings) {
    const Spectrum s = rebinned(tubeSpectrum(kVp, settings.beam.filtration), settings.spectrumBinKeV);
    SpectrumTables t;
    t.energy = s.keV;
    double total = 0.0;
    for (double n : s.photons) total += n;
    for (double n : s.photons) t.weight.push_back(n / total);
    t.mu.resize(static_cast<size_t>(kMaterialCount) * t.bins());
    for (int m = 0; m < kMaterialCount; ++m)
        for (size_t i = 0; i < t.bins(); ++i)
            t.mu[static_cast<size_t>(m) * t.bins() + i] = massAttenuation(static_cast<Material>(m), t.energy[i]);
    return t;
}

// Stage 1: sum_i phi_i exp(-(sum_b mu_b A_b + sum_k mu_k M_k)); extra may be null.
double primaryTransmission(const SpectrumTables& t, const double basis[kTissueBasisCount], const double* extra) {
    double sum = 0.0;
    for (size_t i = 0; i < t.bins(); ++i) {
        double a = 0.0;
        for (int b = 0; b < kTissueBasisCount; ++b)
            a += t.muOf(static_cast<int>(kTissueBasisMaterial[b]), i) * basis[b];
        if (extra)
            for (int m = 0; m < kMaterialCount; ++m)
                if (extra[m] != 0.0) a += t.muOf(m, i) * extra[m];
        sum += t.weight[i] * std::exp(-a);
    }
    return sum;
}

// Mean over the open-field pixels inside a (2R+1) window, horizontal then vertical, in place.
void boxMeanOpenField(std::vector<float>& img, int cols, int c0, int c1, int r0, int r1, int radius,
                      unsigned threads) {
    if (c1 <= c0 || r1 <= r0 || radius <= 0) return;
    std::vector<float> horizontal(img.size(), 0.0f);
    forEachRow(r1 - r0, [&](int rr) {
        const int r = r0 + rr;
        const size_t row = static_cast<size_t>(r) * cols;
        std::vector<double> prefix(static_cast<size_t>(c1 - c0) + 1, 0.0);
        for (int c = c0; c < c1; ++c) prefix[c - c0 + 1] = prefix[c - c0] + img[row + c];
        for (int c = c0; c < c1; ++c) {
            const int a = std::max(c0, c - radius), b = std::min(c1 - 1, c + radius);
            horizontal[row + c] = static_cast<float>((prefix[b - c0 + 1] - prefix[a - c0]) / (b - a + 1));
        }
    }, threads);
    // Column prefix sums, row by row (serial: the order of additions is fixed).
    const int w = c1 - c0;
    std::vector<double> prefix(static_cast<size_t>(r1 - r0 + 1) * w, 0.0);
    for (int r = r0; r < r1; ++r)
        for (int c = c0; c < c1; ++c)
            prefix[static_cast<size_t>(r - r0 + 1) * w + (c - c0)] =
                prefix[static_cast<size_t>(r - r0) * w + (c - c0)] + horizontal[static_cast<size_t>(r) * cols + c];
    forEachRow(r1 - r0, [&](int rr) {
        const int r = r0 + rr;
        const int a = std::max(r0, r - radius), b = std::min(r1 - 1, r + radius);
        for (int c = c0; c < c1; ++c)
            img[static_cast<size_t>(r) * cols + c] = static_cast<float>(
                (prefix[static_cast<size_t>(b - r0 + 1) * w + (c - c0)] - prefix[static_cast<size_t>(a - r0) * w + (c - c0)]) /
                (b - a + 1));
    }, threads);
}

GreyImage blankImage(const DetectorGrid& g) {
    GreyImage img;
    img.width = g.cols;
    img.height = g.rows;
    img.pixels.assign(static_cast<size_t>(g.cols) * g.rows, 0.0f);
    return img;
}

}  // namespace

bool FluoroscopeView::isOpen(int c, int r) const { return c >= c0_ && c < c1_ && r >= r0_ && r < r1_; }

FluoroscopeView::FluoroscopeView(const patient::CtVolume& ct, const patient::LabelMap* labels,
                                 const CArmPose& pose, const DetectorGrid& grid, const FluoroSettings& settings)
    : FluoroscopeView(ct, labels, patient::irsimMaterials(), pose, grid, settings) {}

FluoroscopeView::FluoroscopeView(const patient::CtVolume& ct, const patient::LabelMap* labels,
                                 const patient::MaterialTable& materials, const CArmPose& pose,
                                 const DetectorGrid& grid, const FluoroSettings& settings)
    : pose_(pose), grid_(grid), frame_(frameOf(pose)), settings_(settings) {
    const LabelClasses classes(materials);
    if (labels && labels->voxels.size() != ct.voxels.size()) labels = nullptr;
    const size_t n = static_cast<size_t>(grid.cols) * grid.rows;
    for (auto& b : basis_) b.assign(n, 0.0f);
    water_.assign(n, 0.0f);
    transmission_.assign(n, 0.0f);
    scatter_.assign(n, 0.0f);

    // Open field (stage 7): a centred rectangle of pixels.
    c0_ = grid.cols, c1_ = 0, r0_ = grid.rows, r1_ = 0;
    for (int c = 0; c < grid.cols; ++c)
        if (std::abs((c + 0.5) / grid.cols - 0.5) <= 0.5 * pose.collimationX) c0_ = std::min(c0_, c), c1_ = c + 1;
    for (int r = 0; r < grid.rows; ++r)
        if (std::abs((r + 0.5) / grid.rows - 0.5) <= 0.5 * pose.collimationY) r0_ = std::min(r0_, r), r1_ = r + 1;
    if (c1_ <= c0_ || r1_ <= r0_) c0_ = c1_ = r0_ = r1_ = 0;

    // The anatomy along every open pixel's ray.
    forEachRow(grid.rows, [&](int r) {
        if (r < r0_ || r >= r1_) return;
        for (int c = c0_; c < c1_; ++c) {
            const TissueSums s = marchTissue(ct, labels, classes, frame_.source,
                                             detectorPixelCentre(frame_, pose_, grid_, c, r), settings.stepMm);
            for (int b = 0; b < kTissueBasisCount; ++b) basis_[b][idx(c, r)] = static_cast<float>(s.basis[b]);
            water_[idx(c, r)] = static_cast<float>(s.waterMm);
        }
    }, settings.threads);

    // The AEC: kVp from the central ray, and the quanta that give its detector kerma.
    const TissueSums central = marchTissue(ct, labels, classes, frame_.source, frame_.detectorCentre, settings.stepMm);
    centralWaterMm_ = central.waterMm;
    kVp_ = settings.kVp > 0.0 ? settings.kVp : aecKvp(centralWaterMm_);
    const SpectrumTables tables = spectrumTables(kVp_, settings);
    energy_ = tables.energy;
    weight_ = tables.weight;
    double transmitted = 0.0, kerma = 0.0;
    for (size_t i = 0; i < tables.bins(); ++i) {
        double a = 0.0;
        for (int b = 0; b < kTissueBasisCount; ++b)
            a += tables.muOf(static_cast<int>(kTissueBasisMaterial[b]), i) * central.basis[b];
        const double q = tables.weight[i] * std::exp(-a);
        transmitted += q;
        // Air kerma per quantum per cm^2: E mu_en/rho(air), J/keV, g/kg (Gy cm^2).
        kerma += q * tables.energy[i] * kJoulePerKeV * airMassEnergyAbsorption(tables.energy[i]) * 1000.0;
    }
    const double pixelAreaCm2 = pose.detectorWidthMm / grid.cols * pose.detectorHeightMm / grid.rows / 100.0;
    const double kermaPerQuantum = kerma / transmitted;
    quantaPerGy_ = pixelAreaCm2 / kermaPerQuantum / transmitted;

    // Primary transmission of the anatomy.
    forEachRow(grid.rows, [&](int r) {
        for (int c = c0_; c < c1_ && r >= r0_ && r < r1_; ++c) {
            const double a[kTissueBasisCount] = {basis_[0][idx(c, r)], basis_[1][idx(c, r)], basis_[2][idx(c, r)]};
            transmission_[idx(c, r)] = static_cast<float>(primaryTransmission(tables, a, nullptr));
        }
    }, settings.threads);

    // Scatter (stage 2).
    if (settings.scatter && c1_ > c0_) {
        const double toIso = pose.sourceToIsocentreMm / pose.sourceToImageMm;
        const double fieldCm2 = pose.detectorWidthMm * (c1_ - c0_) / grid.cols * toIso *
                                pose.detectorHeightMm * (r1_ - r0_) / grid.rows * toIso / 100.0;
        const double perCm = settings.sprPerCmWater *
                             (1.0 - std::exp(-std::sqrt(fieldCm2) / settings.fieldSaturationCm)) *
                             settings.gridScatterTransmission / settings.beam.gridPrimaryTransmission;
        for (int r = r0_; r < r1_; ++r)
            for (int c = c0_; c < c1_; ++c)
                scatter_[idx(c, r)] = static_cast<float>(perCm * (water_[idx(c, r)] / 10.0) * transmission_[idx(c, r)]);
        const int radius = static_cast<int>(std::lround(settings.scatterBlurFraction * grid.cols));
        for (int pass = 0; pass < 2; ++pass)
            boxMeanOpenField(scatter_, grid.cols, c0_, c1_, r0_, r1_, radius, settings.threads);
    }

    // Automatic brightness: the median noiseless log signal of the metering field.
    std::vector<float> metered;
    const int mc0 = c0_ + (c1_ - c0_) / 4, mc1 = c1_ - (c1_ - c0_) / 4;
    const int mr0 = r0_ + (r1_ - r0_) / 4, mr1 = r1_ - (r1_ - r0_) / 4;
    for (int r = mr0; r < mr1; ++r)
        for (int c = mc0; c < mc1; ++c)
            metered.push_back(static_cast<float>(-std::log(std::max(1e-30, double(transmission_[idx(c, r)]) + scatter_[idx(c, r)]))));
    double median = 0.0;
    if (!metered.empty()) {
        std::nth_element(metered.begin(), metered.begin() + metered.size() / 2, metered.end());
        median = metered[metered.size() / 2];
    }
    metered_ = median;
    lo_ = median - settings.windowBelow;
    hi_ = median + settings.windowAbove;
}

GreyImage composeFluoroImage(const FluoroscopeView& view, const FrameContents& frame, const FluoroMode& mode,
                             uint64_t seed, FluoroStages* stages) {
    const DetectorGrid& grid = view.grid();
    const CArmPose& pose = view.pose();
    const CArmFrame& f = view.frame();
    const FluoroSettings& settings = view.settings();
    SpectrumTables tables;
    tables.energy = view.binKeV();
    tables.weight = view.binWeight();
    tables.mu.resize(static_cast<size_t>(kMaterialCount) * tables.bins());
    for (int m = 0; m < kMaterialCount; ++m)
        for (size_t i = 0; i < tables.bins(); ++i)
            tables.mu[static_cast<size_t>(m) * tables.bins() + i] = massAttenuation(static_cast<Material>(m), tables.energy[i]);

    // Footprints: the pixel box each primitive (a path segment or a sphere) can touch.
    struct Footprint {
        int c0, c1, r0, r1;  // inclusive
        const RadiopaquePath* path;
        SegmentPiece piece;  // of a multi-point path
        const RadiopaqueSphere* sphere;
    };
    auto pixelOf = [&](const glm::dvec3& p, double& col, double& row) {
        const glm::dvec3 d = p - f.source;
        const double depth = glm::dot(d, f.beam);
        if (depth <= 1e-6) return false;
        const glm::dvec3 x = f.source + d * (pose.sourceToImageMm / depth) - f.detectorCentre;
        col = (glm::dot(x, f.imageRight) / pose.detectorWidthMm + 0.5) * grid.cols - 0.5;
        row = (0.5 - glm::dot(x, f.imageUp) / pose.detectorHeightMm) * grid.rows - 0.5;
        return true;
    };
    auto boxOf = [&](glm::dvec3 lo, glm::dvec3 hi, Footprint& fp) {
        double cmin = 1e300, cmax = -1e300, rmin = 1e300, rmax = -1e300;
        for (int k = 0; k < 8; ++k) {
            const glm::dvec3 p{(k & 1) ? hi.x : lo.x, (k & 2) ? hi.y : lo.y, (k & 4) ? hi.z : lo.z};
            double c, r;
            if (!pixelOf(p, c, r)) {
                fp.c0 = 0, fp.c1 = grid.cols - 1, fp.r0 = 0, fp.r1 = grid.rows - 1;
                return;
            }
            cmin = std::min(cmin, c), cmax = std::max(cmax, c), rmin = std::min(rmin, r), rmax = std::max(rmax, r);
        }
        fp.c0 = static_cast<int>(std::max(-1.0, std::floor(cmin) - 1.0));
        fp.c1 = static_cast<int>(std::min(double(grid.cols), std::ceil(cmax) + 1.0));
        fp.r0 = static_cast<int>(std::max(-1.0, std::floor(rmin) - 1.0));
        fp.r1 = static_cast<int>(std::min(double(grid.rows), std::ceil(rmax) + 1.0));
    };
    std::vector<Footprint> footprints;
    for (const RadiopaquePath& path : frame.paths) {
        const auto& pts = path.pointsLps;
        for (size_t k = 0; k < segmentCount(path); ++k) {
            const glm::dvec3 a = pts[k], b = pts.size() == 1 ? pts[0] : pts[k + 1];
            Footprint fp{0, 0, 0, 0, &path, {}, nullptr};
            if (pts.size() > 1) {
                fp.piece = segmentPiece(path, k);
                if (!(fp.piece.gPerCm2PerMm > 0.0)) continue;
            }
            // A mitred end leans out up to a radius beyond the segment's end.
            const glm::dvec3 pad(pts.size() == 1 ? path.radiusMm : 2.0 * path.radiusMm);
            boxOf(glm::min(a, b) - pad, glm::max(a, b) + pad, fp);
            footprints.push_back(fp);
        }
    }
    for (const RadiopaqueSphere& s : frame.spheres) {
        Footprint fp{0, 0, 0, 0, nullptr, {}, &s};
        boxOf(s.centreLps - glm::dvec3(s.radiusMm), s.centreLps + glm::dvec3(s.radiusMm), fp);
        footprints.push_back(fp);
    }

    const double n0 = mode.detectorKermaPerPulseGy * view.quantaPerGy();
    const double lnN0 = std::log(n0);
    GreyImage primary = blankImage(grid), quanta = blankImage(grid), logSignal = blankImage(grid);
    forEachRow(grid.rows, [&](int r) {
        if (r < view.openRowBegin() || r >= view.openRowEnd()) return;
        std::vector<const Footprint*> active;
        for (const Footprint& fp : footprints)
            if (r >= fp.r0 && r <= fp.r1) active.push_back(&fp);
        Rng rng = Rng::seeded(seed, static_cast<uint64_t>(r) + 1u);
        for (int c = view.openColBegin(); c < view.openColEnd(); ++c) {
            double extra[kMaterialCount] = {};
            bool touched = false;
            glm::dvec3 dir{0.0};
            for (const Footprint* fp : active) {
                if (c < fp->c0 || c > fp->c1) continue;
                if (!touched && dir == glm::dvec3(0.0))
                    dir = glm::normalize(detectorPixelCentre(f, pose, grid, c, r) - f.source);
                if (fp->path) {
                    const double m = fp->path->pointsLps.size() == 1
                                         ? segmentMassPath(*fp->path, 0, f.source, dir)
                                         : pieceMassPath(fp->piece, f.source, dir);
                    if (m > 0.0) extra[static_cast<int>(fp->path->material)] += m, touched = true;
                } else {
                    const double m = fp->sphere->gPerCm3 * 0.1 *
                                     chordThroughSphere(f.source, dir, fp->sphere->centreLps, fp->sphere->radiusMm);
                    if (m > 0.0) extra[static_cast<int>(fp->sphere->material)] += m, touched = true;
                }
            }
            double t = view.transmission(c, r);
            if (touched) {
                const double a[kTissueBasisCount] = {view.basisPath(0, c, r), view.basisPath(1, c, r),
                                                     view.basisPath(2, c, r)};
                t = static_cast<float>(primaryTransmission(tables, a, extra));
            }
            const double expected = n0 * (t + view.scatter(c, r));
            const double n = settings.noise ? static_cast<double>(rng.poisson(expected)) : expected;
            primary.at(c, r) = static_cast<float>(t);
            quanta.at(c, r) = static_cast<float>(n);
            logSignal.at(c, r) = static_cast<float>(lnN0 - std::log(std::max(n, 1.0)));
        }
    }, settings.threads);

    // Edge enhancement and display.
    const int c0 = view.openColBegin(), c1 = view.openColEnd(), r0 = view.openRowBegin(), r1 = view.openRowEnd();
    std::vector<float> blurred = logSignal.pixels;
    const int radius = settings.edgeRadiusPx > 0
                           ? settings.edgeRadiusPx
                           : std::max(1, static_cast<int>(std::lround(0.012 * grid.cols)));
    if (settings.edgeGain != 0.0) boxMeanOpenField(blurred, grid.cols, c0, c1, r0, r1, radius, settings.threads);
    std::vector<float> large;
    const double median = view.meteredLogSignal();
    if (settings.latitudeCompression != 0.0) {
        large = logSignal.pixels;
        for (float& v : large) v = static_cast<float>(std::clamp<double>(v, view.displayLow(), view.displayHigh()));
        const int r = std::max(1, static_cast<int>(std::lround(settings.latitudeRadiusFraction * grid.cols)));
        boxMeanOpenField(large, grid.cols, c0, c1, r0, r1, r, settings.threads);
    }
    GreyImage display = blankImage(grid);
    const double lo = view.displayLow(), span = view.displayHigh() - view.displayLow();
    forEachRow(grid.rows, [&](int r) {
        if (r < r0 || r >= r1) return;
        for (int c = c0; c < c1; ++c) {
            const double s = logSignal.at(c, r);
            const size_t i = static_cast<size_t>(r) * grid.cols + c;
            double sharp = s + settings.edgeGain * (s - blurred[i]);
            if (!large.empty()) sharp -= settings.latitudeCompression * (large[i] - median);
            const double g = 1.0 - std::clamp((sharp - lo) / span, 0.0, 1.0);
            display.at(c, r) = static_cast<float>(std::round(g * 255.0) / 255.0);
        }
    }, settings.threads);

    if (stages) {
        stages->primaryTransmission = std::move(primary);
        stages->quanta = std::move(quanta);
        stages->logSignal = std::move(logSignal);
        stages->display = display;
    }
    return display;
}

GreyImage takeFluoroImage(const patient::Patient& patient, const CArmPose& pose, const DetectorGrid& grid,
                          const FrameContents& frame, const FluoroMode& mode, uint64_t seed,
                          const FluoroSettings& settings) {
    const FluoroscopeView view(patient.ct, &patient.labels, patient::materialsOf(patient), pose, grid, settings);
    return composeFluoroImage(view, frame, mode, seed);
}

namespace {
bool sameSettings(const FluoroSettings& a, const FluoroSettings& b) {
    return a.stepMm == b.stepMm && a.kVp == b.kVp && a.spectrumBinKeV == b.spectrumBinKeV &&
           a.beam.tableTransmission == b.beam.tableTransmission &&
           a.beam.gridPrimaryTransmission == b.beam.gridPrimaryTransmission &&
           a.beam.filtration.aluminiumMm == b.beam.filtration.aluminiumMm &&
           a.beam.filtration.copperMm == b.beam.filtration.copperMm && a.scatter == b.scatter &&
           a.noise == b.noise && a.sprPerCmWater == b.sprPerCmWater && a.fieldSaturationCm == b.fieldSaturationCm &&
           a.gridScatterTransmission == b.gridScatterTransmission &&
           a.scatterBlurFraction == b.scatterBlurFraction && a.edgeGain == b.edgeGain &&
           a.edgeRadiusPx == b.edgeRadiusPx && a.latitudeCompression == b.latitudeCompression &&
           a.latitudeRadiusFraction == b.latitudeRadiusFraction && a.windowBelow == b.windowBelow && a.windowAbove == b.windowAbove &&
           a.threads == b.threads;
}
}  // namespace

GreyImage Fluoroscope::takeImage(const patient::Patient& patient, const CArmPose& pose, const DetectorGrid& grid,
                                 const FrameContents& frame, const FluoroMode& mode, uint64_t seed,
                                 const FluoroSettings& settings, FluoroStages* stages) {
    if (!view_ || patient_ != &patient || !sameGeometry(view_->pose(), pose) || view_->grid().cols != grid.cols ||
        view_->grid().rows != grid.rows || !sameSettings(view_->settings(), settings)) {
        view_ = std::make_unique<FluoroscopeView>(patient.ct, &patient.labels, patient::materialsOf(patient), pose,
                                                  grid, settings);
        patient_ = &patient;
        ++viewsBuilt_;
    }
    return composeFluoroImage(*view_, frame, mode, seed, stages);
}

}  // namespace irsim::imaging
