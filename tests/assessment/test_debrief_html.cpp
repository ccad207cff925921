// The debrief's model (assessment/debrief.h) and its HTML export (assessment/debrief_html.h), from a
// report of the irsim.report/1 shape, with no window: colours follow the rubric's marks, and the
// page carries every number of the report, self-contained and well-formed.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "assessment/debrief.h"
#include "assessment/debrief_html.h"
#include "core/image_io.h"

using namespace irsim;
using namespace irsim::assessment;
using nlohmann::json;

namespace {

// A vertebroplasty-like rubric: fluoro time and cement volume lower is better, a needle-tip
// distance, and a critical error for a cement leak volume above 1 ml.
Rubric testRubric() {
    Rubric r;
    r.passScore = 70.0;
    r.metrics = {{"fluoro_time_s", "s", "Fluoroscopy time", 60.0, 180.0, 2.0},
                 {"tip_to_midline_mm", "mm", "Needle tip to midline", 2.0, 10.0, 1.0},
                 {"cement_ml", "ml", "Cement volume", 4.0, 8.0, 1.0},
                 {"view_ap_angle_error_deg", "deg", "AP view angle error", 2.0, 10.0, 1.0}};
    CriticalError leak;
    leak.reason = "cement leak into the canal";
    leak.metric = "leak_ml";
    leak.above = 1.0;
    r.critical = {leak};
    return r;
}

// The report a session of that scenario writes (fields as sim/report.cpp writes them).
json testReport() {
    json r;
    r["schema"] = "irsim.report/1";
    r["scenario"] = "vertebroplasty-l1";
    r["title"] = "Vertebroplasty of L1 <osteoporotic> & kyphotic";
    r["procedure"] = "vertebroplasty";
    r["patient"] = "phantom seed 7";
    r["duration_s"] = 12.5;
    r["end_reason"] = "procedure.end";
    r["score"] = 41.3;
    r["passed"] = false;
    r["reasons"] = {"Critical error: cement leak into the canal: leak_ml 1.6 ml is above the limit 1 ml.",
                    "Needle tip to midline 6 mm is short of its target 2 mm <b>&</b>."};
    // Events carry the category the session declared them with; the last, as in a report written
    // before events carried one, has none.
    r["events"] = json::array({{{"time_s", 0.0}, {"kind", "fluoro.on"}, {"details", "7.5 pulses/s"}, {"category", "imaging"}},
                               {{"time_s", 0.6}, {"kind", "fluoro.off"}, {"details", "0.6 s"}, {"category", "imaging"}},
                               {{"time_s", 4.0}, {"kind", "needle.step"}, {"details", "2 mm"}, {"category", "device"}},
                               {{"time_s", 7.25}, {"kind", "cement.leak"}, {"details", "into the canal"}, {"category", "complication"}},
                               {{"time_s", 12.5}, {"kind", "session.end"}, {"details", "procedure.end"}}});
    r["metrics"] = {{"fluoro_time_s", {{"value", 60.0}, {"unit", "s"}}},  // at target: full marks
                    {"tip_to_midline_mm", {{"value", 6.0}, {"unit", "mm"}}},  // half way: half marks
                    {"cement_ml", {{"value", 9.5}, {"unit", "ml"}}},  // beyond the limit: none
                    {"leak_ml", {{"value", 1.6}, {"unit", "ml"}}},  // critical, not scored
                    {"fluoro_pulses", {{"value", 5.0}, {"unit", ""}}}};
    r["marks"] = json::array();  // an older report without marks: the rubric's ramp gives them
    r["images"] = json::array({{{"time_s", 0.6}, {"kind", "fluoro"}, {"label", ""}, {"lao_deg", 0.0}, {"cran_deg", 0.0}},
                               {{"time_s", 6.0}, {"kind", "stored"}, {"label", "AP \"L1\""}, {"lao_deg", 90.0}, {"cran_deg", -2.5}}});
    json timeline = json::array();
    for (int i = 0; i <= 12; ++i) {
        const double t = i;
        timeline.push_back({{"time_s", t}, {"reference_air_kerma_mGy", 0.0137 * t * t},
                            {"kerma_area_product_Gycm2", 0.00021 * t}, {"fluoro_time_s", std::min(t, 0.6)},
                            {"contrast_ml", 0.0}, {"activity_GBq", 0.0}, {"cement_ml", t > 5 ? 0.95 * (t - 5) : 0.0}});
    }
    timeline.push_back({{"time_s", 12.5}, {"reference_air_kerma_mGy", 0.0137 * 12.5 * 12.5},
                        {"kerma_area_product_Gycm2", 0.00021 * 12.5}, {"fluoro_time_s", 0.6}, {"contrast_ml", 0.0},
                        {"activity_GBq", 0.0}, {"cement_ml", 0.95 * 7.5}});
    r["timeline"] = timeline;
    return r;
}

GreyImage gradient(int w, int h, double phase) {
    GreyImage im{w, h, std::vector<float>(static_cast<size_t>(w) * h)};
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) im.at(x, y) = static_cast<float>(0.5 + 0.5 * std::sin(phase + 0.11 * x + 0.07 * y));
    return im;
}

