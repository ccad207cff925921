// The simulator window under Xvfb: the built `irsim` program plays the default scenario's example
// log for 30 frames and saves a screenshot of its swapchain image; and the window driven by real
// X key and mouse events (window_input.sh, xdotool), read back from the session log it records,
// the report it writes and screenshots it takes while running.
#include <catch2/catch.hpp>

#include "../png_rgb.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// Mean absolute difference of two same-sized images over a rectangle.
double meanDifference(const irsim::GreyImage& a, const irsim::GreyImage& b, int x0, int y0, int x1, int y1) {
    double s = 0.0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) s += std::fabs(a.at(x, y) - b.at(x, y));
    return s / ((x1 - x0) * (y1 - y0));
}

std::vector<nlohmann::json> readJsonLines(const std::string& path) {
    std::vector<nlohmann::json> out;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
    return out;
}

// A script that drives the window with X events (tests/render/<script>, xdotool) under xvfb-run,
// writing into build/tests/render/<folder>: its exit status, the folder, and its logs. Nothing
// (with a warning) when xvfb-run is missing; xdotool is in tools/packages.txt, so its absence fails.
struct InputScriptRun {
    std::filesystem::path dir;
    int status = 0;
    std::string log;  // the script's, the program's and the steps' output
};
std::optional<InputScriptRun> runInputScript(const std::string& script, const std::string& folder) {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) {
        WARN("xvfb-run is not installed (Debian package xvfb): no X server can start, " + script + " skipped");
        return std::nullopt;
    }
    REQUIRE(std::system("command -v xdotool >/dev/null 2>&1") == 0);
    InputScriptRun r;
    r.dir = std::filesystem::path(IRSIM_BINARY_DIR) / "tests" / "render" / folder;
    std::filesystem::create_directories(r.dir);
    const std::string cmd = "xvfb-run -a -s '-screen 0 1280x800x24' bash '" + std::string(IRSIM_SOURCE_DIR) +
                            "/tests/render/" + script + "' '" + std::string(IRSIM_EXE) + "' '" + r.dir.string() +
                            "' > '" + (r.dir / "script.txt").string() + "' 2>&1";
    r.status = std::system(cmd.c_str());
    r.log = readAll((r.dir / "script.txt").string()) + readAll((r.dir / "irsim.txt").string()) +
            readAll((r.dir / "steps.txt").string());
    return r;
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

TEST_CASE("a mouse drag on the monitor is the hand on the hub: up pushes, sideways twists", "[render][window][input]") {
    const auto run = runInputScript("window_drag.sh", "window-drag-test");
    if (!run) return;
    const std::filesystem::path& dir = run->dir;
    INFO(run->log);
    REQUIRE(run->status == 0);
    // 80 px up at half a mm a pixel: a 40 mm push of the device in hand; 60 px right: 60 degrees.
    std::vector<nlohmann::json> pushes, turns;
    for (const nlohmann::json& a : readJsonLines((dir / "session.jsonl").string())) {
        if (a["action"] == "device.push") pushes.push_back(a);
        if (a["action"] == "device.torque") turns.push_back(a);
    }
    REQUIRE(pushes.size() == 1);
    REQUIRE(turns.size() == 1);
    CHECK(pushes[0]["mm"].get<double>() == Approx(40.0).margin(1.0));
    CHECK(turns[0]["deg"].get<double>() == Approx(60.0).margin(2.0));
    CHECK(pushes[0]["device"] == turns[0]["device"]);
}

