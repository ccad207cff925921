#include "sim/frames.h"

#include <algorithm>
#include <cmath>

#include "imaging/ct_slice.h"

namespace irsim::sim {

namespace {

imaging::WindowLevel windowNamed(const std::string& name) {
    if (name == "liver") return imaging::WindowLevel::liver();
    if (name == "bone") return imaging::WindowLevel::bone();
    if (name == "lung") return imaging::WindowLevel::lung();
    return imaging::WindowLevel::softTissue();
}

// Contents without the contrast: what a mask would have seen had it been taken now.
imaging::FrameContents withoutIodine(imaging::FrameContents c) {
    c.paths.erase(std::remove_if(c.paths.begin(), c.paths.end(),
                                 [](const imaging::RadiopaquePath& p) { return p.material == imaging::Material::Iodine; }),
                  c.paths.end());
    return c;
}

}  // namespace

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
    last_ = fluoroscope_.takeImage(session.patient(), taken.pose, grid, session.radiopaqueContents(),
                                   session.fluoroMode(taken.kind == ImageKind::Cine),
                                   imageNoiseSeed(session, index));
    if (taken.roadmapIndex >= 0) {
        // The roadmap: the DSA frame's vessels darken the live image; its flat background leaves it.
        auto it = kept_.find(static_cast<size_t>(taken.roadmapIndex));
        if (it != kept_.end() && it->second.pixels.size() == last_.pixels.size())
            for (size_t i = 0; i < last_.pixels.size(); ++i)
                last_.pixels[i] = static_cast<float>(
                    last_.pixels[i] * std::min(1.0, it->second.pixels[i] / kDsaBackground));
    }
    return last_;
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
    const GreyImage* mask = maskLogSignal(static_cast<size_t>(taken.maskIndex));
    GreyImage fallback;
    if (!mask) {
        // This renderer did not see the mask: take one now without the contrast.
        imaging::FluoroStages m;
        fluoroscope_.takeImage(session.patient(), taken.pose, grid, withoutIodine(session.radiopaqueContents()), mode,
                               imageNoiseSeed(session, static_cast<size_t>(std::max(taken.maskIndex, 0))), {}, &m);
        fallback = std::move(m.logSignal);
        mask = &fallback;
    }
    // Log subtraction: what the anatomy attenuates cancels, the iodine (and anything that moved) stays.
    GreyImage out = native;
    const imaging::FluoroscopeView& view = *fluoroscope_.view();
    for (int r = 0; r < grid.rows; ++r)
        for (int c = 0; c < grid.cols; ++c) {
            if (!view.isOpen(c, r)) {
                out.at(c, r) = 0.0f;
                continue;
            }
            const double d = stages.logSignal.at(c, r) - mask->at(c, r);
            const double g = std::clamp(kDsaBackground * (1.0 - d / kDsaBlackAtLn), 0.0, 1.0);
            out.at(c, r) = static_cast<float>(std::round(g * 255.0) / 255.0);
        }
    return out;
}

GreyImage ctSliceHu(const Session& session, const ImageTaken& ct, imaging::SlicePlane* planeOut) {
    const patient::VolumeGeometry& g = session.patient().ct.geometry;
    glm::dvec3 centre = g.voxelToPatient(glm::dvec3(g.dims - 1) * 0.5);
    centre.z = ct.ctSliceZMm;
    const imaging::SlicePlane plane = imaging::axialPlane(centre, kCtFieldOfViewMm, kReportImagePixels);
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

GreyImage ImageRenderer::renderCt(const Session& session, size_t index) {
    const ImageTaken& ct = session.state().images.at(index);
    return imaging::applyWindow(ctSliceHu(session, ct), windowNamed(ct.ctWindow));
}

}  // namespace irsim::sim
