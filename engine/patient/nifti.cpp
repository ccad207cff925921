#include "patient/nifti.h"

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/paths.h"
#include "core/text.h"
#include "patient/limits.h"

namespace irsim::patient {

namespace {

[[noreturn]] void bad(const std::string& path, const std::string& field, const std::string& what) {
    throw DataError(path, 0, field, what);
}

// A NIfTI file read through zlib's gz reader (plain files pass through unchanged), so the header
// can be checked before the voxels are inflated: a gzip bomb or a header claiming a billion voxels
// stops at the header, and the data is read in chunks as it arrives, never allocated up front.
class NiftiStream {
public:
    explicit NiftiStream(const std::string& path) : path_(path) {
        fileBytes_ = requireRegularFile(path, "the NIfTI volume");
        std::ifstream probe(path, std::ios::binary);
        unsigned char magic[2] = {0, 0};
        probe.read(reinterpret_cast<char*>(magic), 2);
        gzip_ = probe.gcount() == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        file_ = gzopen(path.c_str(), "rb");
        if (!file_) bad(path, "", "cannot open the file");
        gzbuffer(file_, 1 << 17);
    }
    ~NiftiStream() {
        if (file_) gzclose(file_);
    }
    NiftiStream(const NiftiStream&) = delete;
    NiftiStream& operator=(const NiftiStream&) = delete;

