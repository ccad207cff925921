// Fluoroscopy images against Beer-Lambert contrast computed here from the NIST tables, Poisson
// noise, the display look and determinism.
#include <catch2/catch.hpp>

#include <cmath>
#include <functional>

#include "imaging/fluoroscope.h"
#include "imaging/spectrum.h"
#include "patient/phantom.h"

using namespace irsim;
using namespace irsim::imaging;

namespace {

// A CT of `sizeMm` (x, y, z) centred on the origin, HU from a function of the voxel centre.
patient::CtVolume boxCt(glm::dvec3 sizeMm, double voxelMm, const std::function<int(const glm::dvec3&)>& hu) {
    patient::VolumeGeometry g;
    g.dims = glm::ivec3(glm::round(sizeMm / voxelMm));
    g.spacing = glm::dvec3(voxelMm);
    g.origin = -0.5 * (glm::dvec3(g.dims) - 1.0) * voxelMm;
    patient::CtVolume ct;
    ct.allocate(g);
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) ct.at(i, j, k) = static_cast<int16_t>(hu(g.voxelToPatient({i, j, k})));
    return ct;
}

// 200 mm of soft tissue (40 HU: 1.05 g/cm^3 of ICRU muscle by the rule of tissue.h) front to back.
patient::CtVolume softSlab() { return boxCt({320, 200, 320}, 4.0, [](const glm::dvec3&) { return 40; }); }

CArmPose apPose() {
    CArmPose p;  // AP, SAD 750, SID 1100, 300 x 300 mm
    p.isocentre = {0, 0, 0};
    return p;
}

FluoroSettings physicsOnly(double kVp) {
    FluoroSettings s;
    s.kVp = kVp;
    s.noise = false;
    s.scatter = false;
    s.edgeGain = 0.0;
    return s;
}

// Polyenergetic transmission computed here: the normalised 5 keV spectrum through soft tissue and
// one more material, g/cm^2 each.
double transmissionHere(double kVp, double softGcm2, Material extra, double extraGcm2) {
    const Spectrum s = rebinned(tubeSpectrum(kVp), 5.0);
    double total = 0.0, t = 0.0;
    for (size_t i = 0; i < s.keV.size(); ++i) {
        total += s.photons[i];
        t += s.photons[i] * std::exp(-massAttenuation(Material::SoftTissue, s.keV[i]) * softGcm2 -
                                     massAttenuation(extra, s.keV[i]) * extraGcm2);
    }
    return t / total;
}

glm::dvec3 rayDirection(const FluoroscopeView& v, int c, int r) {
    return glm::normalize(detectorPixelCentre(v.frame(), v.pose(), v.grid(), c, r) - v.frame().source);
}

// The chord of a ray through the centre line of an infinite cylinder along unit `axis`.
double diameterChord(const glm::dvec3& dir, const glm::dvec3& axis, double radius) {
    const double along = glm::dot(dir, axis);
    return 2.0 * radius / std::sqrt(1.0 - along * along);
}

}  // namespace

TEST_CASE("the tissue rule gives ICRU-44 densities at its reference HU values", "[imaging][fluoro][tissue]") {
    const auto soft = voxelComposition(40, TissueClass::ByHu);
    CHECK(soft.basis[0] == Approx(1.05));
    CHECK(soft.basis[1] == 0.0f);
    const auto fat = voxelComposition(-100, TissueClass::ByHu);
    CHECK(fat.basis[1] == Approx(0.95));
    CHECK(fat.basis[0] == Approx(0.0).margin(1e-6));
    const auto cortical = voxelComposition(1500, TissueClass::Bone);
    CHECK(cortical.basis[2] == Approx(1.92));
    // Cancellous bone (250 HU) is ~14% cortical bone by volume in soft tissue.
    const auto cancellous = voxelComposition(250, TissueClass::Bone);
    CHECK(cancellous.basis[2] == Approx(1.92 * 210.0 / 1460.0));
    CHECK(cancellous.basis[0] == Approx(1.05 * (1.0 - 210.0 / 1460.0)));
    // An enhanced aorta (250 HU, labelled) stays soft tissue; unlabelled it would read as bone.
    const auto aorta = voxelComposition(250, tissueClassOfLabel(52));
    CHECK(aorta.basis[2] == 0.0f);
    CHECK(aorta.basis[0] == Approx(1.26));
    // Inflated lung at -850 HU: ~0.16 g/cm^3 (whole lung 0.26 g/cm^3 with its vessels, ICRU-44).
    CHECK(voxelComposition(-850, TissueClass::ByHu).basis[0] == Approx(0.0012 + 150.0 / 900.0 * (0.95 - 0.0012)).epsilon(1e-4));
    CHECK(tissueClassOfLabel(31) == TissueClass::Bone);   // vertebrae_L1
    CHECK(tissueClassOfLabel(117) == TissueClass::SoftTissue);  // costal cartilage
}

