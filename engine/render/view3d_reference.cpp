// The Vulkan-free half of render/view3d.h: the camera, the colour classes, the push constants and
// the CPU mirror of shaders/view3d.comp (float arithmetic in the shader's order).
#include <algorithm>
#include <cmath>

#include "render/view3d.h"

namespace irsim::render {

namespace {

using gpu::vec4;
const glm::vec4 kColours[VIEW3D_CLASSES] = {VIEW3D_CLASS_COLOURS};
const glm::vec3 kSkin = glm::vec3(VIEW3D_SKIN_COLOUR);
const glm::vec3 kBackground = glm::vec3(VIEW3D_BACKGROUND);

bool startsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }
bool has(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

glm::vec4 v4(const glm::dvec3& v) {
    return glm::vec4(static_cast<float>(v.x), static_cast<float>(v.y), static_cast<float>(v.z), 0.0f);
}

// The sampler's view of the volume: trilinear with clamp to edge (texel centres at integer q).
struct DensityField {
    glm::ivec3 dims;
    std::vector<float> rho;
    float at(int i, int j, int k) const {
        i = std::clamp(i, 0, dims.x - 1);
        j = std::clamp(j, 0, dims.y - 1);
        k = std::clamp(k, 0, dims.z - 1);
        return rho[(static_cast<size_t>(k) * dims.y + j) * dims.x + i];
    }
    float operator()(const glm::vec3& q) const {
        const glm::vec3 f0 = glm::floor(q);
        const glm::vec3 w = q - f0;
        const int i = static_cast<int>(f0.x), j = static_cast<int>(f0.y), k = static_cast<int>(f0.z);
        const auto lerp = [](float a, float b, float t) { return a * (1.0f - t) + b * t; };
        const float c00 = lerp(at(i, j, k), at(i + 1, j, k), w.x);
        const float c10 = lerp(at(i, j + 1, k), at(i + 1, j + 1, k), w.x);
        const float c01 = lerp(at(i, j, k + 1), at(i + 1, j, k + 1), w.x);
        const float c11 = lerp(at(i, j + 1, k + 1), at(i + 1, j + 1, k + 1), w.x);
        return lerp(lerp(c00, c10, w.y), lerp(c01, c11, w.y), w.z);
    }
};

struct ClassField {
    glm::ivec3 dims;
    const std::vector<uint8_t>& classes;
    uint32_t operator()(const glm::vec3& q) const {
        const glm::ivec3 i = glm::clamp(glm::ivec3(glm::floor(q + 0.5f)), glm::ivec3(0), dims - 1);
        return classes[(static_cast<size_t>(i.z) * dims.y + i.y) * dims.x + i.x];
    }
};

float shade(const glm::vec3& g, const glm::vec3& dq, const glm::vec3& invSpacing) {
    const float n = glm::length(g * invSpacing);
    const float c = n > 1e-6f ? std::abs(glm::dot(g, dq)) / n : 1.0f;
    return VIEW3D_AMBIENT + (1.0f - VIEW3D_AMBIENT) * std::min(c, 1.0f);
}

}  // namespace

CameraBasis basisOf(const OrbitCamera& c) {
    const double az = glm::radians(c.azimuthDeg);
    const double el = glm::radians(std::clamp(c.elevationDeg, -89.0, 89.0));
    // From the target toward the eye: anterior is -y, the patient's left +x, the head +z (LPS).
    const glm::dvec3 toEye{std::sin(az) * std::cos(el), -std::cos(az) * std::cos(el), std::sin(el)};
    CameraBasis b;
    b.eye = c.targetLps + c.distanceMm * toEye;
    b.forward = -toEye;
    b.right = glm::normalize(glm::cross(b.forward, glm::dvec3(0.0, 0.0, 1.0)));
    b.up = glm::cross(b.right, b.forward);
    b.tanHalfFov = std::tan(glm::radians(0.5 * c.fieldOfViewDeg));
    return b;
}

std::optional<glm::dvec2> projectToView(const OrbitCamera& camera, int size, const glm::dvec3& lps) {
    const CameraBasis b = basisOf(camera);
    const glm::dvec3 d = lps - b.eye;
    const double z = glm::dot(d, b.forward);
    if (z <= 1.0) return std::nullopt;
    const double u = glm::dot(d, b.right) / z, v = glm::dot(d, b.up) / z;
    return glm::dvec2(0.5 * (u / b.tanHalfFov + 1.0) * size, 0.5 * (1.0 - v / b.tanHalfFov) * size);
}

uint8_t view3dClassOf(const std::string& n) {
    // Lesions first: "liver_tumour" is a tumour, not liver.
    if (has(n, "tumour") || has(n, "tumor") || has(n, "metastasis") || has(n, "lesion")) return VIEW3D_CLASS_TUMOUR;
    if (has(n, "arter") || n == "aorta" || has(n, "_trunk")) return VIEW3D_CLASS_ARTERY;
    if (has(n, "vein") || has(n, "vena_cava")) return VIEW3D_CLASS_VEIN;
    if (startsWith(n, "vertebra") || startsWith(n, "rib_") || startsWith(n, "hip_") || startsWith(n, "femur") ||
        n == "sacrum" || n == "sternum" || startsWith(n, "humerus") || startsWith(n, "scapula") ||
        startsWith(n, "clavicula") || n == "skull" || n == "costal_cartilages")
        return VIEW3D_CLASS_BONE;
    if (n == "liver") return VIEW3D_CLASS_LIVER;
    if (startsWith(n, "kidney")) return VIEW3D_CLASS_KIDNEY;
    if (n == "spleen") return VIEW3D_CLASS_SPLEEN;
    return VIEW3D_CLASS_NONE;
}

std::vector<uint8_t> view3dClasses(const patient::LabelMap& labels, const patient::LabelTable& names,
                                   const patient::VolumeGeometry& geometry) {
    std::vector<uint8_t> out(geometry.voxelCount(), 0);
    if (labels.voxels.size() != out.size()) return out;
    std::vector<uint8_t> byLabel(65536, 0);
    for (const auto& [value, name] : names) byLabel[value] = view3dClassOf(name);
    for (size_t i = 0; i < out.size(); ++i) out[i] = byLabel[labels.voxels[i]];
    return out;
}

gpu::View3dPush view3dPush(const OrbitCamera& camera, const patient::VolumeGeometry& g, int size, double stepMm) {
    const CameraBasis b = basisOf(camera);
    const auto toQ = [&](const glm::dvec3& d) { return (glm::transpose(g.direction) * d) / g.spacing; };
    if (stepMm <= 0.0) stepMm = 0.5 * std::min({g.spacing.x, g.spacing.y, g.spacing.z});
    gpu::View3dPush p{};
    p.eyeQ = v4(g.patientToVoxel(b.eye));
    p.forwardQ = v4(toQ(b.forward));
    p.rightQ = v4(toQ(b.right));
    p.upQ = v4(toQ(b.up));
    p.invSpacing = v4(1.0 / g.spacing);
    p.dims = v4(glm::dvec3(g.dims));
    p.params = {static_cast<float>(stepMm), static_cast<float>(b.tanHalfFov),
                static_cast<float>(1.0 + kSkinThresholdHu / 1000.0), static_cast<float>(kSkinOpacity)};
    p.size = {size, size, 0, 0};
    return p;
}

gpu::View3dPush withTubes(gpu::View3dPush push, const View3dTubeBins& bins) {
    push.size.z = static_cast<int>(bins.tubes.size());
    push.size.w = bins.lumens;
    return push;
}

View3dImage renderView3dReference(const patient::CtVolume& ct, const std::vector<uint8_t>& classes,
                                  const gpu::View3dPush& p, const View3dTubeBins* tubes) {
    const glm::ivec3 dims = ct.geometry.dims;
    DensityField density{dims, std::vector<float>(ct.voxels.size())};
    for (size_t i = 0; i < ct.voxels.size(); ++i)
        density.rho[i] = static_cast<float>(1.0 + std::max<double>(ct.voxels[i], -1000.0) / 1000.0);
    const ClassField classAt{dims, classes};
    const auto indicator = [&](const glm::vec3& q, uint32_t c) { return classAt(q) == c ? 1.0f : 0.0f; };
    const glm::vec3 invSpacing(p.invSpacing), dimsF(p.dims), eye(p.eyeQ);
    const glm::vec3 ex(1, 0, 0), ey(0, 1, 0), ez(0, 0, 1);

    View3dImage out;
    out.size = p.size.x;
    const size_t count = static_cast<size_t>(p.size.x) * p.size.y;
    out.rgb.resize(count);
    out.organDepthMm.resize(count);
    out.skinDepthMm.resize(count);
    out.deviceDepthMm.resize(count);
    out.lumenDepthMm.resize(count);
    const bool lumensDrawn = p.size.w > 0;
    const int tilesX = (p.size.x + VIEW3D_GROUP - 1) / VIEW3D_GROUP;
    for (int row = 0; row < p.size.y; ++row) {
        for (int col = 0; col < p.size.x; ++col) {
            const float u = (2.0f * (static_cast<float>(col) + 0.5f) / static_cast<float>(p.size.x) - 1.0f) * p.params.y;
            const float v = (1.0f - 2.0f * (static_cast<float>(row) + 0.5f) / static_cast<float>(p.size.y)) * p.params.y;
            const float len = std::sqrt(1.0f + u * u + v * v);
            const glm::vec3 dq = (glm::vec3(p.forwardQ) + u * glm::vec3(p.rightQ) + v * glm::vec3(p.upQ)) / len;
            const glm::vec3 r = glm::vec3(u, v, 1.0f) / len;
            float lumenT = 1e30f, deviceT = 1e30f;
            int lumen = -1, device = -1;
            if (p.size.z > 0 && tubes) {
                const uint32_t tile = static_cast<uint32_t>((row / VIEW3D_GROUP) * tilesX + col / VIEW3D_GROUP);
                for (uint32_t q = tubes->bins[tile]; q < tubes->bins[tile + 1]; ++q) {
                    const int i = static_cast<int>(tubes->bins[q]);
                    const gpu::View3dTube& T = tubes->tubes[static_cast<size_t>(i)];
                    const float t = view3dCapsuleHit(T, r);
                    if (T.b.w > 0.5f) {
                        if (t < deviceT) deviceT = t, device = i;
                    } else if (t < lumenT) {
                        lumenT = t, lumen = i;
                    }
                }
            }
            // Composites a translucent lumen or an opaque device met at t.
            glm::vec3 colour(0.0f);
            float alpha = 0.0f;
            const auto addTube = [&](int i, float t) {
                const gpu::View3dTube& T = tubes->tubes[static_cast<size_t>(i)];
                const float a = T.b.w > 0.5f ? 1.0f : T.colour.a;
                const float s = view3dTubeShade(T, r, t);
                if (T.b.w > 0.5f) {
                    colour += (1.0f - alpha) * s * glm::vec3(T.colour);
                    alpha = 1.0f;
                } else {
                    colour += (1.0f - alpha) * a * s * glm::vec3(T.colour);
                    alpha += (1.0f - alpha) * a;
                }
            };
            float tNear = 0.0f, tFar = 1e30f;
            for (int a = 0; a < 3; ++a) {
                const float hi = dimsF[a] - 0.5f;
                if (std::abs(dq[a]) < 1e-12f) {
                    if (eye[a] < -0.5f || eye[a] > hi) tFar = -1.0f;
                } else {
                    const float ta = (-0.5f - eye[a]) / dq[a];
                    const float tb = (hi - eye[a]) / dq[a];
                    tNear = std::max(tNear, std::min(ta, tb));
                    tFar = std::min(tFar, std::max(ta, tb));
                }
            }
            const float step = p.params.x;
            const int n = tFar > tNear ? static_cast<int>(std::ceil((tFar - tNear) / step)) : 0;
            float skinT = -1.0f, organT = -1.0f, prev = 0.0f;
            bool inside = false, ended = false;
            for (int k = 0; k < n; ++k) {
                const float t = tNear + (static_cast<float>(k) + 0.5f) * step;
                if (lumen >= 0 && lumenT <= t) {
                    addTube(lumen, lumenT);
                    lumen = -1;
                }
                if (device >= 0 && deviceT <= t) {
                    addTube(device, deviceT);
                    device = -1;
                    ended = true;
                    break;
                }
                const glm::vec3 q = eye + dq * t;
                const float rho = density(q);
                if (!inside && rho > p.params.z) {
                    inside = true;
                    skinT = k == 0 ? t : t - step * (rho - p.params.z) / (rho - prev);
                    const glm::vec3 g(density(q + ex) - density(q - ex), density(q + ey) - density(q - ey),
                                      density(q + ez) - density(q - ez));
                    const float a = p.params.w;
                    colour += (1.0f - alpha) * a * shade(g, dq, invSpacing) * kSkin;
                    alpha += (1.0f - alpha) * a;
                }
                prev = rho;
                const uint32_t c = classAt(q);
                if (c != 0u && c < VIEW3D_CLASSES && kColours[c].a > 0.0f && !(lumensDrawn && c == VIEW3D_CLASS_ARTERY)) {
                    organT = t;
                    const glm::vec3 g(indicator(q + ex, c) - indicator(q - ex, c),
                                      indicator(q + ey, c) - indicator(q - ey, c),
                                      indicator(q + ez, c) - indicator(q - ez, c));
                    const float a = p.size.z > 0 ? VIEW3D_ORGAN_SEE_THROUGH : 1.0f;
                    colour += (1.0f - alpha) * a * shade(g, dq, invSpacing) * glm::vec3(kColours[c]);
                    alpha += (1.0f - alpha) * a;
                    ended = p.size.z == 0;
                    break;
                }
            }
            if (!ended) {
                if (lumen >= 0 && lumenT < 1e30f) addTube(lumen, lumenT);
                if (device >= 0 && deviceT < 1e30f) addTube(device, deviceT);
            }
            colour += (1.0f - alpha) * kBackground;
            const size_t i = static_cast<size_t>(row) * p.size.x + col;
            out.rgb[i] = colour;
            out.organDepthMm[i] = organT;
            out.skinDepthMm[i] = skinT;
            out.deviceDepthMm[i] = deviceT < 1e30f ? deviceT : -1.0f;
            out.lumenDepthMm[i] = lumenT < 1e30f ? lumenT : -1.0f;
        }
    }
    return out;
}

}  // namespace irsim::render
