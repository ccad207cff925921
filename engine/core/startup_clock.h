#pragma once
// Where the seconds before the first window frame go: with IRSIM_STARTUP_TIMES set, each mark
// prints its stage with the wall time since the process started and the CPU time of all its
// threads so far. Without it a mark costs one getenv'd flag test. Timing only: nothing the
// simulation computes reads these clocks.
namespace irsim::startup {

void mark(const char* stage);

}  // namespace irsim::startup
