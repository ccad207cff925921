// One fluoroscopy pulse on the GPU, stage by stage as the CPU fluoroscope (imaging/fluoroscope.h):
// the devices and agents binned into tiles and composed over the view, quantum noise, the
// detector's signal and the display's window, recorded into the caller's command buffer.
#include <cmath>
#include <cstring>

#include "render/fluoro_monitor_parts.h"

namespace irsim::render {

void FluoroMonitor::recordChain(VkCommandBuffer cmd, Chain& c, const FluoroPulse& pulse, bool writeStages) {
    const imaging::FluoroSettings& st = def_.settings;
    const int n = c.size;
    const imaging::CArmPose& pose = c.pose;
    const imaging::CArmFrame f = imaging::frameOf(pose);

    // Footprints (the CPU's rule, imaging/fluoroscope.cpp): the pixel box each primitive can touch.
    auto pixelOf = [&](const glm::dvec3& p, double& col, double& row) {
        const glm::dvec3 d = p - f.source;
        const double depth = glm::dot(d, f.beam);
        if (depth <= 1e-6) return false;
        const glm::dvec3 x = f.source + d * (pose.sourceToImageMm / depth) - f.detectorCentre;
        col = (glm::dot(x, f.imageRight) / pose.detectorWidthMm + 0.5) * n - 0.5;
        row = (0.5 - glm::dot(x, f.imageUp) / pose.detectorHeightMm) * n - 0.5;
        return true;
    };
    auto boxOf = [&](glm::dvec3 lo, glm::dvec3 hi) {
        double cmin = 1e300, cmax = -1e300, rmin = 1e300, rmax = -1e300;
        for (int k = 0; k < 8; ++k) {
            const glm::dvec3 p{(k & 1) ? hi.x : lo.x, (k & 2) ? hi.y : lo.y, (k & 4) ? hi.z : lo.z};
            double col, row;
            if (!pixelOf(p, col, row)) return glm::ivec4(0, n - 1, 0, n - 1);
            cmin = std::min(cmin, col), cmax = std::max(cmax, col), rmin = std::min(rmin, row), rmax = std::max(rmax, row);
        }
        return glm::ivec4(static_cast<int>(std::max(-1.0, std::floor(cmin) - 1.0)),
                          static_cast<int>(std::min(double(n), std::ceil(cmax) + 1.0)),
                          static_cast<int>(std::max(-1.0, std::floor(rmin) - 1.0)),
                          static_cast<int>(std::min(double(n), std::ceil(rmax) + 1.0)));
    };
    std::vector<gpu::FluoroPrimitive> prims;
    for (const imaging::RadiopaquePath& path : pulse.contents.paths) {
        const auto& pts = path.pointsLps;
        const double perMm = path.gPerCm3 * 0.1;
        for (size_t k = 0; k < imaging::segmentCount(path); ++k) {
            gpu::FluoroPrimitive q{};
            if (pts.size() == 1) {
                q.a = glm::dvec4(pts[0], path.radiusMm);
                q.mass = glm::dvec4(perMm, static_cast<double>(path.material), 1.0, 0.0);
                q.box = boxOf(pts[0] - glm::dvec3(path.radiusMm), pts[0] + glm::dvec3(path.radiusMm));
            } else {
                const imaging::SegmentPiece s = imaging::segmentPiece(path, k);
                if (!(s.gPerCm2PerMm > 0.0)) continue;
                q.a = glm::dvec4(s.a, s.radiusMm);
                q.b = glm::dvec4(s.b, s.innerRadiusMm);
                q.clips = glm::ivec4(s.clipsA, s.clipsB, 0, 0);
                for (int i = 0; i < s.clipsA; ++i) q.clipA[i] = s.clipA[i];
                for (int i = 0; i < s.clipsB; ++i) q.clipB[i] = s.clipB[i];
                q.mass = glm::dvec4(s.gPerCm2PerMm, static_cast<double>(path.material), 0.0, 0.0);
                // A mitred end leans out up to a radius beyond the segment's end.
                q.box = boxOf(glm::min(s.a, s.b) - glm::dvec3(2.0 * s.radiusMm), glm::max(s.a, s.b) + glm::dvec3(2.0 * s.radiusMm));
            }
            prims.push_back(q);
        }
    }
    for (const imaging::RadiopaqueSphere& s : pulse.contents.spheres) {
        gpu::FluoroPrimitive q{};
        q.a = glm::dvec4(s.centreLps, s.radiusMm);
        q.mass = glm::dvec4(s.gPerCm3 * 0.1, static_cast<double>(s.material), 1.0, 0.0);
        q.box = boxOf(s.centreLps - glm::dvec3(s.radiusMm), s.centreLps + glm::dvec3(s.radiusMm));
        prims.push_back(q);
    }
    // Tiles: offsets (tiles + 1), then the primitive indices of each tile in frame order.
    const int tilesX = (n + FLUORO_TILE - 1) / FLUORO_TILE, tileCount = tilesX * tilesX;
    std::vector<uint32_t> counts(static_cast<size_t>(tileCount) + 1, 0);
    auto tileRange = [&](const glm::ivec4& b, int& tx0, int& tx1, int& ty0, int& ty1) {
        tx0 = std::max(0, b.x) / FLUORO_TILE, tx1 = std::min(n - 1, b.y) / FLUORO_TILE;
        ty0 = std::max(0, b.z) / FLUORO_TILE, ty1 = std::min(n - 1, b.w) / FLUORO_TILE;
        return b.y >= 0 && b.x <= n - 1 && b.w >= 0 && b.z <= n - 1;
    };
    for (const auto& q : prims) {
        int tx0, tx1, ty0, ty1;
        if (!tileRange(q.box, tx0, tx1, ty0, ty1)) continue;
        for (int ty = ty0; ty <= ty1; ++ty)
            for (int tx = tx0; tx <= tx1; ++tx) ++counts[static_cast<size_t>(ty * tilesX + tx)];
    }
    std::vector<uint32_t> tiles(static_cast<size_t>(tileCount) + 1, 0);
    uint32_t running = static_cast<uint32_t>(tileCount) + 1;
    for (int t = 0; t < tileCount; ++t) tiles[t] = running, running += counts[t];
    tiles[tileCount] = running;
    tiles.resize(running);
    std::vector<uint32_t> cursor(tiles.begin(), tiles.begin() + tileCount);
    for (uint32_t i = 0; i < prims.size(); ++i) {
        int tx0, tx1, ty0, ty1;
        if (!tileRange(prims[i].box, tx0, tx1, ty0, ty1)) continue;
        for (int ty = ty0; ty <= ty1; ++ty)
            for (int tx = tx0; tx <= tx1; ++tx) tiles[cursor[static_cast<size_t>(ty * tilesX + tx)]++] = i;
    }
    // The tiles any footprint reaches: one compose workgroup each.
    const uint32_t reachedBegin = static_cast<uint32_t>(tiles.size());
    for (int t = 0; t < tileCount; ++t)
        if (counts[t] > 0) tiles.push_back(static_cast<uint32_t>(t));
    const uint32_t reached = static_cast<uint32_t>(tiles.size()) - reachedBegin;

    // The pulse buffer of this slot: header, primitives, tiles.
    const int k = c.slot;
    c.slot = (c.slot + 1) % kPulseSlots;
    if (!c.pulse[k].buffer || c.primitiveCapacity[k] < std::max<size_t>(1, prims.size()) ||
        c.tileCapacity[k] < tiles.size()) {
        if (c.pulse[k].buffer) ctx_.release(c.pulse[k]);
        c.primitiveCapacity[k] = std::max<size_t>({64, prims.size() * 2});
        c.tileCapacity[k] = std::max<size_t>(tiles.size() * 2, static_cast<size_t>(tileCount) + 1 + 4096);
        const VkDeviceSize size = alignUp(sizeof(gpu::FluoroPulseHeader)) +
                                  alignUp(c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive)) +
                                  c.tileCapacity[k] * sizeof(uint32_t);
        c.pulse[k] = ctx_.createBuffer(size, VK_BUFFER_USAGE_STORAGE_BUFFER_BIT, true);
        const VkDeviceSize primOffset = alignUp(sizeof(gpu::FluoroPulseHeader));
        const VkDeviceSize tileOffset = primOffset + alignUp(c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive));
        VkDevice d = ctx_.device();
        writeBuffer(d, c.composeSet[k], COMPOSE_BINDING_PULSE, c.pulse[k].buffer, 0, sizeof(gpu::FluoroPulseHeader));
        writeBuffer(d, c.composeSet[k], COMPOSE_BINDING_PRIMITIVES, c.pulse[k].buffer, primOffset,
                    c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive));
        writeBuffer(d, c.composeSet[k], COMPOSE_BINDING_TILES, c.pulse[k].buffer, tileOffset,
                    c.tileCapacity[k] * sizeof(uint32_t));
        writeBuffer(d, c.noiseSet[k], NOISE_BINDING_PULSE, c.pulse[k].buffer, 0, sizeof(gpu::FluoroPulseHeader));
        writeBuffer(d, c.presentSet[k], PRESENT_BINDING_PULSE, c.pulse[k].buffer, 0, sizeof(gpu::FluoroPulseHeader));
    }
    auto* bytes = static_cast<uint8_t*>(c.pulse[k].mapped);
    gpu::FluoroPulseHeader h{};
    const double n0 = pulse.mode.detectorKermaPerPulseGy * c.quantaPerGy;
    h.quanta = {n0, std::log(n0), c.lo, c.hi};
    h.display = {st.edgeGain, st.latitudeCompression, c.median, st.noise ? 1.0 : 0.0};
    h.sourceLps = glm::dvec4(f.source, 0.0);
    h.detectorCentre = glm::dvec4(f.detectorCentre, 0.0);
    h.imageRight = glm::dvec4(f.imageRight, pose.detectorWidthMm);
    h.imageUp = glm::dvec4(f.imageUp, pose.detectorHeightMm);
    h.open = {c.c0, c.c1, c.r0, c.r1};
    h.grid = {n, n, tilesX, tilesX};
    h.seed = {static_cast<uint32_t>(pulse.seed), static_cast<uint32_t>(pulse.seed >> 32), writeStages ? 1u : 0u,
              static_cast<uint32_t>(c.bins)};
    h.pad = {reachedBegin, reached, static_cast<uint32_t>(def_.roadmapResolution), roadmapOn_ ? 1u : 0u};
    h.roadmap = {sim::kRoadmapBackground, sim::kRoadmapBlackAtLn, sim::kDsaBackground, 0.0};
    std::memcpy(bytes, &h, sizeof(h));
    const size_t primOffset = alignUp(sizeof(gpu::FluoroPulseHeader));
    if (!prims.empty()) std::memcpy(bytes + primOffset, prims.data(), prims.size() * sizeof(gpu::FluoroPrimitive));
    const size_t tileOffset = primOffset + alignUp(c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive));
    std::memcpy(bytes + tileOffset, tiles.data(), tiles.size() * sizeof(uint32_t));

    // Earlier reads of this chain's images (the previous pulse, the monitor draw, read-backs)
    // finish before they are overwritten.
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    const int openW = c.c1 - c.c0, openH = c.r1 - c.r0;
    if (profile_) vkCmdResetQueryPool(cmd, profile_, 0, 5), vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 0);
    // Stage 1: the view's T everywhere (0 behind the shutters), then the tiles with devices.
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT);
    VkImageCopy copy{};
    copy.srcSubresource = copy.dstSubresource = {VK_IMAGE_ASPECT_COLOR_BIT, 0, 0, 1};
    copy.extent = {static_cast<uint32_t>(n), static_cast<uint32_t>(n), 1};
    vkCmdCopyImage(cmd, c.transmission.image, VK_IMAGE_LAYOUT_GENERAL, c.primary.image, VK_IMAGE_LAYOUT_GENERAL, 1, &copy);
    barrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
    if (reached > 0) {
        compose_.bind(cmd, c.composeSet[k], nullptr);
        vkCmdDispatch(cmd, reached, 1, 1);
    }
    computeToCompute(cmd);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 1);
    noise_.bind(cmd, c.noiseSet[k], nullptr);
    vkCmdDispatch(cmd, (n + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 2);
    const int edge = st.edgeRadiusPx > 0 ? st.edgeRadiusPx : std::max(1, static_cast<int>(std::lround(0.012 * n)));
    const int latitude = std::max(1, static_cast<int>(std::lround(st.latitudeRadiusFraction * n)));
    if (openW > 0) {
        computeToCompute(cmd);
        gpu::BoxFilterPush bp{{c.c0, c.c1, c.r0, c.r1}, {edge, latitude, 0, 0}};
        box_.bind(cmd, c.signalH, &bp);
        vkCmdDispatch(cmd, (openH + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
    }
    computeToCompute(cmd);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 3);
    gpu::BoxFilterPush pp{{c.c0, c.c1, c.r0, c.r1}, {edge, latitude, 1, 0}};
    present_.bind(cmd, c.presentSet[k], &pp);
    vkCmdDispatch(cmd, (n + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 4);
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
            VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_TRANSFER_READ_BIT);
}

}  // namespace irsim::render
