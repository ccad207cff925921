// `irsim run --trainee` stores the session; `irsim debrief --html` exports it; the debrief window
// under Xvfb shows the result of the default scenario's expert log, and a Y-90 session's dose map.
// All through the built program.
#include <png.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/image_io.h"
#include "run_irsim.h"
#include "sim/action.h"

using namespace irsim::test;
namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const std::string kScenario = std::string(IRSIM_SOURCE_DIR) + "/scenarios/carm-positioning-l1.toml";
const std::string kExpert = std::string(IRSIM_SOURCE_DIR) + "/scenarios/carm-positioning-l1.expert.jsonl";
const std::string kY90Scenario = std::string(IRSIM_SOURCE_DIR) + "/scenarios/radioembolization-segmentectomy.toml";
const std::string kY90Expert = std::string(IRSIM_SOURCE_DIR) + "/scenarios/radioembolization-segmentectomy.expert.jsonl";
const std::string kHunting = std::string(IRSIM_SOURCE_DIR) + "/scenarios/carm-positioning-l1.hunting.jsonl";

std::string lastWindowOutput;  // what the last debriefWindowShot printed

std::string irsimCmd() { return "IRSIM_ROOT=" + quoted(IRSIM_SOURCE_DIR) + " " + quoted(IRSIM_EXE); }

std::string base64Decode(const std::string& s) {
    static const std::string k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int bits = 0, acc = 0;
    for (char c : s) {
        if (c == '=') break;
        const auto v = k.find(c);
        REQUIRE(v != std::string::npos);
        acc = (acc << 6) | static_cast<int>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

// Runs `log` headless with its images in dir/frames and its report in dir/report.json, then exports
// the debrief from the report alone (no --actions, no --frames: the actions it carries are
// replayed) to dir/debrief.html. Returns the page; `report` gets the report.
std::string htmlFromReportAlone(const std::string& scenario, const std::string& log, const fs::path& dir,
                                nlohmann::json& report) {
    const fs::path reportPath = dir / "report.json", frames = dir / "frames", html = dir / "debrief.html";
    fs::create_directories(frames);
    auto run = runShell(irsimCmd() + " run " + quoted(scenario) + " --headless --actions " + quoted(log) + " --report " +
                        quoted(reportPath.string()) + " --frames " + quoted(frames.string()) + " 2>&1");
    INFO(run.out);
    REQUIRE(run.status == 0);
    report = nlohmann::json::parse(slurp(reportPath));
    REQUIRE(report["actions"].size() == irsim::sim::readActionLog(log).size());
    run = runShell(irsimCmd() + " debrief " + quoted(reportPath.string()) + " --html " + quoted(html.string()) + " 2>&1");
    INFO(run.out);
    REQUIRE(run.status == 0);
    const size_t n = report["images"].size();
    CHECK(run.out.find("(" + std::to_string(n) + " of " + std::to_string(n) + " images)") != std::string::npos);
    return slurp(html);
}

// Every embedded PNG of a page from `from` on, decoded. Found by hand: std::regex recurses per
// character and overflows the stack on images this size.
std::vector<std::string> embeddedPngs(const std::string& page, size_t from = 0) {
    std::vector<std::string> embedded;
    const std::string open = "src=\"data:image/png;base64,";
    for (size_t at = page.find(open, from); at != std::string::npos; at = page.find(open, at)) {
        at += open.size();
        const size_t end = page.find('"', at);
        REQUIRE(end != std::string::npos);
        embedded.push_back(base64Decode(page.substr(at, end - at)));
    }
    return embedded;
}

// `irsim replay LOG --debrief-screenshot` under Xvfb: the debrief window's last frame, or nothing
// (with a warning) where there is no X server or no window in this build.
std::optional<fs::path> debriefWindowShot(const std::string& log, const std::string& scenarioId, const fs::path& dir,
                                          const std::string& extra = "") {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) {
        WARN("xvfb-run is not installed (Debian package xvfb): debrief window test skipped");
        return std::nullopt;
    }
    const fs::path shot = dir / "debrief.png";
    const auto r = runShell("cd " + quoted(dir.string()) + " && IRSIM_ROOT=" + quoted(IRSIM_SOURCE_DIR) +
                            " IRSIM_VALIDATION=1 xvfb-run -a -s '-screen 0 1280x800x24' " + quoted(IRSIM_EXE) + " replay " +
                            quoted(log) + " --scenario " + scenarioId + extra + " --debrief-screenshot " +
                            quoted(shot.string()) + " 2>&1");
    INFO(r.out);
    REQUIRE(r.status == 0);
    if (r.out.find("screenshot:") == std::string::npos) {
        WARN("irsim was built without the window: debrief window test skipped");
        return std::nullopt;
    }
    CHECK(r.out.find("Vulkan validation errors: 0") != std::string::npos);
    lastWindowOutput = r.out;
    return shot;
}

struct Rgba {
    int width = 0, height = 0;
    std::vector<uint8_t> px;
    const uint8_t* at(int x, int y) const { return &px[(static_cast<size_t>(y) * width + x) * 4]; }
};

Rgba decodePng(const std::string& bytes) {
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()));
    img.format = PNG_FORMAT_RGBA;
    Rgba out;
    out.width = static_cast<int>(img.width), out.height = static_cast<int>(img.height);
    out.px.resize(PNG_IMAGE_SIZE(img));
    REQUIRE(png_image_finish_read(&img, nullptr, out.px.data(), 0, nullptr));
    return out;
}

