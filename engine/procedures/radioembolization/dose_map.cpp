// The dose map: the absorbed dose washed over the CT, axial through the tumour, with the tumour's
// outline and a colour scale in Gy, as a post-treatment Y-90 PET or SPECT fused with the CT is
// read. One picture that the headless run saves, the window shows after delivery and the debrief
// embeds (sim::ResultPicture).
#include <algorithm>
#include <array>
#include <cmath>
#include <string>

#include "procedures/radioembolization/radioembolization.h"

namespace irsim::procedures::radioembolization {

namespace {

constexpr int kScale = 4;          // screen pixels per voxel
constexpr int kLegendWidth = 112;  // the colour scale's strip right of the slice
constexpr double kWashFromGy = 10.0;
constexpr uint8_t kOutline[3] = {0, 230, 255};  // the tumour's contour: cyan, apart from hot metal

// The scale's top: 200 Gy for a lobar treatment, 400 Gy when the treated tissue's mean dose is over
// 150 Gy (a radiation segmentectomy gives the segment 190-400+ Gy), so the doses there still read
// as colours rather than all at the scale's end. As dosimetry software windows a dose map.
double scaleTopGy(const therapy::DoseVolume& dose) {
    double sum = 0.0, n = 0.0;
    for (const float gy : dose.doseGy)
        if (gy >= kWashFromGy) sum += gy, n += 1.0;
    return n > 0.0 && sum / n > 150.0 ? 400.0 : 200.0;
}

// Hot metal over four quarters of the scale: red at a quarter (50 Gy of 200), yellow at half, and
// at three quarters a pale yellow, never the white of bone or contrast (its blue stays at 0.6).
std::array<double, 3> hotMetal(double gy, double top) {
    const double q = top / 4.0;
    return {std::clamp(gy / q, 0.0, 1.0), std::clamp((gy - q) / q, 0.0, 1.0), 0.6 * std::clamp((gy - 2.0 * q) / q, 0.0, 1.0)};
}

// A 5 x 7 pixel font for the scale's labels (10, 50-200 and 100-400 Gy): each glyph 7 rows of 5
// columns, '#' lit.
struct Glyph {
    char c;
    const char* rows[7];
};
constexpr Glyph kGlyphs[] = {
    {'0', {" ### ", "#   #", "#  ##", "# # #", "##  #", "#   #", " ### "}},
    {'1', {"  #  ", " ##  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "}},
    {'2', {" ### ", "#   #", "    #", "   # ", "  #  ", " #   ", "#####"}},
    {'3', {"#####", "   # ", "  #  ", "   # ", "    #", "#   #", " ### "}},
    {'4', {"   # ", "  ## ", " # # ", "#  # ", "#####", "   # ", "   # "}},
    {'5', {"#####", "#    ", "#### ", "    #", "    #", "#   #", " ### "}},
    {'G', {" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"}},
    {'y', {"     ", "     ", "#   #", "#   #", " ####", "    #", " ### "}},
    {'T', {"#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "}},
    {'U', {"#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'M', {"#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"}},
    {'O', {" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "}},
    {'R', {"#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"}},
};

class Canvas {
public:
    explicit Canvas(sim::ResultPicture& p) : p_(p) {}
    void set(int x, int y, const uint8_t rgb[3]) {
        if (x < 0 || y < 0 || x >= p_.width || y >= p_.height) return;
        uint8_t* px = &p_.rgba[(static_cast<size_t>(y) * p_.width + x) * 4];
        px[0] = rgb[0], px[1] = rgb[1], px[2] = rgb[2], px[3] = 255;
    }
    void fill(int x0, int y0, int x1, int y1, const uint8_t rgb[3]) {
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x) set(x, y, rgb);
    }
    // Text at twice the font's size, its top left at (x, y).
    void text(int x, int y, const std::string& s, const uint8_t rgb[3]) {
        for (char c : s) {
            for (const Glyph& g : kGlyphs)
                if (g.c == c)
                    for (int r = 0; r < 7; ++r)
                        for (int col = 0; col < 5; ++col)
                            if (g.rows[r][col] == '#') fill(x + 2 * col, y + 2 * r, x + 2 * col + 2, y + 2 * r + 2, rgb);
            x += 12;
        }
    }

private:
    sim::ResultPicture& p_;
};

uint8_t byte(double v) { return static_cast<uint8_t>(std::lround(255.0 * std::clamp(v, 0.0, 1.0))); }

// The colour scale: a bar from 0 (bottom) to the top, the wash's colours at full strength (the
// CT's grey under 10 Gy, where nothing is washed), ticks and labels at 10 Gy and each quarter,
// "Gy" above it and the outline's key below.
void drawLegend(Canvas& c, int x0, int height, double topGy) {
    const uint8_t white[3] = {255, 255, 255}, grey[3] = {90, 90, 90};
    const int top = 40, bottom = std::max(top + 100, height - 60), barX = x0 + 14, barW = 24;
    c.text(barX, top - 26, "Gy", white);
    for (int y = top; y <= bottom; ++y) {
        const double gy = topGy * (bottom - y) / (bottom - top);
        const std::array<double, 3> rgb = hotMetal(gy, topGy);
        const uint8_t px[3] = {byte(rgb[0]), byte(rgb[1]), byte(rgb[2])};
        c.fill(barX, y, barX + barW, y + 1, gy < kWashFromGy ? grey : px);
    }
    const int q = static_cast<int>(topGy / 4.0);
    for (const int gy : {10, q, 2 * q, 3 * q, 4 * q}) {
        const int y = bottom - static_cast<int>(std::lround((bottom - top) * gy / topGy));
        c.fill(barX + barW, y, barX + barW + 6, y + 1, white);
        c.text(barX + barW + 10, y - 7, std::to_string(gy), white);
    }
    c.fill(barX, bottom + 22, barX + barW, bottom + 24, kOutline);
    c.text(x0 + 2, bottom + 32, "TUMOUR", kOutline);
}

}  // namespace

// Radiological orientation: the patient's right on the left, anterior up. The CT in its
// soft-tissue window (W 400 L 40); the dose washed over it at 70 % from 10 Gy up; the tumour's
// contour drawn just outside its voxels, so the dose inside it stays readable.
std::vector<sim::ResultPicture> Radioembolization::resultPictures(const Session& session) const {
    const therapy::TerritoryMap& map = delivery_->territories;
    const patient::VolumeGeometry& g = map.geometry;
    const patient::CtVolume& ct = session.patient().ct;
    if (map.sinkOfVoxel.empty() || ct.geometry.dims != g.dims) return {};
    const therapy::DoseVolume dose = therapy::voxelDose(delivery_->spheres, delivery_state_.spheres, map);
    // The slice: through the tumour's centroid, else through the hottest voxel.
    double kSum = 0.0, kCount = 0.0;
    size_t hottest = 0;
    for (size_t v = 0; v < dose.doseGy.size(); ++v) {
        if (map.tissue[v] == therapy::kTumourVoxel) kSum += static_cast<double>(v / (static_cast<size_t>(g.dims.x) * g.dims.y)), kCount += 1.0;
        if (dose.doseGy[v] > dose.doseGy[hottest]) hottest = v;
    }
    const int k = kCount > 0.0 ? static_cast<int>(std::lround(kSum / kCount))
                               : static_cast<int>(hottest / (static_cast<size_t>(g.dims.x) * g.dims.y));
    const double topGy = scaleTopGy(dose);
    sim::ResultPicture pic;
    pic.name = "dose-map";
    const int sliceW = g.dims.x * kScale;
    pic.width = sliceW + kLegendWidth, pic.height = std::max(g.dims.y * kScale, 320);
    pic.rgba.assign(static_cast<size_t>(pic.width) * pic.height * 4, 0);
    for (size_t i = 3; i < pic.rgba.size(); i += 4) pic.rgba[i] = 255;
    Canvas canvas(pic);
    const auto tumourAt = [&](int i, int j) {
        return i >= 0 && j >= 0 && i < g.dims.x && j < g.dims.y && map.tissue[g.index(i, j, k)] == therapy::kTumourVoxel;
    };
    for (int j = 0; j < g.dims.y; ++j)
        for (int i = 0; i < g.dims.x; ++i) {
            const size_t v = g.index(i, j, k);
            const double grey = std::clamp((ct.voxels[v] - (40.0 - 200.0)) / 400.0, 0.0, 1.0);
            const double gy = dose.doseGy[v];
            const std::array<double, 3> hot = hotMetal(gy, topGy);
            const double alpha = gy < kWashFromGy ? 0.0 : 0.7;
            const uint8_t rgb[3] = {byte((1.0 - alpha) * grey + alpha * hot[0]), byte((1.0 - alpha) * grey + alpha * hot[1]),
                                    byte((1.0 - alpha) * grey + alpha * hot[2])};
            canvas.fill(i * kScale, j * kScale, (i + 1) * kScale, (j + 1) * kScale, rgb);
            if (tumourAt(i, j)) continue;
            // The contour: this voxel's edge that faces a tumour voxel, one pixel wide.
            const int x0 = i * kScale, y0 = j * kScale, x1 = x0 + kScale - 1, y1 = y0 + kScale - 1;
            if (tumourAt(i - 1, j)) canvas.fill(x0, y0, x0 + 1, y1 + 1, kOutline);
            if (tumourAt(i + 1, j)) canvas.fill(x1, y0, x1 + 1, y1 + 1, kOutline);
            if (tumourAt(i, j - 1)) canvas.fill(x0, y0, x1 + 1, y0 + 1, kOutline);
            if (tumourAt(i, j + 1)) canvas.fill(x0, y1, x1 + 1, y1 + 1, kOutline);
        }
    drawLegend(canvas, sliceW, pic.height, topGy);
    return {pic};
}

}  // namespace irsim::procedures::radioembolization
