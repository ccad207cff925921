#pragma once
// One fuzz target: LLVMFuzzerTestOneInput, the entry point libFuzzer calls with each input. The
// same file is built twice: by the normal build with replay_main.cpp (runs the inputs it is given,
// so the regression inputs are checked on every compiler), and by tools/fuzz.sh with clang and
// -fsanitize=fuzzer,address,undefined (searches for new inputs). A target catches DataError only:
// anything else escaping, a crash, a hang or a sanitizer report is a finding.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