TEST_CASE("the view's water path is the water-equivalent DRR, and its soft-tissue path is the slab's mass", "[imaging][fluoro]") {
    const auto ct = softSlab();
    const CArmPose pose = apPose();
    const DetectorGrid grid{33, 33};
    const FluoroscopeView view(ct, nullptr, pose, grid, physicsOnly(80));
    const GreyImage w = waterEquivalentPathImage(ct, pose, grid);
    for (int r = 0; r < grid.rows; r += 4)
        for (int c = 0; c < grid.cols; c += 4) {
            CHECK(view.waterMm(c, r) == w.at(c, r));
            // The ray crosses y = -100..100 mm: 200 / |dir.y| mm of 1.05 g/cm^3.
            const double chordCm = 20.0 / std::abs(rayDirection(view, c, r).y);
            CHECK(view.basisPath(0, c, r) == Approx(1.05 * chordCm).epsilon(1e-6));
        }
}

TEST_CASE("a steel wire is darker than the soft tissue around it by the Beer-Lambert contrast", "[imaging][fluoro]") {
    const auto ct = softSlab();
    const DetectorGrid grid{65, 65};  // odd: the middle row's rays pass through the wire's axis
    const FluoroscopeView view(ct, nullptr, apPose(), grid, physicsOnly(80));
    FrameContents wire;
    wire.paths.push_back(needle({-200, 0, 0}, {200, 0, 0}, 20.0));  // 20 G, 0.455 mm radius
    FluoroStages with, without;
    composeFluoroImage(view, wire, FluoroMode::fluoroNormal(), 1, &with);
    composeFluoroImage(view, {}, FluoroMode::fluoroNormal(), 1, &without);
    for (int c : {10, 32, 50}) {
        const int r = 32;
        const glm::dvec3 d = rayDirection(view, c, r);
        const double soft = 1.05 * 20.0 / std::abs(d.y);
        const double steel = 7.9 * 0.1 * diameterChord(d, {1, 0, 0}, 0.455);
        const double expected = -std::log(transmissionHere(80, soft, Material::Steel, steel) /
                                          transmissionHere(80, soft, Material::Steel, 0.0));
        const double measured = with.logSignal.at(c, r) - without.logSignal.at(c, r);
        INFO("column " << c << ": log contrast " << measured << ", Beer-Lambert " << expected);
        CHECK(measured == Approx(expected).epsilon(0.005));
        CHECK(with.display.at(c, r) < without.display.at(c, r) - 0.05f);
        // Two rows away the rays miss the wire.
        CHECK(with.logSignal.at(c, r + 2) == without.logSignal.at(c, r + 2));
    }
}

