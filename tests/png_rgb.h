#pragma once
// A screenshot read back as RGB for tests that look for colours (contours, colour scales) on it.
#include <catch2/catch.hpp>
#include <png.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace test {

struct RgbImage {
    int width = 0, height = 0;
    std::vector<uint8_t> px;  // RGB, row 0 at the top
    const uint8_t* at(int x, int y) const { return &px[(static_cast<size_t>(y) * width + x) * 3]; }
};

inline RgbImage readPngRgb(const std::string& path) {
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    REQUIRE(png_image_begin_read_from_file(&img, path.c_str()));
    img.format = PNG_FORMAT_RGB;
    RgbImage out;
    out.width = static_cast<int>(img.width), out.height = static_cast<int>(img.height);
    out.px.resize(PNG_IMAGE_SIZE(img));
    REQUIRE(png_image_finish_read(&img, nullptr, out.px.data(), 0, nullptr));
    return out;
}

}  // namespace test
