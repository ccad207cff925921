#include "assessment/debrief_html.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>

#include <zlib.h>

#include "core/error.h"
#include "core/text.h"

namespace irsim::assessment {

namespace {

// What people read: 4 significant figures is finer than any metric's target.
std::string shown(double v) { return std::isfinite(v) ? formatted("%.4g", v) : std::string("-"); }
std::string withUnit(double v, const std::string& unit) {
    return unit.empty() || !std::isfinite(v) ? shown(v) : shown(v) + " " + unit;
}
// What the plots carry: 9 significant figures round-trip a float and match the report to 1e-8.
std::string exact(double v) { return formatted("%.9g", v); }

// Colours of the bands and event categories, shared by the CSS and the SVG.
const char* bandColour(MarksBand b) {
    switch (b) {
        case MarksBand::Full: return "#2e9d4f";
        case MarksBand::Partial: return "#d99a1e";
        case MarksBand::Zero:
        case MarksBand::Critical: return "#cf3a2f";
        case MarksBand::Unscored: return "#8a8a8a";
    }
    return "#8a8a8a";
}
const char* categoryColour(EventCategory c) {
    switch (c) {
        case EventCategory::Imaging: return "#3b7dd8";
        case EventCategory::Device: return "#7a5cc4";
        case EventCategory::Therapy: return "#2e9d4f";
        case EventCategory::Complication: return "#cf3a2f";
        case EventCategory::Session: return "#555555";
    }
    return "#555555";
}

const char* kStyle = R"(
body{font-family:sans-serif;margin:24px auto;max-width:1000px;color:#222}
h1{margin-bottom:4px}h2{border-bottom:1px solid #ccc;padding-bottom:2px;margin-top:28px}
.who{color:#555;margin-top:0}
.result{padding:12px 16px;border-radius:6px;color:#fff}
.result.passed{background:#2e9d4f}.result.failed{background:#cf3a2f}
.score{font-size:40px;font-weight:bold;display:inline-block;margin-right:16px}
.verdict{font-size:28px;font-weight:bold;display:inline-block}
.result ul{margin:8px 0 0 0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:4px 6px;text-align:left}
td.num,th.num{text-align:right}
.swatch{display:inline-block;width:12px;height:12px;border-radius:6px;margin-right:6px;vertical-align:middle}
tr.band-full td.marks{color:#2e9d4f}tr.band-partial td.marks{color:#b07a10}
tr.band-zero td.marks,tr.band-critical td.marks{color:#cf3a2f;font-weight:bold}
tr.cat-complication td{color:#cf3a2f;font-weight:bold}
.plots svg{margin:4px 8px 8px 0}
figure{display:inline-block;margin:6px;text-align:center}figure img{width:256px;height:256px;background:#000}
.results figure img{width:auto;height:auto;max-width:100%}
figcaption{font-size:13px;color:#444}
.note{color:#666;font-style:italic}
)";

class Html {
public:
    Html& raw(std::string_view s) {
        out_ += s;
        return *this;
    }
    Html& text(std::string_view s) { return raw(escapeHtml(s)); }
    // <tag attrs>text</tag> on one line.
    Html& element(const char* tag, std::string_view body, const std::string& attrs = "") {
        out_ += "<";
        out_ += tag;
        if (!attrs.empty()) out_ += " " + attrs;
        out_ += ">";
        text(body);
        out_ += "</";
        out_ += tag;
        out_ += ">\n";
        return *this;
    }
    std::string take() { return std::move(out_); }

private:
    std::string out_;
};

std::string attr(const char* name, std::string_view value) {
    return std::string(name) + "=\"" + escapeHtml(value) + "\"";
}

// A plot of one cumulative series against simulation time.
void plot(Html& h, const DebriefSeries& s, double duration_s) {
    constexpr double W = 470, H = 170, L = 62, R = 12, T = 24, B = 30;
    const double w = W - L - R, hh = H - T - B;
    double tmax = duration_s;
    for (double t : s.time_s) tmax = std::max(tmax, t);
    if (tmax <= 0.0) tmax = 1.0;
    const double vmax = s.maxValue() > 0.0 ? s.maxValue() : 1.0;
    h.raw("<svg class=\"plot\" width=\"470\" height=\"170\" viewBox=\"0 0 470 170\" role=\"img\">\n");
    h.element("title", s.label + " (" + s.unit + ") over the session");
    h.element("text", s.label + " (" + s.unit + ")", "x=\"" + exact(L) + "\" y=\"15\" font-size=\"13\" font-weight=\"bold\"");
    h.raw("<rect x=\"" + exact(L) + "\" y=\"" + exact(T) + "\" width=\"" + exact(w) + "\" height=\"" + exact(hh) +
          "\" fill=\"#f7f7f7\" stroke=\"#bbb\" />\n");
    h.element("text", shown(vmax), "x=\"" + exact(L - 4) + "\" y=\"" + exact(T + 10) + "\" font-size=\"11\" text-anchor=\"end\"");
    h.element("text", "0", "x=\"" + exact(L - 4) + "\" y=\"" + exact(T + hh) + "\" font-size=\"11\" text-anchor=\"end\"");
    h.element("text", "0 s", "x=\"" + exact(L) + "\" y=\"" + exact(H - 12) + "\" font-size=\"11\"");
    h.element("text", shown(tmax) + " s", "x=\"" + exact(L + w) + "\" y=\"" + exact(H - 12) + "\" font-size=\"11\" text-anchor=\"end\"");
    // Data space to pixels: x = L + t w/tmax, y = T + hh - v hh/vmax.
    h.raw("<g transform=\"translate(" + exact(L) + " " + exact(T + hh) + ") scale(" + exact(w / tmax) + " " +
          exact(-hh / vmax) + ")\">\n");
    std::string points;
    for (size_t i = 0; i < s.time_s.size() && i < s.value.size(); ++i) {
        if (!points.empty()) points += " ";
        points += exact(s.time_s[i]) + "," + exact(s.value[i]);
    }
    h.raw("<polyline " + attr("data-series", s.key) + " " + attr("points", points) +
          " fill=\"none\" stroke=\"#3b7dd8\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\" />\n");
    h.raw("</g>\n</svg>\n");
}

// The session as a strip: one coloured tick per event.
void eventStrip(Html& h, const Debrief& d) {
    constexpr double W = 940, L = 10, R = 10;
    const double w = W - L - R;
    const double tmax = d.duration_s > 0.0 ? d.duration_s : 1.0;
    h.raw("<svg class=\"strip\" width=\"940\" height=\"46\" viewBox=\"0 0 940 46\" role=\"img\">\n");
    h.element("title", "Events over the session");
    h.raw("<line x1=\"10\" y1=\"20\" x2=\"930\" y2=\"20\" stroke=\"#999\" />\n");
    for (const SessionEvent& e : d.events) {
        const double x = L + std::clamp(e.time_s / tmax, 0.0, 1.0) * w;
        const EventCategory c = e.category;
        h.raw("<line x1=\"" + exact(x) + "\" y1=\"6\" x2=\"" + exact(x) + "\" y2=\"34\" stroke=\"" + categoryColour(c) +
              "\" stroke-width=\"" + (c == EventCategory::Complication ? "4" : "2") + "\">");
        h.element("title", shown(e.time_s) + " s: " + eventLabel(e.kind) + (e.details.empty() ? "" : " - " + e.details));
        h.raw("</line>\n");
    }
    h.element("text", "0 s", "x=\"10\" y=\"44\" font-size=\"11\"");
    h.element("text", shown(tmax) + " s", "x=\"930\" y=\"44\" font-size=\"11\" text-anchor=\"end\"");
    h.raw("</svg>\n");
}

void learningCurve(Html& h, const Debrief& d) {
    constexpr double W = 470, H = 170, L = 40, R = 12, T = 14, B = 26;
    const double w = W - L - R, hh = H - T - B;
    const double n = static_cast<double>(std::max<size_t>(d.attempts.size(), 2) - 1);
    h.raw("<svg class=\"plot\" width=\"470\" height=\"170\" viewBox=\"0 0 470 170\" role=\"img\">\n");
    h.element("title", "Score of each attempt at this scenario");
    h.raw("<rect x=\"40\" y=\"14\" width=\"" + exact(w) + "\" height=\"" + exact(hh) + "\" fill=\"#f7f7f7\" stroke=\"#bbb\" />\n");
    h.element("text", "100", "x=\"36\" y=\"24\" font-size=\"11\" text-anchor=\"end\"");
    h.element("text", "0", "x=\"36\" y=\"" + exact(T + hh) + "\" font-size=\"11\" text-anchor=\"end\"");
    if (d.passScore > 0.0) {
        const double y = T + hh - d.passScore / 100.0 * hh;
        h.raw("<line x1=\"40\" y1=\"" + exact(y) + "\" x2=\"" + exact(L + w) + "\" y2=\"" + exact(y) +
              "\" stroke=\"#cf3a2f\" stroke-dasharray=\"4 3\" />\n");
    }
    h.element("text", "attempt 1 to " + std::to_string(d.attempts.size()), "x=\"40\" y=\"" + exact(H - 8) + "\" font-size=\"11\"");
    h.raw("<g transform=\"translate(" + exact(L) + " " + exact(T + hh) + ") scale(" + exact(w / n) + " " +
          exact(-hh / 100.0) + ")\">\n");
    std::string points;
    for (size_t i = 0; i < d.attempts.size(); ++i)
        points += (i ? " " : "") + exact(static_cast<double>(i)) + "," + exact(d.attempts[i].score);
    h.raw("<polyline data-series=\"score\" " + attr("points", points) +
          " fill=\"none\" stroke=\"#3b7dd8\" stroke-width=\"2\" vector-effect=\"non-scaling-stroke\" />\n</g>\n");
    for (size_t i = 0; i < d.attempts.size(); ++i) {
        const DebriefAttempt& a = d.attempts[i];
        h.raw("<circle cx=\"" + exact(L + static_cast<double>(i) * w / n) + "\" cy=\"" +
              exact(T + hh - a.score / 100.0 * hh) + "\" r=\"" + (a.current ? "6" : "4") + "\" fill=\"" +
              (a.passed ? "#2e9d4f" : "#cf3a2f") + "\" />\n");
    }
    h.raw("</svg>\n");
}

void metricsTable(Html& h, const Debrief& d) {
    const bool expert = d.expertSessionId.has_value();
    h.raw("<table class=\"metrics\">\n<tr><th>Metric</th><th class=\"num\">Value</th><th class=\"num\">Target "
          "(full marks)</th><th class=\"num\">Limit (no marks)</th><th class=\"num\">Marks</th><th class=\"num\">"
          "Weight</th>");
    if (expert) h.raw("<th class=\"num\">Expert</th>");
    h.raw("</tr>\n");
    for (const DebriefMetric& m : d.metrics) {
        h.raw("<tr class=\"band-" + std::string(toString(m.band)) + "\" " + attr("data-metric", m.name) + ">");
        h.raw("<td><span class=\"swatch\" style=\"background:" + std::string(bandColour(m.band)) + "\"></span>");
        h.text(m.label);
        if (m.label != m.name) h.raw(" <small>(").text(m.name).raw(")</small>");
        h.raw("</td>");
        h.raw("<td class=\"num\">").text(m.missing ? "not done" : withUnit(m.value, m.unit)).raw("</td>");
        h.raw("<td class=\"num\">").text(m.target ? withUnit(*m.target, m.unit) : "").raw("</td>");
        std::string limit = m.limit ? withUnit(*m.limit, m.unit) : "";
        if (m.critical) limit += (limit.empty() ? "" : "; ") + std::string("critical beyond ") + withUnit(*m.critical, m.unit);
        h.raw("<td class=\"num\">").text(limit).raw("</td>");
        const std::string marks = m.band == MarksBand::Unscored ? "" :
                                  m.band == MarksBand::Critical ? "CRITICAL" : formatted("%.0f%%", 100.0 * m.marks);
        h.raw("<td class=\"num marks\">").text(marks).raw("</td>");
        h.raw("<td class=\"num\">").text(m.weight > 0.0 ? shown(m.weight) : "").raw("</td>");
        if (expert) h.raw("<td class=\"num\">").text(m.expert ? withUnit(*m.expert, m.unit) : "").raw("</td>");
        h.raw("</tr>\n");
    }
    h.raw("</table>\n");
}

}  // namespace

std::string escapeHtml(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string base64Encode(std::string_view bytes) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) | uint8_t(bytes[i + 2]);
        out += k[v >> 18];
        out += k[(v >> 12) & 63];
        out += k[(v >> 6) & 63];
        out += k[v & 63];
    }
    if (i < bytes.size()) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (i + 1 < bytes.size()) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out += k[v >> 18];
        out += k[(v >> 12) & 63];
        out += i + 1 < bytes.size() ? k[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

namespace {

// Scanlines with filter type 0 (none), then zlib, as the PNG specification (ISO/IEC 15948) lays
// out. `pixels`: rows of width x channels bytes; colourType 0 grey, 6 RGBA.
std::string encodePng(int width, int height, int channels, uint8_t colourType, const uint8_t* pixels) {
    const size_t row = size_t(width) * size_t(channels);
    std::string raw;
    raw.reserve(size_t(height) * (row + 1));
    for (int y = 0; y < height; ++y) {
        raw += '\0';
        raw.append(reinterpret_cast<const char*>(pixels + size_t(y) * row), row);
    }
    uLongf zlen = compressBound(static_cast<uLong>(raw.size()));
    std::string z(zlen, '\0');
    if (compress2(reinterpret_cast<Bytef*>(z.data()), &zlen, reinterpret_cast<const Bytef*>(raw.data()),
                  static_cast<uLong>(raw.size()), 6) != Z_OK)
        throw DataError("", 0, "image", "zlib could not compress the PNG");
    z.resize(zlen);

    std::string png("\x89PNG\r\n\x1a\n", 8);
    auto be32 = [](std::string& s, uint32_t v) {
        for (int sh = 24; sh >= 0; sh -= 8) s += static_cast<char>((v >> sh) & 0xff);
    };
    auto chunk = [&](const char* type, const std::string& data) {
        be32(png, static_cast<uint32_t>(data.size()));
        std::string body = std::string(type, 4) + data;
        png += body;
        be32(png, static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
    };
    std::string ihdr;
    be32(ihdr, static_cast<uint32_t>(width));
    be32(ihdr, static_cast<uint32_t>(height));
    ihdr += static_cast<char>(8);           // bit depth
    ihdr += static_cast<char>(colourType);  // grey or RGBA
    ihdr += std::string("\x00\x00\x00", 3);  // deflate, adaptive filter, no interlace
    chunk("IHDR", ihdr);
    chunk("IDAT", z);
    chunk("IEND", "");
    return png;
}

}  // namespace

std::string encodePngGrey8(const GreyImage& im) {
    if (im.width <= 0 || im.height <= 0 || im.pixels.size() != size_t(im.width) * size_t(im.height))
        throw DataError("", 0, "image", "an empty or inconsistent image cannot be encoded as PNG");
    std::vector<uint8_t> bytes(im.pixels.size());
    for (size_t i = 0; i < bytes.size(); ++i)
        bytes[i] = static_cast<uint8_t>(std::lround(std::clamp(im.pixels[i], 0.0f, 1.0f) * 255.0f));
    return encodePng(im.width, im.height, 1, 0, bytes.data());
}

std::string encodePngRgba8(int width, int height, const std::vector<uint8_t>& rgba) {
    if (width <= 0 || height <= 0 || rgba.size() != size_t(width) * size_t(height) * 4)
        throw DataError("", 0, "image", "an empty or inconsistent RGBA image cannot be encoded as PNG");
    return encodePng(width, height, 4, 6, rgba.data());
}

std::string debriefHtml(const Debrief& d, const std::vector<std::string>& pngPerImage,
                        const std::vector<ResultPng>& results) {
    Html h;
    h.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n");
    h.element("title", "Debrief: " + d.title);
    h.raw("<style>").raw(kStyle).raw("</style>\n</head>\n<body>\n");

    h.element("h1", d.title);
    std::string who = d.trainee.empty() ? "Trainee not recorded" : "Trainee " + d.trainee;
    if (!d.startedAt.empty()) who += ", started " + d.startedAt;
    if (d.sessionId) who += ", session " + std::to_string(d.sessionId);
    who += ". Scenario " + d.scenario + " (" + d.procedure + "), " + shown(d.duration_s) + " s";
    if (!d.patient.empty()) who += ", patient: " + d.patient;
    if (!d.endReason.empty()) who += ", ended: " + d.endReason;
    h.element("p", who + ".", "class=\"who\"");

    // Result first: what a resident looks for.
    h.raw(std::string("<section id=\"result\" class=\"result ") + (d.passed ? "passed" : "failed") + "\">\n");
    h.element("span", formatted("%.1f", d.score), "class=\"score\"");
    h.element("span", d.passed ? "PASSED" : "FAILED", "class=\"verdict\"");
    if (d.passScore > 0.0) h.element("div", "Pass mark " + shown(d.passScore) + " out of 100, and no critical error.");
    h.raw("<ul class=\"reasons\">\n");
    for (const std::string& r : d.reasons) h.element("li", r);
    h.raw("</ul>\n</section>\n");

    // What the procedure left in the patient (a dose map), right under the verdict.
    if (!results.empty()) {
        h.raw("<div class=\"images results\">\n");
        for (const ResultPng& r : results) {
            h.raw("<figure " + attr("id", "result-" + r.name) + ">\n");
            h.raw("<img " + attr("alt", r.caption) + " src=\"data:image/png;base64," + base64Encode(r.png) + "\" />\n");
            h.element("figcaption", r.caption);
            h.raw("</figure>\n");
        }
        h.raw("</div>\n");
    }

    h.element("h2", "Metrics");
    if (d.expertSessionId)
        h.element("p", "Expert reference: session " + std::to_string(*d.expertSessionId) + " by " + d.expertTrainee +
                           ", score " + formatted("%.1f", d.expertScore) + ".", "class=\"note\"");
    metricsTable(h, d);

    h.element("h2", "Timeline");
    eventStrip(h, d);
    h.raw("<table class=\"events\">\n<tr><th class=\"num\">Time</th><th>Event</th><th>Details</th></tr>\n");
    for (const SessionEvent& e : d.events) {
        h.raw("<tr class=\"cat-" + std::string(toString(e.category)) + "\" " + attr("data-kind", e.kind) + ">");
        h.raw("<td class=\"num\">").text(formatted("%.2f s", e.time_s)).raw("</td><td>").text(eventLabel(e.kind));
        h.raw(" <small>(").text(e.kind).raw(")</small></td><td>").text(e.details).raw("</td></tr>\n");
    }
    h.raw("</table>\n");

    h.element("h2", "Dose and the procedure's quantities over time");
    h.raw("<div class=\"plots\">\n");
    std::string none;
    for (const DebriefSeries& s : d.series) {
        if (s.maxValue() > 0.0) {
            plot(h, s, d.duration_s);
        } else {
            none += (none.empty() ? "" : ", ") + s.label;
        }
    }
    h.raw("</div>\n");
    if (!none.empty()) h.element("p", "None in this session: " + none + ".", "class=\"note\"");

    h.element("h2", "Images taken (" + std::to_string(d.images.size()) + ")");
    h.raw("<div class=\"images\">\n");
    for (size_t i = 0; i < d.images.size(); ++i) {
        const DebriefImage& im = d.images[i];
        const std::string caption = formatted("%.2f s", im.time_s) + ", " + im.kind + (im.label.empty() ? "" : " '" + im.label + "'") +
                                    ", LAO " + formatted("%+.1f", im.laoDeg) + " CRAN " + formatted("%+.1f", im.cranDeg);
        h.raw("<figure>\n");
        if (i < pngPerImage.size() && !pngPerImage[i].empty())
            h.raw("<img " + attr("alt", caption) + " src=\"data:image/png;base64," + base64Encode(pngPerImage[i]) + "\" />\n");
        else
            h.element("p", "(image not rendered)", "class=\"note\"");
        h.element("figcaption", caption);
        h.raw("</figure>\n");
    }
    h.raw("</div>\n");

    h.element("h2", "Learning curve");
    if (d.attempts.empty()) {
        h.element("p", "No attempts of this scenario in the records (store sessions with --trainee).", "class=\"note\"");
    } else {
        learningCurve(h, d);
        h.raw("<table class=\"attempts\">\n<tr><th>Attempt</th><th>Started</th><th class=\"num\">Score</th><th>Result</th></tr>\n");
        for (size_t i = 0; i < d.attempts.size(); ++i) {
            const DebriefAttempt& a = d.attempts[i];
            h.raw(a.current ? "<tr class=\"current\">" : "<tr>");
            h.raw("<td>").text(std::to_string(i + 1) + (a.current ? " (this session)" : "")).raw("</td><td>");
            h.text(a.startedAt).raw("</td><td class=\"num\">").text(formatted("%.1f", a.score)).raw("</td><td>");
            h.text(a.passed ? "passed" : "failed").raw("</td></tr>\n");
        }
        h.raw("</table>\n");
    }

    h.element("h2", "Assessor ratings");
    if (d.ratings.empty()) {
        h.element("p", "No ratings yet.", "class=\"note\"");
    } else {
        h.raw("<ul class=\"ratings\">\n");
        for (const AssessorRating& r : d.ratings)
            h.element("li", std::to_string(r.rating) + "/" + std::to_string(kMaxRating) + " by " + r.assessor +
                                (r.ratedAt.empty() ? "" : " (" + r.ratedAt + ")") + (r.comment.empty() ? "" : ": " + r.comment));
        h.raw("</ul>\n");
    }
    h.raw("</body>\n</html>\n");
    return h.take();
}

}  // namespace irsim::assessment
