#pragma once
// Pixels of the images a session takes, on the CPU (the reference the GPU monitor is tested
// against): the physics fluoroscopy of imaging/fluoroscope.h with the procedure's devices.
#include "core/image_io.h"
#include "imaging/fluoroscope.h"
#include "sim/session.h"

namespace irsim::sim {

constexpr int kReportImagePixels = 512;

class ImageRenderer {
public:
    // Renders image `index` of the session as it is now (call it when the image is taken).
    // A stored image repeats the image it stores.
    GreyImage render(const Session& session, size_t index);

private:
    imaging::Fluoroscope fluoroscope_;
    GreyImage last_;
};

// The noise seed of an image: a function of the scenario's seed and the image's index only.
uint64_t imageNoiseSeed(const Session& session, size_t index);

}  // namespace irsim::sim
