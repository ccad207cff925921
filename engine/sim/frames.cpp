#include "sim/frames.h"

namespace irsim::sim {

uint64_t imageNoiseSeed(const Session& session, size_t index) {
    // SplitMix64 of (seed, index): images differ in noise, runs repeat exactly.
    uint64_t z = session.scenario().patient.phantomSeed * 0x9E3779B97F4A7C15ULL + index + 1;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

GreyImage ImageRenderer::render(const Session& session, size_t index) {
    const ImageTaken& taken = session.state().images.at(index);
    if (taken.kind == ImageKind::Stored && !last_.pixels.empty()) return last_;
    const imaging::DetectorGrid grid{kReportImagePixels, kReportImagePixels};
    last_ = fluoroscope_.takeImage(session.patient(), taken.pose, grid, session.radiopaqueContents(),
                                   session.fluoroMode(taken.kind == ImageKind::Cine),
                                   imageNoiseSeed(session, index));
    return last_;
}

}  // namespace irsim::sim