std::string base64Decode(const std::string& s) {
    auto val = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::string out;
    int bits = 0, acc = 0;
    for (char c : s) {
        if (c == '=') break;
        const int v = val(c);
        if (v < 0) throw std::runtime_error(std::string("not base64: ") + c);
        acc = (acc << 6) | v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

// Every element closed in order; void elements written self-closed (the page is XHTML-style).
// Returns "" when balanced, else where it broke.
std::string tagBalance(const std::string& html) {
    std::vector<std::string> stack;
    size_t i = 0;
    while ((i = html.find('<', i)) != std::string::npos) {
        const size_t end = html.find('>', i);
        if (end == std::string::npos) return "unterminated tag at " + std::to_string(i);
        const std::string tag = html.substr(i + 1, end - i - 1);
        i = end + 1;
        if (tag.empty() || tag[0] == '!') continue;  // DOCTYPE
        const bool closing = tag[0] == '/';
        const bool selfClosed = tag.back() == '/';
        const std::string name = tag.substr(closing ? 1 : 0, tag.find_first_of(" /", closing ? 1 : 0) - (closing ? 1 : 0));
        if (selfClosed) continue;
        if (!closing) {
            stack.push_back(name);
            continue;
        }
        if (stack.empty() || stack.back() != name)
            return "</" + name + "> closes <" + (stack.empty() ? std::string("nothing") : stack.back()) + ">";
        stack.pop_back();
    }
    return stack.empty() ? "" : "<" + stack.back() + "> never closed";
}

// data-series KEY -> its points as (x, y).
std::map<std::string, std::vector<std::pair<double, double>>> polylines(const std::string& html) {
    std::map<std::string, std::vector<std::pair<double, double>>> out;
    const std::regex re("<polyline data-series=\"([^\"]+)\" points=\"([^\"]*)\"");
    for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it) {
        std::istringstream pts((*it)[2].str());
        std::string pair;
        auto& v = out[(*it)[1].str()];
        while (pts >> pair) {
            const auto comma = pair.find(',');
            v.emplace_back(std::stod(pair.substr(0, comma)), std::stod(pair.substr(comma + 1)));
        }
    }
    return out;
}

const DebriefMetric& metric(const Debrief& d, const std::string& name) {
    for (const auto& m : d.metrics)
        if (m.name == name) return m;
    FAIL("no metric " << name);
    return d.metrics.front();
}

}  // namespace

TEST_CASE("base64 follows the RFC 4648 test vectors", "[assessment][debrief]") {
    CHECK(base64Encode("") == "");
    CHECK(base64Encode("f") == "Zg==");
    CHECK(base64Encode("fo") == "Zm8=");
    CHECK(base64Encode("foo") == "Zm9v");
    CHECK(base64Encode("foob") == "Zm9vYg==");
    CHECK(base64Encode("fooba") == "Zm9vYmE=");
    CHECK(base64Encode("foobar") == "Zm9vYmFy");
}

