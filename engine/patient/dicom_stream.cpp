#include "patient/dicom_stream.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>

#include <gdcmDict.h>
#include <gdcmDicts.h>
#include <gdcmGlobal.h>
#include <gdcmVR.h>

#include "core/error.h"
#include "core/text.h"

namespace irsim::patient {

namespace {

constexpr uint32_t kUndefined = 0xFFFFFFFFu;
// Real series nest a few levels (a referenced-image sequence in a procedure code sequence); a walk
// deeper than this is damage, and bounding it bounds the walker's stack.
constexpr int kMaxSequenceDepth = 16;
constexpr size_t kMaxFragments = size_t{1} << 20;

const std::map<uint32_t, const char*>& tagNames() {
    static const std::map<uint32_t, const char*> names = {
        {0x00020000, "FileMetaInformationGroupLength (0002,0000)"},
        {0x00020002, "MediaStorageSOPClassUID (0002,0002)"},
        {0x00020010, "TransferSyntaxUID (0002,0010)"},
        {0x00080010, "RecognitionCode (0008,0010)"},
        {0x00200032, "ImagePositionPatient (0020,0032)"},
        {0x00200037, "ImageOrientationPatient (0020,0037)"},
        {0x00280002, "SamplesPerPixel (0028,0002)"},
        {0x00280004, "PhotometricInterpretation (0028,0004)"},
        {0x00280008, "NumberOfFrames (0028,0008)"},
        {0x00280010, "Rows (0028,0010)"},
        {0x00280011, "Columns (0028,0011)"},
        {0x00280030, "PixelSpacing (0028,0030)"},
        {0x00280100, "BitsAllocated (0028,0100)"},
        {0x00280101, "BitsStored (0028,0101)"},
        {0x00280102, "HighBit (0028,0102)"},
        {0x00280103, "PixelRepresentation (0028,0103)"},
        {0x00281052, "RescaleIntercept (0028,1052)"},
        {0x00281053, "RescaleSlope (0028,1053)"},
        {0x7FE00010, "PixelData (7FE0,0010)"},
    };
    return names;
}

std::string tagText(uint32_t tag) {
    auto it = tagNames().find(tag);
    if (it != tagNames().end()) return it->second;
    return formatted("(%04X,%04X)", tag >> 16, tag & 0xFFFF);
}

bool longLengthVr(const char* vr) {
    static const char* kLong[] = {"OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV"};
    for (const char* v : kLong)
        if (vr[0] == v[0] && vr[1] == v[1]) return true;
    return false;
}

// The value representations of DICOM PS3.5 table 6.2-1. GDCM asserts ("Should not happen") on any
// other in the file meta group (found by the fuzzer: (0002,1249) with VR ".U" aborted irsim).
bool knownVr(const char* vr) {
    static const char* kAll[] = {"AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT",
                                 "OB", "OD", "OF", "OL", "OV", "OW", "PN", "SH", "SL", "SQ", "SS", "ST",
                                 "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV"};
    for (const char* v : kAll)
        if (vr[0] == v[0] && vr[1] == v[1]) return true;
    return false;
}

// GDCM reads the image's attributes (rescale, spacing, geometry, pixel module) through typed
// accessors that assert the element's value representation is the dictionary's (found by the
// fuzzer: Rescale Intercept (0028,1052) with a VR other than DS aborted irsim inside
// GetRescaleInterceptSlopeValue). So in the groups those come from, an explicit VR must be one the
// standard's dictionary allows for the tag; elsewhere a quirky VR is left to GDCM, which copes.
bool vrFitsDictionary(uint32_t tag, const char* vr) {
    const uint16_t group = static_cast<uint16_t>(tag >> 16);
    if (group != 0x0018 && group != 0x0020 && group != 0x0028) return true;
    const gdcm::Dict& dict = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
    const gdcm::DictEntry& entry = dict.GetDictEntry(gdcm::Tag(group, static_cast<uint16_t>(tag & 0xFFFF)));
    const gdcm::VR expected = entry.GetVR();
    if (expected == gdcm::VR::INVALID || expected == gdcm::VR::UN) return true;  // not in the dictionary
    const char text[3] = {vr[0], vr[1], 0};
    return expected.Compatible(gdcm::VR(gdcm::VR::GetVRType(text)));
}

std::string vrText(uint32_t tag) {
    const gdcm::Dict& dict = gdcm::Global::GetInstance().GetDicts().GetPublicDict();
    return gdcm::VR::GetVRString(
        dict.GetDictEntry(gdcm::Tag(static_cast<uint16_t>(tag >> 16), static_cast<uint16_t>(tag & 0xFFFF))).GetVR());
}

std::string trimmed(const unsigned char* p, size_t n) {
    std::string s(reinterpret_cast<const char*>(p), n);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    size_t first = s.find_first_not_of(' ');
    return first == std::string::npos ? std::string() : s.substr(first);
}

class Walker {
public:
    Walker(const std::string& file, const std::vector<unsigned char>& bytes, DicomSliceHeader& h)
        : file_(file), b_(bytes), h_(h) {}

