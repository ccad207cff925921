// The procedural phantom: deterministic, and anatomically plausible against published ranges.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "patient/labels.h"
#include "patient/nifti.h"
#include "patient/phantom.h"
#include "patient/vessel_growth.h"

using namespace irsim;
using namespace irsim::patient;

namespace {

// FNV-1a over the voxels of the CT and the label map.
uint64_t hashVolumes(const Patient& p) {
    uint64_t h = 1469598103934665603ULL;
    auto feed = [&](const void* data, size_t n) {
        const auto* b = static_cast<const unsigned char*>(data);
        for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ULL;
    };
    feed(p.ct.voxels.data(), p.ct.voxels.size() * sizeof(int16_t));
    feed(p.labels.voxels.data(), p.labels.voxels.size() * sizeof(uint16_t));
    return h;
}

const Patient& coarsePhantom() {
    static const Patient p = [] {
        PhantomOptions o;
        o.seed = 7;
        o.voxelMm = 3.0;
        return makePhantom(o);
    }();
    return p;
}

}  // namespace

TEST_CASE("the same seed gives the same phantom, byte for byte, and another seed another one", "[patient][phantom]") {
    PhantomOptions o;
    o.seed = 7;
    o.voxelMm = 3.0;
    const Patient again = makePhantom(o);
    CHECK(hashVolumes(again) == hashVolumes(coarsePhantom()));
    REQUIRE(again.vessels.size() == 1);
    CHECK(again.vessels[0].nodes.size() == coarsePhantom().vessels[0].nodes.size());
    o.seed = 8;
    CHECK(hashVolumes(makePhantom(o)) != hashVolumes(coarsePhantom()));
}

TEST_CASE("phantom organ volumes lie in adult ranges", "[patient][phantom]") {
    const Patient& p = coarsePhantom();
    // Liver 1200-1800 ml (Heinemann et al. 1999, Liver 19:64: standard liver volume ~1500 ml).
    const double liver = p.volumeMlOf("liver") + p.volumeMlOf("hepatic_artery");
    std::printf("liver %.0f ml, spleen %.0f ml, kidneys %.0f / %.0f ml\n", liver, p.volumeMlOf("spleen"),
                p.volumeMlOf("kidney_left"), p.volumeMlOf("kidney_right"));
    CHECK(liver > 1200.0);
    CHECK(liver < 1800.0);
    // Spleen 107-314 ml (Prassopoulos et al. 1997, Eur Radiol 7:246).
    CHECK(p.volumeMlOf("spleen") > 107.0);
    CHECK(p.volumeMlOf("spleen") < 314.0);
    // Kidneys ~100-250 ml each (Cheong et al. 2007, Clin J Am Soc Nephrol 2:38: mean ~150 ml).
    for (const char* k : {"kidney_left", "kidney_right"}) {
        CHECK(p.volumeMlOf(k) > 100.0);
        CHECK(p.volumeMlOf(k) < 250.0);
    }
}

TEST_CASE("the written phantom files are the same bytes for the same seed and read back exactly", "[patient][phantom][nifti]") {
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(IRSIM_BINARY_DIR) / "test-tmp" / "patient_phantom_files";
    fs::remove_all(dir);
    fs::create_directories(dir);
    const Patient& p = coarsePhantom();
    writeNifti((dir / "a.nii.gz").string(), p.ct);
    writeNifti((dir / "b.nii.gz").string(), p.ct);
    writeNifti((dir / "labels.nii.gz").string(), p.labels);
    auto bytes = [](const fs::path& f) {
        std::ifstream in(f, std::ios::binary);
        return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    };
    CHECK(bytes(dir / "a.nii.gz") == bytes(dir / "b.nii.gz"));
    const CtVolume ct = loadNiftiCt((dir / "a.nii.gz").string());
    CHECK(ct.voxels == p.ct.voxels);
    CHECK(glm::length(ct.geometry.origin - p.ct.geometry.origin) < 1e-4);
    CHECK(loadNiftiLabels((dir / "labels.nii.gz").string()).voxels == p.labels.voxels);
}