// A colour scale in [x0, x1) x [y0, y1): a column that reads, from the bottom up, red (a quarter of
// the scale) then yellow (half) then pale yellow (three quarters and over: 255, 255, 153), as the
// hot-metal wash does. `tol`: how far from these colours a pixel may be (a window resamples).
bool hasColourScale(const Rgba& im, int x0, int y0, int x1, int y1, int tol) {
    for (int x = x0; x < x1; ++x) {
        int stage = 0;
        for (int y = y1 - 1; y >= y0 && stage < 3; --y) {
            const uint8_t* p = im.at(x, y);
            const bool red = p[0] >= 255 - tol && p[1] <= tol && p[2] <= tol;
            const bool yellow = p[0] >= 255 - tol && p[1] >= 255 - tol && p[2] <= tol;
            const bool white = p[0] >= 255 - tol && p[1] >= 255 - tol && std::abs(p[2] - 153) <= tol;
            if (stage == 0 && red) stage = 1;
            else if (stage == 1 && yellow) stage = 2;
            else if (stage == 2 && white) stage = 3;
        }
        if (stage == 3) return true;
    }
    return false;
}

// Pixels of the dose wash from half the scale up on the CT (yellow to pale yellow, never grey) and
// of the tumour's cyan contour, in a rectangle.
void countDose(const Rgba& im, int x0, int y0, int x1, int y1, int& hot, int& contour) {
    hot = contour = 0;
    for (int y = y0; y < y1; ++y)
        for (int x = x0; x < x1; ++x) {
            const uint8_t* p = im.at(x, y);
            hot += p[0] > 200 && p[1] > 150 && p[2] + 40 < p[1];
            contour += p[0] < 60 && p[1] > 180 && p[2] > 200;
        }
}

}  // namespace

TEST_CASE("a headless run with --trainee is stored with its report and log, and records list and show find it",
          "[app][records][debrief]") {
    const fs::path dir = freshDir("debrief-trainee");
    const std::string url = "sqlite:" + (dir / "records.sqlite").string();
    const fs::path report = dir / "report.json";
    const auto run = runShell(irsimCmd() + " run " + quoted(kScenario) + " --headless --actions " + quoted(kHunting) +
                              " --report " + quoted(report.string()) + " --trainee res-01 --records " + quoted(url) + " 2>&1");
    INFO(run.out);
    REQUIRE(run.status == 4);  // the session ran, stored, and the trainee failed
    CHECK(run.out.find("stored session 1 for trainee res-01") != std::string::npos);
    const auto j = nlohmann::json::parse(slurp(report));

    const auto list = runShell(irsimCmd() + " records list --records " + quoted(url) + " 2>&1");
    INFO(list.out);
    REQUIRE(list.status == 0);
    char score[32];
    std::snprintf(score, sizeof score, "%.1f", j["score"].get<double>());
    // One row: the trainee, the scenario, the report's score and result; started at the wall clock.
    const std::regex row(R"(\n\s+1\s+(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\s+res-01\s+carm-positioning-l1\s+)" +
                         std::string(score) + R"(\s+failed)");
    CHECK(std::regex_search(list.out, row));
    CHECK(list.out.find("1 session in") != std::string::npos);

    const auto show = runShell(irsimCmd() + " records show 1 --records " + quoted(url) + " 2>&1");
    INFO(show.out);
    REQUIRE(show.status == 0);
    for (const auto& r : j["reasons"]) CHECK(show.out.find(r.get<std::string>()) != std::string::npos);
    for (const auto& [name, m] : j["metrics"].items()) CHECK(show.out.find(name) != std::string::npos);
    // The whole action log is kept, byte for byte.
    CHECK(show.out.find("Action log: " + kHunting + " (" + std::to_string(fs::file_size(kHunting)) + " bytes)") !=
          std::string::npos);
}