TEST_CASE("an iodine-filled 6 mm vessel at 150 mg/ml shows the analytic contrast with scatter", "[imaging][fluoro]") {
    const auto ct = softSlab();
    const DetectorGrid grid{65, 65};
    FluoroSettings s = physicsOnly(70);
    s.scatter = true;
    const FluoroscopeView view(ct, nullptr, apPose(), grid, s);
    FrameContents vessel;
    vessel.paths.push_back(contrastInVessel({{0, 0, -150}, {0, 0, 150}}, 3.0, 150.0));
    FluoroStages st;
    composeFluoroImage(view, vessel, FluoroMode::fluoroNormal(), 1, &st);
    const int c = 32;
    for (int r : {16, 32, 48}) {
        const glm::dvec3 d = rayDirection(view, c, r);
        const double soft = 1.05 * 20.0 / std::abs(d.y);
        const double iodine = 0.150 * 0.1 * diameterChord(d, {0, 0, 1}, 3.0);
        const double tBackground = transmissionHere(70, soft, Material::Iodine, 0.0);
        const double tVessel = transmissionHere(70, soft, Material::Iodine, iodine);
        // Scatter from 20 cm of water-equivalent tissue (the slab is 1.05 g/cm^3 at 40 HU: 20.8 cm)
        // in the full 300 x 300 mm field (204.5 mm at the isocentre), behind the grid.
        const double fieldSide = 30.0 * 750.0 / 1100.0;
        const double water = 20.8 / std::abs(d.y);
        const double spr = 0.25 * water * (1.0 - std::exp(-fieldSide / 10.0)) * 0.12 / 0.70;
        const double expected = (tBackground - tVessel) / (tBackground * (1.0 + spr));
        const double n0 = 1.0;  // contrast is a ratio of quanta: N0 cancels
        const double background = n0 * (view.transmission(c, r) + view.scatter(c, r));
        const double measured = (background - n0 * (st.primaryTransmission.at(c, r) + view.scatter(c, r))) / background;
        INFO("row " << r << ": contrast " << measured << ", analytic " << expected << ", SPR " << spr);
        CHECK(measured == Approx(expected).epsilon(0.03));
        CHECK(measured > 0.1);  // clearly visible
    }
}

TEST_CASE("quantum noise variance falls as 1/dose per pulse (Poisson)", "[imaging][fluoro][noise]") {
    const auto ct = softSlab();
    const DetectorGrid grid{129, 129};
    FluoroSettings s = physicsOnly(80);
    s.scatter = true;
    s.noise = true;
    const FluoroscopeView view(ct, nullptr, apPose(), grid, s);
    double primary = 0.0;
    auto variance = [&](const FluoroMode& mode, double& meanQuanta) {
        FluoroStages noisy;
        composeFluoroImage(view, {}, mode, 7, &noisy);
        const double n0 = mode.detectorKermaPerPulseGy * view.quantaPerGy();
        double sum = 0.0, sum2 = 0.0, q = 0.0;
        primary = 0.0;
        int n = 0;
        for (int r = 24; r < 105; ++r)
            for (int c = 24; c < 105; ++c) {
                const double expected = -std::log(view.transmission(c, r) + view.scatter(c, r));
                const double dev = noisy.logSignal.at(c, r) - expected;
                sum += dev, sum2 += dev * dev, q += n0 * (view.transmission(c, r) + view.scatter(c, r));
                primary += n0 * view.transmission(c, r);
                ++n;
            }
        meanQuanta = q / n;
        primary /= n;
        return sum2 / n - (sum / n) * (sum / n);
    };
    double qFluoro = 0.0, qCine = 0.0;
    const double vFluoro = variance(FluoroMode::fluoroNormal(), qFluoro);
    const double vCine = variance(FluoroMode::cine(), qCine);
    const double primaryCine = primary;
    INFO("quanta per pixel: fluoro " << qFluoro << ", cine " << qCine << "; variance " << vFluoro << ", " << vCine);
    // Var(ln N) = 1 / N for Poisson N.
    CHECK(vFluoro == Approx(1.0 / qFluoro).epsilon(0.06));
    CHECK(vCine == Approx(1.0 / qCine).epsilon(0.06));
    CHECK(vFluoro / vCine == Approx(200.0 / 36.0).epsilon(0.08));
    // 200 nGy per frame behind 20 cm of tissue at 80 kVp (mean energy ~55 keV, air kerma per
    // quantum ~2.9e-13 Gy cm^2 from NIST mu_en/rho of air): ~7e5 primary quanta per cm^2.
    const double pixelCm2 = (30.0 / 129.0) * (30.0 / 129.0);
    INFO("cine primary quanta per cm^2 " << primaryCine / pixelCm2);
    CHECK(primaryCine / pixelCm2 > 5e5);
    CHECK(primaryCine / pixelCm2 < 9e5);
}

