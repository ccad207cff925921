// `irsim run --trainee` stores the session; `irsim debrief --html` exports it; the debrief window
// under Xvfb shows the result of the default scenario's expert log. All through the built program.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
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
const std::string kHunting = std::string(IRSIM_SOURCE_DIR) + "/scenarios/carm-positioning-l1.hunting.jsonl";

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
    const fs::path report = dir / "report.json", frames = dir / "frames", html = dir / "debrief.html";
    fs::create_directories(frames);
    auto run = runShell(irsimCmd() + " run " + quoted(kScenario) + " --headless --actions " + quoted(kExpert) + " --report " +
                        quoted(report.string()) + " --frames " + quoted(frames.string()) + " 2>&1");
    INFO(run.out);
    REQUIRE(run.status == 0);
    const auto j = nlohmann::json::parse(slurp(report));
    REQUIRE(j["actions"].size() == irsim::sim::readActionLog(kExpert).size());
    // No --actions and no --frames: the report alone. Its images are the ones the run wrote, pixel
    // for pixel (the replay is deterministic).
    run = runShell(irsimCmd() + " debrief " + quoted(report.string()) + " --html " + quoted(html.string()) + " 2>&1");
    INFO(run.out);
    REQUIRE(run.status == 0);
    const size_t n = j["images"].size();
    REQUIRE(n > 0);
    CHECK(run.out.find("(" + std::to_string(n) + " of " + std::to_string(n) + " images)") != std::string::npos);
    const std::string page = slurp(html);
    // Found by hand: std::regex recurses per character and overflows the stack on images this size.
    std::vector<std::string> embedded;
    const std::string open = "src=\"data:image/png;base64,";
    for (size_t at = page.find(open); at != std::string::npos; at = page.find(open, at)) {
        at += open.size();
        const size_t end = page.find('"', at);
        REQUIRE(end != std::string::npos);
        embedded.push_back(base64Decode(page.substr(at, end - at)));
    }
    REQUIRE(embedded.size() == n);
    const fs::path firstPng = dir / "embedded0.png";
    std::ofstream(firstPng, std::ios::binary) << embedded[0];
    const irsim::GreyImage again = irsim::readPngGrey(firstPng.string());
    const irsim::GreyImage written = irsim::readPngGrey((frames / j["images"][0]["file"].get<std::string>()).string());
    REQUIRE(again.pixels.size() == written.pixels.size());
    CHECK(again.pixels == written.pixels);
}

TEST_CASE("the debrief window after the default scenario's expert log shows the result, the metrics and the last image",
          "[app][debrief][window]") {
    if (std::system("command -v xvfb-run >/dev/null 2>&1") != 0) {
        WARN("xvfb-run is not installed (Debian package xvfb): debrief window test skipped");
        return;
    }
    const fs::path dir = freshDir("debrief-window");
    const fs::path shot = dir / "debrief.png";
    const std::string url = "sqlite:" + (dir / "records.sqlite").string();
    // An earlier failed attempt, so the learning curve has two points.
    auto r = runShell(irsimCmd() + " run " + quoted(kScenario) + " --headless --actions " + quoted(kHunting) +
                      " --trainee res-01 --records " + quoted(url) + " 2>&1");
    REQUIRE(r.status == 4);
    r = runShell("cd " + quoted(dir.string()) + " && IRSIM_ROOT=" + quoted(IRSIM_SOURCE_DIR) +
                 " IRSIM_VALIDATION=1 xvfb-run -a -s '-screen 0 1280x800x24' " + quoted(IRSIM_EXE) +
                 " replay " + quoted(kExpert) + " --scenario carm-positioning-l1 --trainee res-01 --records " + quoted(url) +
                 " --debrief-screenshot " + quoted(shot.string()) + " 2>&1");
    INFO(r.out);
    REQUIRE(r.status == 0);
    if (r.out.find("screenshot:") == std::string::npos) {
        WARN("irsim was built without the window: debrief window test skipped");
        return;
    }
    CHECK(r.out.find("Vulkan validation errors: 0") != std::string::npos);
    CHECK(r.out.find("stored session 2 for trainee res-01") != std::string::npos);
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