TEST_CASE("debrief colours: full marks at the target, half marks half way, none beyond the limit, critical beyond a critical limit",
          "[assessment][debrief]") {
    const Rubric rubric = testRubric();
    const Debrief d = debriefFromReport(testReport(), &rubric, "test.json");
    // Rubric metrics first, in rubric order, then the unscored ones by name.
    REQUIRE(d.metrics.size() == 6);
    CHECK(d.metrics[0].name == "fluoro_time_s");
    CHECK(d.metrics[3].name == "view_ap_angle_error_deg");

    const auto& fluoro = metric(d, "fluoro_time_s");
    CHECK(fluoro.marks == 1.0);
    CHECK(fluoro.band == MarksBand::Full);
    CHECK(*fluoro.target == 60.0);
    CHECK(*fluoro.limit == 180.0);
    CHECK(fluoro.label == "Fluoroscopy time");
    // (6 - 2) / (10 - 2) of the way from full marks to none: half marks, on the linear ramp.
    const auto& tip = metric(d, "tip_to_midline_mm");
    CHECK(tip.marks == Approx(0.5).margin(1e-12));
    CHECK(tip.band == MarksBand::Partial);
    CHECK(metric(d, "cement_ml").band == MarksBand::Zero);
    const auto& missing = metric(d, "view_ap_angle_error_deg");
    CHECK(missing.missing);
    CHECK(missing.band == MarksBand::Zero);
    const auto& leak = metric(d, "leak_ml");
    CHECK(leak.band == MarksBand::Critical);
    CHECK(*leak.critical == 1.0);
    CHECK(metric(d, "fluoro_pulses").band == MarksBand::Unscored);
    // Bands at the exact ends of the ramp.
    CHECK(bandFor(1.0, false) == MarksBand::Full);
    CHECK(bandFor(0.999, false) == MarksBand::Partial);
    CHECK(bandFor(0.0, false) == MarksBand::Zero);
    CHECK(bandFor(1.0, true) == MarksBand::Critical);
    // Events keep the clinic's words and the category they were declared with; a report written
    // before events carried one shows them as device events, not as guessed from their kind.
    REQUIRE(d.events.size() == 5);
    CHECK(d.events[0].category == EventCategory::Imaging);
    CHECK(d.events[2].category == EventCategory::Device);
    CHECK(d.events[3].category == EventCategory::Complication);
    CHECK(d.events[4].category == EventCategory::Device);
    CHECK(eventLabel("fluoro.on") == "Fluoroscopy on");
    CHECK(lastImageAtOrBefore(d, 0.59) == -1);
    CHECK(lastImageAtOrBefore(d, 0.6) == 0);
    CHECK(lastImageAtOrBefore(d, 100.0) == 1);
}

TEST_CASE("a report that is not irsim.report/1 is refused, naming the file and the field", "[assessment][debrief]") {
    json r = testReport();
    r["schema"] = "other/2";
    CHECK_THROWS_WITH(debriefFromReport(r, nullptr, "bad.json"), Catch::Contains("bad.json") && Catch::Contains("schema"));
    r = testReport();
    r["timeline"][3].erase("cement_ml");
    CHECK_THROWS_WITH(debriefFromReport(r, nullptr, "bad.json"), Catch::Contains("timeline[3].cement_ml"));
}

