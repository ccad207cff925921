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
    // The band around a primitive's projected axis that its rays can reach. A ray through detector
    // point P that passes within R of axis point X meets the plane of X's depth z (parallel to
    // the detector) within R / cos(theta) of X, theta the ray's angle to the beam; scaled by SID / z
    // onto the detector, P lies within R SID / (z cos theta) of X's projection, on the projected
    // axis. z >= the nearer end's depth, cos theta >= its value at the detector's corner.
    const double cosCorner =
        pose.sourceToImageMm / std::sqrt(pose.sourceToImageMm * pose.sourceToImageMm +
                                         0.25 * pose.detectorWidthMm * pose.detectorWidthMm +
                                         0.25 * pose.detectorHeightMm * pose.detectorHeightMm);
    const double pxPerMm = std::max(n / pose.detectorWidthMm, n / pose.detectorHeightMm);
    auto setBand = [&](gpu::FluoroPrimitive& q, const glm::dvec3& a, const glm::dvec3& b, double reachMm) {
        double ca, ra, cb, rb;
        const double z = std::min(glm::dot(a - f.source, f.beam), glm::dot(b - f.source, f.beam));
        if (z <= 2.0 * reachMm || !pixelOf(a, ca, ra) || !pixelOf(b, cb, rb)) {
            q.reach = glm::vec4(1e30f);  // the source near or behind it: the box alone
            return;
        }
        q.axis = glm::vec4(static_cast<float>(ca), static_cast<float>(ra), static_cast<float>(cb), static_cast<float>(rb));
        // Two pixels more than the bound: the float distance in the shader.
        q.reach = glm::vec4(static_cast<float>(reachMm * pose.sourceToImageMm / (z * cosCorner) * pxPerMm + 2.0));
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
                setBand(q, pts[0], pts[0], path.radiusMm);
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
                // The piece lies within its radius of the axis: the cylinder between the planes
                // through a and b normal to it, and the end balls, cut by the joint planes.
                setBand(q, s.a, s.b, s.radiusMm);
            }
            prims.push_back(q);
        }
    }
    for (const imaging::RadiopaqueSphere& s : pulse.contents.spheres) {
        gpu::FluoroPrimitive q{};
        q.a = glm::dvec4(s.centreLps, s.radiusMm);
        q.mass = glm::dvec4(s.gPerCm3 * 0.1, static_cast<double>(s.material), 1.0, 0.0);
        q.box = boxOf(s.centreLps - glm::dvec3(s.radiusMm), s.centreLps + glm::dvec3(s.radiusMm));
        setBand(q, s.centreLps, s.centreLps, s.radiusMm);
        prims.push_back(q);
    }
    // Spans: 8 pixels of a row, one SIMD vector of lavapipe (256-bit, 8 floats), whose branches
    // do not jump: every `if` runs masked, only loops end early. So each span loops over its own
    // list, the primitives whose band reaches it, and pays the intersection code that many times.
    // Items: the primitive indices of each reached span in frame order; then per reached span
    // (first column | row << 16, first item, end), padded with empty spans to whole workgroups.
    const int spansAcross = (n + FLUORO_SPAN - 1) / FLUORO_SPAN;
    const int open0 = std::max(c.c0, 0), open1 = std::min(c.c1, n), openR0 = std::max(c.r0, 0), openR1 = std::min(c.r1, n);
    auto forSpans = [&](const gpu::FluoroPrimitive& q, auto&& use) {
        const int sc0 = std::max(q.box.x, open0), sc1 = std::min(q.box.y, open1 - 1);
        const int sr0 = std::max(q.box.z, openR0), sr1 = std::min(q.box.w, openR1 - 1);
        if (sc0 > sc1 || sr0 > sr1) return;
        const glm::dvec2 a(q.axis.x, q.axis.y), ab = glm::dvec2(q.axis.z, q.axis.w) - a;
        const double ab2 = glm::dot(ab, ab);
        // Every pixel of a span lies within half its width of its middle.
        const double reach = static_cast<double>(q.reach.x) + 0.5 * (FLUORO_SPAN - 1) + 0.5;
        for (int row = sr0; row <= sr1; ++row)
            for (int sp = sc0 / FLUORO_SPAN; sp <= sc1 / FLUORO_SPAN; ++sp) {
                const glm::dvec2 pa = glm::dvec2(sp * FLUORO_SPAN + 0.5 * (FLUORO_SPAN - 1), row) - a;
                const double along = ab2 > 0.0 ? std::clamp(glm::dot(pa, ab) / ab2, 0.0, 1.0) : 0.0;
                const glm::dvec2 off = pa - ab * along;
                if (glm::dot(off, off) <= reach * reach) use(static_cast<size_t>(row) * spansAcross + sp);
            }
    };
    std::vector<uint32_t>& counts = c.spanCounts;
    counts.assign(static_cast<size_t>(spansAcross) * n, 0u);
    // A tube's wall is two items, the outer chord and the lumen's (fluoro_compose.comp massPath).
    auto itemsOf = [](const gpu::FluoroPrimitive& q) { return q.mass.z < 0.5 && q.b.w > 0.0 ? 2u : 1u; };
    for (const auto& q : prims) forSpans(q, [&](size_t sp) { counts[sp] += itemsOf(q); });
    std::vector<uint32_t> tiles;
    std::vector<uint32_t> spanFirst;  // item offset of each reached span, in span order
    std::vector<size_t> reachedSpans;
    uint32_t running = 0;
    for (size_t sp = 0; sp < counts.size(); ++sp)
        if (counts[sp] > 0) {
            reachedSpans.push_back(sp);
            spanFirst.push_back(running);
            running += counts[sp];
            counts[sp] = static_cast<uint32_t>(reachedSpans.size());  // 1 + its index among reached spans
        }
    tiles.resize(running);
    std::vector<uint32_t> cursor = spanFirst;
    for (uint32_t i = 0; i < prims.size(); ++i)
        forSpans(prims[i], [&](size_t sp) {
            uint32_t& at = cursor[counts[sp] - 1];
            for (uint32_t lumen = 0; lumen < itemsOf(prims[i]); ++lumen) tiles[at++] = i << 1 | lumen;
        });
    const uint32_t reachedBegin = static_cast<uint32_t>(tiles.size());
    const uint32_t perGroup = FLUORO_SPAN_ROWS;
    const uint32_t reached = static_cast<uint32_t>((reachedSpans.size() + perGroup - 1) / perGroup * perGroup);
    for (size_t j = 0; j < reached; ++j) {
        if (j < reachedSpans.size()) {
            const size_t sp = reachedSpans[j];
            tiles.push_back(static_cast<uint32_t>(sp % spansAcross * FLUORO_SPAN) | static_cast<uint32_t>(sp / spansAcross) << 16);
            tiles.push_back(spanFirst[j]);
            tiles.push_back(cursor[j]);
        } else {
            tiles.push_back(0u), tiles.push_back(0u), tiles.push_back(0u);
        }
    }

    // The pulse buffer of this slot: header, primitives, tiles.
    const int k = c.slot;
    c.slot = (c.slot + 1) % kPulseSlots;
    if (!c.pulse[k].buffer || c.primitiveCapacity[k] < std::max<size_t>(1, prims.size()) ||
        c.tileCapacity[k] < tiles.size()) {
        if (c.pulse[k].buffer) ctx_.release(c.pulse[k]);
        c.primitiveCapacity[k] = std::max<size_t>({64, prims.size() * 2});
        c.tileCapacity[k] = std::max<size_t>(tiles.size() * 2, 4096);
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
    h.grid = {n, n, spansAcross, 0};
    h.seed = {static_cast<uint32_t>(pulse.seed), static_cast<uint32_t>(pulse.seed >> 32), writeStages ? 1u : 0u,
              static_cast<uint32_t>(c.bins)};
    h.pad = {reachedBegin, reached, static_cast<uint32_t>(def_.roadmapResolution), roadmapOn_ ? 1u : 0u};
    h.roadmap = {sim::kRoadmapBackground, sim::kRoadmapBlackAtLn, sim::kDsaBackground, 0.0};
    std::memcpy(bytes, &h, sizeof(h));
    const size_t primOffset = alignUp(sizeof(gpu::FluoroPulseHeader));
    if (!prims.empty()) std::memcpy(bytes + primOffset, prims.data(), prims.size() * sizeof(gpu::FluoroPrimitive));
    const size_t tileOffset = primOffset + alignUp(c.primitiveCapacity[k] * sizeof(gpu::FluoroPrimitive));
    if (!tiles.empty()) std::memcpy(bytes + tileOffset, tiles.data(), tiles.size() * sizeof(uint32_t));

    // Earlier reads of this chain's images (the previous pulse, the monitor draw, read-backs)
    // finish before they are overwritten.
    barrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_FRAGMENT_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
            VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT,
            VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
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
        vkCmdDispatch(cmd, reached / perGroup, 1, 1);
    }
    computeToCompute(cmd);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 1);
    const int edge = st.edgeRadiusPx > 0 ? st.edgeRadiusPx : std::max(1, static_cast<int>(std::lround(0.012 * n)));
    const int latitude = std::max(1, static_cast<int>(std::lround(st.latitudeRadiusFraction * n)));
    gpu::BoxFilterPush bp{{c.c0, c.c1, c.r0, c.r1}, {edge, latitude, 0, 0}};
    noise_.bind(cmd, c.noiseSet[k], &bp);
    vkCmdDispatch(cmd, (n + FLUORO_LINE_GROUP - 1) / FLUORO_LINE_GROUP, 1, 1);
    if (profile_) vkCmdWriteTimestamp(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, profile_, 2);
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
