#include <cmath>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "imaging/ct_slice.h"
#include "sim/frames.h"
#include "sim/session.h"
#include "synthetic_patient.h"

using namespace irsim;

namespace {

const char* kScenario = R"(
[scenario]
title = "Imaging modes"
procedure = "carm-positioning"
target = "vertebrae_L1"

[patient.phantom]
seed = 5

[carm]
lao_deg = 0
cran_deg = 0

[[goal.view]]
name = "ap"
lao_deg = 0

[[rubric.metric]]
name = "fluoro_time_s"
unit = "s"
full_marks_at = 1
zero_at = 10
)";

// The water cylinder with bone (1000 HU) in its vertebrae_L1 cube and an artery that runs head to
// feet at x = -30 mm in front of nothing but water: 60 mm long, 3 mm lumen, 300 ml/min.
std::shared_ptr<patient::Patient> patientWithArtery() {
    auto p = test::cylinderPatient();
    const auto& g = p->ct.geometry;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i)
                if (p->labels.at(i, j, k) == 31) p->ct.at(i, j, k) = 1000;
    patient::VesselTree t;
    t.name = "arterial";
    for (int n = 0; n <= 6; ++n) {
        patient::VesselNode v;
        v.position = {-30.0, 0.0, 30.0 - 10.0 * n};
        v.parent = n - 1;
        v.radiusMm = 3.0;
        v.flowMlPerMin = 300.0;
        v.branch = "test_artery";
        t.nodes.push_back(v);
    }
    p->vessels.push_back(t);
    return p;
}

sim::Action act(double t, const std::string& kind, nlohmann::json args = nlohmann::json::object()) {
    return {t, kind, std::move(args), "", 0};
}

// Detector pixel (column, row) of a point, as imaging/fluoroscope.h projects it.
glm::dvec2 pixelOf(const imaging::CArmPose& pose, const glm::dvec3& p) {
    const imaging::CArmFrame f = imaging::frameOf(pose);
    const glm::dvec3 d = p - f.source;
    const glm::dvec3 x = f.source + d * (pose.sourceToImageMm / glm::dot(d, f.beam)) - f.detectorCentre;
    return {(glm::dot(x, f.imageRight) / pose.detectorWidthMm + 0.5) * sim::kReportImagePixels - 0.5,
            (0.5 - glm::dot(x, f.imageUp) / pose.detectorHeightMm) * sim::kReportImagePixels - 0.5};
}

// Mean and standard deviation of a (2h+1)^2 box of pixels.
std::pair<double, double> boxStats(const GreyImage& img, glm::dvec2 at, int h) {
    double s = 0.0, s2 = 0.0;
    int n = 0;
    for (int r = static_cast<int>(std::lround(at.y)) - h; r <= static_cast<int>(std::lround(at.y)) + h; ++r)
        for (int c = static_cast<int>(std::lround(at.x)) - h; c <= static_cast<int>(std::lround(at.x)) + h; ++c) {
            const double v = img.at(c, r);
            s += v, s2 += v * v, ++n;
        }
    const double mean = s / n;
    return {mean, std::sqrt(std::max(0.0, s2 / n - mean * mean))};
}

struct Rendered {
    std::vector<GreyImage> images;
};

// Plays a log with every image rendered as it is taken.
std::unique_ptr<sim::Session> play(const std::vector<sim::Action>& log, Rendered& out,
                                   const std::string& scenario = kScenario) {
    auto s = std::make_unique<sim::Session>(sim::parseScenario(scenario, "test.toml"), patientWithArtery());
    auto renderer = std::make_shared<sim::ImageRenderer>();
    s->setImageSink([renderer, &out](const sim::Session& session, size_t index) {
        out.images.resize(index + 1);
        out.images[index] = renderer->render(session, index);
    });
    s->play(log);
    return s;
}

std::vector<sim::Action> dsaLog() {
    return {act(0.5, "dsa.run", {{"fps", 2}, {"duration_s", 4}}),
            act(1.0, "contrast.inject", {{"at", "test_artery"}, {"ml", 8}, {"rate_ml_s", 4}}),
            act(6.0, "procedure.end")};
}

}  // namespace

