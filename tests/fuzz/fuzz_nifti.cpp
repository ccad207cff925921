// The NIfTI loader on arbitrary bytes (the loader reads paths, so each input is written to a file).
#include <unistd.h>

#include <cstdio>
#include <string>

#include "core/error.h"
#include "fuzz.h"
#include "patient/nifti.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::string path = "/tmp/irsim-fuzz-nifti-" + std::to_string(getpid()) + ".nii";
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        irsim::patient::loadNiftiCt(path);
    } catch (const irsim::DataError&) {
    }
    try {
        irsim::patient::loadNiftiLabels(path);
    } catch (const irsim::DataError&) {
    }
    return 0;
}
