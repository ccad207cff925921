// Damaged and hostile CTs (issue 15): each input is a shipped file copied into a scratch folder and
// damaged the way a half-copied series or a hand-edited header is, and each must end in a DataError
// naming the file and the field, never a crash, a multi-gigabyte allocation, a hang or a volume
// read wrongly in silence. Offsets are from the NIfTI-1 standard (nifti1.h) and from the DICOM
// files' own explicit-VR element headers.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/error.h"
#include "core/text.h"
#include "files.h"
#include "patient/dicom.h"
#include "patient/labels.h"
#include "patient/limits.h"
#include "patient/loader.h"
#include "patient/nifti.h"

using namespace irsim;
using namespace irsim::patient;
using namespace irsim::test;
namespace fs = std::filesystem;

namespace {

// example_ct_sm.nii.gz uncompressed (352-byte header, 122 x 101 x 30 int16, sform code 2) with
// `edit` applied, written to a scratch file; returns its path.
template <class Edit>
std::string damagedNifti(const std::string& name, const Edit& edit) {
    std::vector<char> b = inflated(kData + "example_ct_sm.nii.gz");
    edit(b);
    const std::string path = tempDir("nifti_" + name) + "/" + name + ".nii";
    writeBytes(path, b, b.size());
    return path;
}

template <class T>
void put(std::vector<char>& b, size_t offset, T v) {
    std::memcpy(b.data() + offset, &v, sizeof v);
}

// The shipped DICOM series (20 JPEG 2000 slices) copied to a scratch folder.
struct Series {
    std::string dir;
    std::vector<std::string> files;  // sorted, in `dir`
    explicit Series(const std::string& name) : dir(tempDir("dicom_" + name)) {
        std::vector<std::string> shipped;
        for (const auto& e : fs::directory_iterator(kData + "example_ct_dicom")) shipped.push_back(e.path().string());
        std::sort(shipped.begin(), shipped.end());
        for (const auto& f : shipped) {
            files.push_back(dir + "/" + fs::path(f).filename().string());
            fs::copy_file(f, files.back());
        }
    }
    std::vector<char> bytes(size_t i) const { return readBytes(files[i]); }
    void write(size_t i, const std::vector<char>& b) const { writeBytes(files[i], b, b.size()); }
    std::string error() const { return errorOf([&] { loadDicomSeries(dir); }); }
};

// Offset of the explicit-VR element (group, element) in a DICOM file's bytes.
size_t elementAt(const std::vector<char>& b, uint16_t group, uint16_t element) {
    const char tag[4] = {static_cast<char>(group & 0xFF), static_cast<char>(group >> 8), static_cast<char>(element & 0xFF),
                         static_cast<char>(element >> 8)};
    for (size_t i = 132; i + 8 <= b.size(); ++i)
        if (std::memcmp(b.data() + i, tag, 4) == 0) return i;
    FAIL("no element in the file");
    return 0;
}

// Replaces a short-VR element's value by `text` (padded to even length), moving what follows.
void setText(std::vector<char>& b, uint16_t group, uint16_t element, std::string text) {
    if (text.size() % 2) text += ' ';
    const size_t at = elementAt(b, group, element);
    const size_t old = static_cast<uint8_t>(b[at + 6]) | (static_cast<uint8_t>(b[at + 7]) << 8);
    b.erase(b.begin() + static_cast<long>(at + 8), b.begin() + static_cast<long>(at + 8 + old));
    b.insert(b.begin() + static_cast<long>(at + 8), text.begin(), text.end());
    b[at + 6] = static_cast<char>(text.size() & 0xFF);
    b[at + 7] = static_cast<char>(text.size() >> 8);
}

void setUs(std::vector<char>& b, uint16_t group, uint16_t element, uint16_t v) {
    const size_t at = elementAt(b, group, element);
    b[at + 8] = static_cast<char>(v & 0xFF);
    b[at + 9] = static_cast<char>(v >> 8);
}

size_t codestreamAt(const std::vector<char>& b) {
    const char soc[4] = {'\xFF', '\x4F', '\xFF', '\x51'};
    for (size_t i = 0; i + 4 <= b.size(); ++i)
        if (std::memcmp(b.data() + i, soc, 4) == 0) return i;
    FAIL("no JPEG 2000 codestream");
    return 0;
}

}  // namespace