TEST_CASE("a DSA frame shows the opacified artery dark and cancels the bone it subtracts", "[sim][dsa]") {
    Rendered r;
    auto s = play(dsaLog(), r);
    const auto& images = s->state().images;
    REQUIRE(images.size() == 8);  // a mask at 0.5 s and frames every 0.5 s to 4.0 s
    CHECK(images[0].kind == sim::ImageKind::DsaMask);
    // The frame at 2.0 s: 1 s into a 2 s injection of 4 ml/s into 5 ml/s of blood.
    const size_t at2 = 3;
    REQUIRE(images[at2].kind == sim::ImageKind::Dsa);
    CHECK(images[at2].time_s == Approx(2.0));
    CHECK(images[at2].maskIndex == 0);
    const imaging::CArmPose& pose = images[at2].pose;
    const GreyImage& dsa = r.images[at2];
    const auto vessel = boxStats(dsa, pixelOf(pose, {-30.0, 0.0, 0.0}), 1);
    const auto water = boxStats(dsa, pixelOf(pose, {-60.0, 0.0, 0.0}), 6);
    const auto bone = boxStats(dsa, pixelOf(pose, {10.0, 20.0, 0.0}), 6);
    INFO("vessel " << vessel.first << ", water " << water.first << " +- " << water.second << ", bone "
                   << bone.first << " +- " << bone.second);
    // 3 mm of 133 mg/ml iodine (300 x 4 / 9) is ~0.9 ln units at ~70 kVp: black on the grey.
    CHECK(vessel.first < 0.3 * sim::kDsaBackground);
    // The subtraction of the same anatomy is flat to within noise: water and bone both at the
    // background, although bone is far darker than water in the native mask image.
    CHECK(water.first == Approx(sim::kDsaBackground).margin(0.03));
    CHECK(bone.first == Approx(sim::kDsaBackground).margin(3.0 * bone.second + 0.03));
    const auto maskWater = boxStats(r.images[0], pixelOf(pose, {-60.0, 0.0, 0.0}), 6);
    const auto maskBone = boxStats(r.images[0], pixelOf(pose, {10.0, 20.0, 0.0}), 6);
    CHECK(maskWater.first - maskBone.first > 0.15);
    CHECK(std::abs(bone.first - water.first) < 0.2 * (maskWater.first - maskBone.first));
    // The frame before the contrast arrives (1.0 s) is flat everywhere.
    CHECK(boxStats(r.images[1], pixelOf(pose, {-30.0, 0.0, 0.0}), 1).first ==
          Approx(sim::kDsaBackground).margin(0.05));
    // The run's peak opacification is a frame with contrast, and the metrics count the frames.
    CHECK(s->state().modes.dsaPeakIndex >= 2);
    CHECK(s->metrics().at("dsa_frames").value == 8.0);
}

TEST_CASE("a DSA frame costs far more dose than a fluoroscopy pulse", "[sim][dsa][dose]") {
    // DSA runs ~1-5 uGy per frame at the detector against 20-40 nGy per fluoro pulse (AAPM Report
    // 125): at the same patient thickness the reference air kerma scales the same way.
    auto perImage = [](const std::vector<sim::Action>& log, bool dsa) {
        Rendered none;
        auto s = std::make_unique<sim::Session>(sim::parseScenario(kScenario, "test.toml"), patientWithArtery());
        s->play(log);
        const auto& d = s->state().dose;
        return d.report.referenceAirKermaGy / static_cast<double>(dsa ? d.dsaFrames : d.fluoroPulses);
    };
    const double fluoro = perImage({act(0.0, "fluoro.rate", {{"pps", 15}}), act(0.0, "fluoro.on"),
                                    act(2.0, "fluoro.off"), act(2.5, "procedure.end")}, false);
    const double dsa = perImage({act(0.0, "dsa.run", {{"fps", 3}, {"duration_s", 2}}), act(2.5, "procedure.end")}, true);
    INFO("RAK per fluoro pulse " << fluoro * 1e6 << " uGy, per DSA frame " << dsa * 1e6 << " uGy");
    CHECK(dsa > 30.0 * fluoro);
}

