#pragma once
// Another executor of the bioheat step than stepBioheatBy (the CPU reference): a GPU compute port
// in engine/render implements it, so the therapy code stays free of Vulkan. Only the CPU path
// scores and replays; a stepper is checked against it (tests/render/gpu_bioheat_test.cpp) and
// timed beside it (`irsim bench --ablation-only`).
#include "therapy/bioheat.h"

namespace irsim::therapy {

class BioheatStepper {
public:
    virtual ~BioheatStepper() = default;
    // Takes the model and the state to go on from. Throws DataError naming what it cannot do.
    virtual void load(const BioheatModel& m, const BioheatState& s) = 0;
    // Advances `steps` steps of `dt` seconds with the same controls.
    virtual void advance(const BioheatControls& c, double dt, int steps) = 0;
    // The hottest tissue temperature after the last step (what a generator's roll-off reads).
    virtual float hottestTissueC() const = 0;
    // Copies the fields back into `s` (temperature, enthalpy, damage, extremes, time, hottest). The
    // energy account is not kept by a stepper.
    virtual void read(BioheatState& s) = 0;
};

// runBioheat on a stepper: `controls` sees the time and the hottest tissue temperature before
// every step (the roll-off's inputs), not the other fields.
template <class ControlFn>
void runBioheatOn(BioheatStepper& stepper, const BioheatModel& m, BioheatState& s, double seconds,
                  ControlFn&& controls) {
    const double end = s.timeS + seconds;
    while (s.timeS < end - 1e-9) {
        const double dt = std::min(m.timeStepS, end - s.timeS);
        stepper.advance(controls(s), dt, 1);
        s.timeS += dt;
        s.hottestTissueC = stepper.hottestTissueC();
    }
}

}  // namespace irsim::therapy
