#pragma once
// Shared by the render tests: validation on for the test's lifetime, shader cache in the build.
#include <cstdlib>
#include <string>

namespace irsim::render::testing {

struct ValidationOn {
    ValidationOn() { setenv("IRSIM_VALIDATION", "1", 1); }
};

}  // namespace irsim::render::testing
