// `irsim info` on a label map: it says it is one and lists its structures by name with their
// volumes (voxel count x voxel volume), where it used to print a "HU range" as for a CT.
#include <cstdio>
#include <map>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "patient/nifti.h"
#include "run_irsim.h"

using namespace irsim;
using namespace irsim::test;

namespace {

// "  <value>  <name> <volume> ml" lines of the structure list: value -> (name, ml).
std::map<int, std::pair<std::string, double>> structures(const std::string& out) {
    std::map<int, std::pair<std::string, double>> s;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);) {
        int value = 0;
        char name[128] = {};
        double ml = 0.0;
        if (std::sscanf(line.c_str(), " %d %127s %lf ml", &value, name, &ml) == 3) s[value] = {name, ml};
    }
    return s;
}

std::string info(const std::string& args) { return runShell(quoted(IRSIM_EXE) + " info " + args + " 2>&1").out; }

}  // namespace

TEST_CASE("irsim info knows TotalSegmentator's label map and lists its structures with volumes", "[app][info]") {
    const std::string seg = std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/example_seg.nii.gz";
    const ProgramResult r = runShell(quoted(IRSIM_EXE) + " info " + quoted(seg) + " 2>&1");
    INFO(r.out);
    REQUIRE(r.status == 0);
    CHECK(r.out.find("label map") != std::string::npos);
    CHECK(r.out.find("HU range") == std::string::npos);
    // Every structure by its name in TotalSegmentator's table, with the volume its voxels hold.
    const patient::LabelMap map = patient::loadNiftiLabels(seg);
    std::map<int, size_t> counts;
    for (uint16_t v : map.voxels)
        if (v) ++counts[v];
    const auto listed = structures(r.out);
    REQUIRE(listed.size() == counts.size());
    for (const auto& [value, n] : counts) {
        REQUIRE(listed.count(value) == 1);
        CHECK(listed.at(value).first != "(unnamed)");
        // Printed to 0.01 ml.
        CHECK(listed.at(value).second == Approx(n * map.geometry.voxelVolumeMl()).margin(0.0051));
    }
    CHECK(listed.at(5).first == "liver");
    CHECK(listed.at(31).first == "vertebrae_L1");
}

TEST_CASE("irsim info tells a CT from a label map, and --label-map forces one", "[app][info]") {
    const auto dir = freshDir("info-label-map");
    // A CT still shows its HU range (air is negative: no label map has that).
    const std::string ct = std::string(IRSIM_ASSETS_DIR) + "/patients/totalseg-example/example_ct_sm.nii.gz";
    const std::string ctOut = info(quoted(ct));
    INFO(ctOut);
    CHECK(ctOut.find("HU range") != std::string::npos);
    CHECK(ctOut.find("label map") == std::string::npos);

    // A label map of a value no table names (999) next to liver (5): integer voxels alone do not
    // make a label map (a CT may be stored so), so it reads as a CT without the flag.
    patient::LabelMap map;
    map.geometry.dims = {4, 5, 6};
    map.geometry.spacing = {2.0, 5.0, 10.0};  // 100 mm^3 = 0.1 ml a voxel
    map.voxels.assign(4 * 5 * 6, 0);
    for (size_t i = 0; i < 10; ++i) map.voxels[i] = 5;
    for (size_t i = 10; i < 17; ++i) map.voxels[i] = 999;
    const std::string path = (dir / "odd.nii.gz").string();
    patient::writeNifti(path, map);
    CHECK(info(quoted(path)).find("HU range     0 .. 999") != std::string::npos);
    const std::string forced = info(quoted(path) + " --label-map");
    INFO(forced);
    CHECK(forced.find("label map (--label-map") != std::string::npos);
    const auto listed = structures(forced);
    REQUIRE(listed.size() == 2);
    CHECK(listed.at(5).first == "liver");
    CHECK(listed.at(5).second == Approx(1.0).margin(1e-9));  // 10 voxels of 0.1 ml
    CHECK(listed.at(999).first == "(unnamed)");
    CHECK(listed.at(999).second == Approx(0.7).margin(1e-9));

    // --label-map on a CT: its negative voxels are no labels, and the error names the file.
    const ProgramResult bad = runShell(quoted(IRSIM_EXE) + " info " + quoted(ct) + " --label-map 2>&1");
    INFO(bad.out);
    CHECK(bad.status != 0);
    CHECK(bad.out.find(ct) != std::string::npos);
}