TEST_CASE("the roadmap subtracts the anatomy and shows the peak DSA frame's artery white until the C-arm moves", "[sim][roadmap]") {
    std::vector<sim::Action> log = dsaLog();
    log.pop_back();
    for (const auto& a : {act(8.0, "fluoro.on"), act(8.5, "fluoro.off"), act(9.0, "roadmap.on"), act(9.5, "fluoro.on"),
                          act(10.0, "fluoro.off"), act(11.0, "carm.rotate", {{"dlao_deg", 10}}), act(12.0, "fluoro.on"),
                          act(12.5, "fluoro.off"), act(13.0, "procedure.end")})
        log.push_back(a);
    Rendered r;
    auto s = play(log, r);
    const auto& images = s->state().images;
    REQUIRE(images.size() == 11);
    const sim::ImageTaken& plain = images[8];
    const sim::ImageTaken& roadmap = images[9];
    CHECK(plain.roadmapIndex == -1);
    CHECK(roadmap.roadmapIndex == s->state().modes.dsaPeakIndex);
    CHECK(images[10].roadmapIndex == -1);  // the C-arm moved: the roadmap was cleared
    bool cleared = false;
    for (const auto& e : s->state().events) cleared |= e.kind == "roadmap.off";
    CHECK(cleared);
    // The contrast has long washed out: the artery is white only because the roadmap draws the
    // peak frame's iodine (3 mm of ~130 mg/ml: past DSA black, so full white).
    const glm::dvec2 px = pixelOf(plain.pose, {-30.0, 0.0, 0.0});
    const auto artery = boxStats(r.images[9], px, 1);
    const auto water = boxStats(r.images[9], pixelOf(plain.pose, {-60.0, 0.0, 0.0}), 6);
    const auto bone = boxStats(r.images[9], pixelOf(plain.pose, {10.0, 20.0, 0.0}), 6);
    INFO("roadmap: artery " << artery.first << ", water " << water.first << " +- " << water.second << ", bone "
                            << bone.first << " +- " << bone.second);
    CHECK(artery.first > 0.9);
    // The live pulse minus the run's mask: water and bone both at the mid-grey background (fluoro
    // noise, not the anatomy), although bone is far darker than water on plain fluoroscopy.
    CHECK(water.first == Approx(sim::kRoadmapBackground).margin(3.0 * water.second + 0.03));
    CHECK(bone.first == Approx(sim::kRoadmapBackground).margin(3.0 * bone.second + 0.03));
    const double plainContrast = boxStats(r.images[8], pixelOf(plain.pose, {-60.0, 0.0, 0.0}), 6).first -
                                 boxStats(r.images[8], pixelOf(plain.pose, {10.0, 20.0, 0.0}), 6).first;
    CHECK(plainContrast > 0.1);
    CHECK(std::abs(bone.first - water.first) < 0.3 * plainContrast);
}

TEST_CASE("a recalled image is the stored image, pixel for pixel", "[sim][recall]") {
    Rendered r;
    auto s = play({act(0.0, "fluoro.on"), act(0.5, "fluoro.off"), act(0.6, "image.store", {{"label", "AP"}}),
                   act(1.0, "carm.rotate", {{"dlao_deg", 30}}), act(1.5, "fluoro.on"), act(2.0, "fluoro.off"),
                   act(2.5, "image.recall", {{"label", "AP"}}), act(3.0, "procedure.end")},
                  r);
    const auto& images = s->state().images;
    REQUIRE(images.size() == 4);
    CHECK(images[3].kind == sim::ImageKind::Recalled);
    CHECK(images[3].recallIndex == 1);
    CHECK(images[3].pose.laoDeg == 0.0);
    CHECK(r.images[3].pixels == r.images[1].pixels);
    CHECK(r.images[3].pixels != r.images[2].pixels);
}

