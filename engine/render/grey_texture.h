#pragma once
// A grey image computed on the CPU (a report image, a DSA frame of sim::ImageRenderer) as a
// sampled RGBA texture that ImageBlitter can draw: the debrief's image of the scrubbed moment, the
// monitor's DSA and roadmap frames.
#include <cstdint>
#include <vector>

#include "core/image_io.h"
#include "render/context.h"

namespace irsim::render {

class GreyTexture {
public:
    GreyTexture(Context& ctx, uint32_t side);
    ~GreyTexture();
    GreyTexture(const GreyTexture&) = delete;
    GreyTexture& operator=(const GreyTexture&) = delete;

    // Grey [0, 1] resampled (nearest) to the texture's side. Waits for the device to be idle, so
    // no frame in flight still samples the texture while it is overwritten.
    void upload(const GreyImage& image);
    // An RGBA picture (rows top first) resampled (nearest) to the texture's square; draw it over a
    // rectangle of the picture's aspect to see it undistorted.
    void uploadRgba(int width, int height, const std::vector<uint8_t>& rgba);
    const Image& image() const { return texture_; }
    bool hasImage() const { return hasImage_; }

private:
    template <class PixelAt>
    void fill(PixelAt pixelAt);
    void copyStagingToTexture();
    Context& ctx_;
    uint32_t side_;
    Image texture_;
    Buffer staging_;
    bool hasImage_ = false;
};

}  // namespace irsim::render