    void walk() {
        const size_t n = b_.size();
        if (n < 132 || std::memcmp(b_.data() + 128, "DICM", 4) != 0)
            fail("", "not a DICOM Part 10 file (no \"DICM\" after the 128-byte preamble" +
                         std::string(n < 132 ? "; the file is " + std::to_string(n) + " bytes" : "") + ")");
        size_t pos = meta(132);
        const std::string& ts = h_.transferSyntax;
        if (ts == "1.2.840.10008.1.2") {
            explicit_ = false;
        } else if (ts == "1.2.840.10008.1.2.1") {
        } else if (ts == "1.2.840.10008.1.2.4.50" || ts == "1.2.840.10008.1.2.4.51" || ts == "1.2.840.10008.1.2.4.57" ||
                   ts == "1.2.840.10008.1.2.4.70" || ts == "1.2.840.10008.1.2.4.80" || ts == "1.2.840.10008.1.2.4.81" ||
                   ts == "1.2.840.10008.1.2.4.90" || ts == "1.2.840.10008.1.2.4.91" || ts == "1.2.840.10008.1.2.5") {
            encapsulatedSyntax_ = true;
        } else {
            fail("TransferSyntaxUID (0002,0010)",
                 "transfer syntax '" + ts + "' is not read (expected implicit or explicit little endian, JPEG, JPEG-LS, "
                                            "JPEG 2000 or RLE)");
        }
        dataset(pos, n, 0, false);
    }

private:
    const std::string& file_;
    const std::vector<unsigned char>& b_;
    DicomSliceHeader& h_;
    bool explicit_ = true;
    bool encapsulatedSyntax_ = false;

    [[noreturn]] void fail(const std::string& field, const std::string& what) const { throw DataError(file_, 0, field, what); }
    [[noreturn]] void failAt(uint32_t tag, size_t pos, const std::string& what) const {
        fail(tagText(tag), "at byte " + std::to_string(pos) + ": " + what);
    }
    // An element at `pos` whose value would start at `value` and run `len` bytes beyond `end`.
    [[noreturn]] void pastEnd(const std::string& field, size_t pos, const std::string& what, uint32_t len, size_t value, size_t end) const {
        fail(field, "at byte " + std::to_string(pos) + ": " + what + " " + std::to_string(len) + " runs past the end of " +
                        (end == b_.size() ? "the file" : "its sequence item") + " (" + std::to_string(end - value) +
                        " bytes left): the file is cut short or damaged");
    }
    uint16_t u16(size_t o) const { return static_cast<uint16_t>(b_[o] | (b_[o + 1] << 8)); }
    uint32_t u32(size_t o) const {
        return static_cast<uint32_t>(b_[o]) | (static_cast<uint32_t>(b_[o + 1]) << 8) | (static_cast<uint32_t>(b_[o + 2]) << 16) |
               (static_cast<uint32_t>(b_[o + 3]) << 24);
    }
    void need(size_t pos, size_t count, size_t end) const {
        if (pos > end || end - pos < count) {
            if (end == b_.size())
                fail("", "the file ends at byte " + std::to_string(b_.size()) + ", inside a DICOM element (cut short?)");
            fail("", "an element header at byte " + std::to_string(pos) + " runs past the end of its sequence item (damaged file?)");
        }
    }

