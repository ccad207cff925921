// The phantom cache (patient/phantom_cache.h): a phantom read back is the one makePhantom builds,
// bit for bit; other options, other code, a damaged or cut file are never read as it.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "patient/phantom_cache.h"

using namespace irsim;
namespace fs = std::filesystem;

namespace {

void requireSame(const patient::Patient& a, const patient::Patient& b) {
    CHECK(a.source == b.source);
    CHECK(a.ct.voxels == b.ct.voxels);
    CHECK(a.ct.geometry.origin == b.ct.geometry.origin);
    CHECK(a.ct.geometry.spacing == b.ct.geometry.spacing);
    CHECK(a.ct.geometry.direction == b.ct.geometry.direction);
    CHECK(a.ct.geometry.dims == b.ct.geometry.dims);
    CHECK(a.labels.voxels == b.labels.voxels);
    CHECK(a.labelNames == b.labelNames);
    CHECK(a.landmarks == b.landmarks);
    CHECK(a.liverSegments.voxels == b.liverSegments.voxels);
    CHECK(a.attributes == b.attributes);
    REQUIRE(a.vessels.size() == b.vessels.size());
    for (size_t t = 0; t < a.vessels.size(); ++t) {
        REQUIRE(a.vessels[t].nodes.size() == b.vessels[t].nodes.size());
        size_t differ = 0;
        for (size_t i = 0; i < a.vessels[t].nodes.size(); ++i) {
            const auto &x = a.vessels[t].nodes[i], &y = b.vessels[t].nodes[i];
            differ += !(x.position == y.position && x.radiusMm == y.radiusMm && x.parent == y.parent &&
                        x.branch == y.branch && x.flowMlPerMin == y.flowMlPerMin);
        }
        CHECK(differ == 0);
    }
}

}  // namespace

TEST_CASE("a cached phantom is the built phantom bit for bit, and other options or damage are not read as it", "[patient][phantom][cache]") {
    const fs::path dir = fs::path(IRSIM_BINARY_DIR) / "test-output" / "phantom-cache";
    fs::remove_all(dir);
    setenv("IRSIM_PHANTOM_CACHE", dir.c_str(), 1);
    patient::PhantomOptions o;
    o.seed = 5;
    o.voxelMm = 4.0;
    o.lesions.push_back({"liver_segment_8", patient::LesionKind::HypervascularLiver, 25.0, 0.3});
    const patient::Patient built = patient::makePhantom(o);
    const patient::Patient first = patient::makePhantomCached(o);  // builds and stores
    requireSame(built, first);
    REQUIRE(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    const fs::path file = fs::directory_iterator(dir)->path();
    const std::string key = patient::phantomCacheKey(o);
    const auto read = patient::readPatientFile(key, file.string());
    REQUIRE(read.has_value());
    requireSame(built, *read);
    requireSame(built, patient::makePhantomCached(o));  // from the file

    // Another seed, voxel size or lesion is another key; a key is never read from another's file.
    patient::PhantomOptions other = o;
    other.lesions[0].diameterMm = std::nextafter(25.0, 30.0);
    CHECK(patient::phantomCacheKey(other) != key);
    CHECK_FALSE(patient::readPatientFile(patient::phantomCacheKey(other), file.string()).has_value());
    // A file cut short or with a flipped length is refused, not half read.
    const auto size = fs::file_size(file);
    fs::resize_file(file, size - 100);
    CHECK_FALSE(patient::readPatientFile(key, file.string()).has_value());
    {
        std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(8);
        const uint64_t huge = ~uint64_t(0);
        f.write(reinterpret_cast<const char*>(&huge), sizeof huge);
    }
    CHECK_FALSE(patient::readPatientFile(key, file.string()).has_value());
    // The damaged file is rebuilt over.
    requireSame(built, patient::makePhantomCached(o));
    CHECK(patient::readPatientFile(key, file.string()).has_value());
    unsetenv("IRSIM_PHANTOM_CACHE");
}