TEST_CASE("a half-copied DICOM slice is a DataError, never GDCM's assertion", "[patient][dicom][damaged]") {
    // The lengths of issue 15: inside the preamble's "DICM", the meta group, the data set and the
    // pixel data fragments.
    Series s("cut");
    const std::vector<char> whole = s.bytes(4);
    const std::string f = s.files[4] + ": ";
    const auto cutAt = [&](size_t n) {
        writeBytes(s.files[4], whole, n);
        return s.error();
    };
    const std::string damaged = " bytes left): the file is cut short or damaged";
    CHECK(cutAt(132) == f + "the file ends at byte 132, inside a DICOM element (cut short?)");
    CHECK(cutAt(200) == f + "(0002,0003): at byte 192: its length 56 runs past the end of the file (0" + damaged);
    CHECK(cutAt(1000) == f + "(0008,1111): at byte 974: its length 104 runs past the end of the file (14" + damaged);
    CHECK(cutAt(3832) == f + "(0029,1010): at byte 2842: its length 1336 runs past the end of the file (978" + damaged);
    CHECK(cutAt(whole.size() - 1000) == f + "PixelData (7FE0,0010): at byte 4844: a fragment's length 153700 runs past the end of the file (" +
                                            std::to_string(whole.size() - 1000 - 4852) + damaged);
    CHECK(cutAt(100) == f + "not a DICOM Part 10 file (no \"DICM\" after the 128-byte preamble; the file is 100 bytes)");
}

TEST_CASE("a DICOM length field beyond the file is refused before anything is allocated", "[patient][dicom][damaged]") {
    Series s("length");
    std::vector<char> b = s.bytes(2);
    // The first pixel data fragment after the (empty) offset table: 157 KB file, 1.5 GB claimed.
    const size_t pixel = elementAt(b, 0x7FE0, 0x0010);
    const size_t item = pixel + 12 + 8;
    put(b, item + 4, uint32_t{0x60000000});
    s.write(2, b);
    CHECK(s.error() == s.files[2] + ": PixelData (7FE0,0010): at byte " + std::to_string(item) +
                           ": a fragment's length 1610612736 runs past the end of the file (" + std::to_string(b.size() - item - 8) +
                           " bytes left): the file is cut short or damaged");
    // Modality's 2-byte length made 32752: the walk lands inside the pixel data and stops at the
    // first bytes that are not an element header.
    b = s.bytes(3);
    const size_t modality = elementAt(b, 0x0008, 0x0060);
    b[modality + 6] = '\xF0';
    b[modality + 7] = '\x7F';
    s.write(2, s.bytes(3));
    s.write(3, b);
    CHECK(s.error() == s.files[3] + ": (265E,07D9): at byte 33382: not a DICOM value representation (damaged file?)");
}

// Found by the fuzzer (tests/fuzz/corpus/dicom/fragment_delimiter_length): the walk stopped at the
// sequence delimiter that closes the pixel data fragments without reading its length, but GDCM reads
// the delimiter as one more fragment and allocated its damaged length, 4 GB for a 1 KB slice.
TEST_CASE("a pixel data delimiter with a length is refused before GDCM allocates it", "[patient][dicom][damaged]") {
    Series s("delimiter");
    std::vector<char> b = s.bytes(2);
    const size_t delimiter = b.size() - 8;  // the shipped slices end with (FFFE,E0DD) and a zero length
    REQUIRE(std::memcmp(b.data() + delimiter, "\xFE\xFF\xDD\xE0\0\0\0\0", 8) == 0);
    put(b, delimiter + 4, uint32_t{0xFEFFFF7B});
    s.write(2, b);
    CHECK(s.error() == s.files[2] + ": PixelData (7FE0,0010): at byte " + std::to_string(delimiter) +
                           ": the sequence delimiter (FFFE,E0DD) closing the pixel data fragments has length 4278189947 "
                           "(expected 0; damaged file?)");
    // A length that fits in the file is refused too: GDCM would read those bytes as a fragment and then
    // assert that the delimiter's length is zero (gdcmSequenceOfFragments.h).
    b.insert(b.end(), 8, '\0');
    put(b, delimiter + 4, uint32_t{8});
    s.write(2, b);
    CHECK(s.error() == s.files[2] + ": PixelData (7FE0,0010): at byte " + std::to_string(delimiter) +
                           ": the sequence delimiter (FFFE,E0DD) closing the pixel data fragments has length 8 "
                           "(expected 0; damaged file?)");
}