    // The file meta group (0002,xxxx), always explicit VR little endian.
    size_t meta(size_t pos) {
        const size_t n = b_.size();
        size_t groupEnd = 0;
        bool haveGroupLength = false;
        while (pos + 2 <= n && u16(pos) == 0x0002) {
            need(pos, 8, n);
            const uint32_t tag = (0x0002u << 16) | u16(pos + 2);
            const char vr[2] = {static_cast<char>(b_[pos + 4]), static_cast<char>(b_[pos + 5])};
            if (!knownVr(vr)) failAt(tag, pos, "not a DICOM value representation (damaged file?)");
            size_t hdr = 8;
            uint32_t len = u16(pos + 6);
            if (longLengthVr(vr)) {
                need(pos, 12, n);
                len = u32(pos + 8);
                hdr = 12;
            }
            if (len == kUndefined || len > n - pos - hdr) pastEnd(tagText(tag), pos, "its length", len, pos + hdr, n);
            const size_t value = pos + hdr;
            if (tag == 0x00020000) {
                if (len != 4) failAt(tag, pos, "expected a 4-byte length");
                groupEnd = value + 4 + u32(value);
                haveGroupLength = true;
            } else if (tag == 0x00020010) {
                h_.transferSyntax = trimmed(b_.data() + value, len);
            } else if (tag == 0x00020002) {
                h_.sopClass = trimmed(b_.data() + value, len);
            }
            pos = value + len;
        }
        if (pos >= n) need(pos, 8, n);  // reports the cut: nothing follows the meta group
        if (haveGroupLength && groupEnd != pos)
            fail("FileMetaInformationGroupLength (0002,0000)", "says the file meta group ends at byte " + std::to_string(groupEnd) +
                                                                    ", its elements end at byte " + std::to_string(pos));
        if (h_.transferSyntax.empty()) fail("TransferSyntaxUID (0002,0010)", "missing from the file meta information");
        return pos;
    }

    // Elements from `pos` to `end`, or to an item delimiter when `untilItemEnd`.
    size_t dataset(size_t pos, size_t end, int depth, bool untilItemEnd) {
        while (pos < end) {
            need(pos, 8, end);
            const uint32_t tag = (static_cast<uint32_t>(u16(pos)) << 16) | u16(pos + 2);
            if ((tag >> 16) == 0xFFFE) {
                if (tag == 0xFFFEE00D && untilItemEnd) return pos + 8;
                failAt(tag, pos, "an item or delimiter outside a sequence (damaged file?)");
            }
            size_t hdr = 8;
            uint32_t len = u32(pos + 4);
            char vr[2] = {0, 0};
            if (explicit_) {
                vr[0] = static_cast<char>(b_[pos + 4]);
                vr[1] = static_cast<char>(b_[pos + 5]);
                if (!knownVr(vr)) failAt(tag, pos, "not a DICOM value representation (damaged file?)");
                if (depth == 0 && !vrFitsDictionary(tag, vr))
                    failAt(tag, pos, std::string("value representation ") + vr[0] + vr[1] + " where the standard has " +
                                         vrText(tag) + " (damaged file?)");
                if (longLengthVr(vr)) {
                    need(pos, 12, end);
                    len = u32(pos + 8);
                    hdr = 12;
                } else {
                    len = u16(pos + 6);
                }
            }
            const size_t value = pos + hdr;
            if (len == kUndefined) {
                if (tag == 0x7FE00010 && depth == 0) {
                    if (!encapsulatedSyntax_) failAt(tag, pos, "compressed pixel data under an uncompressed transfer syntax");
                    h_.hasPixelData = true;
                    h_.encapsulated = true;
                    pos = fragments(value, end);
                    continue;
                }
                if (explicit_ && !(vr[0] == 'S' && vr[1] == 'Q') && !(vr[0] == 'U' && vr[1] == 'N'))
                    failAt(tag, pos, "an undefined length on an element that is not a sequence (damaged file?)");
                if (depth == 0 && tag == 0x00080010) failAt(tag, pos, "a sequence where the standard has a short string (damaged file?)");
                pos = sequence(value, end, depth + 1, true);
                continue;
            }
            if (len > end - value) pastEnd(tagText(tag), pos, "its length", len, value, end);
            if (explicit_ && vr[0] == 'S' && vr[1] == 'Q') sequence(value, value + len, depth + 1, false);
            if (depth == 0) record(tag, value, len);
            pos = value + len;
        }
        if (untilItemEnd) need(pos, 8, end);  // reports the cut: the item never ended
        return pos;
    }

