// Imaging modes beyond pulsed fluoroscopy and cine (docs/actions.md): iodinated contrast injection,
// DSA runs (a mask, then subtraction frames), the roadmap (the last run's peak-opacification frame
// over live fluoroscopy), recall of a stored image, and CT acquisitions during the procedure (a
// helical scan of a range, or CT fluoroscopy of a few slices) with their CT dose.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/text.h"
#include "sim/session.h"

namespace irsim::sim {

imaging::FrameContents Session::radiopaqueContents() const {
    imaging::FrameContents c = procedure_->radiopaqueContents(*this);
    if (contrast_ && !state_.contrast.boluses.empty()) {
        imaging::FrameContents agent = therapy::contrastContents(*contrast_, state_.contrast);
        for (auto& p : agent.paths) c.paths.push_back(std::move(p));
    }
    return c;
}

// Each handler runs once its action has passed its declaration's checks (procedure.cpp).
void Session::checkAgainstPatient(const Action& a) const {
    if (a.kind != "contrast.inject") return;
    // The vessel tree is the patient's and never changes in a session, so a branch name it lacks is
    // the log's error, refused at submit rather than in the middle of a tick (soak, docs/robustness.md).
    if (!contrast_) throw DataError(a.file, a.line, "at", "the patient has no vessel tree to inject contrast into");
    const auto it = a.args.find("at");
    if (it == a.args.end() || !it->is_string() || it->get<std::string>() == "catheter_tip") return;
    const std::string where = it->get<std::string>();
    if (therapy::segmentOfBranch(*contrast_, where) < 0)
        throw DataError(a.file, a.line, "at", "the vessel tree has no branch '" + where + "'");
}

void Session::contrastInject(const Action& a) {
    SimState& s = state_;
    {
        const double ml = a.requireNumber("ml");
        double rate = a.number("rate_ml_s", 2.0);
        const double mg = a.number("mg_iodine_per_ml", 300.0);
        if (!contrast_)
            throw DataError(a.file, a.line, "at", "the patient has no vessel tree to inject contrast into");
        int segment = -1;
        std::string where;
        auto it = a.args.find("at");
        if (it == a.args.end()) throw DataError(a.file, a.line, "at", "contrast.inject needs 'at'");
        if (it->is_string() && it->get<std::string>() == "catheter_tip") {
            const std::optional<glm::dvec3> tip = procedure_->catheterTip(*this);
            // The trainee's state, not the log's error: the window's contrast control offers the
            // catheter tip whether or not a catheter is in (soak test, docs/robustness.md).
            if (!tip) return addEvent("action.refused", "contrast.inject at the catheter tip: there is no catheter in the patient");
            segment = therapy::segmentNearest(*contrast_, *tip);
            if (segment < 0) throw DataError(a.file, a.line, "at", "the catheter tip is not near the vessel tree");
            where = "the catheter tip (" + contrast_->tree->nodes[static_cast<size_t>(segment)].branch + ")";
            // The injector stops at the catheter's rated pressure: the rate is what the lumen passes there.
            const std::optional<double> limit = procedure_->injectionFlowLimitMlPerS(*this);
            if (limit && rate > *limit) {
                addEvent("contrast.pressure_limit",
                         formatted("%.1f ml/s asked, %.1f ml/s at the catheter's rated pressure", rate, *limit));
                rate = *limit;
            }
        } else if (it->is_string()) {
            where = it->get<std::string>();
            segment = therapy::segmentOfBranch(*contrast_, where);
            if (segment < 0)
                throw DataError(a.file, a.line, "at", "the vessel tree has no branch '" + where + "'");
        } else if (it->is_array() && it->size() == 3 && (*it)[0].is_number() && (*it)[1].is_number() &&
                   (*it)[2].is_number()) {
            segment = therapy::segmentNearest(*contrast_, {(*it)[0].get<double>(), (*it)[1].get<double>(),
                                                            (*it)[2].get<double>()});
            // The action table bounds a point to the patient's scale; a tree that finds no segment
            // still must not be indexed with -1.
            if (segment < 0) throw DataError(a.file, a.line, "at", "no vessel segment near this point");
            where = contrast_->tree->nodes[static_cast<size_t>(segment)].branch;
        } else {
            throw DataError(a.file, a.line, "at", "expected a branch name, \"catheter_tip\" or [x, y, z] in mm (LPS)");
        }
        const double share = procedure_->arterialFlowShare(*this, segment);
        therapy::inject(*contrast_, s.contrast, segment, ml, rate, mg, share);
        const double flow = contrast_->flowMlPerS[static_cast<size_t>(segment)] * share;
        addEvent("contrast.inject", formatted("%.1f ml", ml) + formatted(" at %.1f ml/s", rate) + " into " + where +
                                        formatted(" (blood flow %.1f ml/s)", flow));
        // Injecting faster than the vessel carries away pushes contrast back up the parent vessel.
        if (rate > flow)
            addEvent("contrast.reflux", formatted("%.1f ml/s", rate) + " into " + where + formatted(" carrying %.1f ml/s", flow));
    }
}

void Session::dsaRun(const Action& a) {
    SimState& s = state_;
    ImagingModesState& m = s.modes;
    {
        m.dsaFps = a.number("fps", 3.0);
        const double dur = a.number("duration_s", 6.0);
        m.nextDsaTick = s.tick;
        m.dsaUntilTick = s.tick + tickAtOrAfter(dur);
        m.dsaMaskIndex = -1;
        m.dsaPeakIndex = -1;
        m.dsaPeakMg = -1.0;
        addEvent("dsa.run", formatted("%.1f s", dur) + formatted(" at %.1f frames/s", m.dsaFps));
    }
}

void Session::roadmapOn(const Action&) {
    SimState& s = state_;
    ImagingModesState& m = s.modes;
    if (m.dsaPeakIndex < 0) {
        addEvent("action.refused", "roadmap.on needs a DSA run with contrast first");
        return;
    }
    if (!imaging::sameProjection(s.images[static_cast<size_t>(m.dsaPeakIndex)].pose, s.carm)) {
        addEvent("action.refused", "roadmap.on: the C-arm or table has moved since the DSA run");
        return;
    }
    m.roadmapOn = true;
    m.roadmapIndex = m.dsaPeakIndex;
    addEvent("roadmap.on", "DSA frame at " + formatted("%.1f s", s.images[static_cast<size_t>(m.roadmapIndex)].time_s));
}

void Session::roadmapOff(const Action&) {
    ImagingModesState& m = state_.modes;
    if (m.roadmapOn) addEvent("roadmap.off", "by the operator");
    m.roadmapOn = false;
}

void Session::imageRecall(const Action& a) {
    SimState& s = state_;
    {
        const std::string label = a.text("label", "");
        if (label.empty()) throw DataError(a.file, a.line, "label", "image.recall needs the label of a stored image");
        int found = -1;
        for (size_t i = s.images.size(); i-- > 0;)
            if (s.images[i].label == label && s.images[i].kind != ImageKind::Recalled) {
                found = static_cast<int>(i);
                break;
            }
        if (found < 0) {
            addEvent("action.refused", "image.recall: no image labelled '" + label + "'");
            return;
        }
        ImageTaken shown = s.images[static_cast<size_t>(found)];
        shown.kind = ImageKind::Recalled;
        shown.recallIndex = found;
        shown.time_s = time_s();
        imageTaken(shown);
        addEvent("image.recall", label);
    }
}

void Session::ctAcquire(const Action& a) {
    SimState& s = state_;
    {
        const bool helical = a.kind == "ct.scan";
        imaging::CtScan scan;
        ImageTaken ct;
        ct.kind = ImageKind::Ct;
        ct.time_s = time_s();
        ct.pose = s.carm;
        ct.kvp = 120.0;
        ct.ctWindow = a.text("window", "soft_tissue");
        const std::optional<glm::dvec3> tip = procedure_->ctFollowPoint(*this);
        if (helical) {
            const double from = a.requireNumber("from_mm"), to = a.requireNumber("to_mm");
            ct.ctFromMm = std::min(from, to), ct.ctToMm = std::max(from, to);  // 10-1000 mm: checked at submit
            // A routine abdominal helical scan: 200 mAs per rotation, pitch 1 (imaging::CtScan).
            scan.mAsPerRotation = a.number("mas", 200.0);
            scan.pitch = a.number("pitch", 1.0);
            ct.label = "CT " + formatted("%.0f", ct.ctFromMm) + formatted(" to %.0f mm", ct.ctToMm);
        } else {
            const double z = a.requireNumber("z_mm");
            const double slices = a.number("slices", 3.0);
            const double sliceMm = a.number("slice_mm", 2.5);
            ct.ctFromMm = z - 0.5 * slices * sliceMm, ct.ctToMm = z + 0.5 * slices * sliceMm;
            // CT fluoroscopy runs at a low tube current: 10-50 mA at 120 kVp (Silverman et al. 1999,
            // Radiology 212:673; Paulson et al. 2001, Radiology 220:161); 30 mAs per rotation.
            scan.mAsPerRotation = a.number("mas", 30.0);
            scan.pitch = 1.0;  // axial: the table does not move
            ct.label = "CT fluoro " + formatted("%.0f mm", z);
        }
        scan.rangeMm = ct.ctToMm - ct.ctFromMm;
        // The slice shown: through the needle tip when it was scanned, else the middle of the range.
        ct.ctSliceZMm = 0.5 * (ct.ctFromMm + ct.ctToMm);
        if (tip && tip->z >= ct.ctFromMm && tip->z <= ct.ctToMm) ct.ctSliceZMm = tip->z;
        const imaging::CtDose d = imaging::ctDose(scan);
        s.dose.ctAcquisitions += 1;
        s.dose.ctDlpGyCm += d.dlpGyCm;
        s.dose.ctMaxCtdiVolGy = std::max(s.dose.ctMaxCtdiVolGy, d.ctdiVolGy);
        imageTaken(ct);
        addEvent(a.kind, ct.label + formatted(": CTDIvol %.2f mGy", d.ctdiVolGy * 1e3) + formatted(", DLP %.1f mGy cm", d.dlpGyCm * 1e3));
    }
}

void Session::stepImagingModes() {
    SimState& s = state_;
    ImagingModesState& m = s.modes;
    // The roadmap stays registered while the projection is unchanged; the shutters may move.
    if (m.roadmapOn && !imaging::sameProjection(s.images[static_cast<size_t>(m.roadmapIndex)].pose, s.carm)) {
        m.roadmapOn = false;
        addEvent("roadmap.off", "the C-arm or table moved: the roadmap no longer matches");
    }
    if (m.dsaUntilTick < 0) return;
    if (s.tick >= m.dsaUntilTick) {
        m.dsaUntilTick = -1;
        addEvent("dsa.end", std::to_string(s.dose.dsaFrames) + " DSA frames in total");
        return;
    }
    if (s.tick < m.nextDsaTick) return;
    m.nextDsaTick += static_cast<int64_t>(std::llround(kTicksPerSecond / m.dsaFps));
    // A DSA frame: the dose of the DSA programme (imaging::FluoroMode::dsa), ~100 x a fluoro pulse.
    imaging::FluoroMode mode = imaging::FluoroMode::dsa();
    mode.pulsesPerSecond = m.dsaFps;
    const imaging::PulseExposure e = imaging::automaticExposure(s.carm, s.centralRayWaterMm, mode);
    s.kvp = e.kVp;
    s.dose.report.addPulse(time_s(), s.carm, mode, e);
    skinDose_->addPulse(s.carm, e);
    ++s.dose.dsaFrames;
    const double iodineMg = contrast_ ? therapy::balance(*contrast_, s.contrast).inVesselsMg : 0.0;
    ImageTaken frame = imageOf(time_s(), ImageKind::Dsa, s.carm, s.kvp, "DSA");
    if (m.dsaMaskIndex < 0) {
        frame.kind = ImageKind::DsaMask;
        frame.label = "DSA mask";
        m.dsaMaskIndex = static_cast<int>(s.images.size());
        // The mask must be taken before contrast arrives, or the subtraction cancels the vessels.
        if (iodineMg > 1.0)
            addEvent("dsa.mask_opacified", formatted("%.0f mg of iodine already in the arteries at the mask", iodineMg));
    } else {
        frame.maskIndex = m.dsaMaskIndex;
        // The frame with the most iodine in the arteries is the run's peak opacification (roadmap).
        if (iodineMg > m.dsaPeakMg && iodineMg > 1.0) {
            m.dsaPeakMg = iodineMg;
            m.dsaPeakIndex = static_cast<int>(s.images.size());
        }
    }
    imageTaken(frame);
}

}  // namespace irsim::sim