// Found by the fuzzer (tests/fuzz/corpus/dicom/j2k_marker_length): GDCM walks the JPEG 2000 marker
// segments itself before decoding (parsej2k_imp) and trusts their lengths; a length of 65535 in a
// 464-byte fragment sent it reading past the buffer (SEGV in JPEG2000Codec::GetHeaderInfo).
TEST_CASE("a JPEG 2000 marker segment longer than its fragment is refused before GDCM walks it", "[patient][dicom][damaged]") {
    Series s("j2k_marker");
    const std::vector<char> original = s.bytes(3);
    const size_t cs = codestreamAt(original);
    const size_t fragment = static_cast<uint8_t>(original[cs - 4]) | (static_cast<uint8_t>(original[cs - 3]) << 8) |
                            (static_cast<uint8_t>(original[cs - 2]) << 16) | (static_cast<size_t>(static_cast<uint8_t>(original[cs - 1])) << 24);
    // SOC (2 bytes), SIZ (2 + 41 for one component), then the COD marker segment.
    const size_t cod = cs + 2 + 2 + 41;
    REQUIRE(static_cast<uint8_t>(original[cod]) == 0xFF);
    REQUIRE(static_cast<uint8_t>(original[cod + 1]) == 0x52);
    // The fuzzer's input: a 16 x 16 slice whose 464-byte fragment has a segment FFFF of length 65535.
    const std::string small = tempDir("dicom_j2k_marker_small");
    const std::vector<char> found = readBytes(std::string(IRSIM_ASSETS_DIR) + "/../tests/fuzz/corpus/dicom/j2k_marker_length");
    writeBytes(small + "/slice.dcm", found, found.size());
    CHECK(errorOf([&] { loadDicomSeries(small); }) == small + "/slice.dcm: PixelData (7FE0,0010): the JPEG 2000 codestream is damaged at "
                                                             "byte 74: marker FFFF has length 65535, 388 bytes are left in the fragment");
    // COD's length made 65535 in a shipped 150 KB fragment: within it, so the walk lands in coded
    // data and finds no marker there.
    std::vector<char> b = original;
    b[cod + 2] = '\xFF', b[cod + 3] = '\xFF';
    s.write(3, b);
    REQUIRE(fragment > 45 + 4 + 65535);
    CHECK(s.error() == s.files[3] + ": PixelData (7FE0,0010): the JPEG 2000 codestream is damaged at byte 65582: expected a marker, got " +
                           formatted("%02X%02X", static_cast<uint8_t>(original[cs + 65582]), static_cast<uint8_t>(original[cs + 65583])));
    b = original;
    b[cod + 2] = 0, b[cod + 3] = 4;
    s.write(3, b);
    CHECK(s.error() == s.files[3] + ": PixelData (7FE0,0010): the JPEG 2000 codestream is damaged at byte 45: the COD segment has length 4 (at least 12)");
}

// Found by the fuzzer (tests/fuzz/corpus/dicom/meta_invalid_vr): GDCM asserts ("Should not happen",
// gdcmFileMetaInformation.cxx:436) on a value representation outside PS3.5's table in the file meta
// group, which the walk took as any two bytes.
TEST_CASE("a file meta element whose value representation is not DICOM's is refused, never GDCM's assertion",
          "[patient][dicom][damaged]") {
    Series s("meta_vr");
    std::vector<char> b = s.bytes(0);
    const size_t uid = elementAt(b, 0x0002, 0x0012);  // ImplementationClassUID, VR UI
    b[uid + 4] = '.';
    s.write(0, b);
    CHECK(s.error() == s.files[0] + ": (0002,0012): at byte " + std::to_string(uid) +
                           ": not a DICOM value representation (damaged file?)");
    // Two capital letters that name no representation, in the data set.
    b = s.bytes(1);
    const size_t modality = elementAt(b, 0x0008, 0x0060);  // Modality, VR CS
    b[modality + 4] = 'Q';
    s.write(0, s.bytes(1));
    s.write(1, b);
    CHECK(s.error() == s.files[1] + ": (0008,0060): at byte " + std::to_string(modality) +
                           ": not a DICOM value representation (damaged file?)");
}