    size_t sequence(size_t pos, size_t end, int depth, bool undefinedLength) {
        if (depth > kMaxSequenceDepth)
            fail("", "sequences nested deeper than " + std::to_string(kMaxSequenceDepth) + " levels at byte " + std::to_string(pos) +
                         " (damaged file?)");
        while (true) {
            if (!undefinedLength && pos == end) return pos;
            need(pos, 8, end);
            const uint32_t tag = (static_cast<uint32_t>(u16(pos)) << 16) | u16(pos + 2);
            const uint32_t len = u32(pos + 4);
            if (tag == 0xFFFEE0DD) {
                if (!undefinedLength) failAt(tag, pos, "a sequence delimiter inside a sequence of known length (damaged file?)");
                return pos + 8;
            }
            if (tag != 0xFFFEE000) failAt(tag, pos, "expected a sequence item (FFFE,E000) (damaged file?)");
            if (len == kUndefined) {
                pos = dataset(pos + 8, end, depth, true);
            } else {
                if (len > end - pos - 8) pastEnd(tagText(tag), pos, "a sequence item's length", len, pos + 8, end);
                dataset(pos + 8, pos + 8 + len, depth, false);
                pos += 8 + len;
            }
        }
    }

    size_t fragments(size_t pos, size_t end) {
        while (true) {
            need(pos, 8, end);
            const uint32_t tag = (static_cast<uint32_t>(u16(pos)) << 16) | u16(pos + 2);
            const uint32_t len = u32(pos + 4);
            // GDCM reads the closing delimiter as one more fragment and allocates its length before it
            // looks at the tag (gdcm::SequenceOfFragments::ReadValue): a damaged length here made it
            // allocate 4 GB for a 1 KB slice (found by the fuzzer), and any non-zero one trips its
            // assertion. PS3.5 section 7.5 gives the delimiter a length of zero.
            if (tag == 0xFFFEE0DD) {
                if (len != 0)
                    fail("PixelData (7FE0,0010)", "at byte " + std::to_string(pos) +
                                                      ": the sequence delimiter (FFFE,E0DD) closing the pixel data fragments has length " +
                                                      std::to_string(len) + " (expected 0; damaged file?)");
                return pos + 8;
            }
            if (tag != 0xFFFEE000)
                fail("PixelData (7FE0,0010)", "at byte " + std::to_string(pos) + ": expected a pixel data fragment (damaged file?)");
            if (len == kUndefined || len > end - pos - 8) pastEnd("PixelData (7FE0,0010)", pos, "a fragment's length", len, pos + 8, end);
            if (h_.fragments.size() >= kMaxFragments) fail("PixelData (7FE0,0010)", "more than a million fragments (damaged file?)");
            h_.fragments.push_back({pos + 8, len});
            pos += 8 + len;
        }
    }

    int us(uint32_t tag, size_t value, uint32_t len) const {
        if (len != 2) fail(tagText(tag), "expected one 16-bit number, got " + std::to_string(len) + " bytes");
        return u16(value);
    }