TEST_CASE("a DSA run shows on the window's monitor as the subtracted frames: flat grey, the hepatic arteries dark",
          "[render][window][dsa]") {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) {
        WARN("xvfb-run is not installed (Debian package xvfb): window test skipped");
        return;
    }
    namespace fs = std::filesystem;
    const fs::path dir = fs::path(IRSIM_BINARY_DIR) / "tests" / "render" / "window-dsa";
    fs::create_directories(dir);
    const fs::path shot = dir / "shot.png", out = dir / "out.txt", log = dir / "dsa.jsonl";
    fs::remove(shot);
    {
        std::ofstream l(log);
        l << R"({"t": 0.0, "action": "session.start", "scenario": "celiac-angiography"})" << "\n"
          << R"({"t": 0.2, "action": "dsa.run", "fps": 3, "duration_s": 4})" << "\n"
          << R"({"t": 0.6, "action": "contrast.inject", "ml": 10, "rate_ml_s": 5, "at": "common_hepatic"})" << "\n"
          << R"({"t": 5.0, "action": "procedure.end"})" << "\n";
    }
    // 75 frames of 1/30 s: the frame at 2.2 s, contrast in the hepatic arteries.
    const std::string cmd = "cd '" + dir.string() + "' && IRSIM_VALIDATION=1 xvfb-run -a -s '-screen 0 1280x800x24' '" +
                            std::string(IRSIM_EXE) + "' run celiac-angiography --actions '" + log.string() +
                            "' --quit-after-frames 75 --screenshot '" + shot.string() + "' > '" + out.string() + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string output = readAll(out.string());
    INFO(output);
    REQUIRE(rc == 0);
    REQUIRE(output.find("Vulkan validation errors: 0") != std::string::npos);
    const irsim::GreyImage im = irsim::readPngGrey(shot.string());
    // The monitor: a subtraction cancels the anatomy to the flat DSA background (sim/frames.h,
    // kDsaBackground 0.8) wherever no iodine is; the arteries with contrast are far darker.
    std::vector<float> v;
    int dark = 0;
    for (int y = 150; y < 450; ++y)
        for (int x = 150; x < 450; ++x) {
            v.push_back(im.at(x, y));
            dark += im.at(x, y) < 0.5f;
        }
    std::nth_element(v.begin(), v.begin() + static_cast<long>(v.size() / 2), v.end());
    CHECK(v[v.size() / 2] == Approx(0.8).margin(0.05));
    CHECK(dark > 200);  // vessel pixels
    CHECK(dark < static_cast<int>(v.size()) / 5);
}

TEST_CASE("a lost GPU ends the window with a message naming it, the session log whole and the report written",
          "[render][window][device-lost]") {
    ::setenv("IRSIM_VK_FAULT", "device_lost", 1);
    const auto run = runInputScript("window_device_lost.sh", "window-device-lost");
    ::unsetenv("IRSIM_VK_FAULT");
    if (!run) return;
    const std::filesystem::path& dir = run->dir;
    INFO(run->log);
    REQUIRE(run->status == 0);
    CHECK(readAll((dir / "status.txt").string()) == "4\n");
    const std::string out = readAll((dir / "irsim.txt").string());
    CHECK(out.find("irsim: error: the graphics device was lost (vkQueueSubmit: VK_ERROR_DEVICE_LOST)") != std::string::npos);
    CHECK(out.find("Saved: the session log session.jsonl holds every action; the report is report.json") != std::string::npos);
    CHECK(out.find("irsim replay session.jsonl") != std::string::npos);
    // The log: every key the trainee pressed before the loss, each a whole line.
    int on = 0, off = 0, rotate = 0;
    for (const nlohmann::json& a : readJsonLines((dir / "session.jsonl").string())) {
        on += a["action"] == "fluoro.on";
        off += a["action"] == "fluoro.off";
        rotate += a["action"] == "carm.rotate";
    }
    CHECK(on == 1);
    CHECK(off == 1);
    CHECK(rotate > 0);
    const auto report = nlohmann::json::parse(readAll((dir / "report.json").string()));
    CHECK(report["end_reason"].get<std::string>().find("the graphics device was lost") == 0);
    CHECK(report["metrics"]["fluoro_pulses"]["value"].get<double>() > 0.0);
    // The saved log replays to the same fluoroscopy and C-arm angle: nothing done was lost.
    const std::filesystem::path replayed = dir / "replayed.json";
    const std::string cmd = "cd '" + dir.string() + "' && '" + std::string(IRSIM_EXE) +
                            "' replay session.jsonl --headless --report replayed.json > replay.txt 2>&1";
    REQUIRE(std::system(cmd.c_str()) == 0);
    const auto again = nlohmann::json::parse(readAll(replayed.string()));
    CHECK(again["metrics"]["fluoro_pulses"] == report["metrics"]["fluoro_pulses"]);
    CHECK(again["metrics"]["fluoro_time_s"] == report["metrics"]["fluoro_time_s"]);
}

#endif

