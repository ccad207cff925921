#pragma once
// The debrief as one self-contained HTML file for a trainee's portfolio: score, pass/fail and the
// reasons first, every metric with its target, limit, marks and colour (and the expert's value),
// the events, every image taken (embedded as base64 PNG), plots of the cumulative dose, contrast
// and the quantities the procedure declares (inline SVG), the learning curve and the assessors'
// ratings. No script, no stylesheet or image outside the file, no URL: it opens the same offline,
// years later.
//
// The markup is XHTML-style (void elements self-closed) so a plain tag matcher can check it.
// Each plot's polyline carries the report's values unscaled: points are "time_s,value" pairs in a
// group whose transform maps them to the plot area, so data-series="KEY" reads back exactly.
#include <string>
#include <string_view>
#include <vector>

#include "assessment/debrief.h"
#include "core/image_io.h"

namespace irsim::assessment {

// A picture of the procedure's result (a dose map over the CT), shown under the verdict.
struct ResultPng {
    std::string name;     // "dose-map": the figure's id is "result-dose-map"
    std::string caption;
    std::string png;      // encoded PNG
};

// pngPerImage[i]: the encoded PNG of debrief.images[i], or empty when it could not be rendered
// (the page then says so in place of the picture). Shorter than images is allowed.
std::string debriefHtml(const Debrief& debrief, const std::vector<std::string>& pngPerImage,
                        const std::vector<ResultPng>& results = {});

// RFC 4648 base64 with padding.
std::string base64Encode(std::string_view bytes);

// An 8-bit grey PNG of values in [0,1] (clamped), in memory: the same pixels writePng8 writes.
std::string encodePngGrey8(const GreyImage& image);
// An 8-bit RGBA PNG (rows top first, 4 bytes a pixel), in memory.
std::string encodePngRgba8(int width, int height, const std::vector<uint8_t>& rgba);

// &, <, >, " and ' as character references.
std::string escapeHtml(std::string_view text);

}  // namespace irsim::assessment