TEST_CASE("irsim debrief REPORT --html --frames embeds each frame's PNG and plots the report's timeline",
          "[app][debrief][html]") {
    const fs::path dir = freshDir("debrief-html");
    const fs::path report = dir / "report.json", frames = dir / "frames", html = dir / "debrief.html";
    auto run = runShell(irsimCmd() + " run " + quoted(kScenario) + " --headless --actions " + quoted(kExpert) + " --report " +
                        quoted(report.string()) + " 2>&1");
    INFO(run.out);
    REQUIRE(run.status == 0);
    // Frames as `run --frames` names them, with stand-in pixels (rendering them is the imaging
    // tests' business and takes seconds each): the export must carry exactly these bytes.
    auto j = nlohmann::json::parse(slurp(report));
    fs::create_directories(frames);
    std::vector<std::string> bytes;
    for (size_t i = 0; i < j["images"].size(); ++i) {
        const std::string name = "img" + std::to_string(i) + ".png";
        j["images"][i]["file"] = name;
        irsim::GreyImage im{16, 16, std::vector<float>(256, static_cast<float>(i + 1) / 8.0f)};
        irsim::writePng8((frames / name).string(), im);
        bytes.push_back(slurp(frames / name));
    }
    std::ofstream(report) << j.dump(2);
    REQUIRE(!bytes.empty());

    run = runShell(irsimCmd() + " debrief " + quoted(report.string()) + " --html " + quoted(html.string()) + " --frames " +
                   quoted(frames.string()) + " 2>&1");
    INFO(run.out);
    REQUIRE(run.status == 0);
    const std::string page = slurp(html);
    char score[32];
    std::snprintf(score, sizeof score, "%.1f", j["score"].get<double>());
    CHECK(page.find(std::string("<span class=\"score\">") + score + "</span>") != std::string::npos);
    CHECK(page.find(j["passed"].get<bool>() ? "PASSED" : "FAILED") != std::string::npos);
    for (const auto& [name, m] : j["metrics"].items()) CHECK(page.find("data-metric=\"" + name + "\"") != std::string::npos);
    for (const auto& e : j["events"]) CHECK(page.find("data-kind=\"" + e["kind"].get<std::string>() + "\"") != std::string::npos);

    const std::regex img("src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\"");
    std::vector<std::string> embedded;
    for (auto it = std::sregex_iterator(page.begin(), page.end(), img); it != std::sregex_iterator(); ++it)
        embedded.push_back(base64Decode((*it)[1].str()));
    REQUIRE(embedded.size() == bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) CHECK(embedded[i] == bytes[i]);

    // The air-kerma plot: the report's values, sample for sample.
    const std::regex poly("data-series=\"reference_air_kerma_mGy\" points=\"([^\"]*)\"");
    std::smatch m;
    REQUIRE(std::regex_search(page, m, poly));
    std::istringstream pts(m[1].str());
    std::string pair;
    size_t i = 0;
    for (; pts >> pair; ++i) {
        REQUIRE(i < j["timeline"].size());
        const auto comma = pair.find(',');
        CHECK(std::stod(pair.substr(0, comma)) == Approx(j["timeline"][i]["time_s"].get<double>()).epsilon(1e-8));
        CHECK(std::stod(pair.substr(comma + 1)) ==
              Approx(j["timeline"][i]["reference_air_kerma_mGy"].get<double>()).epsilon(1e-8).margin(1e-12));
    }
    CHECK(i == j["timeline"].size());
    CHECK(page.find("http") == std::string::npos);
    CHECK(page.find("<script") == std::string::npos);
}

TEST_CASE("irsim debrief REPORT --html renders every image again from the actions the report carries",
          "[app][debrief][html]") {
    const fs::path dir = freshDir("debrief-html-rendered");
    nlohmann::json j;
    const std::string page = htmlFromReportAlone(kScenario, kExpert, dir, j);
    // Its images are the ones the run wrote, pixel for pixel (the replay is deterministic).
    const size_t n = j["images"].size();
    REQUIRE(n > 0);
    const std::vector<std::string> embedded = embeddedPngs(page);
    REQUIRE(embedded.size() == n);
    const fs::path frames = dir / "frames";
    const fs::path firstPng = dir / "embedded0.png";
    std::ofstream(firstPng, std::ios::binary) << embedded[0];
    const irsim::GreyImage again = irsim::readPngGrey(firstPng.string());
    const irsim::GreyImage written = irsim::readPngGrey((frames / j["images"][0]["file"].get<std::string>()).string());
    REQUIRE(again.pixels.size() == written.pixels.size());
    CHECK(again.pixels == written.pixels);
}