// Found by the fuzzer (tests/fuzz/corpus/dicom/rescale_intercept_vr): GDCM reads Rescale Intercept
// through a typed accessor that asserts its VR is DS (gdcmAttribute.h:445), so another VR aborted
// irsim inside GDCM's image reader.
TEST_CASE("an image attribute whose value representation is not the standard's is refused, never GDCM's assertion",
          "[patient][dicom][damaged]") {
    Series s("attr_vr");
    std::vector<char> b = s.bytes(2);
    const size_t intercept = elementAt(b, 0x0028, 0x1052);  // Rescale Intercept, VR DS
    b[intercept + 4] = 'S', b[intercept + 5] = 'H';
    s.write(2, b);
    CHECK(s.error() == s.files[2] + ": RescaleIntercept (0028,1052): at byte " + std::to_string(intercept) +
                           ": value representation SH where the standard has DS (damaged file?)");
}

TEST_CASE("a retired ACR-NEMA RecognitionCode that GDCM would assert on is refused, and ACR-NEMA's own loads",
          "[patient][dicom][damaged]") {
    // (0008,0010) SH in the top-level dataset, before SOPClassUID (0008,0016): the fuzzer's find.
    auto withCode = [](std::vector<char> b, const std::string& code) {
        std::vector<char> e = {'\x08', '\x00', '\x10', '\x00', 'S', 'H', static_cast<char>(code.size()), '\x00'};
        e.insert(e.end(), code.begin(), code.end());
        b.insert(b.begin() + static_cast<long>(elementAt(b, 0x0008, 0x0016)), e.begin(), e.end());
        return b;
    };
    Series s("recognition_code");
    s.write(1, withCode(s.bytes(1), "NOT ACR-NEMA"));
    CHECK(s.error() == s.files[1] + ": RecognitionCode (0008,0010): expected empty or an ACR-NEMA version (\"ACR-NEMA 2.0\"), "
                                    "got 'NOT ACR-NEMA' (damaged file?)");
    s.write(1, withCode(readBytes(kData + "example_ct_dicom/" + fs::path(s.files[1]).filename().string()), "ACR-NEMA 2.0"));
    CHECK(s.error().empty());
}

TEST_CASE("Rows and Columns that disagree with the JPEG 2000 codestream are refused before decoding", "[patient][dicom][damaged]") {
    Series s("size");
    std::vector<char> b = s.bytes(0);
    setUs(b, 0x0028, 0x0010, 256);
    setUs(b, 0x0028, 0x0011, 256);
    s.write(0, b);
    CHECK(s.error() == s.files[0] + ": Rows/Columns (0028,0010/0011): the JPEG 2000 codestream is 512 x 512 pixels, the header says 256 x 256");
    // The codestream's own width set to 65535 (Xsiz, big-endian, 8 bytes into SOC + SIZ).
    b = s.bytes(1);
    const size_t cs = codestreamAt(b);
    b[cs + 8] = 0, b[cs + 9] = 0, b[cs + 10] = '\xFF', b[cs + 11] = '\xFF';
    s.write(0, readBytes(kData + "example_ct_dicom/" + fs::path(s.files[0]).filename().string()));
    s.write(1, b);
    CHECK(s.error() == s.files[1] + ": Rows/Columns (0028,0010/0011): the JPEG 2000 codestream is 65535 x 512 pixels, the header says 512 x 512");
}

