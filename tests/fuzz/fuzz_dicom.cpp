// A DICOM slice on arbitrary bytes, read as a one-file series: the structural check of the stream
// (patient/dicom_stream.h) and then GDCM's decode, which Debian builds with assertions on, so any
// input the check lets through that GDCM cannot take aborts here (the loader reads folders, so each
// input is written to a file in a folder of its own).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "core/error.h"
#include "fuzz.h"
#include "patient/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static const std::filesystem::path dir = "/tmp/irsim-fuzz-dicom-" + std::to_string(getpid());
    static const bool made = std::filesystem::create_directories(dir) || std::filesystem::is_directory(dir);
    if (!made) return 0;
    const std::string path = (dir / "slice.dcm").string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) return 0;
    std::fwrite(data, 1, size, f);
    std::fclose(f);
    try {
        irsim::patient::loadCt(dir.string());
    } catch (const irsim::DataError&) {
    }
    return 0;
}
