#include "render/fluoro_display.h"

#include <algorithm>
#include <cmath>

#include "imaging/spectrum.h"

namespace irsim::render {

namespace {

// The same integer hash as shaders/fluoro_display.comp (a 32-bit avalanche mix).
uint32_t hashU(uint32_t x) {
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x;
}

}  // namespace

FluoroDisplayParams fluoroDisplayParams(const imaging::CArmPose& pose, double kvp, double centralWaterMm,
                                        int cols, int rows, uint32_t pulseNumber, bool noise) {
    FluoroDisplayParams p;
    const double water = std::max(centralWaterMm, 10.0);
    // Effective attenuation of the hardened beam through the central thickness (water 1 g/cm^3).
    const imaging::Spectrum spectrum = imaging::tubeSpectrum(kvp);
    const double transmission = imaging::kermaTransmission(spectrum, imaging::Material::Water, water / 10.0);
    const double mu = -std::log(std::max(transmission, 1e-30)) / water;
    const double perPixel = kAecQuantaPerPixel512 * (512.0 * 512.0) / (static_cast<double>(cols) * rows);
    const double centralSignal = mu * water;
    p.muWaterPerMm = static_cast<float>(mu);
    p.quantaUnattenuated = static_cast<float>(perPixel * std::exp(centralSignal));
    // Automatic brightness: the central ray sits in the dark third of the grey scale, thin parts
    // and air go white.
    p.windowWhite = static_cast<float>(0.45 * centralSignal);
    p.windowBlack = static_cast<float>(1.15 * centralSignal);
    p.halfOpenX = static_cast<float>(0.5 * pose.collimationX);
    p.halfOpenY = static_cast<float>(0.5 * pose.collimationY);
    p.noise = noise;
    p.seed = pulseNumber;
    p.cols = cols;
    p.rows = rows;
    return p;
}

GreyImage fluoroDisplayReference(const GreyImage& path, const FluoroDisplayParams& p) {
    GreyImage out;
    out.width = p.cols;
    out.height = p.rows;
    out.pixels.assign(static_cast<size_t>(p.cols) * p.rows, p.shutterGrey);
    for (int y = 0; y < p.rows; ++y)
        for (int x = 0; x < p.cols; ++x) {
            const float u = (static_cast<float>(x) + 0.5f) / static_cast<float>(p.cols);
            const float v = (static_cast<float>(y) + 0.5f) / static_cast<float>(p.rows);
            if (std::abs(u - 0.5f) > p.halfOpenX || std::abs(v - 0.5f) > p.halfOpenY) continue;
            const float water = path.at(x, y);
            float n = p.quantaUnattenuated * std::exp(-p.muWaterPerMm * water);
            if (p.noise) {
                const uint32_t h1 = hashU(static_cast<uint32_t>(y) * static_cast<uint32_t>(p.cols) +
                                          static_cast<uint32_t>(x) + hashU(p.seed));
                const uint32_t h2 = hashU(h1);
                const float u1 = (static_cast<float>(h1 >> 8) + 0.5f) * (1.0f / 16777216.0f);
                const float u2 = (static_cast<float>(h2 >> 8) + 0.5f) * (1.0f / 16777216.0f);
                n += std::sqrt(n) * std::sqrt(-2.0f * std::log(u1)) * std::cos(6.28318530718f * u2);
            }
            const float signal = std::log(p.quantaUnattenuated / std::max(n, 1.0f));
            out.at(x, y) = 1.0f - std::clamp((signal - p.windowWhite) / (p.windowBlack - p.windowWhite), 0.0f, 1.0f);
        }
    return out;
}

}  // namespace irsim::render
