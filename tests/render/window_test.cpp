// The simulator window under Xvfb: the built `irsim` program plays the default scenario's example
// log for 30 frames and saves a screenshot of its swapchain image.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/image_io.h"

#ifdef IRSIM_EXE

namespace {

std::string readAll(const std::string& path) {
    std::string s;
    if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
        char buf[4096];
        size_t n;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
        std::fclose(f);
    }
    return s;
}

// Mean and standard deviation of the grey values in a rectangle.
void regionStats(const irsim::GreyImage& im, int x0, int y0, int x1, int y1, double& mean, double& sd) {
    double s = 0, s2 = 0;
    int n = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            const double v = im.at(x, y);
            s += v;
            s2 += v * v;
            ++n;
        }
    mean = s / n;
    sd = std::sqrt(std::max(0.0, s2 / n - mean * mean));
}

}  // namespace

TEST_CASE("the window shows a fluoroscopy image of the patient and a CT slice after 30 frames under Xvfb",
          "[render][window]") {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) {
        WARN("xvfb-run is not installed (Debian package xvfb): window test skipped");
        return;
    }
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(IRSIM_BINARY_DIR) / "tests" / "render" / "window-test";
    fs::create_directories(dir);
    const fs::path shot = dir / "shot.png", out = dir / "out.txt", report = dir / "report.json";
    fs::remove(shot);
    fs::remove(report);
    const std::string log = std::string(IRSIM_SOURCE_DIR) + "/scenarios/carm-positioning-l1.expert.jsonl";
    const std::string cmd = "cd '" + dir.string() + "' && IRSIM_VALIDATION=1 xvfb-run -a -s '-screen 0 1280x800x24' '" +
                            std::string(IRSIM_EXE) + "' run carm-positioning-l1 --actions '" + log +
                            "' --quit-after-frames 30 --screenshot '" + shot.string() + "' --report '" +
                            report.string() + "' > '" + out.string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string output = readAll(out.string());
    INFO(output);
    REQUIRE(rc == 0);
    REQUIRE(output.find("Vulkan validation errors: 0") != std::string::npos);
    REQUIRE(fs::exists(shot));
    REQUIRE(fs::exists(report));

    const irsim::GreyImage im = irsim::readPngGrey(shot.string());
    REQUIRE(im.width == 1280);
    REQUIRE(im.height == 800);
    // The monitor panel (left 60 % of the views, below its title and caption): the expert log
    // takes fluoroscopy at t = 0, so it holds an image of the patient: not uniform, and not black.
    double mean = 0, sd = 0;
    regionStats(im, 150, 150, 450, 450, mean, sd);
    CHECK(sd > 0.05);
    CHECK(mean > 0.1);
    // The CT panel's axial slice: body (grey) and air (black) around it.
    regionStats(im, 620, 100, 960, 420, mean, sd);
    CHECK(sd > 0.05);
}

#endif