    std::vector<double> numbers(uint32_t tag, size_t value, uint32_t len) const {
        const std::string s = trimmed(b_.data() + value, len);
        std::vector<double> out;
        size_t start = 0;
        while (start <= s.size()) {
            size_t cut = s.find('\\', start);
            if (cut == std::string::npos) cut = s.size();
            std::string part = trimmed(reinterpret_cast<const unsigned char*>(s.data()) + start, cut - start);
            if (!part.empty() && part[0] == '+') part.erase(0, 1);
            double v = 0.0;
            const auto [end, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
            if (part.empty() || ec != std::errc() || end != part.data() + part.size())
                fail(tagText(tag), "expected decimal numbers separated by '\\', got '" + s + "'");
            out.push_back(v);
            start = cut + 1;
        }
        return out;
    }

    // The retired ACR-NEMA RecognitionCode: GDCM asserts (aborts) on any non-empty value that does
    // not start as ACR-NEMA wrote it (gdcm::PixmapReader::ReadImageInternal; found by the fuzzer).
    void recognitionCode(uint32_t tag, size_t value, uint32_t len) const {
        if (len == 0) return;
        const std::string raw(reinterpret_cast<const char*>(b_.data() + value), len);
        for (const char* known : {"ACR-NEMA", "ACRNEMA", "MIPS 2.0"})
            if (raw.compare(0, std::strlen(known), known) == 0) return;
        fail(tagText(tag), "expected empty or an ACR-NEMA version (\"ACR-NEMA 2.0\"), got '" + trimmed(b_.data() + value, std::min<uint32_t>(len, 16)) +
                               "' (damaged file?)");
    }

    void record(uint32_t tag, size_t value, uint32_t len) {
        switch (tag) {
            case 0x00080010: recognitionCode(tag, value, len); break;
            case 0x00280002: h_.samplesPerPixel = us(tag, value, len); break;
            case 0x00280010: h_.rows = us(tag, value, len); break;
            case 0x00280011: h_.columns = us(tag, value, len); break;
            case 0x00280100: h_.bitsAllocated = us(tag, value, len); break;
            case 0x00280101: h_.bitsStored = us(tag, value, len); break;
            case 0x00280102: h_.highBit = us(tag, value, len); break;
            case 0x00280103: h_.pixelRepresentation = us(tag, value, len); break;
            case 0x00280004: h_.photometric = trimmed(b_.data() + value, len); break;
            case 0x00280008: {
                const std::vector<double> v = numbers(tag, value, len);
                if (v.size() != 1 || !(v[0] >= 1.0 && v[0] <= 65535.0)) fail(tagText(tag), "expected one whole number of frames");
                h_.numberOfFrames = static_cast<int>(v[0]);
                break;
            }
            case 0x00280030: h_.pixelSpacing = numbers(tag, value, len); break;
            case 0x00200037: h_.orientation = numbers(tag, value, len); break;
            case 0x00200032: h_.position = numbers(tag, value, len); break;
            case 0x00281053: h_.slope = numbers(tag, value, len); break;
            case 0x00281052: h_.intercept = numbers(tag, value, len); break;
            case 0x7FE00010:
                if (encapsulatedSyntax_) fail(tagText(tag), "uncompressed pixel data under a compressed transfer syntax");
                h_.hasPixelData = true;
                h_.pixelBytes = len;
                break;
            default: break;
        }
    }
};

uint16_t be16(const unsigned char* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t be32(const unsigned char* p) {
    return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) | (static_cast<uint32_t>(p[2]) << 8) | p[3];
}

// Every compressed codestream names its own size; a decoder writes that many pixels whatever the
// header says, so both must agree before GDCM decodes anything.
class CodestreamCheck {
public:
    CodestreamCheck(const std::string& file, const DicomSliceHeader& h, const unsigned char* d, size_t n)
        : file_(file), h_(h), d_(d), n_(n) {}

    void run() {
        const std::string& ts = h_.transferSyntax;
        if (ts == "1.2.840.10008.1.2.4.90" || ts == "1.2.840.10008.1.2.4.91") jpeg2000();
        else if (ts == "1.2.840.10008.1.2.5") rle();
        else jpeg();
    }

private:
    const std::string& file_;
    const DicomSliceHeader& h_;
    const unsigned char* d_;
    size_t n_;

    [[noreturn]] void fail(const std::string& field, const std::string& what) const { throw DataError(file_, 0, field, what); }

    void agree(const char* kind, uint32_t width, uint32_t height, uint32_t components, uint32_t precision) const {
        if (width != static_cast<uint32_t>(h_.columns) || height != static_cast<uint32_t>(h_.rows))
            fail("Rows/Columns (0028,0010/0011)", std::string("the ") + kind + " codestream is " + std::to_string(width) + " x " +
                                                      std::to_string(height) + " pixels, the header says " +
                                                      std::to_string(h_.columns) + " x " + std::to_string(h_.rows));
        if (components != static_cast<uint32_t>(h_.samplesPerPixel))
            fail("SamplesPerPixel (0028,0002)", std::string("the ") + kind + " codestream has " + std::to_string(components) +
                                                    " components, the header says " + std::to_string(h_.samplesPerPixel));
        if (precision < 1 || precision > static_cast<uint32_t>(h_.bitsAllocated))
            fail("BitsAllocated (0028,0100)", std::string("the ") + kind + " codestream has " + std::to_string(precision) +
                                                  "-bit samples, the header allocates " + std::to_string(h_.bitsAllocated));
    }

