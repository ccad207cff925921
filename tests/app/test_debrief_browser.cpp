// The exported debrief page (`irsim debrief REPORT.json --html`), which assessors keep in a
// portfolio, opened in a real browser (Debian's chromium, headless): it renders, every image in it
// loads, and the browser's console shows nothing (no script error, no failed resource). A page
// with a broken image and a console message is flagged, so the check is not vacuous.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "run_irsim.h"

using namespace irsim::test;
namespace fs = std::filesystem;

namespace {

// Appended to a copy of the page: after the load event (every image fetched and decoded or
// failed) it writes what the browser holds into the DOM that --dump-dom prints.
const char* const kCheckScript = R"(<script>window.addEventListener('load', function () {
  var images = Array.prototype.slice.call(document.images);
  var loaded = images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length;
  var pre = document.createElement('pre');
  pre.id = 'browser-check';
  pre.textContent = 'images=' + images.length + ' loaded=' + loaded + ' text=' + document.body.innerText.length;
  document.body.appendChild(pre);
});</script>)";

struct BrowserView {
    int images = -1, loaded = -1, textChars = -1;
    std::string console;  // the console's lines, as chromium logs them
};

std::string readFile(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

BrowserView openInChromium(const fs::path& page, const fs::path& dir) {
    std::string html = readFile(page);
    const size_t end = html.rfind("</body>");
    REQUIRE(end != std::string::npos);
    html.insert(end, kCheckScript);
    const fs::path checked = dir / ("checked-" + page.filename().string());
    std::ofstream(checked, std::ios::binary) << html;
    const fs::path dom = dir / "dom.txt", log = dir / "chromium.txt";
    const std::string cmd = "timeout 120 chromium --headless --disable-gpu --no-sandbox --user-data-dir=" +
                            quoted((dir / "profile").string()) + " --virtual-time-budget=5000 --enable-logging=stderr --v=0 --dump-dom " +
                            quoted("file://" + fs::absolute(checked).string()) + " > " + quoted(dom.string()) + " 2> " +
                            quoted(log.string());
    REQUIRE(std::system(cmd.c_str()) == 0);
    BrowserView v;
    std::smatch m;
    const std::string d = readFile(dom);
    if (std::regex_search(d, m, std::regex("id=\"browser-check\">images=(\\d+) loaded=(\\d+) text=(\\d+)")))
        v.images = std::stoi(m[1]), v.loaded = std::stoi(m[2]), v.textChars = std::stoi(m[3]);
    std::ifstream in(log);
    for (std::string line; std::getline(in, line);)
        if (line.find(":CONSOLE") != std::string::npos) v.console += line + "\n";
    return v;
}

}  // namespace

TEST_CASE("the exported debrief page renders in chromium with every image loaded and nothing on the console",
          "[app][debrief][browser]") {
    if (std::system("command -v chromium >/dev/null 2>&1") != 0) {
        WARN("chromium is not installed (Debian package chromium, tools/packages.txt): the browser test is skipped");
        return;
    }
    const fs::path dir = freshDir("debrief-browser");
    // The harness flags what it should.
    const fs::path bad = dir / "bad.html";
    std::ofstream(bad) << "<html><body><p>x</p><img src=\"data:image/png;base64,AAAA\" alt=\"broken\">"
                          "<script>console.error('boom')</script></body></html>";
    const BrowserView flagged = openInChromium(bad, dir);
    CHECK(flagged.images == 1);
    CHECK(flagged.loaded == 0);
    CHECK(flagged.console.find("boom") != std::string::npos);

    // A shipped scenario's run (the breach log on the real CT, 7 images) and its page, whose images
    // the debrief re-renders from the report alone.
    const std::string scenarios = std::string(IRSIM_SOURCE_DIR) + "/scenarios/";
    const fs::path report = dir / "report.json", page = dir / "debrief.html";
    ProgramResult r = runShell(quoted(IRSIM_EXE) + " run " + quoted(scenarios + "vertebroplasty-ct.toml") + " --headless --actions " +
                               quoted(scenarios + "vertebroplasty-ct.breach.jsonl") + " --report " + quoted(report.string()) + " 2>&1");
    INFO(r.out);
    REQUIRE(fs::exists(report));
    r = runShell(quoted(IRSIM_EXE) + " debrief " + quoted(report.string()) + " --html " + quoted(page.string()) + " 2>&1");
    INFO(r.out);
    REQUIRE(r.status == 0);
    REQUIRE(r.out.find("(7 of 7 images)") != std::string::npos);
    const BrowserView v = openInChromium(page, dir);
    INFO(v.console);
    CHECK(v.images == 7);
    CHECK(v.loaded == 7);
    CHECK(v.textChars > 1000);  // the score, reasons, metrics and timeline as text
    CHECK(v.console.empty());
}
