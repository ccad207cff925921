// The window's CT panel draws the procedure's CT overlay (app/window/ct_overlay_view.h): an ablation
// run under Xvfb, its screenshot read back, the zone's grey and the coloured contours found where
// the tumour and the zone are.
#include <catch2/catch.hpp>

#include "../png_rgb.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#ifdef IRSIM_EXE

namespace {

using Rgb = test::RgbImage;
using test::readPngRgb;

// The bounding box and count of the pixels a test picks.
struct Box {
    int x0 = 1 << 20, y0 = 1 << 20, x1 = -1, y1 = -1, count = 0;
    void add(int x, int y) { x0 = std::min(x0, x), y0 = std::min(y0, y), x1 = std::max(x1, x), y1 = std::max(y1, y), ++count; }
    bool inside(const Box& o) const { return x0 > o.x0 && y0 > o.y0 && x1 < o.x1 && y1 < o.y1; }
};

}  // namespace

TEST_CASE("the window's CT panel shows the ablation zone over the tumour and its margin, with its contours",
          "[render][window][ablation]") {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) {
        WARN("xvfb-run is not installed (Debian package xvfb): window test skipped");
        return;
    }
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(IRSIM_BINARY_DIR) / "tests" / "render" / "window-ablation-test";
    fs::create_directories(dir);
    // The liver scenario at its fastest time acceleration (120: 5 tissue minutes in 2.5 s), so 250
    // frames of 1/30 s see the antenna placed and the generator's run end.
    std::ifstream in(std::string(IRSIM_SOURCE_DIR) + "/scenarios/ablation-liver-hcc.toml");
    std::stringstream text;
    text << in.rdbuf();
    std::string scenario = text.str();
    const std::string from = "time_acceleration = 30";
    REQUIRE(scenario.find(from) != std::string::npos);
    scenario.replace(scenario.find(from), from.size(), "time_acceleration = 120");
    std::ofstream((dir / "ablation-liver-hcc.toml").string()) << scenario;
    // The expert's aim and power, quicker; the last CT at 9 s keeps the replay going past the shot.
    std::ofstream((dir / "run.jsonl").string())
        << R"({"t": 0.0, "action": "session.start", "scenario": "ablation-liver-hcc"}
{"t": 0.1, "action": "ct.scan", "from_mm": 150, "to_mm": 260, "window": "liver"}
{"t": 0.2, "action": "applicator.place", "entry": [-218.0, 2.4, 148.5], "target": "tumour_1.centre"}
{"t": 0.3, "action": "applicator.advance", "mm": 101, "speed_mm_s": 20}
{"t": 5.5, "action": "ct.scan", "from_mm": 170, "to_mm": 230, "window": "liver"}
{"t": 5.6, "action": "generator.start", "power_w": 100, "minutes": 5}
{"t": 9.0, "action": "ct.scan", "from_mm": 150, "to_mm": 260, "window": "liver"}
)";
    const fs::path shot = dir / "shot.png", out = dir / "out.txt";
    fs::remove(shot);
    const std::string cmd = "cd '" + dir.string() + "' && IRSIM_VALIDATION=1 xvfb-run -a -s '-screen 0 1280x800x24' '" +
                            std::string(IRSIM_EXE) + "' run '" + (dir / "ablation-liver-hcc.toml").string() +
                            "' --actions run.jsonl --quit-after-frames 250 --screenshot '" + shot.string() + "' > '" +
                            out.string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    std::ifstream o(out.string());
    const std::string output((std::istreambuf_iterator<char>(o)), std::istreambuf_iterator<char>());
    INFO(output);
    REQUIRE(rc == 0);
    REQUIRE(output.find("Vulkan validation errors: 0") != std::string::npos);
    const Rgb im = readPngRgb(shot.string());
    REQUIRE(im.width == 1280);

    // The CT panel's image (the window's layout, simulator_window.cpp): 376 pixels a side from
    // (596, 50), the legend in its top left corner.
    const int x0 = 596, y0 = 50, side = 376;
    Box red, yellow, green, elsewhereRed;
    for (int y = 0; y < im.height; ++y)
        for (int x = 0; x < im.width; ++x) {
            const uint8_t* p = im.at(x, y);
            const bool isRed = p[0] > 200 && p[1] < 90 && p[2] < 90;
            const bool inImage = x >= x0 && x < x0 + side && y >= y0 && y < y0 + side;
            if (!inImage) {
                if (isRed) elsewhereRed.add(x, y);
                continue;
            }
            if (x < x0 + 130 && y < y0 + 90) continue;  // the legend
            if (isRed) red.add(x, y);                                                  // Omega = 1
            if (p[0] > 200 && p[1] > 180 && p[2] < 110) yellow.add(x, y);                // the tumour
            if (p[0] < 110 && p[1] > 190 && p[2] > 80 && p[2] < 150) green.add(x, y);     // 5 mm margin
        }
    CAPTURE(red.count, yellow.count, green.count, elsewhereRed.count);
    // Each contour is a closed line of many pixels; the overlay stays inside the CT panel (the
    // debrief's red elsewhere is not on screen during the run).
    CHECK(red.count > 150);
    CHECK(yellow.count > 100);
    CHECK(green.count > 100);
    // The zone (Omega = 1) encloses the tumour and its 5 mm margin: this run covers both.
    CHECK(yellow.inside(green));
    CHECK(green.inside(red));
    // Coagulated liver drawn at 25 HU through the liver window (W150 L60): grey 68 of 255, a flat
    // fill of the zone: most of the margin's box, little of the panel outside the zone's.
    const auto greyShare = [&](int ax, int ay, int bx, int by, bool outside) {
        int n = 0, grey = 0;
        for (int y = y0; y < y0 + side; ++y)
            for (int x = x0; x < x0 + side; ++x) {
                if ((x >= ax && x <= bx && y >= ay && y <= by) == outside) continue;
                const uint8_t* p = im.at(x, y);
                ++n;
                grey += p[0] == p[1] && p[1] == p[2] && std::abs(p[0] - 68) <= 1;
            }
        return static_cast<double>(grey) / std::max(n, 1);
    };
    const double inMargin = greyShare(green.x0, green.y0, green.x1, green.y1, false);
    const double outsideZone = greyShare(red.x0, red.y0, red.x1, red.y1, true);
    CAPTURE(inMargin, outsideZone);
    CHECK(inMargin > 0.6);
    CHECK(outsideZone < 0.05);
    // Sizes on screen: 160 mm across 376 pixels. The tumour is 25 mm (its cut by this slice, a few
    // mm off its centre, no wider); the zone of 5 minutes at 100 W spans 35-60 mm across here.
    const double mmPerPixel = 160.0 / side;
    CHECK((yellow.x1 - yellow.x0) * mmPerPixel == Approx(25.0).margin(3.0));
    CHECK((red.x1 - red.x0) * mmPerPixel > 35.0);
    CHECK((red.x1 - red.x0) * mmPerPixel < 60.0);
}

#endif