TEST_CASE("contrast injected in the session is counted and a wrong vessel names the field", "[sim][contrast]") {
    auto s = std::make_unique<sim::Session>(sim::parseScenario(kScenario, "test.toml"), patientWithArtery());
    s->play({act(1.0, "contrast.inject", {{"at", "test_artery"}, {"ml", 5}, {"rate_ml_s", 2}}), act(5.0, "procedure.end")});
    CHECK(s->state().contrastMl == Approx(5.0).epsilon(1e-9));
    REQUIRE(s->quantitySpecs().at(0).key == "contrast_ml");
    CHECK(s->state().timeline.back().quantities.at(0) == Approx(5.0).epsilon(1e-9));
    CHECK(s->metrics().at("contrast_ml").value == Approx(5.0).epsilon(1e-9));
    sim::Session bad(sim::parseScenario(kScenario, "test.toml"), patientWithArtery());
    CHECK_THROWS_WITH(bad.play({sim::Action{0.5, "contrast.inject", {{"at", "splenic"}, {"ml", 5}}, "log.jsonl", 3}}),
                      Catch::Matchers::Contains("log.jsonl") && Catch::Matchers::Contains("at") &&
                          Catch::Matchers::Contains("splenic"));
    // Refused when submitted, before any tick: a place name from another procedure (the epidural
    // thermocouple's "spinal_canal") once passed the checks and threw in the middle of a tick (soak).
    sim::Session later(sim::parseScenario(kScenario, "test.toml"), patientWithArtery());
    CHECK_THROWS_WITH(later.submit(sim::Action{4.0, "contrast.inject", {{"at", "spinal_canal"}, {"ml", 5}}, "log.jsonl", 7}),
                      "log.jsonl:7: at: the vessel tree has no branch 'spinal_canal'");
    CHECK(later.state().tick == 0);
    sim::Session noTree(sim::parseScenario(kScenario, "test.toml"), test::cylinderPatient());
    CHECK_THROWS_WITH(noTree.submit(sim::Action{1.0, "contrast.inject", {{"at", "test_artery"}, {"ml", 5}}, "log.jsonl", 2}),
                      "log.jsonl:2: at: the patient has no vessel tree to inject contrast into");
}

TEST_CASE("contrast at the catheter tip with no catheter in is refused as an event, not an error",
          "[sim][contrast]") {
    // The window's contrast control offers the catheter tip first; with no catheter in, it once
    // threw a DataError out of the frame loop and a replay of its log failed (soak test).
    sim::Session s(sim::parseScenario(kScenario, "test.toml"), patientWithArtery());
    s.play({act(1.0, "contrast.inject", {{"at", "catheter_tip"}, {"ml", 5}}), act(2.0, "procedure.end")});
    CHECK(s.state().contrastMl == 0.0);
    int refused = 0;
    for (const auto& e : s.state().events)
        if (e.kind == "action.refused") {
            ++refused;
            CHECK(e.details == "contrast.inject at the catheter tip: there is no catheter in the patient");
        }
    CHECK(refused == 1);
}

TEST_CASE("the same DSA log gives the same subtraction images bit for bit", "[sim][dsa][determinism]") {
    Rendered a, b;
    play(dsaLog(), a);
    play(dsaLog(), b);
    REQUIRE(a.images.size() == b.images.size());
    for (size_t i = 0; i < a.images.size(); ++i) CHECK(a.images[i].pixels == b.images[i].pixels);
}

