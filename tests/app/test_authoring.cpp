// The authoring mode's model (`irsim author`), without a window: the draft round-trips through the
// file it writes, save -> load -> save gives the same bytes, undo and redo, the live checker (the
// loader `irsim scenario check` uses) flags a bad target at its file:line: field, and a pixel of a
// slice maps to the structure the label map has there.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "app/authoring.h"
#include "app/scenario_draft.h"
#include "core/paths.h"
#include "run_irsim.h"
#include "sim/scenario.h"

using namespace irsim;
using namespace irsim::app;
using namespace irsim::test;
namespace fs = std::filesystem;

namespace {

const std::string kCt = exampleCt();
const std::string kSeg = exampleLabels();

// A vertebroplasty draft on the real CT with every field away from its default (numbers that
// formatNumber writes exactly).
ScenarioDraft everyField(const std::string& file) {
    ScenarioDraft d = newDraft("vertebroplasty", "vertebrae_L1");
    d.title = "L1 \"owl's eye\" practice";
    d.description = "A 74-year-old with a painful L1 fracture.\nTreat it from the left.";
    d.difficulty = "advanced";
    d.ct = pathFromScenario(kCt, file);
    d.labels = pathFromScenario(kSeg, file);
    d.timeLimitS = 1800;
    d.laoDeg = -12.5;
    d.cranDeg = 7;
    d.fieldOfViewMm = 250;
    d.pulseRatePps = 15;
    d.passScore = 72.5;
    d.metrics.at(0).weight = 3;
    d.metrics.at(0).fullMarksAt = 5;
    d.metrics.at(0).zeroAt = 20;
    d.metrics.push_back({"cement_fill_percent", "%", "Body filled with cement", 30, 5, 1.5});
    d.lesions.push_back({{-110.0, -155.3, 139.3}, 30.0, "liver"});
    return d;
}

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

TEST_CASE("the authoring draft round-trips every field through the file it writes", "[app][authoring]") {
    const std::string file = (freshDir("authoring-roundtrip") / "l1.toml").string();
    const ScenarioDraft ct = everyField(file);
    const std::string text = scenarioToml(ct, file);
    INFO(text);
    CHECK(parseDraft(text, file) == ct);
    // Each field alone matters to the comparison (so the round trip above is not vacuous).
    ScenarioDraft other = ct;
    other.metrics.at(1).weight = 4.5;
    CHECK_FALSE(other == ct);

    ScenarioDraft phantom = newDraft("vertebroplasty", "vertebrae_L2");
    phantom.phantomSeed = 7;
    phantom.phantomVoxelMm = 3;
    phantom.description = "one line";
    const std::string phantomText = scenarioToml(phantom, file);
    INFO(phantomText);
    CHECK(parseDraft(phantomText, file) == phantom);
    // The fracture goes where the target is.
    CHECK(phantomText.find("site = \"vertebrae_L2\"\nkind = \"compression_fracture\"") != std::string::npos);
}

TEST_CASE("an authored scenario saved, loaded and saved again is the same file", "[app][authoring]") {
    const fs::path dir = freshDir("authoring-save");
    const std::string file = (dir / "l1.toml").string();
    AuthoringModel model(everyField(file), file);
    CHECK(model.unsaved());
    model.save();
    CHECK_FALSE(model.unsaved());
    const std::string first = readFile(file);
    AuthoringModel reopened(loadDraft(file), file);
    CHECK_FALSE(reopened.unsaved());
    reopened.save();
    CHECK(readFile(file) == first);

    // `irsim scenario new` writes through the same writer: its file reopens unchanged too.
    const std::string made = (dir / "new.toml").string();
    const ProgramResult r = runShell(quoted(IRSIM_EXE) + " scenario new --procedure vertebroplasty --ct " + quoted(kCt) +
                                     " --labels " + quoted(kSeg) + " --out " + quoted(made) + " 2>&1");
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(scenarioToml(loadDraft(made), made) == readFile(made));
}

TEST_CASE("authoring undo and redo step through the edits, typing in one field being one step", "[app][authoring]") {
    const std::string file = (freshDir("authoring-undo") / "u.toml").string();
    const ScenarioDraft start = everyField(file);
    AuthoringModel model(start, file);
    CHECK_FALSE(model.canUndo());
    ScenarioDraft d = model.draft();
    for (const char* typed : {"T", "Tr", "Tra", "Train"}) {
        d.title = typed;
        model.edit(d, "title");
    }
    d.passScore = 80;
    model.edit(d, "pass");
    model.edit(d, "pass");  // no change: no step
    CHECK(model.pickTarget("vertebrae_L2").empty());
    CHECK(model.draft().target == "vertebrae_L2");
    // Not a target of the procedure: refused, with the choices, and nothing to undo.
    const std::string refused = model.pickTarget("liver");
    CHECK(refused.find("liver is not a target of vertebroplasty") != std::string::npos);
    CHECK(refused.find("vertebrae_L5") != std::string::npos);

    REQUIRE(model.undo());
    CHECK(model.draft().target == "vertebrae_L1");
    REQUIRE(model.undo());
    CHECK(model.draft().passScore == 72.5);
    CHECK(model.draft().title == "Train");
    REQUIRE(model.undo());
    CHECK(model.draft() == start);
    CHECK_FALSE(model.undo());
    REQUIRE(model.redo());
    REQUIRE(model.redo());
    CHECK(model.draft().passScore == 80);
    CHECK(model.canRedo());
    // A new edit drops what could be redone.
    d = model.draft();
    d.difficulty = "introductory";
    model.edit(d, "");
    CHECK_FALSE(model.canRedo());
}

TEST_CASE("the authoring mode's live checker flags a target the CT lacks at its line and is clean on one it has",
          "[app][authoring]") {
    const std::string file = (freshDir("authoring-check") / "c.toml").string();
    AuthoringModel model(everyField(file), file);
    model.edit([&] {
        ScenarioDraft d = model.draft();
        d.target = "vertebrae_T10";  // offered by the procedure, outside this 30-slice CT
        return d;
    }(), "");
    const sim::ScenarioCheck bad = model.check();
    REQUIRE(bad.errors.size() == 1);
    const DataError& e = bad.errors[0];
    INFO(e.what());
    CHECK(e.file() == file);
    CHECK(e.field() == "scenario.target");
    // Its line in the text the editor would save.
    const std::string text = model.text();
    const size_t at = text.find("\ntarget = ");
    REQUIRE(at != std::string::npos);
    CHECK(e.line() == 2 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<long>(at), '\n')));
    CHECK(std::string(e.what()).find("vertebrae_L1") != std::string::npos);  // the levels there are listed

    REQUIRE(model.undo());
    const sim::ScenarioCheck good = model.check();
    for (const DataError& err : good.errors) INFO(err.what());
    CHECK(good.errors.empty());
}