TEST_CASE("bone is darker than soft tissue, which is darker than lung, with contrast and metal darkest", "[imaging][fluoro][display]") {
    // Soft-tissue body with a lung column (x < -40), a bone block (|x| < 20) and soft tissue (x > 40).
    const auto ct = boxCt({320, 200, 320}, 4.0, [](const glm::dvec3& p) {
        if (p.x < -40 && std::abs(p.y) < 60) return -800;
        if (std::abs(p.x) < 20 && std::abs(p.y) < 20) return 700;
        return 40;
    });
    FluoroSettings s;
    s.noise = false;
    const FluoroscopeView view(ct, nullptr, apPose(), {64, 64}, s);
    FrameContents frame;
    frame.spheres.push_back(contrastBlob({75, 0, 40}, 6.0, 300.0));
    frame.paths.push_back(needle({60, -150, -40}, {60, 0, -40}, 11.0));
    const GreyImage img = composeFluoroImage(view, frame, FluoroMode::fluoroNormal(), 3);
    auto column = [&](double xMm) {  // mean display grey of a 3-pixel-wide column, z in +-20 mm
        const int c = static_cast<int>(std::lround((xMm * 1100.0 / 750.0 / 300.0 + 0.5) * 64 - 0.5));
        double sum = 0.0;
        for (int r = 29; r <= 34; ++r)
            for (int dc = -1; dc <= 1; ++dc) sum += img.at(c + dc, r);
        return sum / 18.0;
    };
    const double lung = column(-70), bone = column(0), soft = column(75);
    INFO("lung " << lung << ", soft " << soft << ", bone " << bone);
    CHECK(lung > soft + 0.15);
    CHECK(soft > bone + 0.1);
    auto at = [&](double x, double z) {
        const int c = static_cast<int>(std::lround((x * 1100.0 / 750.0 / 300.0 + 0.5) * 64 - 0.5));
        const int r = static_cast<int>(std::lround((0.5 - z * 1100.0 / 750.0 / 300.0) * 64 - 0.5));
        return img.at(c, r);
    };
    CHECK(at(75, 40) < at(75, 0) - 0.1);   // the contrast blob
    CHECK(at(60, -40) < at(75, 0) - 0.2);  // the trocar, end-on
}

TEST_CASE("collimator shutters are black and the open field is not", "[imaging][fluoro][display]") {
    const auto ct = softSlab();
    CArmPose pose = apPose();
    pose.collimationX = 0.5;
    pose.collimationY = 0.75;
    FluoroSettings s;
    const FluoroscopeView view(ct, nullptr, pose, {40, 40}, s);
    const GreyImage img = composeFluoroImage(view, {}, FluoroMode::fluoroNormal(), 5);
    int open = 0;
    for (int r = 0; r < 40; ++r)
        for (int c = 0; c < 40; ++c) {
            const bool inside = std::abs((c + 0.5) / 40 - 0.5) <= 0.25 && std::abs((r + 0.5) / 40 - 0.5) <= 0.375;
            if (!inside) CHECK(img.at(c, r) == 0.0f);
            else open += img.at(c, r) > 0.1f;
        }
    CHECK(open == 20 * 30);
}

TEST_CASE("the same seed gives the same bytes on any number of threads, and another seed other noise", "[imaging][fluoro][determinism]") {
    const auto ct = softSlab();
    FluoroSettings one, two;
    one.threads = 1;
    two.threads = 2;
    FrameContents frame;
    frame.paths.push_back(guidewire({{-50, -20, -60}, {0, 0, 0}, {30, 10, 50}}));
    const FluoroscopeView v1(ct, nullptr, apPose(), {48, 40}, one), v2(ct, nullptr, apPose(), {48, 40}, two);
    const GreyImage a = composeFluoroImage(v1, frame, FluoroMode::fluoroLow(), 42);
    const GreyImage b = composeFluoroImage(v2, frame, FluoroMode::fluoroLow(), 42);
    const GreyImage c = composeFluoroImage(v2, frame, FluoroMode::fluoroLow(), 43);
    CHECK(a.pixels == b.pixels);
    CHECK(a.pixels != c.pixels);
}

