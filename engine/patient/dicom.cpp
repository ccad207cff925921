#include "patient/dicom.h"

#include <gdcmAttribute.h>
#include <gdcmImage.h>
#include <gdcmImageReader.h>
#include <gdcmPixelFormat.h>
#include <gdcmTrace.h>

#include <algorithm>
#include <cstring>
#include <cmath>
#include <filesystem>
#include <vector>

#include "core/error.h"

namespace irsim::patient {

namespace {

namespace fs = std::filesystem;

struct Slice {
    std::string file;
    glm::dvec3 position{0.0};
    double along = 0.0;  // position along the slice normal
    std::vector<int16_t> hu;
};

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
        gdcm::ImageReader reader;
        reader.SetFileName(f.c_str());
        if (!reader.Read()) {
            // DICOMDIR and other non-image files may share a series folder; a folder of nothing
            // readable is an error below.
            if (f.find("DICOMDIR") != std::string::npos) continue;
            throw DataError(f, 0, "", "not a readable DICOM image (not DICOM, or the file is cut short)");
        }
        const gdcm::Image& img = reader.GetImage();
        if (img.GetNumberOfDimensions() != 2 && img.GetDimension(2) > 1)
            throw DataError(f, 0, "NumberOfFrames (0028,0008)", "multi-frame images are not read; expected one slice per file");
        const gdcm::PixelFormat pf = img.GetPixelFormat();
        if (pf.GetSamplesPerPixel() != 1)
            throw DataError(f, 0, "SamplesPerPixel (0028,0002)", "expected a greyscale CT (1 sample per pixel)");
        const unsigned c = img.GetDimension(0), r = img.GetDimension(1);
        const double* dc = img.GetDirectionCosines();
        const double* org = img.GetOrigin();
        const double* sp = img.GetSpacing();
        const glm::dvec3 rd(dc[0], dc[1], dc[2]), cd(dc[3], dc[4], dc[5]);
        if (slices.empty()) {
            rows = r;
            cols = c;
            rowDir = rd;
            colDir = cd;
            pixel = {sp[0], sp[1]};
            if (!(pixel.x > 0.0 && pixel.y > 0.0)) throw DataError(f, 0, "PixelSpacing (0028,0030)", "expected positive pixel spacing");
            if (std::abs(glm::dot(rd, cd)) > 1e-3 || std::abs(glm::length(rd) - 1.0) > 1e-3)
                throw DataError(f, 0, "ImageOrientationPatient (0020,0037)", "expected orthonormal row and column cosines");
        } else {
            if (r != rows || c != cols)
                throw DataError(f, 0, "Rows/Columns (0028,0010/0011)",
                                "mixed image sizes in the series: " + std::to_string(c) + "x" + std::to_string(r) + " after " +
                                    std::to_string(cols) + "x" + std::to_string(rows));
            if (glm::length(rd - rowDir) > 1e-3 || glm::length(cd - colDir) > 1e-3)
                throw DataError(f, 0, "ImageOrientationPatient (0020,0037)", "mixed orientations in the series");
            if (std::abs(sp[0] - pixel.x) > 1e-4 || std::abs(sp[1] - pixel.y) > 1e-4)
                throw DataError(f, 0, "PixelSpacing (0028,0030)", "mixed pixel spacings in the series");
        }
        Slice s;
        s.file = f;
        s.position = {org[0], org[1], org[2]};
        const size_t count = static_cast<size_t>(r) * c;
        std::vector<char> buf(img.GetBufferLength());
        if (!img.GetBuffer(buf.data()))
            throw DataError(f, 0, "PixelData (7FE0,0010)", "the pixel data cannot be decoded (truncated or unsupported compression)");
        const double slope = img.GetSlope(), intercept = img.GetIntercept();
        s.hu.resize(count);
        auto store = [&](size_t i, double stored) {
            s.hu[i] = static_cast<int16_t>(std::clamp(std::lround(stored * slope + intercept), -32768L, 32767L));
        };
        switch (pf.GetScalarType()) {
            case gdcm::PixelFormat::UINT8:
                for (size_t i = 0; i < count && i < buf.size(); ++i) store(i, static_cast<uint8_t>(buf[i]));
                break;
            case gdcm::PixelFormat::INT8:
                for (size_t i = 0; i < count && i < buf.size(); ++i) store(i, static_cast<int8_t>(buf[i]));
                break;
            case gdcm::PixelFormat::UINT16:
            case gdcm::PixelFormat::INT16:
            case gdcm::PixelFormat::UINT12:
            case gdcm::PixelFormat::INT12: {
                if (buf.size() < count * 2) throw DataError(f, 0, "PixelData (7FE0,0010)", "the pixel data is shorter than Rows x Columns");
                const bool sign = pf.GetScalarType() == gdcm::PixelFormat::INT16 || pf.GetScalarType() == gdcm::PixelFormat::INT12;
                for (size_t i = 0; i < count; ++i) {
                    uint16_t u;
                    std::memcpy(&u, buf.data() + 2 * i, 2);
                    store(i, sign ? static_cast<double>(static_cast<int16_t>(u)) : static_cast<double>(u));
                }
                break;
            }
            case gdcm::PixelFormat::INT32:
            case gdcm::PixelFormat::UINT32: {
                if (buf.size() < count * 4) throw DataError(f, 0, "PixelData (7FE0,0010)", "the pixel data is shorter than Rows x Columns");
                const bool sign = pf.GetScalarType() == gdcm::PixelFormat::INT32;
                for (size_t i = 0; i < count; ++i) {
                    uint32_t u;
                    std::memcpy(&u, buf.data() + 4 * i, 4);
                    store(i, sign ? static_cast<double>(static_cast<int32_t>(u)) : static_cast<double>(u));
                }
                break;
            }
            default:
                throw DataError(f, 0, "BitsAllocated (0028,0100)", "unsupported pixel format " + std::string(pf.GetScalarTypeAsString()));
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
    ct.geometry = g;
    ct.voxels.reserve(g.voxelCount());
    for (const auto& s : slices) ct.voxels.insert(ct.voxels.end(), s.hu.begin(), s.hu.end());
    if (progress) progress("reading DICOM", 1.0);
    return ct;
}

}  // namespace irsim::patient