namespace {

// A needle from the anterior skin to a tip in the water, for CT guidance.
const glm::dvec3 kHub{-40.0, -140.0, 4.0}, kTip{-10.0, -30.0, 4.0};

// A procedure that only holds a needle still: the CT follows its tip.
class NeedleFixture final : public sim::Procedure {
public:
    std::unique_ptr<sim::Procedure> clone() const override { return std::make_unique<NeedleFixture>(*this); }
    void addMetrics(const sim::Session&, assessment::Metrics&) const override {}
    imaging::FrameContents radiopaqueContents(const sim::Session&) const override {
        imaging::FrameContents c;
        c.paths.push_back(imaging::needle(kHub, kTip, 18.0));
        return c;
    }
    std::optional<glm::dvec3> ctFollowPoint(const sim::Session&) const override { return kTip; }
    void hashState(StateHash&) const override {}
};

struct NoSections final : sim::ProcedureDefinition {
    std::vector<sim::MetricSpec> metrics() const override { return {}; }
};

[[maybe_unused]] const bool kNeedleFixtureRegistered = [] {
    sim::ProcedureSpec spec;
    spec.name = "needle-fixture";
    spec.parse = [](const sim::Scenario&) { return std::make_shared<NoSections>(); };
    spec.make = [](const sim::Scenario&, const patient::Patient&) { return std::make_unique<NeedleFixture>(); };
    return sim::registerProcedure(spec);
}();

const char* kNeedleScenario = R"(
[scenario]
title = "CT guidance"
procedure = "needle-fixture"
target = "vertebrae_L1"

[patient.phantom]
seed = 5

[[rubric.metric]]
name = "ct_dlp_mGycm"
unit = "mGy cm"
full_marks_at = 100
zero_at = 1000
)";

}  // namespace

TEST_CASE("CT acquisitions count CTDIvol and DLP = CTDIvol x range and show the needle at its tip", "[sim][ct]") {
    Rendered r;
    auto s = play({act(1.0, "ct.scan", {{"from_mm", -20}, {"to_mm", 20}, {"kind", "helical"}}),
                   act(2.0, "ct.fluoro", {{"slices", 3}, {"z_mm", -10}, {"slice_mm", 2.5}}),
                   act(3.0, "procedure.end")},
                  r, kNeedleScenario);
    const auto& images = s->state().images;
    REQUIRE(images.size() == 2);
    // Helical: CTDIvol = 8 mGy per 100 mAs x 200 mAs / pitch 1 = 16 mGy over 4 cm; CT fluoro:
    // 8 x 30 / 100 = 2.4 mGy over 3 x 2.5 mm.
    const auto m = s->metrics();
    CHECK(m.at("ct_acquisitions").value == 2.0);
    CHECK(m.at("ct_ctdivol_mGy").value == Approx(16.0).epsilon(1e-9));
    CHECK(m.at("ct_dlp_mGycm").value == Approx(16.0 * 4.0 + 2.4 * 0.75).epsilon(1e-9));
    // The helical slice goes through the needle tip (z 4 mm, inside the range); the CT-fluoro slices
    // at z -10 mm do not contain it, so they show the middle of their range.
    CHECK(images[0].ctSliceZMm == Approx(kTip.z));
    CHECK(images[1].ctSliceZMm == Approx(-10.0));
    imaging::SlicePlane plane;
    const GreyImage hu = sim::ctSliceHu(*s, images[0], &plane);
    auto pixel = [&](const glm::dvec3& p) {
        const glm::dvec3 q = p - plane.centreLps;
        return glm::ivec2(static_cast<int>(std::floor((glm::dot(q, plane.right) / plane.widthMm + 0.5) * plane.cols)),
                          static_cast<int>(std::floor((glm::dot(q, plane.down) / plane.heightMm + 0.5) * plane.rows)));
    };
    // Along the shaft, just short of the tip, and halfway: metal; 20 mm to the side: water.
    for (double f : {0.98, 0.5}) {
        const glm::ivec2 px = pixel(kTip + (kHub - kTip) * (1.0 - f));
        CHECK(hu.at(px.x, px.y) == Approx(sim::kCtMetalHu));
    }
    const glm::ivec2 side = pixel(kTip + glm::dvec3(20.0, 0.0, 0.0));
    CHECK(hu.at(side.x, side.y) == Approx(0.0).margin(5.0));
    // Soft-tissue window (W 400, L 40): metal white, water grey 0.4.
    const glm::ivec2 tipPx = pixel(kTip + (kHub - kTip) * 0.02);
    CHECK(r.images[0].at(tipPx.x, tipPx.y) == Approx(1.0));
    CHECK(r.images[0].at(side.x, side.y) == Approx(0.4).margin(0.02));
    // The CT-fluoro slice 14 mm below the needle does not show it.
    const GreyImage below = sim::ctSliceHu(*s, images[1], &plane);
    CHECK(below.at(tipPx.x, tipPx.y) == Approx(0.0).margin(5.0));
}