TEST_CASE("the HTML debrief carries the score, every metric, reason and event, the images and the plots, self-contained",
          "[assessment][debrief][html]") {
    const Rubric rubric = testRubric();
    const json report = testReport();
    Debrief d = debriefFromReport(report, &rubric, "test.json");
    d.trainee = "res-07";
    d.sessionId = 3;
    addAttempts(d, {{1, "res-07", "vertebroplasty-l1", "", "2026-01-02T09:00:00Z", 30, 22.5, false, false, 0},
                    {2, "res-07", "vertebroplasty-l1", "", "2026-01-09T09:00:00Z", 30, 58.0, false, false, 0},
                    {3, "res-07", "vertebroplasty-l1", "", "2026-01-16T09:00:00Z", 30, 41.3, false, false, 0}});
    SessionRecord expert;
    expert.id = 1;
    expert.trainee = "dr-expert";
    expert.score = 96.0;
    expert.metrics["fluoro_time_s"] = {38.5, "s"};
    addExpertReference(d, expert);
    d.ratings.push_back({"dr-a", 2, "Slow <needle> & \"cement\"", "2026-01-16T10:00:00Z"});

    const std::vector<GreyImage> images = {gradient(64, 48, 0.0), gradient(64, 48, 1.0)};
    std::vector<std::string> png;
    for (const auto& im : images) png.push_back(encodePngGrey8(im));
    const std::string html = debriefHtml(d, png);

    SECTION("score, verdict, reasons (escaped), metrics, events and ratings are on the page") {
        CHECK(html.find("41.3") != std::string::npos);
        CHECK(html.find("FAILED") != std::string::npos);
        for (const auto& r : report["reasons"]) CHECK(html.find(escapeHtml(r.get<std::string>())) != std::string::npos);
        CHECK(html.find("<b>&</b>") == std::string::npos);  // text never becomes markup
        for (const auto& m : d.metrics) {
            INFO(m.name);
            CHECK(html.find("data-metric=\"" + m.name + "\"") != std::string::npos);
            CHECK(html.find(escapeHtml(m.label)) != std::string::npos);
            CHECK(html.find("class=\"band-" + std::string(toString(m.band)) + "\" data-metric=\"" + m.name + "\"") !=
                  std::string::npos);
        }
        for (const auto& e : report["events"]) {
            CHECK(html.find("data-kind=\"" + e["kind"].get<std::string>() + "\"") != std::string::npos);
            CHECK(html.find(escapeHtml(e["details"].get<std::string>())) != std::string::npos);
        }
        CHECK(html.find("38.5 s") != std::string::npos);  // the expert's value beside the trainee's
        CHECK(html.find(escapeHtml("Slow <needle> & \"cement\"")) != std::string::npos);
    }

    SECTION("one <img> per image, each valid base64 of a PNG with the image's pixels") {
        const std::regex re("<img alt=\"[^\"]*\" src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" />");
        std::vector<std::string> data;
        for (auto it = std::sregex_iterator(html.begin(), html.end(), re); it != std::sregex_iterator(); ++it)
            data.push_back((*it)[1].str());
        REQUIRE(data.size() == images.size());
        size_t imgTags = 0;
        for (size_t p = 0; (p = html.find("<img", p)) != std::string::npos; ++p) ++imgTags;
        CHECK(imgTags == images.size());
        const auto dir = std::filesystem::path(IRSIM_BINARY_DIR) / "test-output" / "debrief-html";
        std::filesystem::create_directories(dir);
        for (size_t i = 0; i < data.size(); ++i) {
            const std::string bytes = base64Decode(data[i]);
            REQUIRE(bytes == png[i]);
            REQUIRE(bytes.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
            const auto file = (dir / ("img" + std::to_string(i) + ".png")).string();
            std::FILE* f = std::fopen(file.c_str(), "wb");
            REQUIRE(f);
            std::fwrite(bytes.data(), 1, bytes.size(), f);
            std::fclose(f);
            // libpng reads it back; pixels within 8-bit quantisation (half a step) of the source.
            const GreyImage back = readPngGrey(file);
            REQUIRE(back.width == images[i].width);
            REQUIRE(back.height == images[i].height);
            double worst = 0.0;
            for (size_t k = 0; k < back.pixels.size(); ++k)
                worst = std::max(worst, std::abs(double(back.pixels[k]) - double(images[i].pixels[k])));
            CHECK(worst <= 0.5 / 255.0 + 1e-6);
        }
    }

    SECTION("each plot's polyline carries the report's timeline values; empty series are named, not drawn") {
        const auto lines = polylines(html);
        const json& timeline = report["timeline"];
        for (const char* key : {"reference_air_kerma_mGy", "kerma_area_product_Gycm2", "fluoro_time_s", "cement_ml"}) {
            INFO(key);
            REQUIRE(lines.count(key) == 1);
            const auto& pts = lines.at(key);
            REQUIRE(pts.size() == timeline.size());
            for (size_t i = 0; i < pts.size(); ++i) {
                CHECK(pts[i].first == Approx(timeline[i]["time_s"].get<double>()).epsilon(1e-8));
                CHECK(pts[i].second == Approx(timeline[i][key].get<double>()).epsilon(1e-8).margin(1e-15));
            }
        }
        CHECK(lines.count("contrast_ml") == 0);
        CHECK(lines.count("activity_GBq") == 0);
        CHECK(html.find("None in this session: Contrast injected, Y-90 activity delivered.") != std::string::npos);
        // The learning curve: one point per attempt, its score.
        REQUIRE(lines.count("score") == 1);
        REQUIRE(lines.at("score").size() == 3);
        CHECK(lines.at("score")[1].second == 58.0);
        CHECK(lines.at("score")[2].second == 41.3);
    }

    SECTION("well-formed and self-contained: balanced tags, no script, no external URL") {
        CHECK(tagBalance(html) == "");
        CHECK(html.find("<script") == std::string::npos);
        CHECK(html.find("<link") == std::string::npos);
        CHECK(html.find("http:") == std::string::npos);
        CHECK(html.find("https:") == std::string::npos);
        CHECK(html.find("url(") == std::string::npos);
        const std::regex src("src=\"([^\"]{0,30})");
        for (auto it = std::sregex_iterator(html.begin(), html.end(), src); it != std::sregex_iterator(); ++it)
            CHECK((*it)[1].str().rfind("data:image/png;base64,", 0) == 0);
    }
}

TEST_CASE("an image that could not be rendered is said so, without an empty <img>", "[assessment][debrief][html]") {
    const Rubric rubric = testRubric();
    const Debrief d = debriefFromReport(testReport(), &rubric, "test.json");
    const std::string html = debriefHtml(d, {encodePngGrey8(gradient(8, 8, 0.0))});
    size_t imgTags = 0;
    for (size_t p = 0; (p = html.find("<img", p)) != std::string::npos; ++p) ++imgTags;
    CHECK(imgTags == 1);
    CHECK(html.find("(image not rendered)") != std::string::npos);
    CHECK(tagBalance(html) == "");
}
