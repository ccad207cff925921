#pragma once
// Writing and reading 2D images: PNG (8/16-bit grey) for people, PFM (float32) for numbers.
// Row order: row 0 is the top row of the image as displayed, in memory and in both files
// (we write PFM top row first, as plastimatch does; docs/conventions.md).
#include <cstdint>
#include <string>
#include <vector>

namespace irsim {

struct GreyImage {
    int width = 0;
    int height = 0;
    std::vector<float> pixels;  // (height x width), row-major, row 0 at the top
    float& at(int x, int y) { return pixels[static_cast<size_t>(y) * width + x]; }
    float at(int x, int y) const { return pixels[static_cast<size_t>(y) * width + x]; }
};

// Writes values in [0,1] as 8-bit grey (clamped). Throws DataError when the file cannot be written.
void writePng8(const std::string& path, const GreyImage& image);
// Writes an RGBA8 buffer (height x width x 4).
void writePngRgba(const std::string& path, int width, int height, const std::vector<uint8_t>& rgba);
// Reads an 8-bit grey or RGB(A) PNG as grey in [0,1].
GreyImage readPngGrey(const std::string& path);

void writePfm(const std::string& path, const GreyImage& image);
GreyImage readPfm(const std::string& path);

}  // namespace irsim