TEST_CASE("DICOM geometry and pixel format irsim cannot trust are refused with the tag", "[patient][dicom][damaged]") {
    Series s("fields");
    const std::vector<char> original = s.bytes(0);
    const auto errorWith = [&](const auto& edit) {
        std::vector<char> b = original;
        edit(b);
        s.write(0, b);
        const std::string e = s.error();
        s.write(0, original);
        return e;
    };
    const std::string f = s.files[0] + ": ";
    // GDCM would read these as 1 x 1 mm pixels and an identity orientation.
    CHECK(errorWith([](auto& b) { setText(b, 0x0028, 0x0030, "0\\0"); }) ==
          f + "PixelSpacing (0028,0030): expected a spacing from 0.01 to 100 mm, got '0\\0'");
    CHECK(errorWith([](auto& b) { setText(b, 0x0028, 0x0030, "nan\\nan"); }) ==
          f + "PixelSpacing (0028,0030): expected two finite numbers (row\\column spacing in mm), got 'nan\\nan'");
    CHECK(errorWith([](auto& b) { setText(b, 0x0020, 0x0037, "0\\0\\0\\0\\0\\0"); }) ==
          f + "ImageOrientationPatient (0020,0037): expected orthonormal row and column cosines, got '0\\0\\0\\0\\0\\0'");
    CHECK(errorWith([](auto& b) { setText(b, 0x0020, 0x0037, "nan\\0\\0\\0\\1\\0"); }) ==
          f + "ImageOrientationPatient (0020,0037): expected six finite direction cosines, got 'nan\\0\\0\\0\\1\\0'");
    // One slice's rescale slope: NaN, and 1e308 (every voxel would saturate).
    CHECK(errorWith([](auto& b) { setText(b, 0x0028, 0x1053, "nan"); }) ==
          f + "RescaleSlope (0028,1053): expected a non-zero slope from -1000 to 1000, got nan");
    CHECK(errorWith([](auto& b) { setText(b, 0x0028, 0x1053, "1e308"); }) ==
          f + "RescaleSlope (0028,1053): expected a non-zero slope from -1000 to 1000, got 1e+308");
    CHECK(errorWith([](auto& b) { setText(b, 0x0028, 0x1053, "one"); }) ==
          f + "RescaleSlope (0028,1053): expected decimal numbers separated by '\\', got 'one'");
    CHECK(errorWith([](auto& b) { setUs(b, 0x0028, 0x0002, 3); }) ==
          f + "SamplesPerPixel (0028,0002): expected a greyscale CT (1 sample per pixel), got 3");
    CHECK(errorWith([](auto& b) { setUs(b, 0x0028, 0x0100, 8); }) ==
          f + "BitsAllocated (0028,0100): expected 16 or 32 (a CT's -1024 to 3071 HU need 12 bits), got 8");
    // Undamaged again, the series loads.
    CHECK(s.error().empty());
}

TEST_CASE("one DICOM slice without .dcm names its series", "[patient][dicom]") {
    Series s("single");
    const CtVolume ct = loadCt(s.files[3]);
    CHECK(ct.geometry.dims == glm::ivec3(512, 512, 20));
}

TEST_CASE("a NIfTI header claiming more than the file holds is refused before allocating", "[patient][nifti][damaged]") {
    // 740 KB claiming 1000^3 voxels (2 GB as int16): refused by the ceiling, from the header alone.
    const std::string big = damagedNifti("billion", [](auto& b) {
        put(b, 42, int16_t{1000});
        put(b, 44, int16_t{1000});
        put(b, 46, int16_t{1000});
    });
    CHECK(errorOf([&] { loadNiftiCt(big); }) ==
          big + ": a volume of 1000 x 1000 x 1000 voxels; irsim reads volumes of up to 536870912 voxels");
    // Within the ceiling but beyond the file: refused before the 1 GB is allocated.
    const std::string large = damagedNifti("large", [](auto& b) {
        put(b, 42, int16_t{800});
        put(b, 44, int16_t{800});
        put(b, 46, int16_t{800});
    });
    CHECK(errorOf([&] { loadNiftiCt(large); }) == large + ": data: the file is truncated: 739672 bytes, the header needs 1024000352");
    // Compressed, the same header in a small file: deflate cannot inflate beyond 1032:1.
    const std::string gz = tempDir("nifti_bomb") + "/bomb.nii.gz";
    {
        std::vector<char> b = inflated(kData + "example_ct_sm.nii.gz");
        put(b, 42, int16_t{800});
        put(b, 44, int16_t{800});
        put(b, 46, int16_t{800});
        gzFile f = gzopen(gz.c_str(), "wb9");
        gzwrite(f, b.data(), static_cast<unsigned>(b.size()));
        gzclose(f);
    }
    const auto gzBytes = static_cast<size_t>(fs::file_size(gz));
    CHECK(errorOf([&] { loadNiftiCt(gz); }) ==
          gz + ": data: the file is truncated: compressed, it can hold at most " + std::to_string(1032 * gzBytes + 4096) +
              " bytes, the header needs 1024000352");
}