TEST_CASE("a pixel of an authoring slice maps to the structure the label map has there", "[app][authoring]") {
    const std::string file = (freshDir("authoring-slices") / "s.toml").string();
    AuthoringPatient p = AuthoringPatient::load(everyField(file), file);
    REQUIRE(p.centreOn("vertebrae_L1"));
    const patient::Patient& pt = p.patient();
    const uint16_t l1 = *pt.labelOf("vertebrae_L1");
    // Through the centres of the voxels nearest the centroid.
    const patient::VolumeGeometry& g = pt.labels.geometry;
    p.cursor = g.voxelToPatient(glm::round(g.patientToVoxel(p.cursor)));
    // Every L1 voxel near the cursor's sagittal plane, seen on that slice at its pixel, is L1.
    const int pixels = 256;
    const imaging::SlicePlane plane = p.plane(SliceView::Sagittal, pixels);
    int tried = 0, same = 0, mapped = 0;
    for (int k = 0; k < g.dims.z; ++k)
        for (int j = 0; j < g.dims.y; ++j)
            for (int i = 0; i < g.dims.x; ++i) {
                if (pt.labels.at(i, j, k) != l1) continue;
                const glm::dvec3 v = g.voxelToPatient(glm::dvec3(i, j, k));
                if (std::abs(glm::dot(v - plane.centreLps, plane.normal())) > 0.45 * g.spacing.x) continue;
                const glm::dvec3 rel = v - plane.centreLps;
                const double c = (glm::dot(rel, plane.right) / plane.widthMm + 0.5) * pixels;
                const double r = (glm::dot(rel, plane.down) / plane.heightMm + 0.5) * pixels;
                const glm::dvec3 back = p.pointAt(SliceView::Sagittal, pixels, c, r);
                const glm::dvec3 onPlane = v - plane.normal() * glm::dot(v - plane.centreLps, plane.normal());
                mapped += glm::length(back - onPlane) < 1e-6;
                ++tried;
                same += p.structureAt(back) == "vertebrae_L1";
            }
    REQUIRE(tried > 50);
    CHECK(same == tried);
    CHECK(mapped == tried);
    // The outline of the target is white and lies on it; the rest of the slice is below white.
    const GreyImage s = p.slice(SliceView::Sagittal, pixels, "vertebrae_L1");
    int outline = 0, onTarget = 0, aboveGrey = 0;
    for (int r = 0; r < pixels; ++r)
        for (int c = 0; c < pixels; ++c) {
            if (s.at(c, r) < 1.0f) {
                aboveGrey += s.at(c, r) > 0.85f;
                continue;
            }
            ++outline;
            onTarget += p.structureAt(plane.pixelCentre(c, r)) == "vertebrae_L1";
        }
    CHECK(outline > 20);
    CHECK(onTarget == outline);
    CHECK(aboveGrey == 0);
}