TEST_CASE("the debrief window after the default scenario's expert log shows the result, the metrics and the last image",
          "[app][debrief][window]") {
    const fs::path dir = freshDir("debrief-window");
    const std::string url = "sqlite:" + (dir / "records.sqlite").string();
    // An earlier failed attempt, so the learning curve has two points.
    auto r = runShell(irsimCmd() + " run " + quoted(kScenario) + " --headless --actions " + quoted(kHunting) +
                      " --trainee res-01 --records " + quoted(url) + " 2>&1");
    REQUIRE(r.status == 4);
    const auto shotFile = debriefWindowShot(kExpert, "carm-positioning-l1", dir, " --trainee res-01 --records " + quoted(url));
    if (!shotFile) return;
    const fs::path& shot = *shotFile;
    CHECK(lastWindowOutput.find("stored session 2 for trainee res-01") != std::string::npos);
    const irsim::GreyImage im = irsim::readPngGrey(shot.string());
    REQUIRE(im.width == 1280);
    REQUIRE(im.height == 800);
    auto stats = [&](int x0, int y0, int x1, int y1, double& mean, double& sd) {
        double s = 0, s2 = 0;
        int n = 0;
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) {
                s += im.at(x, y);
                s2 += double(im.at(x, y)) * im.at(x, y);
                ++n;
            }
        mean = s / n;
        sd = std::sqrt(std::max(0.0, s2 / n - mean * mean));
    };
    double mean = 0, sd = 0;
    // The last image taken (the stored lateral), replayed and rendered on the CPU: the spine in
    // grey against the white of air, not the black of an empty panel.
    stats(660, 245, 890, 470, mean, sd);
    CHECK(mean > 0.3);
    CHECK(sd > 0.08);
    // The score block (large PASSED and 100.0) is text on the dark window: some bright pixels.
    stats(8, 30, 210, 100, mean, sd);
    CHECK(sd > 0.1);
    // The metrics table fills its panel with rows of text.
    stats(8, 210, 630, 430, mean, sd);
    CHECK(sd > 0.05);
}

// The procedure's picture of its result (a Y-90 dose map over the CT) in the debrief; the debrief
// code names no procedure.
TEST_CASE("the debrief HTML of a Y-90 session embeds the run's dose map, pixel for pixel, under the verdict",
          "[app][debrief][html][radioembolization]") {
    const fs::path dir = freshDir("debrief-dose-map");
    nlohmann::json report;
    const std::string page = htmlFromReportAlone(kY90Scenario, kY90Expert, dir, report);
    const Rgba written = decodePng(slurp(dir / "frames" / "result-dose-map.png"));
    const size_t fig = page.find("<figure id=\"result-dose-map\">");
    REQUIRE(fig != std::string::npos);
    CHECK(fig < page.find("<h2>Metrics</h2>"));  // the result comes before the tables
    const Rgba embedded = decodePng(embeddedPngs(page, fig).front());
    REQUIRE(embedded.width == written.width);
    REQUIRE(embedded.height == written.height);
    CHECK(embedded.px == written.px);
    // What it shows: segment VIII dosed from half the scale up, the tumour's contour, the scale.
    int hot = 0, contour = 0;
    countDose(embedded, 0, 0, embedded.width - 112, embedded.height, hot, contour);
    CHECK(hot > 100);
    CHECK(contour > 40);
    CHECK(hasColourScale(embedded, embedded.width - 112, 0, embedded.width, embedded.height, 0));
}

TEST_CASE("the debrief window after a Y-90 session shows the dose map with its colour scale under Xvfb",
          "[app][debrief][window][radioembolization]") {
    const auto shot = debriefWindowShot(kY90Expert, "radioembolization-segmentectomy", freshDir("debrief-dose-map-window"));
    if (!shot) return;
    const Rgba im = decodePng(slurp(*shot));
    REQUIRE(im.width == 1280);
    REQUIRE(im.height == 800);
    // The timeline pane (right half, under the verdict) opens on the result: the dose over the CT
    // and the scale beside it. The left half (metrics, plots) holds none of its colours.
    int hot = 0, contour = 0;
    countDose(im, 640, 150, 1280, 560, hot, contour);
    CHECK(hot > 50);
    CHECK(contour > 20);
    CHECK(hasColourScale(im, 640, 150, 1280, 560, 40));
    countDose(im, 0, 150, 640, 800, hot, contour);
    CHECK(contour == 0);
}