#ifdef IRSIM_EXE
TEST_CASE("real X key and mouse events drive the window: the pedal held, F1 twice, a slider dragged",
          "[render][window][input]") {
    const auto run = runInputScript("window_input.sh", "window-input-test");
    if (!run) return;
    const std::filesystem::path& dir = run->dir;
    INFO(run->log);
    REQUIRE(run->status == 0);
    const std::vector<nlohmann::json> log = readJsonLines((dir / "session.jsonl").string());
    REQUIRE_FALSE(log.empty());
    CHECK(log.front()["action"] == "session.start");

    // Space held 2 s (wall clock) is one press of the pedal: one fluoro.on, one fluoro.off about
    // 2 s of simulated time later. The window's clock follows the wall clock frame by frame and
    // sees the key at its frames: up to a frame at each end of the hold is the tolerance (~0.25 s
    // a frame with the pedal down on lavapipe, 2 loaded cores; a frame of ~0.6 s was seen once with
    // the machine at load 12, hence 0.75 s: a tap or a stuck pedal is still far outside).
    std::vector<double> on, off;
    for (const nlohmann::json& a : log) {
        if (a["action"] == "fluoro.on") on.push_back(a["t"].get<double>());
        if (a["action"] == "fluoro.off") off.push_back(a["t"].get<double>());
    }
    REQUIRE(on.size() == 1);
    REQUIRE(off.size() == 1);
    CHECK(off[0] - on[0] == Approx(2.0).margin(0.75));
    const nlohmann::json report = nlohmann::json::parse(readAll((dir / "report.json").string()));
    CHECK(report["metrics"]["fluoro_time_s"]["value"].get<double>() == Approx(off[0] - on[0]).margin(0.01));
    // The status bar's figure is the same state (SimState::dose.fluoroTimeS).
    CHECK(report["end_reason"] == "the window was closed");

    // F1, F1: the help overlay (a panel over the monitor at x 200-760 from y 150) appears, then goes.
    const irsim::GreyImage before = irsim::readPngGrey((dir / "before-help.png").string());
    const irsim::GreyImage help = irsim::readPngGrey((dir / "help.png").string());
    const irsim::GreyImage after = irsim::readPngGrey((dir / "after-help.png").string());
    const double opened = meanDifference(before, help, 200, 150, 760, 400);
    const double closed = meanDifference(before, after, 200, 150, 760, 400);
    INFO("help region: " << opened << " changed with help open, " << closed << " after it closed");
    CHECK(opened > 0.1);  // measured 0.26; a monitor still refining its last image moved it 0.04
    CHECK(closed < 0.2 * opened);

    // The drag on the LAO slider sets the C-arm: carm.set actions ending about 60 px / 195 px of
    // the slider's 240 deg to the right of its middle (the slider's ends are clamped in ImGui).
    double lao = 0.0;
    int sets = 0;
    for (const nlohmann::json& a : log)
        if (a["action"] == "carm.set") {
            lao = a["lao_deg"].get<double>();
            ++sets;
        }
    CHECK(sets >= 1);
    CHECK(lao == Approx(60.0 / 195.0 * 240.0).margin(15.0));
}
TEST_CASE("the scenario library starts the scenario a mouse click chooses and stores the session for the trainee",
          "[render][window][library]") {
    const auto run = runInputScript("library_click.sh", "library-click-test");
    if (!run) return;
    INFO(run->log);
    REQUIRE(run->status == 0);
    CHECK(run->log.find("library: starting") != std::string::npos);
    CHECK(run->log.find("carm-positioning-l1.toml") != std::string::npos);
    // The window closed mid-session: one session of anna on that scenario, not passed.
    const std::string records = "sqlite:" + (run->dir / "r.sqlite").string();
    const std::string listing = (run->dir / "list.txt").string();
    REQUIRE(std::system(("'" + std::string(IRSIM_EXE) + "' library --list --trainee anna --records '" + records + "' > '" +
                         listing + "' 2>&1").c_str()) == 0);
    const std::string listed = readAll(listing);
    INFO(listed);
    const size_t row = listed.find("carm-positioning-l1");
    REQUIRE(row != std::string::npos);
    CHECK(listed.find("1 session, 0 passed", row) != std::string::npos);
}

