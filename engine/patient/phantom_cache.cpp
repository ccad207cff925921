#include "patient/phantom_cache.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <type_traits>
#include <vector>

#include "core/paths.h"
#include "core/state_hash.h"
#include "core/text.h"
#include "patient/phantom_code_hash.h"

namespace irsim::patient {

namespace fs = std::filesystem;

namespace {

constexpr char kMagic[8] = {'I', 'R', 'S', 'I', 'M', 'P', 'H', '1'};
// A damaged length field must not make the reader allocate gigabytes: no phantom holds more.
constexpr uint64_t kMaxElements = uint64_t(1) << 31;
constexpr size_t kKeepPhantoms = 12;

class Writer {
public:
    explicit Writer(std::ofstream& out) : out_(out) {}
    template <class T>
    void pod(const T& v) {
        static_assert(std::is_trivially_copyable_v<T>);
        out_.write(reinterpret_cast<const char*>(&v), sizeof v);
    }
    void text(const std::string& s) {
        pod(static_cast<uint64_t>(s.size()));
        out_.write(s.data(), static_cast<std::streamsize>(s.size()));
    }
    void vec3(const glm::dvec3& v) { pod(v.x), pod(v.y), pod(v.z); }
    void geometry(const VolumeGeometry& g) {
        pod(g.dims.x), pod(g.dims.y), pod(g.dims.z);
        vec3(g.spacing), vec3(g.origin);
        for (int c = 0; c < 3; ++c) vec3(g.direction[c]);
    }
    template <class T>
    void volume(const Volume<T>& v) {
        geometry(v.geometry);
        pod(static_cast<uint64_t>(v.voxels.size()));
        out_.write(reinterpret_cast<const char*>(v.voxels.data()), static_cast<std::streamsize>(v.voxels.size() * sizeof(T)));
    }

private:
    std::ofstream& out_;
};

class Reader {
public:
    explicit Reader(std::ifstream& in) : in_(in) {}
    bool ok() const { return ok_ && static_cast<bool>(in_); }
    template <class T>
    T pod() {
        T v{};
        if (ok_) in_.read(reinterpret_cast<char*>(&v), sizeof v);
        ok_ = ok_ && static_cast<bool>(in_);
        return v;
    }
    uint64_t count() {
        const uint64_t n = pod<uint64_t>();
        if (n > kMaxElements) ok_ = false;
        return ok_ ? n : 0;
    }
    std::string text() {
        std::string s(count(), '\0');
        if (ok_) in_.read(s.data(), static_cast<std::streamsize>(s.size()));
        ok_ = ok_ && static_cast<bool>(in_);
        return s;
    }
    glm::dvec3 vec3() {
        glm::dvec3 v;
        v.x = pod<double>(), v.y = pod<double>(), v.z = pod<double>();
        return v;
    }
    VolumeGeometry geometry() {
        VolumeGeometry g;
        g.dims.x = pod<int>(), g.dims.y = pod<int>(), g.dims.z = pod<int>();
        g.spacing = vec3(), g.origin = vec3();
        for (int c = 0; c < 3; ++c) g.direction[c] = vec3();
        return g;
    }
    template <class T>
    Volume<T> volume() {
        Volume<T> v;
        v.geometry = geometry();
        const uint64_t n = count();
        if (!ok_ || (n != 0 && n != v.geometry.voxelCount())) {
            ok_ = false;
            return v;
        }
        v.voxels.resize(n);
        in_.read(reinterpret_cast<char*>(v.voxels.data()), static_cast<std::streamsize>(n * sizeof(T)));
        ok_ = ok_ && static_cast<bool>(in_);
        return v;
    }

private:
    std::ifstream& in_;
    bool ok_ = true;
};

// Doubles in the key by their exact bits (%a), so two options differing in the last bit differ.
std::string exact(double v) { return formatted("%a", v); }

}  // namespace

std::string phantomCacheKey(const PhantomOptions& o) {
    std::string k = "code=" IRSIM_PHANTOM_CODE_HASH;
    k += ";seed=" + std::to_string(o.seed) + ";voxel=" + exact(o.voxelMm) + ";body=" + exact(o.bodySize);
    k += ";michels=" + (o.michels ? michelsName(*o.michels) : std::string("seed"));
    k += ";osteoporotic=" + std::to_string(o.osteoporotic ? 1 : 0) + ";noise=" + exact(o.ctNoiseHu);
    for (const PhantomLesion& l : o.lesions)
        k += ";lesion=" + l.site + "," + std::to_string(static_cast<int>(l.kind)) + "," + exact(l.diameterMm) + "," +
             exact(l.heightLossFraction);
    if (o.regionMm)
        k += ";region=" + exact(o.regionMm->first.x) + "," + exact(o.regionMm->first.y) + "," + exact(o.regionMm->first.z) +
             "," + exact(o.regionMm->second.x) + "," + exact(o.regionMm->second.y) + "," + exact(o.regionMm->second.z);
    return k;
}

std::string phantomCacheDir() {
    if (const char* dir = std::getenv("IRSIM_PHANTOM_CACHE")) return std::string(dir) == "off" ? "" : dir;
    const fs::path base = userCacheDir();
    return base.empty() ? "" : (base / "phantoms").string();
}

void writePatientFile(const Patient& p, const std::string& key, const std::string& path) {
    // Written beside its final name and renamed into place: a reader (another test process, a
    // second window) never sees half a file.
    const std::string temp = path + ".tmp" + std::to_string(::getpid());
    {
        std::ofstream out(temp, std::ios::binary | std::ios::trunc);
        if (!out) return;
        Writer w(out);
        out.write(kMagic, sizeof kMagic);
        w.text(key);
        w.text(p.source);
        w.volume(p.ct);
        w.volume(p.labels);
        w.pod(static_cast<uint64_t>(p.labelNames.size()));
        for (const auto& [value, name] : p.labelNames) w.pod(value), w.text(name);
        w.pod(static_cast<uint64_t>(p.vessels.size()));
        for (const VesselTree& t : p.vessels) {
            w.text(t.name);
            w.pod(static_cast<uint64_t>(t.nodes.size()));
            for (const VesselNode& n : t.nodes)
                w.vec3(n.position), w.pod(n.radiusMm), w.pod(n.parent), w.text(n.branch), w.pod(n.flowMlPerMin);
        }
        w.pod(static_cast<uint64_t>(p.landmarks.size()));
        for (const auto& [name, at] : p.landmarks) w.text(name), w.vec3(at);
        w.volume(p.liverSegments);
        w.pod(static_cast<uint64_t>(p.attributes.size()));
        for (const auto& [name, value] : p.attributes) w.text(name), w.text(value);
        out.write(kMagic, sizeof kMagic);  // the end: a file cut short is refused
        if (!out) {
            std::remove(temp.c_str());
            return;
        }
    }
    std::error_code ec;
    fs::rename(temp, path, ec);
    if (ec) fs::remove(temp, ec);
}

std::optional<Patient> readPatientFile(const std::string& key, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    char magic[sizeof kMagic];
    in.read(magic, sizeof magic);
    if (!in || std::memcmp(magic, kMagic, sizeof kMagic) != 0) return std::nullopt;
    Reader r(in);
    if (r.text() != key || !r.ok()) return std::nullopt;
    Patient p;
    p.source = r.text();
    p.ct = r.volume<int16_t>();
    p.labels = r.volume<uint16_t>();
    for (uint64_t i = 0, n = r.count(); r.ok() && i < n; ++i) {
        const auto value = r.pod<uint16_t>();
        p.labelNames[value] = r.text();
    }
    p.vessels.resize(r.count());
    for (VesselTree& t : p.vessels) {
        t.name = r.text();
        t.nodes.resize(r.count());
        for (VesselNode& n : t.nodes) {
            n.position = r.vec3();
            n.radiusMm = r.pod<double>();
            n.parent = r.pod<int>();
            n.branch = r.text();
            n.flowMlPerMin = r.pod<double>();
        }
        if (!r.ok()) return std::nullopt;
    }
    for (uint64_t i = 0, n = r.count(); r.ok() && i < n; ++i) {
        std::string name = r.text();
        p.landmarks[name] = r.vec3();
    }
    p.liverSegments = r.volume<uint16_t>();
    for (uint64_t i = 0, n = r.count(); r.ok() && i < n; ++i) {
        std::string name = r.text();
        p.attributes[name] = r.text();
    }
    in.read(magic, sizeof magic);
    if (!r.ok() || !in || std::memcmp(magic, kMagic, sizeof kMagic) != 0) return std::nullopt;
    return p;
}

namespace {

void storePhantom(const std::string& dir, const std::string& key, const std::string& path, const Patient& p) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return;
    // A 1.5 mm torso is ~80 MB: keep the most recent few, not every phantom ever built.
    std::vector<std::pair<fs::file_time_type, fs::path>> files;
    for (const auto& e : fs::directory_iterator(dir, ec))
        if (e.path().extension() == ".phantom") files.push_back({e.last_write_time(ec), e.path()});
    std::sort(files.begin(), files.end());
    for (size_t i = 0; i + kKeepPhantoms <= files.size(); ++i) fs::remove(files[i].second, ec);
    writePatientFile(p, key, path);
}

}  // namespace

Patient makePhantomCached(const PhantomOptions& options, const ProgressFn& progress, PhantomStore* deferredStore) {
    if (deferredStore) *deferredStore = nullptr;
    const std::string dir = phantomCacheDir();
    if (dir.empty()) return makePhantom(options, progress);
    const std::string key = phantomCacheKey(options);
    const std::string path = (fs::path(dir) / (StateHash().add(key).hex() + ".phantom")).string();
    if (auto cached = readPatientFile(key, path)) return std::move(*cached);
    Patient p = makePhantom(options, progress);
    if (deferredStore)
        *deferredStore = [dir, key, path](const Patient& built) { storePhantom(dir, key, path, built); };
    else
        storePhantom(dir, key, path, p);
    return p;
}

}  // namespace irsim::patient
