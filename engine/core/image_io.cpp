#include "core/image_io.h"

#include <png.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace irsim {

namespace {
void writePngRaw(const std::string& path, int width, int height, png_uint_32 format,
                 const void* data) {
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    img.width = static_cast<png_uint_32>(width);
    img.height = static_cast<png_uint_32>(height);
    img.format = format;
    if (!png_image_write_to_file(&img, path.c_str(), 0, data, 0, nullptr)) {
        std::string why = img.message;
        png_image_free(&img);
        throw DataError(path, 0, "", "cannot write PNG: " + why);
    }
}
}  // namespace

void writePng8(const std::string& path, const GreyImage& image) {
    std::vector<uint8_t> bytes(image.pixels.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
        float v = std::clamp(image.pixels[i], 0.0f, 1.0f);
        bytes[i] = static_cast<uint8_t>(std::lround(v * 255.0f));
    }
    writePngRaw(path, image.width, image.height, PNG_FORMAT_GRAY, bytes.data());
}

void writePngRgba(const std::string& path, int width, int height, const std::vector<uint8_t>& rgba) {
    writePngRaw(path, width, height, PNG_FORMAT_RGBA, rgba.data());
}

GreyImage readPngGrey(const std::string& path) {
    png_image img;
    std::memset(&img, 0, sizeof img);
    img.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&img, path.c_str()))
        throw DataError(path, 0, "", std::string("cannot read PNG: ") + img.message);
    img.format = PNG_FORMAT_GRAY;
    std::vector<uint8_t> bytes(PNG_IMAGE_SIZE(img));
    if (!png_image_finish_read(&img, nullptr, bytes.data(), 0, nullptr)) {
        std::string why = img.message;
        png_image_free(&img);
        throw DataError(path, 0, "", "cannot decode PNG: " + why);
    }
    GreyImage out;
    out.width = static_cast<int>(img.width);
    out.height = static_cast<int>(img.height);
    out.pixels.resize(bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) out.pixels[i] = bytes[i] / 255.0f;
    return out;
}

void writePfm(const std::string& path, const GreyImage& image) {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) throw DataError(path, 0, "", "cannot open for writing");
    // Negative scale: little-endian floats (PFM spec).
    std::fprintf(f, "Pf\n%d %d\n-1.0\n", image.width, image.height);
    size_t n = std::fwrite(image.pixels.data(), sizeof(float), image.pixels.size(), f);
    bool ok = n == image.pixels.size() && std::fclose(f) == 0;
    if (!ok) throw DataError(path, 0, "", "short write");
}

GreyImage readPfm(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw DataError(path, 0, "", "cannot open PFM");
    std::string magic;
    GreyImage out;
    double scale = 0;
    in >> magic >> out.width >> out.height >> scale;
    in.get();
    if (magic != "Pf" || out.width <= 0 || out.height <= 0)
        throw DataError(path, 1, "header", "expected a grey PFM ('Pf', width, height, scale)");
    if (scale > 0) throw DataError(path, 3, "scale", "big-endian PFM is not supported");
    out.pixels.resize(static_cast<size_t>(out.width) * out.height);
    in.read(reinterpret_cast<char*>(out.pixels.data()),
            static_cast<std::streamsize>(out.pixels.size() * sizeof(float)));
    if (!in) throw DataError(path, 0, "pixels", "file is truncated");
    return out;
}

}  // namespace irsim