    void jpeg2000() const {
        size_t cs = n_;
        for (size_t i = 0; i + 4 <= std::min<size_t>(n_, 65536); ++i)
            if (d_[i] == 0xFF && d_[i + 1] == 0x4F && d_[i + 2] == 0xFF && d_[i + 3] == 0x51) {
                cs = i;
                break;
            }
        if (cs != 0 && cs != n_)
            // PS3.5 8.2.4: the fragment holds the bare codestream, without the JP2 file format, so
            // GDCM reads it from the first byte.
            fail("PixelData (7FE0,0010)", "the JPEG 2000 codestream starts at byte " + std::to_string(cs) +
                                              " of the first fragment (expected its first byte)");
        if (cs == n_ || n_ - cs < 42)
            fail("PixelData (7FE0,0010)", "expected a JPEG 2000 codestream (SOC and SIZ markers) in the first fragment");
        const unsigned char* s = d_ + cs;
        const uint32_t lsiz = be16(s + 4), xsiz = be32(s + 8), ysiz = be32(s + 12), xo = be32(s + 16), yo = be32(s + 20);
        const uint32_t xt = be32(s + 24), yt = be32(s + 28), xto = be32(s + 32), yto = be32(s + 36), csiz = be16(s + 40);
        if (csiz < 1 || lsiz != 38 + 3 * csiz || n_ - cs < 4 + static_cast<size_t>(lsiz))
            fail("PixelData (7FE0,0010)", "the JPEG 2000 SIZ marker is damaged");
        if (!(xo < xsiz && yo < ysiz && xt > 0 && yt > 0 && xto <= xo && yto <= yo && uint64_t{xto} + xt > xo && uint64_t{yto} + yt > yo))
            fail("PixelData (7FE0,0010)", "the JPEG 2000 image and tile sizes contradict each other");
        const uint64_t tiles = ((uint64_t{xsiz} - xto + xt - 1) / xt) * ((uint64_t{ysiz} - yto + yt - 1) / yt);
        if (tiles > 65535) fail("PixelData (7FE0,0010)", "the JPEG 2000 image has " + std::to_string(tiles) + " tiles (at most 65535)");
        agree("JPEG 2000", xsiz - xo, ysiz - yo, csiz, (s[42] & 0x7F) + 1u);
        for (uint32_t c = 0; c < csiz; ++c)
            if (s[42 + 3 * c + 1] != 1 || s[42 + 3 * c + 2] != 1 || (s[42 + 3 * c] & 0x7F) != (s[42] & 0x7F))
                fail("PixelData (7FE0,0010)", "the JPEG 2000 components are subsampled or differ in precision");
        jpeg2000Markers(cs);
    }

    // Before decoding, GDCM walks the codestream's marker segments itself (parsej2k_imp, to tell a
    // reversible transform) trusting each segment's length: one running past the end sent it reading
    // far beyond the buffer (found by the fuzzer: a segment of length 65535 in a 464-byte fragment).
    // So every marker segment from SOC to the first tile's SOD must be a marker (0xFF..), and its
    // length at least 2 and within the fragment; COD, whose value GDCM reads 10 bytes into, at
    // least that long (ISO/IEC 15444-1 A.6.1: Lcod >= 12).
    void jpeg2000Markers(size_t cs) const {
        const auto damaged = [&](size_t at, const std::string& what) {
            fail("PixelData (7FE0,0010)", "the JPEG 2000 codestream is damaged at byte " + std::to_string(at - cs) + ": " + what);
        };
        size_t p = cs;
        while (true) {
            if (n_ - p < 2) damaged(p, "it ends before the first tile's data (no SOD marker)");
            const uint32_t m = be16(d_ + p);
            if ((m >> 8) != 0xFF) damaged(p, formatted("expected a marker, got %04X", m));
            if (m == 0xFF93) return;  // SOD: the tile's coded data follow
            // Markers without a segment: SOC, EOC, EPH and the reserved FF30-FF3F.
            if (m == 0xFF4F || m == 0xFFD9 || m == 0xFF92 || (m >= 0xFF30 && m <= 0xFF3F)) {
                p += 2;
                continue;
            }
            if (n_ - p < 4) damaged(p, formatted("marker %04X has no length", m));
            const uint32_t len = be16(d_ + p + 2);
            if (len < 2 || len > n_ - p - 2)
                damaged(p, formatted("marker %04X has length %u, ", m, len) + std::to_string(n_ - p - 2) +
                               " bytes are left in the fragment");
            if (m == 0xFF52 && len < 12) damaged(p, formatted("the COD segment has length %u (at least 12)", len));
            p += 2 + len;
        }
    }