TEST_CASE("a lesion placed on the real CT in the authoring mode is painted into the liver at its size, and one too big "
          "for the liver is flagged", "[app][authoring]") {
    const std::string file = (freshDir("authoring-lesion") / "lesion.toml").string();
    ScenarioDraft d = everyField(file);
    d.lesions.clear();
    AuthoringModel model(d, file);
    // Deep in the right lobe, where radioembolization-ct puts its 30 mm lesion.
    const glm::dvec3 centre(-110.04, -155.26, 139.31);
    CHECK(model.placeLesion(centre, 30.0, "") == "no organ there");
    REQUIRE(model.placeLesion(centre, 30.0, "liver").empty());
    REQUIRE(model.draft().lesions.size() == 1);
    CHECK(model.draft().lesions[0].centreLps == glm::dvec3(-110.0, -155.3, 139.3));  // 0.1 mm, as the file keeps it
    CHECK(model.text().find("[[patient.lesion]]\ncentre_mm = [-110, -155.3, 139.3]") != std::string::npos);
    const sim::ScenarioCheck good = model.check();
    for (const DataError& e : good.errors) INFO(e.what());
    CHECK(good.errors.empty());
    // Painted: the sphere's volume, 4/3 pi r^3 = 14.14 ml, within the 3 mm voxels' staircase (10 %).
    const AuthoringPatient p = AuthoringPatient::load(model.draft(), file);
    CHECK(p.structureAt(model.draft().lesions[0].centreLps) == "liver_tumour");
    CHECK(p.patient().volumeMlOf("liver_tumour") == Approx(4.0 / 3.0 * 3.14159265358979 * 15.0 * 15.0 * 15.0 / 1000.0).epsilon(0.10));

    // 90 mm does not fit in the liver there: the checker names the lesion, and the slices still open.
    model.removeLesion(0);
    REQUIRE(model.placeLesion(centre, 90.0, "liver").empty());
    const sim::ScenarioCheck bad = model.check();
    REQUIRE_FALSE(bad.errors.empty());
    INFO(bad.errors[0].what());
    CHECK(bad.errors[0].field().rfind("patient.lesion[0]", 0) == 0);
    CHECK(std::string(bad.errors[0].what()).find("not wholly inside liver") != std::string::npos);
    CHECK(AuthoringPatient::load(model.draft(), file).structureAt(centre) == "liver");
    // On the phantom, tumours are its own.
    ScenarioDraft phantom = newDraft("vertebroplasty");
    phantom.phantomSeed = 1;
    AuthoringModel onPhantom(phantom, file);
    CHECK_FALSE(onPhantom.placeLesion(centre, 20.0, "liver").empty());
}

TEST_CASE("the authoring mode offers the real CTs the shipped scenarios use, with their label maps", "[app][authoring]") {
    const std::vector<KnownPatient> known = knownPatients();
    const auto same = [](const std::string& a, const std::string& b) { return fs::weakly_canonical(a) == fs::weakly_canonical(b); };
    const auto it = std::find_if(known.begin(), known.end(), [&](const KnownPatient& k) { return same(k.ct, kCt); });
    REQUIRE(it != known.end());
    CHECK(same(it->labels, kSeg));
    // Each CT and label map once.
    for (size_t i = 0; i < known.size(); ++i)
        for (size_t j = i + 1; j < known.size(); ++j) CHECK_FALSE((known[i].ct == known[j].ct && known[i].labels == known[j].labels));
}
