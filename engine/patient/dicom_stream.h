#pragma once
// A structural check of one DICOM Part 10 file, done by irsim before GDCM sees it. Debian's GDCM is
// built with assertions on, and a half-copied slice, a corrupted length or a codestream whose size
// disagrees with the header aborts the process inside it (issue 15); this walk reads every element's
// tag, VR and length, the nested sequences and the pixel data fragments, with bounds checks, and
// throws a DataError naming the file, the tag and the byte offset at the first thing out of place.
// It also reads the attributes irsim needs for the geometry and the pixel format itself, so a
// PixelSpacing of 0\0 or NaN is refused rather than replaced by GDCM's default of 1 mm.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace irsim::patient {

struct DicomSliceHeader {
    std::string transferSyntax;     // (0002,0010)
    std::string sopClass;           // (0002,0002) MediaStorageSOPClassUID
    bool encapsulated = false;      // compressed pixel data in fragments
    bool hasPixelData = false;
    int rows = -1, columns = -1;    // (0028,0010), (0028,0011); -1 when absent
    int samplesPerPixel = -1;       // (0028,0002)
    int bitsAllocated = -1, bitsStored = -1, highBit = -1;  // (0028,0100-0102)
    int pixelRepresentation = -1;   // (0028,0103): 0 unsigned, 1 two's complement
    int numberOfFrames = 1;         // (0028,0008)
    std::string photometric;        // (0028,0004)
    std::vector<double> pixelSpacing;  // (0028,0030): row spacing, column spacing, mm
    std::vector<double> orientation;   // (0020,0037): row cosines, column cosines
    std::vector<double> position;      // (0020,0032): mm, LPS
    std::vector<double> slope, intercept;  // (0028,1053), (0028,1052); empty when absent
    size_t pixelBytes = 0;             // native pixel data: its length in bytes
    std::vector<std::pair<size_t, size_t>> fragments;  // encapsulated: (offset, length), the offset table first
};

// Walks `bytes` (the whole file) and returns what it read. Throws DataError(file, field) for a file
// that is not DICOM Part 10, is cut short, has a length running past its end or its sequence, nests
// sequences deeper than 16, or uses a transfer syntax irsim does not decode.
DicomSliceHeader checkDicomStream(const std::string& file, const std::vector<unsigned char>& bytes);

// For compressed pixel data: throws DataError unless the codestream (JPEG, JPEG-LS, JPEG 2000, RLE)
// has the size, components and precision the header gives (Rows, Columns, SamplesPerPixel,
// BitsAllocated), which the caller has checked first.
void checkDicomCodestream(const std::string& file, const DicomSliceHeader& h, const std::vector<unsigned char>& bytes);

// Whether a file starts like DICOM Part 10 (a 128-byte preamble, then "DICM").
bool looksLikeDicom(const std::vector<unsigned char>& firstBytes);

}  // namespace irsim::patient