TEST_CASE("a hand on the radioembolization panel exchanges the wire for the microcatheter, plans, draws and infuses, and the CT panel shows the dose map",
          "[render][window][input][radioembolization]") {
    const auto run = runInputScript("window_y90.sh", "window-y90-test");
    if (!run) return;
    const std::filesystem::path& dir = run->dir;
    INFO(run->log);
    REQUIRE(run->status == 0);
    // Each click is the action its control documents, with the panel's defaults: a partition plan
    // to 40 Gy of normal liver (the resin limit, EANM 2022), the activity drawn, 5 ml at 5 ml/min.
    std::vector<nlohmann::json> plans, draws, infusions, inserted;
    std::string removed;
    for (const nlohmann::json& a : readJsonLines((dir / "session.jsonl").string())) {
        if (a["action"] == "device.remove") removed = a["device"];
        if (a["action"] == "device.insert") inserted.push_back(a["device"]);
        if (a["action"] == "plan.activity") plans.push_back(a);
        if (a["action"] == "spheres.prepare") draws.push_back(a);
        if (a["action"] == "spheres.infuse") infusions.push_back(a);
    }
    // The coaxial exchange: the 0.035" wire out, then the microcatheter and the microwire in,
    // none of them refused.
    CHECK(removed == "glidewire_035_angled");
    CHECK(inserted == std::vector<nlohmann::json>{"microcatheter_27fr", "microwire_018"});
    const nlohmann::json report = nlohmann::json::parse(readAll((dir / "report.json").string()));
    for (const nlohmann::json& e : report["events"]) CHECK(e["kind"] != "action.refused");
    REQUIRE(plans.size() == 1);
    REQUIRE(draws.size() == 1);
    REQUIRE(infusions.size() == 1);
    CHECK(plans[0]["method"] == "partition");
    CHECK(plans[0]["target_gy"].get<double>() == 40.0);
    CHECK(infusions[0]["ml"].get<double>() == 5.0);
    CHECK(infusions[0]["rate_ml_s"].get<double>() == Approx(5.0 / 60.0).epsilon(1e-12));
    CHECK(plans[0]["t"].get<double>() < draws[0]["t"].get<double>());
    CHECK(draws[0]["t"].get<double>() < infusions[0]["t"].get<double>());
    // The CT panel (x 590-980) shows the dose map's colour scale: a column that runs from red up
    // through yellow to pale yellow (the picture resampled into the panel: within 40 of each).
    const test::RgbImage shot = test::readPngRgb((dir / "dosemap.png").string());
    bool scale = false;
    for (int x = 590; x < 980 && !scale; ++x) {
        int stage = 0;
        for (int y = 400; y >= 30 && stage < 3; --y) {
            const uint8_t* p = shot.at(x, y);
            const bool hi = p[0] > 215;
            if (stage == 0 && hi && p[1] < 40 && p[2] < 40) stage = 1;
            else if (stage == 1 && hi && p[1] > 215 && p[2] < 40) stage = 2;
            else if (stage == 2 && hi && p[1] > 215 && std::abs(p[2] - 153) < 40) stage = 3;
        }
        scale = stage == 3;
    }
    CHECK(scale);
}

// What both authoring scripts leave: L1 picked with a click on the sagittal slice, the file saved
// with it checking clean, played, and one session of anna scored by the rubric the editor wrote.
// Nothing done, so the trajectory metric (weight 2) scores 0, no cement leaked (weight 2) and no
// fluoroscopy (weight 1) score full marks: 100 x 3 / 5 = 60, and the goals (cement in the body)
// fail it.
static void checkAuthoredAndScored(const InputScriptRun& run, const std::filesystem::path& scenario) {
    CHECK(run.log.find("author: clicked Sagittal: target: vertebrae_L1") != std::string::npos);
    CHECK(run.log.find("author: playing") != std::string::npos);
    const std::string saved = readAll(scenario.string());
    CHECK(saved.find("target = \"vertebrae_L1\"") != std::string::npos);
    CHECK(saved.find("level = \"vertebrae_L1\"") != std::string::npos);
    const std::string checked = (run.dir / "check.txt").string();
    CHECK(std::system(("'" + std::string(IRSIM_EXE) + "' scenario check '" + scenario.string() + "' > '" + checked + "' 2>&1").c_str()) == 0);
    INFO(readAll(checked));
    const std::string records = "sqlite:" + (run.dir / "r.sqlite").string();
    const std::string listing = (run.dir / "list.txt").string();
    REQUIRE(std::system(("'" + std::string(IRSIM_EXE) + "' library --list --dir '" + scenario.parent_path().string() +
                         "' --trainee anna --records '" + records + "' > '" + listing + "' 2>&1").c_str()) == 0);
    const std::string listed = readAll(listing);
    INFO(listed);
    CHECK(listed.find("best score 60.0, 1 session, 0 passed") != std::string::npos);
}

TEST_CASE("an instructor picks L1 on the real CT with a mouse click in the authoring mode, saves, plays and is scored",
          "[render][window][authoring]") {
    const auto run = runInputScript("author_click.sh", "author-click-test");
    if (!run) return;
    INFO(run->log);
    REQUIRE(run->status == 0);
    // It started on T12: the click made L1 the target.
    checkAuthoredAndScored(*run, run->dir / "l1.toml");
}

TEST_CASE("from the library alone, a new instructor authors a vertebroplasty scenario on the real CT, plays it and is scored",
          "[render][window][authoring][library]") {
    const auto run = runInputScript("library_author_click.sh", "library-author-click-test");
    if (!run) return;
    INFO(run->log);
    REQUIRE(run->status == 0);
    CHECK(run->log.find("clicked Author a scenario") != std::string::npos);
    checkAuthoredAndScored(*run, run->dir / "data" / "irsim" / "scenarios" / "my-scenario.toml");
}

#endif