TEST_CASE("NIfTI header values that would be misread in silence are refused with the field", "[patient][nifti][damaged]") {
    const auto error = [](const std::string& name, const auto& edit) {
        const std::string p = damagedNifti(name, edit);
        return std::make_pair(p, errorOf([&] { loadNiftiCt(p); }));
    };
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    auto [slope, slopeError] = error("slope", [](auto& b) { put(b, 112, 1e30f); });
    CHECK(slopeError == slope + ": scl_slope: expected a non-zero slope from -1000 to 1000, got 1e+30");
    auto [nanSlope, nanSlopeError] = error("nan_slope", [&](auto& b) { put(b, 112, nan); });
    CHECK(nanSlopeError == nanSlope + ": scl_slope: expected a non-zero slope from -1000 to 1000, got nan");
    // vox_offset 1e20: a float-to-integer cast beyond size_t's range is undefined behaviour.
    auto [offset, offsetError] = error("offset", [](auto& b) { put(b, 108, 1e20f); });
    CHECK(offsetError == offset + ": vox_offset: expected a whole number of bytes from 348 to 1e9, got 1e+20");
    // The sform's origin (srow_z[3], srow_y[3]) NaN or infinite, its spacing 1e30 mm.
    auto [origin, originError] = error("origin", [&](auto& b) { put(b, 324, nan); });
    CHECK(originError == origin + ": srow_x/y/z[3]: expected a finite position within 100000 mm of the scanner's origin, got nan");
    auto [far, farError] = error("far", [&](auto& b) { put(b, 308, inf); });
    CHECK(farError == far + ": srow_x/y/z[3]: expected a finite position within 100000 mm of the scanner's origin, got -inf");
    auto [spacing, spacingError] = error("spacing", [](auto& b) { put(b, 280, 1e30f); });
    CHECK(spacingError == spacing + ": srow: expected a voxel spacing from 0.01 to 100 mm, got 1e+30 mm along axis 1");
    // The qform alone (sform_code 0): a non-unit quaternion, which read 3 mm voxels as 12 mm.
    auto [quat, quatError] = error("quaternion", [](auto& b) {
        put(b, 252, int16_t{1});
        put(b, 254, int16_t{0});
        put(b, 256, 2.0f);
    });
    CHECK(quatError == quat + ": quatern_b/c/d: expected the b, c, d of a unit quaternion (b^2 + c^2 + d^2 <= 1), got 4");
    auto [pixdim, pixdimError] = error("pixdim", [](auto& b) {
        put(b, 252, int16_t{1});
        put(b, 254, int16_t{0});
        put(b, 80, 1e30f);
    });
    CHECK(pixdimError == pixdim + ": pixdim: expected a voxel spacing from 0.01 to 100 mm, got 1e+30 mm along axis 1");
    // The same header through the qform, undamaged, gives the sform's geometry (3 mm, identity).
    auto [qform, qformError] = error("qform", [](auto& b) {
        put(b, 252, int16_t{1});
        put(b, 254, int16_t{0});
    });
    CHECK(qformError.empty());
    CHECK(readNiftiHeader(qform).geometry.spacing == glm::dvec3(3.0));
}

TEST_CASE("devices, FIFOs, folders and empty paths are refused, not read", "[patient][damaged]") {
    CHECK(errorOf([] { loadCt("/dev/zero"); }) == "/dev/zero: cannot open the CT: not a regular file (a device, FIFO or socket)");
    const std::string fifo = tempDir("fifo") + "/ct.nii";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    CHECK(errorOf([&] { loadCt(fifo); }) == fifo + ": cannot open the CT: not a regular file (a device, FIFO or socket)");
    CHECK(errorOf([&] { loadNiftiLabels(fifo); }) ==
          fifo + ": cannot open the NIfTI volume: not a regular file (a device, FIFO or socket)");
    const std::string dir = tempDir("folder_labels");
    CHECK(errorOf([&] { loadNiftiLabels(dir); }) == dir + ": cannot open the NIfTI volume: this is a folder, not a file");
    CHECK(errorOf([] { loadCt(""); }) == "no CT named (an empty path)");
}

TEST_CASE("a label table nested deeper than one object is refused before parsing", "[patient][labels][damaged]") {
    const std::string path = tempDir("label_table") + "/labels.json";
    const std::string deep = "{\"1\": " + std::string(100000, '[') + std::string(100000, ']') + "}";
    writeBytes(path, std::vector<char>(deep.begin(), deep.end()), deep.size());
    CHECK(errorOf([&] { loadLabelTable(path); }) ==
          path + ": expected one flat object {\"<label value>\": \"<structure name>\"}, found nested arrays or objects");
}
