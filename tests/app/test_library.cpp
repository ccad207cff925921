// The scenario library (`irsim library --list`, app/library.h): every scenario easiest first, an
// instructor's scenario beside the shipped ones, one that does not load shown with its error, the
// trainee's record on each from the records, and the starting image as a cached thumbnail.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <catch2/catch.hpp>

#include "app/library.h"
#include "core/paths.h"
#include "run_irsim.h"

using namespace irsim;
using namespace irsim::test;
namespace fs = std::filesystem;

namespace {

std::string scenarioText(const std::string& id) {
    std::ifstream in(std::string(IRSIM_SOURCE_DIR) + "/scenarios/" + id + ".toml");
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("the scenario library lists every scenario easiest first with the trainee's record on each",
          "[app][library]") {
    const fs::path dir = freshDir("library");
    const fs::path mine = dir / "instructor";
    fs::create_directories(mine);
    // An instructor's copy of the introductory scenario, and one with a difficulty the library
    // does not know.
    std::string text = scenarioText("carm-positioning-l1");
    const std::string shippedTitle = "title = \"C-arm positioning: true AP and lateral of L1\"";
    REQUIRE(text.find(shippedTitle) != std::string::npos);
    text.replace(text.find(shippedTitle), shippedTitle.size(), "title = \"C-arm positioning: my L2 variant\"");
    std::ofstream(mine / "my-carm.toml") << text;
    std::string bad = text;
    const std::string stated = "difficulty = \"introductory\"";
    bad.replace(bad.find(stated), stated.size(), "difficulty = \"hard\"");
    std::ofstream(mine / "bad-difficulty.toml") << bad;

    const std::string records = "sqlite:" + (dir / "r.sqlite").string();
    const std::string shipped = std::string(IRSIM_SOURCE_DIR) + "/scenarios";
    const std::string list = quoted(IRSIM_EXE) + " library --list --dir " + quoted(shipped) + " --dir " +
                             quoted(mine.string()) + " --trainee anna --records " + quoted(records) + " 2>&1";
    const ProgramResult before = runShell(list);
    INFO(before.out);
    REQUIRE(before.status == 0);
    // Easiest first: the introductory scenarios (shipped and the instructor's) before any
    // intermediate one, the advanced last; the one that does not load after all, with its error.
    const size_t intro = before.out.find("carm-positioning-l1"), mineAt = before.out.find("my-carm"),
                 intermediate = before.out.find("vertebroplasty-l1"), advanced = before.out.find("radioembolization-right-lobe"),
                 broken = before.out.find("bad-difficulty");
    REQUIRE(intro != std::string::npos);
    REQUIRE(mineAt != std::string::npos);
    REQUIRE(intermediate != std::string::npos);
    REQUIRE(advanced != std::string::npos);
    REQUIRE(broken != std::string::npos);
    CHECK(intro < intermediate);
    CHECK(mineAt < intermediate);
    CHECK(intermediate < advanced);
    CHECK(advanced < broken);
    CHECK(before.out.find("(instructor's)", mineAt) != std::string::npos);
    CHECK(before.out.find("bad-difficulty.toml:6: scenario.difficulty: expected introductory, intermediate or advanced, "
                          "got \"hard\"") != std::string::npos);
    CHECK(before.out.find("not attempted yet", intro) < intermediate);

    // Two sessions of anna on the introductory scenario: the expert's (passes) and the AP-only
    // novice's (fails). The library shows the expert's score as her best.
    const std::string run = quoted(IRSIM_EXE) + " run carm-positioning-l1 --headless --trainee anna --records " +
                            quoted(records) + " --actions " + quoted(shipped + "/carm-positioning-l1.");
    const ProgramResult expert = runShell(run + "expert.jsonl 2>&1");
    const ProgramResult novice = runShell(run + "aponly.jsonl 2>&1");
    INFO(expert.out << novice.out);
    REQUIRE(expert.status == 0);
    REQUIRE(novice.status == 4);
    double expertScore = 0.0;
    REQUIRE(std::sscanf(expert.out.substr(expert.out.find("carm-positioning-l1: score")).c_str(),
                        "carm-positioning-l1: score %lf", &expertScore) == 1);
    const ProgramResult after = runShell(list);
    INFO(after.out);
    char best[64];
    std::snprintf(best, sizeof best, "best score %.1f, 2 sessions, 1 passed", expertScore);
    const size_t row = after.out.find("carm-positioning-l1");
    REQUIRE(row != std::string::npos);
    CHECK(after.out.find(best, row) == after.out.find("best score", row));
    CHECK(after.out.find(best) != std::string::npos);
}

TEST_CASE("a scenario's thumbnail is its starting fluoroscopy image, kept by the scenario's content hash",
          "[app][library]") {
    app::LibraryOptions options;
    options.dirs = {fs::path(IRSIM_SOURCE_DIR) / "scenarios"};
    const auto entries = app::loadLibrary(options);
    const auto it = std::find_if(entries.begin(), entries.end(), [](const app::LibraryEntry& e) { return e.id == "carm-positioning-l1"; });
    REQUIRE(it != entries.end());
    REQUIRE(it->error.empty());
    const fs::path cached = userCacheDir() / "thumbnails" / (it->contentHash + "-64.png");
    fs::remove(cached);
    const GreyImage made = app::libraryThumbnail(*it, 64);
    REQUIRE(fs::exists(cached));
    const GreyImage read = app::libraryThumbnail(*it, 64);
    REQUIRE(made.width == 64);
    REQUIRE(read.width == 64);
    double worst = 0.0, lo = 1.0, hi = 0.0;
    for (size_t i = 0; i < made.pixels.size(); ++i) {
        worst = std::max(worst, std::abs(double(made.pixels[i]) - read.pixels[i]));
        lo = std::min<double>(lo, made.pixels[i]), hi = std::max<double>(hi, made.pixels[i]);
    }
    CHECK(worst <= 0.5 / 255.0 + 1e-6);  // the cache holds it to 8 bits
    // An image of the patient: the spine and ribs dark against soft tissue, not a blank field.
    CHECK(hi - lo > 0.4);
}
