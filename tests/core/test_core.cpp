#include <cmath>
#include <filesystem>

#include <catch2/catch.hpp>

#include "core/error.h"
#include "core/image_io.h"
#include "core/rng.h"

using namespace irsim;

TEST_CASE("the random generator repeats for a seed and draws Poisson counts with the right moments", "[core][rng]") {
    Rng a = Rng::seeded(42), b = Rng::seeded(42), c = Rng::seeded(43);
    for (int i = 0; i < 100; ++i) REQUIRE(a.next() == b.next());
    CHECK(Rng::seeded(42).next() != c.next());
    // Poisson: mean and variance both equal the parameter (within 3 standard errors).
    for (double mean : {3.0, 40.0, 500.0}) {
        Rng r = Rng::seeded(7);
        const int n = 20000;
        double sum = 0, sum2 = 0;
        for (int i = 0; i < n; ++i) {
            double k = r.poisson(mean);
            sum += k;
            sum2 += k * k;
        }
        const double m = sum / n, var = sum2 / n - m * m;
        CHECK(std::abs(m - mean) < 3.0 * std::sqrt(mean / n));
        CHECK(std::abs(var - mean) < 0.05 * mean);
    }
}

TEST_CASE("skipping ahead in a random stream lands where drawing one by one does", "[core][rng]") {
    // The phantom's CT noise is drawn in slabs on two threads from one stream: the slab's start
    // must be the state after exactly that many draws, for any count (powers of two and not).
    for (uint64_t n : {0ull, 1ull, 2ull, 3ull, 1000ull, 65536ull, 123457ull}) {
        Rng walked = Rng::seeded(99, 99u), skipped = Rng::seeded(99, 99u);
        for (uint64_t i = 0; i < n; ++i) walked.next();
        skipped.advance(n);
        CHECK(skipped.state == walked.state);
        CHECK(skipped.next() == walked.next());
    }
}

TEST_CASE("PFM and PNG images round-trip with the top row first", "[core][image]") {
    GreyImage img;
    img.width = 5;
    img.height = 3;
    for (int i = 0; i < 15; ++i) img.pixels.push_back(i / 14.0f);
    const auto dir = std::filesystem::temp_directory_path();
    writePfm((dir / "irsim-core.pfm").string(), img);
    GreyImage back = readPfm((dir / "irsim-core.pfm").string());
    REQUIRE(back.width == 5);
    REQUIRE(back.height == 3);
    CHECK(back.pixels == img.pixels);
    writePng8((dir / "irsim-core.png").string(), img);
    GreyImage png = readPngGrey((dir / "irsim-core.png").string());
    REQUIRE(png.pixels.size() == 15);
    for (size_t i = 0; i < 15; ++i) CHECK(png.pixels[i] == Approx(img.pixels[i]).margin(0.5 / 255.0 + 1e-6));
}

TEST_CASE("a data error reads file:line: field: what", "[core][error]") {
    DataError e("scenarios/x.toml", 12, "carm.kvp", "expected a number from 60 to 120");
    CHECK(std::string(e.what()) == "scenarios/x.toml:12: carm.kvp: expected a number from 60 to 120");
    CHECK(std::string(DataError("a.nii", 0, "", "truncated").what()) == "a.nii: truncated");
    // No file (the environment, an option): the field leads, with no stray ": " before it.
    CHECK(std::string(DataError("", 0, "DISPLAY", "cannot open the window system").what()) ==
          "DISPLAY: cannot open the window system");
    CHECK_THROWS_AS(readPfm("/nonexistent/irsim.pfm"), DataError);
}
