#include "patient/dicom.h"

#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmTrace.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/paths.h"
#include "core/text.h"
#include "patient/dicom_stream.h"
#include "patient/limits.h"

namespace irsim::patient {

namespace {

namespace fs = std::filesystem;

struct Slice {
    std::string file;
    glm::dvec3 position{0.0};
    double along = 0.0;  // position along the slice normal
    std::vector<int16_t> hu;
};

// A slice file larger than this is not one CT slice (512 x 512 x 2 bytes is 0.5 MiB).
constexpr uintmax_t kMaxSliceFileBytes = uintmax_t{256} << 20;

std::vector<unsigned char> readSliceFile(const std::string& f) {
    const uintmax_t size = requireRegularFile(f, "a DICOM slice");
    if (size > kMaxSliceFileBytes)
        throw DataError(f, 0, "", "the file is " + std::to_string(size) + " bytes; a DICOM slice irsim reads is at most " +
                                      std::to_string(kMaxSliceFileBytes));
    std::ifstream in(f, std::ios::binary);
    std::vector<unsigned char> bytes(static_cast<size_t>(size));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size)))
        throw DataError(f, 0, "", "cannot read the file");
    return bytes;
}

bool finite(const std::vector<double>& v) {
    for (double x : v)
        if (!std::isfinite(x)) return false;
    return true;
}

std::string listed(const std::vector<double>& v) {
    std::string s;
    for (double x : v) s += (s.empty() ? "" : "\\") + formatNumber(x);
    return s;
}

// What irsim reads of a slice, checked from irsim's own reading of the header (GDCM substitutes
// defaults for missing or bad spacing and orientation).
void checkSliceHeader(const std::string& f, const DicomSliceHeader& h, size_t sliceCount) {
    auto need = [&](int v, const char* field) {
        if (v < 0) throw DataError(f, 0, field, "missing; expected in every CT slice");
    };
    need(h.rows, "Rows (0028,0010)");
    need(h.columns, "Columns (0028,0011)");
    need(h.samplesPerPixel, "SamplesPerPixel (0028,0002)");
    need(h.bitsAllocated, "BitsAllocated (0028,0100)");
    need(h.pixelRepresentation, "PixelRepresentation (0028,0103)");
    if (h.rows < 1 || h.columns < 1) throw DataError(f, 0, "Rows/Columns (0028,0010/0011)", "expected an image of at least 1 x 1 pixels");
    if (static_cast<size_t>(h.rows) * static_cast<size_t>(h.columns) * sliceCount > kMaxVoxels)
        throw DataError(f, 0, "Rows/Columns (0028,0010/0011)",
                        std::to_string(h.columns) + " x " + std::to_string(h.rows) + " pixels in " + std::to_string(sliceCount) +
                            " slices; irsim reads volumes of up to " + std::to_string(kMaxVoxels) + " voxels");
    if (h.numberOfFrames != 1)
        throw DataError(f, 0, "NumberOfFrames (0028,0008)", "multi-frame images are not read; expected one slice per file");
    if (h.samplesPerPixel != 1)
        throw DataError(f, 0, "SamplesPerPixel (0028,0002)",
                        "expected a greyscale CT (1 sample per pixel), got " + std::to_string(h.samplesPerPixel));
    if (h.photometric != "MONOCHROME2" && h.photometric != "MONOCHROME1")
        throw DataError(f, 0, "PhotometricInterpretation (0028,0004)", "expected MONOCHROME2 or MONOCHROME1, got '" + h.photometric + "'");
    if (h.bitsAllocated != 16 && h.bitsAllocated != 32)
        throw DataError(f, 0, "BitsAllocated (0028,0100)",
                        "expected 16 or 32 (a CT's -1024 to 3071 HU need 12 bits), got " + std::to_string(h.bitsAllocated));
    const int stored = h.bitsStored < 0 ? h.bitsAllocated : h.bitsStored;
    if (stored < 1 || stored > h.bitsAllocated || (h.highBit >= 0 && h.highBit != stored - 1))
        throw DataError(f, 0, "BitsStored (0028,0101)", "expected 1 to BitsAllocated bits with HighBit = BitsStored - 1");
    if (h.pixelRepresentation > 1) throw DataError(f, 0, "PixelRepresentation (0028,0103)", "expected 0 (unsigned) or 1 (signed)");
    if (h.pixelSpacing.size() != 2 || !finite(h.pixelSpacing))
        throw DataError(f, 0, "PixelSpacing (0028,0030)", "expected two finite numbers (row\\column spacing in mm), got '" +
                                                              listed(h.pixelSpacing) + "'");
    for (double v : h.pixelSpacing)
        if (!(v >= kMinSpacingMm && v <= kMaxSpacingMm))
            throw DataError(f, 0, "PixelSpacing (0028,0030)",
                            "expected a spacing from " + formatNumber(kMinSpacingMm) + " to " + formatNumber(kMaxSpacingMm) +
                                " mm, got '" + listed(h.pixelSpacing) + "'");
    if (h.orientation.size() != 6 || !finite(h.orientation))
        throw DataError(f, 0, "ImageOrientationPatient (0020,0037)", "expected six finite direction cosines, got '" + listed(h.orientation) + "'");
    const glm::dvec3 rd(h.orientation[0], h.orientation[1], h.orientation[2]), cd(h.orientation[3], h.orientation[4], h.orientation[5]);
    if (std::abs(glm::dot(rd, cd)) > 1e-3 || std::abs(glm::length(rd) - 1.0) > 1e-3 || std::abs(glm::length(cd) - 1.0) > 1e-3)
        throw DataError(f, 0, "ImageOrientationPatient (0020,0037)",
                        "expected orthonormal row and column cosines, got '" + listed(h.orientation) + "'");
    if (h.position.size() != 3 || !finite(h.position) || glm::length(glm::dvec3(h.position[0], h.position[1], h.position[2])) > kMaxCoordinateMm)
        throw DataError(f, 0, "ImagePositionPatient (0020,0032)",
                        "expected three finite coordinates within 1e5 mm, got '" + listed(h.position) + "'");
    if (h.slope.size() > 1 || h.intercept.size() > 1)
        throw DataError(f, 0, "RescaleSlope/RescaleIntercept (0028,1053/1052)", "expected one value each");
    checkRescale(f, "RescaleSlope (0028,1053)", "RescaleIntercept (0028,1052)", h.slope.empty() ? 1.0 : h.slope[0],
                 h.intercept.empty() ? 0.0 : h.intercept[0]);
    if (!h.encapsulated) {
        const size_t need = static_cast<size_t>(h.rows) * h.columns * (h.bitsAllocated / 8);
        if (h.pixelBytes < need)
            throw DataError(f, 0, "PixelData (7FE0,0010)", "holds " + std::to_string(h.pixelBytes) + " bytes; Rows x Columns x BitsAllocated need " +
                                                               std::to_string(need));
    }
}

}  // namespace

