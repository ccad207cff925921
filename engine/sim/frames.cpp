#include "sim/frames.h"

#include <algorithm>
#include <cmath>

#include "imaging/ct_slice.h"

namespace irsim::sim {

namespace {

// Contents without the contrast: what a mask would have seen had it been taken now.
imaging::FrameContents withoutIodine(imaging::FrameContents c) {
    c.paths.erase(std::remove_if(c.paths.begin(), c.paths.end(),
                                 [](const imaging::RadiopaquePath& p) { return p.material == imaging::Material::Iodine; }),
                  c.paths.end());
    return c;
}

// A subtracted display: closed shutters black, elsewhere grey(c, r, d) of the log-signal
// difference d = live - mask, in 8-bit steps.
template <class Grey>
GreyImage subtracted(const imaging::FluoroscopeView& view, GreyImage out, const GreyImage& live, const GreyImage& mask,
                     Grey grey) {
    for (int r = 0; r < out.height; ++r)
        for (int c = 0; c < out.width; ++c) {
            if (!view.isOpen(c, r)) {
                out.at(c, r) = 0.0f;
                continue;
            }
            const double g = std::clamp(grey(c, r, live.at(c, r) - mask.at(c, r)), 0.0, 1.0);
            out.at(c, r) = static_cast<float>(std::round(g * 255.0) / 255.0);
        }
    return out;
}

}  // namespace

imaging::WindowLevel ctWindowNamed(const std::string& name) {
    if (name == "liver") return imaging::WindowLevel::liver();
    if (name == "bone") return imaging::WindowLevel::bone();
    if (name == "lung") return imaging::WindowLevel::lung();
    return imaging::WindowLevel::softTissue();
}

uint64_t imageNoiseSeed(const Session& session, size_t index) {
    // SplitMix64 of (seed, index): images differ in noise, runs repeat exactly.
    uint64_t z = session.scenario().patient.phantomSeed * 0x9E3779B97F4A7C15ULL + index + 1;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

const GreyImage* ImageRenderer::maskLogSignal(size_t index) const {
    auto it = maskLog_.find(index);
    return it == maskLog_.end() ? nullptr : &it->second;
}

const GreyImage& ImageRenderer::runMask(const Session& session, const ImageTaken& taken, int maskIndex,
                                        const imaging::FrameContents& unseen, GreyImage& fallback) {
    if (const GreyImage* mask = maskLogSignal(static_cast<size_t>(std::max(maskIndex, 0)))) return *mask;
    // This renderer did not see the mask: take one now of `unseen`.
    imaging::FluoroStages m;
    fluoroscope_.takeImage(session.patient(), taken.pose, {kReportImagePixels, kReportImagePixels}, unseen,
                           imaging::FluoroMode::dsa(), imageNoiseSeed(session, static_cast<size_t>(std::max(maskIndex, 0))),
                           {}, &m);
    fallback = std::move(m.logSignal);
    return fallback;
}

GreyImage ImageRenderer::render(const Session& session, size_t index) {
    const ImageTaken& taken = session.state().images.at(index);
    const imaging::DetectorGrid grid{kReportImagePixels, kReportImagePixels};
    switch (taken.kind) {
        case ImageKind::Stored:
            if (!last_.pixels.empty()) {
                kept_[index] = last_;
                return last_;
            }
            break;
        case ImageKind::Recalled: {
            auto it = kept_.find(static_cast<size_t>(taken.recallIndex));
            if (it != kept_.end()) return last_ = it->second;
            break;  // not rendered here: show the scene as it is now
        }
        case ImageKind::DsaMask:
        case ImageKind::Dsa:
            last_ = renderDsa(session, index);
            kept_[index] = last_;
            return last_;
        case ImageKind::Ct:
            last_ = renderCt(session, index);
            kept_[index] = last_;
            return last_;
        default: break;
    }
    if (taken.roadmapIndex >= 0) {
        last_ = renderRoadmap(session, index);
        return last_;
    }
    last_ = fluoroscope_.takeImage(session.patient(), taken.pose, grid, session.radiopaqueContents(),
                                   session.fluoroMode(taken.kind == ImageKind::Cine),
                                   imageNoiseSeed(session, index));
    return last_;
}

GreyImage ImageRenderer::renderRoadmap(const Session& session, size_t index) {
    const ImageTaken& taken = session.state().images.at(index);
    const imaging::DetectorGrid grid{kReportImagePixels, kReportImagePixels};
    // The held image is the temporal average of the last pulses, as fluoroscopy's recursive filter
    // keeps it (4 here; systems use 4-8: estimated): half the noise of one pulse, so a microwire
    // reads against the subtracted background.
    imaging::FluoroStages live;
    GreyImage out;
    const imaging::FrameContents contents = session.radiopaqueContents();
    for (int k = 0; k < kRoadmapPulsesAveraged; ++k) {
        imaging::FluoroStages pulse;
        out = fluoroscope_.takeImage(session.patient(), taken.pose, grid, contents, session.fluoroMode(false),
                                     imageNoiseSeed(session, index) + static_cast<uint64_t>(k), {}, &pulse);
        if (k == 0) {
            live = std::move(pulse);
            continue;
        }
        for (size_t i = 0; i < live.logSignal.pixels.size(); ++i) live.logSignal.pixels[i] += pulse.logSignal.pixels[i];
    }
    for (float& v : live.logSignal.pixels) v /= static_cast<float>(kRoadmapPulsesAveraged);
    RoadmapLayers layers;
    if (!roadmapLayers(session, static_cast<size_t>(taken.roadmapIndex), taken, layers) ||
        layers.peak.pixels.size() != out.pixels.size())
        return out;  // not seen: plain fluoro
    // A subtracted roadmap, as the angiography systems show it: the live pulse minus the DSA run's
    // mask, so the anatomy (and a catheter that has not moved since the run) cancels and what came
    // in since darkens; the peak frame's iodine drawn white. A wire in a white vessel stays dark.
    return roadmapDisplay(*fluoroscope_.view(), live.logSignal, layers);
}

bool ImageRenderer::roadmapLayers(const Session& session, size_t dsaIndex, RoadmapLayers& out) {
    return roadmapLayers(session, dsaIndex, session.state().images.at(dsaIndex), out);
}

bool ImageRenderer::roadmapLayers(const Session& session, size_t dsaIndex, const ImageTaken& at, RoadmapLayers& out) {
    const auto peak = kept_.find(dsaIndex);
    if (peak == kept_.end()) return false;
    const int maskIndex = session.state().images.at(dsaIndex).maskIndex;
    GreyImage fallback;  // unseen mask (one taken now at `at`'s pose): the anatomy alone, so every device shows
    out.maskLog = runMask(session, at, maskIndex, imaging::FrameContents{}, fallback);
    out.peak = peak->second;
    return true;
}

GreyImage roadmapDisplay(const imaging::FluoroscopeView& view, const GreyImage& liveLog, const RoadmapLayers& layers) {
    return subtracted(view, liveLog, liveLog, layers.maskLog,
                      [&](int c, int r, double d) { return roadmapGrey(d, layers.peak.at(c, r)); });
}

GreyImage ImageRenderer::renderDsa(const Session& session, size_t index) {
    const ImageTaken& taken = session.state().images.at(index);
    const imaging::DetectorGrid grid{kReportImagePixels, kReportImagePixels};
    imaging::FluoroMode mode = imaging::FluoroMode::dsa();
    imaging::FluoroStages stages;
    const GreyImage native = fluoroscope_.takeImage(session.patient(), taken.pose, grid, session.radiopaqueContents(),
                                                    mode, imageNoiseSeed(session, index), {}, &stages);
    if (taken.kind == ImageKind::DsaMask) {
        maskLog_[index] = stages.logSignal;
        return native;  // the mask is shown as it is, a native image
    }
    GreyImage fallback;  // unseen mask: one now without the contrast
    const GreyImage& mask = runMask(session, taken, taken.maskIndex, withoutIodine(session.radiopaqueContents()), fallback);
    // Log subtraction: what the anatomy attenuates cancels, the iodine (and anything that moved) stays.
    return subtracted(*fluoroscope_.view(), native, stages.logSignal, mask,
                      [](int, int, double d) { return kDsaBackground * (1.0 - d / kDsaBlackAtLn); });
}

imaging::SlicePlane ctSlicePlane(const Session& session, const ImageTaken& ct) {
    const patient::VolumeGeometry& g = session.patient().ct.geometry;
    glm::dvec3 centre = g.voxelToPatient(glm::dvec3(g.dims - 1) * 0.5);
    centre.z = ct.ctSliceZMm;
    return imaging::axialPlane(centre, kCtFieldOfViewMm, kReportImagePixels);
}

GreyImage ctSliceHu(const Session& session, const ImageTaken& ct, imaging::SlicePlane* planeOut) {
    const imaging::SlicePlane plane = ctSlicePlane(session, ct);
    GreyImage hu = imaging::resampleSlice(session.patient().ct, plane);
    // Tissue the procedure has changed (an ablation zone, an ice ball), under the devices.
    CtOverlay overlay;
    session.procedure().ctOverlay(session, overlay);
    for (const CtOverlayField& f : overlay.fields)
        for (int r = 0; r < plane.rows; ++r)
            for (int c = 0; c < plane.cols; ++c) {
                const float v = f.huAt(plane.pixelCentre(c, r));
                if (!std::isnan(v)) hu.at(c, r) = v;
            }
    // Half a slice either side: what this slice's detector row would see.
    const double slab = 1.5;
    const imaging::FrameContents contents = session.radiopaqueContents();
    for (const imaging::RadiopaquePath& p : contents.paths) {
        if (p.material == imaging::Material::Iodine) {
            for (size_t k = 0; k + 1 < p.pointsLps.size(); ++k) {
                const double fill = p.segmentFill.empty() ? 1.0 : p.segmentFill[k];
                const double mgPerMl = p.gPerCm3 * 1e3 * fill;
                if (mgPerMl < 1.0) continue;
                imaging::drawPolyline(hu, plane, {p.pointsLps[k], p.pointsLps[k + 1]}, p.radiusMm,
                                      static_cast<float>(40.0 + kCtHuPerMgIodinePerMl * mgPerMl), slab);
            }
        } else if (p.pointsLps.size() >= 2) {
            imaging::drawPolyline(hu, plane, p.pointsLps, p.radiusMm, kCtMetalHu, slab);
        }
    }
    for (const imaging::RadiopaqueSphere& s : contents.spheres) {
        // A sphere cut by the plane: a disc.
        const double d = glm::dot(s.centreLps - plane.centreLps, plane.normal());
        if (std::abs(d) >= s.radiusMm) continue;
        const double rr = std::sqrt(s.radiusMm * s.radiusMm - d * d);
        const glm::dvec3 q = s.centreLps - plane.centreLps;
        const double u = glm::dot(q, plane.right), v = glm::dot(q, plane.down);
        const float value = s.material == imaging::Material::Iodine
                                ? static_cast<float>(40.0 + kCtHuPerMgIodinePerMl * s.gPerCm3 * 1e3)
                                : kCtCementHu;
        for (int r = 0; r < plane.rows; ++r)
            for (int c = 0; c < plane.cols; ++c) {
                const double pu = ((c + 0.5) / plane.cols - 0.5) * plane.widthMm - u;
                const double pv = ((r + 0.5) / plane.rows - 0.5) * plane.heightMm - v;
                if (pu * pu + pv * pv <= rr * rr) hu.at(c, r) = std::max(hu.at(c, r), value);
            }
    }
    if (planeOut) *planeOut = plane;
    return hu;
}

float CtOverlayContour::valueAt(const glm::dvec3& lps) const {
    const glm::dvec3 f = (lps - originLps) / spacingMm;
    const glm::dvec3 hi = glm::dvec3(dims - 1);
    if (!(f.x >= 0.0 && f.y >= 0.0 && f.z >= 0.0 && f.x <= hi.x && f.y <= hi.y && f.z <= hi.z))
        return std::numeric_limits<float>::quiet_NaN();
    const glm::ivec3 c0 = glm::min(glm::ivec3(glm::floor(f)), glm::max(dims - 2, glm::ivec3(0)));
    const glm::dvec3 t = f - glm::dvec3(c0);
    double sum = 0.0;
    for (int corner = 0; corner < 8; ++corner) {
        const glm::ivec3 o(corner & 1, (corner >> 1) & 1, (corner >> 2) & 1);
        const glm::ivec3 c = glm::min(c0 + o, dims - 1);
        const double w = (o.x ? t.x : 1.0 - t.x) * (o.y ? t.y : 1.0 - t.y) * (o.z ? t.z : 1.0 - t.z);
        if (w == 0.0) continue;
        sum += w * value[(static_cast<size_t>(c.z) * dims.y + c.y) * dims.x + c.x];
    }
    return static_cast<float>(sum);
}

std::vector<SliceSegment> contourOnSlice(const CtOverlayContour& contour, const imaging::SlicePlane& plane) {
    std::vector<SliceSegment> out;
    if (contour.value.empty() || contour.spacingMm <= 0.0) return out;
    // The grid's box in the plane's coordinates (u along right, v along down, 0 at the centre).
    double u0 = 1e300, u1 = -1e300, v0 = 1e300, v1 = -1e300;
    for (int corner = 0; corner < 8; ++corner) {
        const glm::dvec3 o(corner & 1, (corner >> 1) & 1, (corner >> 2) & 1);
        const glm::dvec3 p = contour.originLps + contour.spacingMm * o * glm::dvec3(contour.dims - 1) - plane.centreLps;
        const double u = glm::dot(p, plane.right), v = glm::dot(p, plane.down);
        u0 = std::min(u0, u), u1 = std::max(u1, u), v0 = std::min(v0, v), v1 = std::max(v1, v);
    }
    u0 = std::max(u0, -0.5 * plane.widthMm), u1 = std::min(u1, 0.5 * plane.widthMm);
    v0 = std::max(v0, -0.5 * plane.heightMm), v1 = std::min(v1, 0.5 * plane.heightMm);
    const double h = contour.spacingMm;
    const int nu = static_cast<int>(std::floor((u1 - u0) / h)) + 1, nv = static_cast<int>(std::floor((v1 - v0) / h)) + 1;
    if (nu < 2 || nv < 2) return out;
    // Samples above the level are inside; outside the grid counts as below it.
    std::vector<double> s(static_cast<size_t>(nu) * nv);
    for (int j = 0; j < nv; ++j)
        for (int i = 0; i < nu; ++i) {
            const glm::dvec3 p = plane.centreLps + plane.right * (u0 + i * h) + plane.down * (v0 + j * h);
            const float v = contour.valueAt(p);
            s[static_cast<size_t>(j) * nu + i] = std::isnan(v) ? -1e30 : static_cast<double>(v) - contour.level;
        }
    const auto toPixels = [&](double u, double v) {
        return glm::dvec2((u / plane.widthMm + 0.5) * plane.cols, (v / plane.heightMm + 0.5) * plane.rows);
    };
    for (int j = 0; j + 1 < nv; ++j)
        for (int i = 0; i + 1 < nu; ++i) {
            // Corners counter-clockwise from the top left: (i,j), (i+1,j), (i+1,j+1), (i,j+1).
            const double c[4] = {s[static_cast<size_t>(j) * nu + i], s[static_cast<size_t>(j) * nu + i + 1],
                                 s[static_cast<size_t>(j + 1) * nu + i + 1], s[static_cast<size_t>(j + 1) * nu + i]};
            const glm::dvec2 at[4] = {{0, 0}, {1, 0}, {1, 1}, {0, 1}};
            int inside = 0;
            for (int k = 0; k < 4; ++k) inside |= (c[k] >= 0.0) << k;
            if (inside == 0 || inside == 15) continue;
            // The crossing on each edge k (corner k to corner k+1) that changes sign.
            glm::dvec2 cross[4];
            std::vector<int> edges;
            for (int k = 0; k < 4; ++k) {
                const int m = (k + 1) % 4;
                if ((c[k] >= 0.0) == (c[m] >= 0.0)) continue;
                const double t = std::clamp(c[k] / (c[k] - c[m]), 0.0, 1.0);
                const glm::dvec2 q = at[k] + t * (at[m] - at[k]);
                cross[k] = toPixels(u0 + (i + q.x) * h, v0 + (j + q.y) * h);
                edges.push_back(k);
            }
            if (edges.size() == 2) {
                out.push_back({cross[edges[0]], cross[edges[1]]});
            } else if (edges.size() == 4) {
                // A saddle: the mean of the corners says whether the inside corners connect.
                const bool centreIn = (c[0] + c[1] + c[2] + c[3]) >= 0.0;
                const bool corner0In = c[0] >= 0.0;
                if (centreIn == corner0In)
                    out.push_back({cross[0], cross[1]}), out.push_back({cross[2], cross[3]});
                else
                    out.push_back({cross[3], cross[0]}), out.push_back({cross[1], cross[2]});
            }
        }
    return out;
}

GreyImage ImageRenderer::renderCt(const Session& session, size_t index) {
    const ImageTaken& ct = session.state().images.at(index);
    return imaging::applyWindow(ctSliceHu(session, ct), ctWindowNamed(ct.ctWindow));
}

}  // namespace irsim::sim