    void jpeg() const {
        if (n_ < 4 || d_[0] != 0xFF || d_[1] != 0xD8) fail("PixelData (7FE0,0010)", "expected a JPEG codestream (SOI marker)");
        size_t p = 2;
        while (p + 4 <= n_) {
            if (d_[p] != 0xFF) fail("PixelData (7FE0,0010)", "the JPEG codestream is damaged at byte " + std::to_string(p));
            const unsigned char m = d_[p + 1];
            if (m == 0xFF) { ++p; continue; }  // fill byte
            if (m == 0x01 || (m >= 0xD0 && m <= 0xD7)) { p += 2; continue; }
            const bool sof = (m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC) || m == 0xF7;
            if (sof) {
                if (p + 10 > n_) break;
                agree(m == 0xF7 ? "JPEG-LS" : "JPEG", be16(d_ + p + 7), be16(d_ + p + 5), d_[p + 9], d_[p + 4]);
                return;
            }
            if (m == 0xDA || m == 0xD9) break;
            p += 2 + be16(d_ + p + 2);
        }
        fail("PixelData (7FE0,0010)", "the JPEG codestream has no frame header (SOF) before its scan");
    }

    void rle() const {
        if (n_ < 64) fail("PixelData (7FE0,0010)", "the RLE header is cut short");
        const auto le32 = [&](size_t o) {
            return static_cast<uint32_t>(d_[o]) | (static_cast<uint32_t>(d_[o + 1]) << 8) | (static_cast<uint32_t>(d_[o + 2]) << 16) |
                   (static_cast<uint32_t>(d_[o + 3]) << 24);
        };
        const uint32_t segments = le32(0);
        const uint32_t expected = static_cast<uint32_t>(h_.samplesPerPixel * std::max(1, h_.bitsAllocated / 8));
        if (segments != expected)
            fail("PixelData (7FE0,0010)", "the RLE data has " + std::to_string(segments) + " segments, the header needs " + std::to_string(expected));
        uint32_t last = 63;
        for (uint32_t s = 0; s < segments; ++s) {
            const uint32_t off = le32(4 + 4 * s);
            if (off <= last || off >= n_) fail("PixelData (7FE0,0010)", "the RLE segment offsets are damaged");
            last = off;
        }
    }
};

}  // namespace

bool looksLikeDicom(const std::vector<unsigned char>& firstBytes) {
    return firstBytes.size() >= 132 && std::memcmp(firstBytes.data() + 128, "DICM", 4) == 0;
}

DicomSliceHeader checkDicomStream(const std::string& file, const std::vector<unsigned char>& bytes) {
    DicomSliceHeader h;
    Walker(file, bytes, h).walk();
    return h;
}

void checkDicomCodestream(const std::string& file, const DicomSliceHeader& h, const std::vector<unsigned char>& bytes) {
    if (!h.encapsulated) return;
    // The first item is the basic offset table; the frame's codestream starts in the second.
    if (h.fragments.size() < 2) throw DataError(file, 0, "PixelData (7FE0,0010)", "compressed pixel data without a fragment");
    CodestreamCheck(file, h, bytes.data() + h.fragments[1].first, h.fragments[1].second).run();
}

}  // namespace irsim::patient
