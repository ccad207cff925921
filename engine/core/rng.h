#pragma once
// A seeded random generator that lives in the simulation state. std::*_distribution differ between
// standard libraries, so the draws are defined here and are the same on every platform.
#include <cmath>
#include <cstdint>

namespace irsim {

// PCG32 (O'Neill 2014, pcg-random.org), XSH-RR output.
struct Rng {
    uint64_t state = 0x853c49e6748fea9bULL;
    uint64_t inc = 0xda3e39cb94b95bdbULL;

    static Rng seeded(uint64_t seed, uint64_t stream = 54u) {
        Rng r;
        r.state = 0;
        r.inc = (stream << 1u) | 1u;
        r.next();
        r.state += seed;
        r.next();
        return r;
    }

    uint32_t next() {
        uint64_t old = state;
        state = old * 6364136223846793005ULL + inc;
        auto xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
        auto rot = static_cast<uint32_t>(old >> 59u);
        return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
    }

    // Skips `delta` draws in O(log delta) steps (Brown 1994, "Random number generation with
    // arbitrary strides"): a stream can be split into slabs that threads draw in parallel, with the
    // same numbers as one thread drawing them in order.
    void advance(uint64_t delta) {
        uint64_t mul = 6364136223846793005ULL, add = inc, accMul = 1u, accAdd = 0u;
        while (delta > 0) {
            if (delta & 1u) {
                accMul *= mul;
                accAdd = accAdd * mul + add;
            }
            add = (mul + 1u) * add;
            mul *= mul;
            delta >>= 1u;
        }
        state = accMul * state + accAdd;
    }

    // Uniform in [0, 1) with 32 bits of resolution.
    double uniform() { return next() * (1.0 / 4294967296.0); }
    double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }

    // Standard normal by Box-Muller (both draws consumed, one returned: simple and reproducible).
    double normal() {
        double u1 = uniform();
        double u2 = uniform();
        if (u1 < 1e-300) u1 = 1e-300;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }

    // Poisson draw: Knuth's product method for small means, a rounded normal for large ones.
    uint32_t poisson(double mean) {
        if (mean <= 0.0) return 0;
        if (mean > 64.0) {
            double v = std::floor(mean + std::sqrt(mean) * normal() + 0.5);
            return v < 0.0 ? 0u : static_cast<uint32_t>(v);
        }
        double l = std::exp(-mean), p = 1.0;
        uint32_t k = 0;
        do {
            ++k;
            p *= uniform();
        } while (p > l);
        return k - 1;
    }
};

}  // namespace irsim