TEST_CASE("the fluoroscope keeps its view while the C-arm stands still", "[imaging][fluoro]") {
    patient::Patient p;
    p.ct = softSlab();
    Fluoroscope fluoro;
    CArmPose pose = apPose();
    const DetectorGrid grid{24, 24};
    FrameContents frame;
    const GreyImage first = fluoro.takeImage(p, pose, grid, frame, FluoroMode::fluoroNormal(), 1);
    fluoro.takeImage(p, pose, grid, frame, FluoroMode::fluoroNormal(), 2);
    CHECK(fluoro.viewsBuilt() == 1);
    pose.laoDeg = 10.0;
    fluoro.takeImage(p, pose, grid, frame, FluoroMode::fluoroNormal(), 3);
    CHECK(fluoro.viewsBuilt() == 2);
    CHECK(takeFluoroImage(p, apPose(), grid, frame, FluoroMode::fluoroNormal(), 1).pixels == first.pixels);
}

TEST_CASE("in an AP image of the phantom the spine is the dark band at the midline and L2 darker than the tissue beside it", "[imaging][fluoro][phantom]") {
    patient::PhantomOptions o;
    o.voxelMm = 4.0;
    const patient::Patient p = patient::makePhantom(o);
    CArmPose pose;
    pose.isocentre = p.landmark("vertebrae_L2.body_centre");
    FluoroSettings s;
    s.noise = false;
    const DetectorGrid grid{96, 96};  // 300 mm at the detector: 2.1 mm per pixel at the isocentre
    const GreyImage img = takeFluoroImage(p, pose, grid, {}, FluoroMode::fluoroNormal(), 1, s);
    // Mean grey of each 5-pixel-wide (10 mm) column band over the middle half of the rows.
    int darkest = -1;
    double darkestGrey = 2.0;
    for (int c = 2; c < grid.cols - 2; ++c) {
        double sum = 0.0;
        for (int r = 24; r < 72; ++r)
            for (int dc = -2; dc <= 2; ++dc) sum += img.at(c + dc, r);
        if (sum / 240.0 < darkestGrey) darkestGrey = sum / 240.0, darkest = c;
    }
    const double mmFromMidline = std::abs((darkest + 0.5) / grid.cols - 0.5) * 300.0 * 750.0 / 1100.0;
    INFO("darkest band at column " << darkest << ", " << mmFromMidline << " mm from the midline");
    CHECK(mmFromMidline < 12.0);
    // The L2 body (at the isocentre) is darker than the soft tissue 60 mm to either side of it.
    const int mid = grid.cols / 2, side = static_cast<int>(std::lround(60.0 * 1100.0 / 750.0 / 300.0 * grid.cols));
    CHECK(img.at(mid, mid) < img.at(mid - side, mid));
    CHECK(img.at(mid, mid) < img.at(mid + side, mid));
}

TEST_CASE("a sparse voxel density projects with its whole mass", "[imaging][fluoro][agents]") {
    // 27 voxels of 2 mm holding 0.3 g/cm^3 of BaSO4 (cement): 27 x 8 mm^3 x 0.3 mg/mm^3 = 64.8 mg.
    SparseVoxelDensity cement;
    cement.grid.dims = {10, 10, 10};
    cement.grid.spacing = glm::dvec3(2.0);
    cement.grid.origin = {-9, -9, -9};
    cement.material = Material::BariumSulfate;
    for (int k = 3; k < 6; ++k)
        for (int j = 3; j < 6; ++j)
            for (int i = 3; i < 6; ++i) {
                cement.voxels.push_back({i, j, k});
                cement.gPerCm3.push_back(0.3f);
            }
    FrameContents frame;
    appendAsSpheres(cement, frame);
    REQUIRE(frame.spheres.size() == 27);
    // Near-parallel rays (focal spot 100 m away) on a 0.1 mm grid: sum of g/cm^2 x cm^2 = grams.
    const glm::dvec3 source{0.0, 1e5, 0.0};
    double grams = 0.0;
    for (double z = -12.0; z < 12.0; z += 0.1)
        for (double x = -12.0; x < 12.0; x += 0.1) {
            const glm::dvec3 dir = glm::normalize(glm::dvec3(x + 0.05, -100.0, z + 0.05) - source);
            for (const auto& s : frame.spheres)
                grams += s.gPerCm3 * 0.1 * chordThroughSphere(source, dir, s.centreLps, s.radiusMm) * 1e-4;
        }
    CHECK(grams * 1e3 == Approx(64.8).epsilon(0.01));
}
