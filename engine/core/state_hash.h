#pragma once
// A 64-bit FNV-1a hash of a simulation state, fed field by field. Doubles are hashed by their bits,
// so two states hash the same only when they are equal bit for bit: the golden replays and the
// snapshot test compare these.
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include <glm/vec3.hpp>

namespace irsim {

class StateHash {
public:
    StateHash& bytes(const void* data, size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (size_t i = 0; i < n; ++i) h_ = (h_ ^ p[i]) * 1099511628211ull;
        return *this;
    }
    StateHash& add(double v) {
        uint64_t bits;
        std::memcpy(&bits, &v, sizeof bits);
        return add(bits);
    }
    StateHash& add(uint64_t v) { return bytes(&v, sizeof v); }
    StateHash& add(int64_t v) { return add(static_cast<uint64_t>(v)); }
    StateHash& add(int v) { return add(static_cast<int64_t>(v)); }
    StateHash& add(bool v) { return add(static_cast<uint64_t>(v ? 1 : 0)); }
    StateHash& add(const std::string& s) { return add(static_cast<uint64_t>(s.size())).bytes(s.data(), s.size()); }
    StateHash& add(const char* s) { return add(std::string(s)); }
    StateHash& add(const glm::dvec3& v) { return add(v.x).add(v.y).add(v.z); }
    template <class T>
    StateHash& add(const std::vector<T>& v) {
        add(static_cast<uint64_t>(v.size()));
        for (const T& x : v) add(x);
        return *this;
    }

    uint64_t value() const { return h_; }
    std::string hex() const { return hexOf(h_); }
    static std::string hexOf(uint64_t v);

private:
    uint64_t h_ = 14695981039346656037ull;
};

inline std::string StateHash::hexOf(uint64_t v) {
    static const char* digits = "0123456789abcdef";
    std::string s(16, '0');
    for (int i = 0; i < 16; ++i) s[static_cast<size_t>(15 - i)] = digits[(v >> (4 * i)) & 15];
    return s;
}

}  // namespace irsim