    // Reads on until `bytes` holds `total` bytes or the stream ends; true when it holds them all.
    bool readUpTo(std::vector<unsigned char>& bytes, size_t total) {
        constexpr size_t kChunk = size_t{16} << 20;
        while (bytes.size() < total) {
            const size_t want = std::min(kChunk, total - bytes.size());
            const size_t at = bytes.size();
            bytes.resize(at + want);
            const int got = gzread(file_, bytes.data() + at, static_cast<unsigned>(want));
            if (got < 0) {
                int code = Z_OK;
                const char* msg = gzerror(file_, &code);
                if (code == Z_BUF_ERROR) return false;  // the stream ends early: the file is cut short
                bad(path_, "", std::string("corrupt gzip data (") + (msg ? msg : "zlib error") + ")");
            }
            bytes.resize(at + static_cast<size_t>(got));
            if (got == 0) return false;
        }
        return true;
    }
    // The most bytes the file can yield: itself when plain, 1032 times itself when compressed
    // (deflate's largest ratio, zlib's documentation: "the limit is 1032:1"), plus one header.
    double mostBytes() const { return gzip_ ? 1032.0 * static_cast<double>(fileBytes_) + 4096.0 : static_cast<double>(fileBytes_); }
    bool gzip() const { return gzip_; }

private:
    std::string path_;
    gzFile file_ = nullptr;
    uintmax_t fileBytes_ = 0;
    bool gzip_ = false;
};

struct Reader {
    const std::vector<unsigned char>& b;
    bool swap;
    template <class T>
    T get(size_t off) const {
        T v;
        unsigned char tmp[sizeof(T)];
        std::memcpy(tmp, b.data() + off, sizeof(T));
        if (swap) std::reverse(tmp, tmp + sizeof(T));
        std::memcpy(&v, tmp, sizeof(T));
        return v;
    }
};

struct Parsed {
    NiftiHeaderInfo info;
    size_t dataOffset = 0;
    bool swap = false;
    int bitpix = 0;
};

Parsed parseHeader(const std::string& path, const std::vector<unsigned char>& b) {
    if (b.size() < 348) bad(path, "sizeof_hdr", "the file is shorter than a NIfTI-1 header (348 bytes)");
    Parsed p;
    int32_t hdr;
    std::memcpy(&hdr, b.data(), 4);
    if (hdr != 348) {
        Reader r{b, true};
        if (r.get<int32_t>(0) != 348) bad(path, "sizeof_hdr", "expected 348 (a NIfTI-1 file); NIfTI-2 and Analyze are not read");
        p.swap = true;
    }
    Reader r{b, p.swap};
    const char* magic = reinterpret_cast<const char*>(b.data() + 344);
    if (std::memcmp(magic, "n+1\0", 4) != 0) {
        if (std::memcmp(magic, "ni1\0", 4) == 0) bad(path, "magic", "a two-file NIfTI (.hdr/.img) is not supported; use .nii");
        bad(path, "magic", "expected \"n+1\"");
    }
    const int16_t ndim = r.get<int16_t>(40);
    if (ndim < 2 || ndim > 7) bad(path, "dim[0]", "expected 2-7 dimensions, got " + std::to_string(ndim));
    NiftiHeaderInfo& h = p.info;
    for (int a = 0; a < 3; ++a) {
        const int16_t d = a < ndim ? r.get<int16_t>(42 + 2 * a) : 1;
        if (d < 1) bad(path, "dim[" + std::to_string(a + 1) + "]", "expected a positive size");
        h.dims[a] = d;
    }
    for (int a = 3; a < ndim; ++a)
        if (r.get<int16_t>(42 + 2 * a) > 1) bad(path, "dim[" + std::to_string(a + 1) + "]", "expected a single 3D volume (no time series)");
    h.datatype = r.get<int16_t>(70);
    p.bitpix = r.get<int16_t>(72);
    float pixdim[8];
    for (int a = 0; a < 8; ++a) pixdim[a] = r.get<float>(76 + 4 * a);
    const float voxOffset = r.get<float>(108);
    // Bounded before the cast: a float beyond size_t's range converts to anything (undefined).
    if (!(voxOffset >= 348.0f && voxOffset <= 1e9f) || voxOffset != std::floor(voxOffset))
        bad(path, "vox_offset", "expected a whole number of bytes from 348 to 1e9, got " + formatNumber(voxOffset));
    p.dataOffset = static_cast<size_t>(voxOffset);
    const float slope = r.get<float>(112), inter = r.get<float>(116);
    // NIfTI-1: a slope of 0 means unscaled. A non-finite slope or intercept is damage, not "unscaled":
    // taking it as 1 or 0 would read the voxels as something the file does not say.
    h.sclSlope = slope == 0.0f ? 1.0 : slope;
    h.sclInter = inter;
    checkRescale(path, "scl_slope", "scl_inter", h.sclSlope, h.sclInter);
    h.qformCode = r.get<int16_t>(252);
    h.sformCode = r.get<int16_t>(254);

    glm::dmat3 m(1.0);  // columns: RAS step per voxel along i, j, k
    glm::dvec3 t(0.0);
    if (h.sformCode > 0) {
        for (int row = 0; row < 3; ++row) {
            for (int c = 0; c < 3; ++c) m[c][row] = r.get<float>(280 + 16 * row + 4 * c);
            t[row] = r.get<float>(280 + 16 * row + 12);
        }
    } else if (h.qformCode > 0) {
        const double qb = r.get<float>(256), qc = r.get<float>(260), qd = r.get<float>(264);
        // b, c, d of a unit quaternion (a is implied): b^2 + c^2 + d^2 above 1 is not a rotation,
        // and the matrix below would scale the voxels instead (quatern_b = 2 made 3 mm read as 12).
        // 1e-4 allows the rounding of b, c, d stored as float32.
        const double q2 = qb * qb + qc * qc + qd * qd;
        if (!(q2 <= 1.0 + 1e-4))
            bad(path, "quatern_b/c/d", "expected the b, c, d of a unit quaternion (b^2 + c^2 + d^2 <= 1), got " +
                                           formatNumber(q2));
        const double qa = std::sqrt(std::max(0.0, 1.0 - (qb * qb + qc * qc + qd * qd)));
        const glm::dmat3 rot{{qa * qa + qb * qb - qc * qc - qd * qd, 2 * (qb * qc + qa * qd), 2 * (qb * qd - qa * qc)},
                             {2 * (qb * qc - qa * qd), qa * qa + qc * qc - qb * qb - qd * qd, 2 * (qc * qd + qa * qb)},
                             {2 * (qb * qd + qa * qc), 2 * (qc * qd - qa * qb), qa * qa + qd * qd - qc * qc - qb * qb}};
        const double qfac = pixdim[0] < 0.0f ? -1.0 : 1.0;
        m = rot;
        m[0] *= pixdim[1];
        m[1] *= pixdim[2];
        m[2] *= pixdim[3] * qfac;
        t = {r.get<float>(268), r.get<float>(272), r.get<float>(276)};
    } else {
        m = glm::dmat3(1.0);
        m[0][0] = pixdim[1];
        m[1][1] = pixdim[2];
        m[2][2] = pixdim[3];
    }
    // RAS -> LPS.
    for (int c = 0; c < 3; ++c) {
        m[c].x = -m[c].x;
        m[c].y = -m[c].y;
    }
    t.x = -t.x;
    t.y = -t.y;
    VolumeGeometry& g = h.geometry;
    g.dims = h.dims;
    g.origin = t;
    for (int c = 0; c < 3; ++c) {
        const double len = glm::length(m[c]);
        if (!(len > 1e-6) || !std::isfinite(len))
            bad(path, h.sformCode > 0 ? "srow" : "pixdim", "expected a non-zero voxel size along every axis");
        g.spacing[c] = len;
        g.direction[c] = m[c] / len;
    }
    // The patient frame needs orthonormal axes; an oblique but orthogonal grid is fine.
    for (int a = 0; a < 3; ++a)
        for (int c = a + 1; c < 3; ++c)
            if (std::abs(glm::dot(g.direction[a], g.direction[c])) > 1e-3)
                bad(path, h.sformCode > 0 ? "srow" : "quatern", "the voxel axes are not orthogonal (sheared grid)");
    const std::string originField = h.sformCode > 0 ? "srow_x/y/z[3]" : h.qformCode > 0 ? "qoffset_x/y/z" : "";
    checkGeometryLimits(path, h.sformCode > 0 ? "srow" : "pixdim", originField, g);
    return p;
}

int bytesPerVoxel(const std::string& path, const Parsed& p) {
    int bytes = 0;
    switch (p.info.datatype) {
        case 2: bytes = 1; break;     // uint8
        case 4: bytes = 2; break;     // int16
        case 8: bytes = 4; break;     // int32
        case 16: bytes = 4; break;    // float32
        case 64: bytes = 8; break;    // float64
        case 512: bytes = 2; break;   // uint16
        case 256: bytes = 1; break;   // int8
        default:
            bad(path, "datatype", "unsupported NIfTI datatype " + std::to_string(p.info.datatype) +
                                      " (expected uint8, int8, int16, uint16, int32, float32 or float64)");
    }
    if (p.bitpix != bytes * 8) bad(path, "bitpix", "expected " + std::to_string(bytes * 8) + " for datatype " + std::to_string(p.info.datatype));
    return bytes;
}

struct Loaded {
    Parsed parsed;
    std::vector<unsigned char> bytes;  // the file from its first byte to the last voxel's
};

// The header, checked, then only the bytes it needs: never more than the file can hold
// (NiftiStream::mostBytes) nor than kMaxVoxelBytes.
Loaded readNifti(const std::string& path, bool headerOnly) {
    NiftiStream in(path);
    Loaded l;
    in.readUpTo(l.bytes, 348);
    l.parsed = parseHeader(path, l.bytes);
    if (headerOnly) return l;
    const int bytes = bytesPerVoxel(path, l.parsed);
    const size_t voxelBytes = l.parsed.info.geometry.voxelCount() * static_cast<size_t>(bytes);
    if (voxelBytes > kMaxVoxelBytes)
        bad(path, "datatype", "the voxels take " + std::to_string(voxelBytes) + " bytes; irsim reads up to " +
                                  std::to_string(kMaxVoxelBytes) + " (store the CT as int16)");
    const size_t need = l.parsed.dataOffset + voxelBytes;
    if (static_cast<double>(need) > in.mostBytes())
        bad(path, "data", "the file is truncated: " + std::string(in.gzip() ? "compressed, it can hold at most " : "") +
                              std::to_string(static_cast<size_t>(in.mostBytes())) + " bytes, the header needs " + std::to_string(need));
    if (!in.readUpTo(l.bytes, need))
        bad(path, "data", "the file is truncated: " + std::to_string(l.bytes.size()) + " bytes, the header needs " + std::to_string(need));
    return l;
}

// Every voxel's value after scaling, in file order, through `sink(index, value)`.
template <class Sink>
void forEachValue(const std::string& path, const std::vector<unsigned char>& b, const Parsed& p, const ProgressFn& progress,
                  const Sink& sink) {
    const NiftiHeaderInfo& h = p.info;
    const int bytes = bytesPerVoxel(path, p);
    const size_t n = h.geometry.voxelCount();
    Reader r{b, p.swap};
    const size_t chunk = std::max<size_t>(1, n / 50);
    for (size_t i = 0; i < n; ++i) {
        const size_t off = p.dataOffset + i * static_cast<size_t>(bytes);
        double v = 0.0;
        switch (h.datatype) {
            case 2: v = b[off]; break;
            case 256: v = static_cast<int8_t>(b[off]); break;
            case 4: v = r.get<int16_t>(off); break;
            case 8: v = r.get<int32_t>(off); break;
            case 16: v = r.get<float>(off); break;
            case 64: v = r.get<double>(off); break;
            case 512: v = r.get<uint16_t>(off); break;
        }
        sink(i, v * h.sclSlope + h.sclInter);
        if (progress && i % chunk == 0) progress("reading " + path, static_cast<double>(i) / n);
    }
    if (progress) progress("reading " + path, 1.0);
}

template <class T>
void writeVolume(const std::string& path, const VolumeGeometry& g, const std::vector<T>& voxels, int16_t datatype) {
    std::vector<unsigned char> h(352, 0);
    auto put = [&](size_t off, auto v) { std::memcpy(h.data() + off, &v, sizeof(v)); };
    put(0, int32_t{348});
    put(40, int16_t{3});
    put(42, static_cast<int16_t>(g.dims.x));
    put(44, static_cast<int16_t>(g.dims.y));
    put(46, static_cast<int16_t>(g.dims.z));
    for (int a = 3; a < 7; ++a) put(42 + 2 * static_cast<size_t>(a), int16_t{1});
    put(70, datatype);
    put(72, static_cast<int16_t>(sizeof(T) * 8));
    // RAS affine from the LPS geometry.
    glm::dmat3 m = g.direction;
    for (int c = 0; c < 3; ++c) m[c] *= g.spacing[c];
    glm::dvec3 t = g.origin;
    for (int c = 0; c < 3; ++c) {
        m[c].x = -m[c].x;
        m[c].y = -m[c].y;
    }
    t.x = -t.x;
    t.y = -t.y;
    // qform: the rotation as a quaternion (qfac = -1 when the axes are left-handed).
    glm::dmat3 rot = g.direction;
    for (int c = 0; c < 3; ++c) {
        rot[c].x = -rot[c].x;
        rot[c].y = -rot[c].y;
    }
    float qfac = 1.0f;
    if (glm::determinant(rot) < 0.0) {
        qfac = -1.0f;
        rot[2] = -rot[2];
    }
    const double tr = rot[0][0] + rot[1][1] + rot[2][2];
    double qa, qb, qc, qd;
    if (tr > 0.0) {
        const double s = std::sqrt(tr + 1.0) * 2.0;
        qa = 0.25 * s;
        qb = (rot[1][2] - rot[2][1]) / s;
        qc = (rot[2][0] - rot[0][2]) / s;
        qd = (rot[0][1] - rot[1][0]) / s;
    } else if (rot[0][0] > rot[1][1] && rot[0][0] > rot[2][2]) {
        const double s = std::sqrt(1.0 + rot[0][0] - rot[1][1] - rot[2][2]) * 2.0;
        qa = (rot[1][2] - rot[2][1]) / s;
        qb = 0.25 * s;
        qc = (rot[1][0] + rot[0][1]) / s;
        qd = (rot[2][0] + rot[0][2]) / s;
    } else if (rot[1][1] > rot[2][2]) {
        const double s = std::sqrt(1.0 + rot[1][1] - rot[0][0] - rot[2][2]) * 2.0;
        qa = (rot[2][0] - rot[0][2]) / s;
        qb = (rot[1][0] + rot[0][1]) / s;
        qc = 0.25 * s;
        qd = (rot[2][1] + rot[1][2]) / s;
    } else {
        const double s = std::sqrt(1.0 + rot[2][2] - rot[0][0] - rot[1][1]) * 2.0;
        qa = (rot[0][1] - rot[1][0]) / s;
        qb = (rot[2][0] + rot[0][2]) / s;
        qc = (rot[2][1] + rot[1][2]) / s;
        qd = 0.25 * s;
    }
    if (qa < 0.0) {
        qb = -qb;
        qc = -qc;
        qd = -qd;
    }
    put(76, qfac);
    for (int a = 0; a < 3; ++a) put(80 + 4 * static_cast<size_t>(a), static_cast<float>(g.spacing[a]));
    put(108, 352.0f);
    put(112, 1.0f);
    put(116, 0.0f);
    h[123] = 2 | 8;  // mm, s
    put(252, int16_t{1});
    put(254, int16_t{1});
    put(256, static_cast<float>(qb));
    put(260, static_cast<float>(qc));
    put(264, static_cast<float>(qd));
    for (int a = 0; a < 3; ++a) put(268 + 4 * static_cast<size_t>(a), static_cast<float>(t[a]));
    for (int row = 0; row < 3; ++row) {
        for (int c = 0; c < 3; ++c) put(280 + 16 * static_cast<size_t>(row) + 4 * static_cast<size_t>(c), static_cast<float>(m[c][row]));
        put(280 + 16 * static_cast<size_t>(row) + 12, static_cast<float>(t[row]));
    }
    std::memcpy(h.data() + 344, "n+1\0", 4);
    const bool gz = path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
    const size_t dataBytes = voxels.size() * sizeof(T);
    if (gz) {
        gzFile f = gzopen(path.c_str(), "wb6");
        if (!f) bad(path, "", "cannot write the file");
        bool ok = gzwrite(f, h.data(), static_cast<unsigned>(h.size())) == static_cast<int>(h.size());
        const auto* d = reinterpret_cast<const unsigned char*>(voxels.data());
        for (size_t off = 0; ok && off < dataBytes; off += (1u << 24)) {
            const auto len = static_cast<unsigned>(std::min<size_t>(1u << 24, dataBytes - off));
            ok = gzwrite(f, d + off, len) == static_cast<int>(len);
        }
        if (gzclose(f) != Z_OK || !ok) bad(path, "", "writing the compressed file failed");
    } else {
        std::ofstream out(path, std::ios::binary);
        out.write(reinterpret_cast<const char*>(h.data()), static_cast<std::streamsize>(h.size()));
        out.write(reinterpret_cast<const char*>(voxels.data()), static_cast<std::streamsize>(dataBytes));
        if (!out) bad(path, "", "writing the file failed");
    }
}

}  // namespace

NiftiHeaderInfo readNiftiHeader(const std::string& path) { return readNifti(path, true).parsed.info; }

CtVolume loadNiftiCt(const std::string& path, const ProgressFn& progress) {
    const Loaded l = readNifti(path, false);
    const Parsed& p = l.parsed;
    CtVolume ct;
    ct.allocate(p.info.geometry);
    forEachValue(path, l.bytes, p, progress, [&](size_t i, double v) {
        if (!std::isfinite(v)) v = -1024.0;
        ct.voxels[i] = static_cast<int16_t>(std::clamp(std::lround(v), -32768L, 32767L));
    });
    return ct;
}

LabelMap loadNiftiLabels(const std::string& path, const ProgressFn& progress) {
    const Loaded l = readNifti(path, false);
    const Parsed& p = l.parsed;
    LabelMap lm;
    lm.allocate(p.info.geometry);
    forEachValue(path, l.bytes, p, progress, [&](size_t i, double v) {
        const double r = std::round(v);
        if (!(r >= 0.0 && r <= 65535.0) || std::abs(r - v) > 1e-3)
            bad(path, "data", "a label map holds whole numbers 0-65535; voxel " + std::to_string(i) + " is " + std::to_string(v));
        lm.voxels[i] = static_cast<uint16_t>(r);
    });
    return lm;
}

void writeNifti(const std::string& path, const CtVolume& ct) { writeVolume(path, ct.geometry, ct.voxels, 4); }

void writeNifti(const std::string& path, const LabelMap& labels, bool asUint8) {
    if (!asUint8) return writeVolume(path, labels.geometry, labels.voxels, 512);
    std::vector<uint8_t> v(labels.voxels.size());
    for (size_t i = 0; i < v.size(); ++i) {
        if (labels.voxels[i] > 255) bad(path, "data", "label " + std::to_string(labels.voxels[i]) + " does not fit uint8");
        v[i] = static_cast<uint8_t>(labels.voxels[i]);
    }
    writeVolume(path, labels.geometry, v, 2);
}

}  // namespace irsim::patient