CtVolume loadDicomSeries(const std::string& folder, const ProgressFn& progress) {
    if (!fs::is_directory(folder)) throw DataError(folder, 0, "", "expected a folder of DICOM files (one slice per file)");
    // GDCM's own warnings go to stderr; what the user needs is the DataError below.
    gdcm::Trace::WarningOff();
    gdcm::Trace::ErrorOff();
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(folder))
        if (e.is_regular_file()) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    if (files.empty()) throw DataError(folder, 0, "", "the folder holds no files");

    std::vector<Slice> slices;
    unsigned rows = 0, cols = 0;
    glm::dvec3 rowDir(0.0), colDir(0.0);
    glm::dvec2 pixel(0.0);
    for (size_t n = 0; n < files.size(); ++n) {
        const std::string& f = files[n];
        if (progress) progress("reading DICOM", static_cast<double>(n) / files.size());
        const std::vector<unsigned char> bytes = readSliceFile(f);
        // DICOMDIR and other non-image files may share a series folder; a folder of nothing
        // readable is an error below.
        if (fs::path(f).filename() == "DICOMDIR") continue;
        // GDCM only ever sees a file this walk accepted (its assertions abort on damaged ones).
        const DicomSliceHeader h = checkDicomStream(f, bytes);
        if (h.sopClass == "1.2.840.10008.1.3.10") continue;  // Media Storage Directory (a DICOMDIR renamed)
        if (!h.hasPixelData) throw DataError(f, 0, "PixelData (7FE0,0010)", "missing: the file holds no image");
        checkSliceHeader(f, h, files.size());
        checkDicomCodestream(f, h, bytes);
        const unsigned c = static_cast<unsigned>(h.columns), r = static_cast<unsigned>(h.rows);
        // PixelSpacing is the spacing between rows, then between columns: along the column
        // direction first.
        const glm::dvec3 rd(h.orientation[0], h.orientation[1], h.orientation[2]), cd(h.orientation[3], h.orientation[4], h.orientation[5]);
        const glm::dvec2 sp(h.pixelSpacing[1], h.pixelSpacing[0]);
        if (slices.empty()) {
            rows = r;
            cols = c;
            rowDir = rd;
            colDir = cd;
            pixel = sp;
        } else {
            if (r != rows || c != cols)
                throw DataError(f, 0, "Rows/Columns (0028,0010/0011)",
                                "mixed image sizes in the series: " + std::to_string(c) + "x" + std::to_string(r) + " after " +
                                    std::to_string(cols) + "x" + std::to_string(rows));
            if (glm::length(rd - rowDir) > 1e-3 || glm::length(cd - colDir) > 1e-3)
                throw DataError(f, 0, "ImageOrientationPatient (0020,0037)", "mixed orientations in the series");
            if (std::abs(sp.x - pixel.x) > 1e-4 || std::abs(sp.y - pixel.y) > 1e-4)
                throw DataError(f, 0, "PixelSpacing (0028,0030)", "mixed pixel spacings in the series");
        }
        gdcm::ImageReader reader;
        std::istringstream stream(std::string(bytes.begin(), bytes.end()));
        reader.SetStream(stream);
        if (!reader.Read()) throw DataError(f, 0, "", "not a readable DICOM image (not DICOM, or the file is cut short)");
        const gdcm::Image& img = reader.GetImage();
        const size_t count = static_cast<size_t>(r) * c;
        const size_t sampleBytes = static_cast<size_t>(h.bitsAllocated / 8);
        // The decoder writes what the codestream says into a buffer sized from the header: both
        // must agree before GetBuffer.
        if (img.GetDimension(0) != c || img.GetDimension(1) != r || img.GetBufferLength() != count * sampleBytes)
            throw DataError(f, 0, "Rows/Columns (0028,0010/0011)",
                            "the image decodes to " + std::to_string(img.GetBufferLength()) + " bytes; " + std::to_string(c) + " x " +
                                std::to_string(r) + " pixels of " + std::to_string(h.bitsAllocated) + " bits need " +
                                std::to_string(count * sampleBytes));
        std::vector<char> buf(img.GetBufferLength());
        if (!img.GetBuffer(buf.data()))
            throw DataError(f, 0, "PixelData (7FE0,0010)", "the pixel data cannot be decoded (truncated or unsupported compression)");
        Slice s;
        s.file = f;
        s.position = {h.position[0], h.position[1], h.position[2]};
        const double slope = h.slope.empty() ? 1.0 : h.slope[0], intercept = h.intercept.empty() ? 0.0 : h.intercept[0];
        const bool sign = h.pixelRepresentation == 1;
        s.hu.resize(count);
        for (size_t i = 0; i < count; ++i) {
            double stored = 0.0;
            if (sampleBytes == 2) {
                uint16_t u;
                std::memcpy(&u, buf.data() + 2 * i, 2);
                stored = sign ? static_cast<double>(static_cast<int16_t>(u)) : static_cast<double>(u);
            } else {
                uint32_t u;
                std::memcpy(&u, buf.data() + 4 * i, 4);
                stored = sign ? static_cast<double>(static_cast<int32_t>(u)) : static_cast<double>(u);
            }
            s.hu[i] = static_cast<int16_t>(std::clamp(std::lround(stored * slope + intercept), -32768L, 32767L));
        }
        slices.push_back(std::move(s));
    }
    if (slices.empty()) throw DataError(folder, 0, "", "no DICOM images in the folder");

    const glm::dvec3 normal = glm::normalize(glm::cross(rowDir, colDir));
    for (auto& s : slices) s.along = glm::dot(s.position, normal);
    std::sort(slices.begin(), slices.end(), [](const Slice& a, const Slice& b) { return a.along < b.along; });
    double step = 1.0;
    if (slices.size() > 1) {
        step = (slices.back().along - slices.front().along) / static_cast<double>(slices.size() - 1);
        if (!(step > 1e-3)) throw DataError(slices[1].file, 0, "ImagePositionPatient (0020,0032)", "two slices share one position");
        for (size_t i = 1; i < slices.size(); ++i) {
            const glm::dvec3 d = slices[i].position - slices[i - 1].position;
            const double gap = slices[i].along - slices[i - 1].along;
            if (gap < 1e-3) throw DataError(slices[i].file, 0, "ImagePositionPatient (0020,0032)", "two slices share one position");
            // Gantry tilt: consecutive positions step sideways, not along the normal.
            if (glm::length(d - normal * gap) > 0.01 * gap + 1e-3)
                throw DataError(slices[i].file, 0, "ImagePositionPatient (0020,0032)",
                                "slice positions are not along the slice normal (gantry tilt); resample the series first");
            if (std::abs(gap - step) > 0.1 * step)
                throw DataError(slices[i].file, 0, "ImagePositionPatient (0020,0032)",
                                "uneven slice spacing (" + std::to_string(gap) + " mm where the series averages " +
                                    std::to_string(step) + " mm): a slice is missing?");
        }
    }
    CtVolume ct;
    VolumeGeometry g;
    g.dims = {static_cast<int>(cols), static_cast<int>(rows), static_cast<int>(slices.size())};
    g.spacing = {pixel.x, pixel.y, step};
    g.origin = slices.front().position;
    g.direction = glm::dmat3(rowDir, colDir, normal);
    checkGeometryLimits(slices.front().file, "ImagePositionPatient (0020,0032)", "ImagePositionPatient (0020,0032)", g);
    ct.geometry = g;
    ct.voxels.reserve(g.voxelCount());
    for (const auto& s : slices) ct.voxels.insert(ct.voxels.end(), s.hu.begin(), s.hu.end());
    if (progress) progress("reading DICOM", 1.0);
    return ct;
}

}  // namespace irsim::patient
