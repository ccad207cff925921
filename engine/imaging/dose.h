#pragma once
// Patient dose as an interventional system reports it (IEC 60601-2-43): reference air kerma at the
// interventional reference point (carm.h), kerma-area product, fluoroscopy time, per-run records;
// and CT dose (CTDIvol, DLP; IEC 60601-2-44). Units: Gy, Gy*cm^2, s, mm.
#include <string>
#include <vector>

#include "imaging/carm.h"
#include "imaging/spectrum.h"
#include "patient/materials.h"
#include "patient/volume.h"

namespace irsim::imaging {

// An acquisition mode with the detector entrance air kerma per pulse the automatic exposure
// control aims at. Typical flat-panel values (Balter, "Interventional Fluoroscopy", 2001; AAPM
// Report 125, 2012): fluoroscopy 20-40 nGy/pulse, cine / digital acquisition 100-400 nGy/frame,
// DSA 1-5 uGy/frame.
// Fluoroscopy modes stay within the Belgian FANC acceptance criterion of <= 1.5 uGy/s at the
// detector entrance (published).
struct FluoroMode {
    std::string name = "fluoro normal";
    double pulsesPerSecond = 15.0;
    double detectorKermaPerPulseGy = 36e-9;
    bool countsAsFluoroscopyTime = true;
    // Largest air-kerma rate the tube may deliver, Gy/min, at the point where US law measures it
    // (kAirKermaLimitFromReceptorMm in front of the receptor); 0 = no limit (recorded acquisitions).
    // 21 CFR 1020.32(e): 88 mGy/min normal, 176 mGy/min high-level control (secondary).
    double airKermaRateLimitGyPerMin = 0.088;

    static FluoroMode fluoroLow() { return {"fluoro low", 7.5, 20e-9, true, 0.088}; }
    static FluoroMode fluoroNormal() { return {"fluoro normal", 15.0, 36e-9, true, 0.088}; }
    static FluoroMode fluoroHigh() { return {"fluoro high", 30.0, 40e-9, true, 0.176}; }
    static FluoroMode cine() { return {"cine", 15.0, 200e-9, false, 0.0}; }
    static FluoroMode dsa() { return {"DSA", 3.0, 2.5e-6, false, 0.0}; }
};

// For a C-arm the limit is measured 30 cm from the image receptor's input surface (21 CFR
// 1020.32(d); unverified in the reference tables).
constexpr double kAirKermaLimitFromReceptorMm = 300.0;

// Beam-path constants between the focal spot and the detector.
struct BeamPath {
    double tableTransmission = 0.80;  // carbon-fibre table top and pad, 70-90 kVp: 0.7-0.9
                                      // (Aichinger et al., Radiation Exposure and Image Quality
                                      // in X-Ray Diagnostic Radiology, 2nd ed. 2012, ch. 5)
    double gridPrimaryTransmission = 0.70;  // ratio 10-15 grids transmit 0.6-0.75 of primary
                                            // (same source)
    TubeFiltration filtration{};
};

// One pulse as the AEC sets it for a patient of `waterEquivalentMm` on the central ray. Where the
// detector's target would need more than the mode's air-kerma rate limit, the tube stays at the
// limit and the detector receives less (a thick patient's image is darker and noisier).
struct PulseExposure {
    double kVp = 0.0;
    double detectorKermaGy = 0.0;   // at the detector entrance, centre
    double referenceAirKermaGy = 0.0;  // at the IRP, free in air (no backscatter)
    double kermaAreaProductGyCm2 = 0.0;
    double fieldAreaAtIrpCm2 = 0.0;
    double patientTransmission = 0.0;  // air-kerma transmission of the water on the central ray
};

// The AEC's kVp for a water-equivalent thickness: 60 kVp at <= 100 mm rising 1 kV per 8 mm to
// 120 kVp (a typical anatomical program; real curves differ by vendor).
double aecKvp(double waterEquivalentMm);

PulseExposure automaticExposure(const CArmPose& pose, double waterEquivalentMm, const FluoroMode& mode,
                                const BeamPath& path = {});

// Running totals as the dose display shows them, and one record per run (pedal press or series).
struct RunRecord {
    std::string mode;
    double startS = 0.0, durationS = 0.0;
    int pulses = 0;
    double referenceAirKermaGy = 0.0, kermaAreaProductGyCm2 = 0.0;
    double laoDeg = 0.0, cranDeg = 0.0, kVp = 0.0;
};

struct DoseReport {
    double referenceAirKermaGy = 0.0;
    double kermaAreaProductGyCm2 = 0.0;
    double fluoroscopyTimeS = 0.0;
    std::vector<RunRecord> runs;

    // Adds one pulse at simulation time `timeS`; a pulse more than 1.5 pulse intervals after the
    // last one of the same mode and angles starts a new run.
    void addPulse(double timeS, const CArmPose& pose, const FluoroMode& mode, const PulseExposure& e);
};

// CT dose of a helical scan. CTDIw per 100 mAs of the 32 cm body phantom at 120 kVp: 8 mGy, the
// middle of the 6.5-9.5 mGy range of scanners in the ImPACT CT scanner comparisons and AAPM
// Report 96 (2008). Effective dose for the abdomen: 0.015 mSv per mGy*cm (AAPM Report 96, Table 4).
struct CtScan {
    double mAsPerRotation = 200.0;
    double pitch = 1.0;
    double rangeMm = 200.0;  // scanned length along z
    double ctdiwPer100mAsGy = 8e-3;
};

struct CtDose {
    double ctdiVolGy = 0.0;
    double dlpGyCm = 0.0;
    double effectiveDoseSv = 0.0;
};

CtDose ctDose(const CtScan& scan);

// The patient's skin as a stack of axial ellipses, one per CT slice, fitted to the body outline
// (voxels above thresholdHu; a uniform ellipse of semi-axes a, b has variances a^2/4, b^2/4 in x
// and y, so a = 2 sd(x), b = 2 sd(y)). Axis-aligned; LPS mm.
struct BodyOutline {
    struct Slice {
        double zMm = 0.0;
        glm::dvec2 centre{0.0};     // x, y
        glm::dvec2 semiAxes{0.0};   // a (x), b (y); 0 where the slice has no body
    };
    std::vector<Slice> slices;       // in CT slice order (z increasing or decreasing)
    double sliceSpacingMm = 0.0;

    // The slice nearest to z (nullptr outside the stack or where it has no body).
    const Slice* sliceAt(double zMm) const;
    bool inside(const glm::dvec3& p) const;
};
// Labels, when given (same grid), leave out what the material table marks outside the body (the
// patient table).
BodyOutline bodyOutlineOf(const patient::CtVolume& ct, const patient::LabelMap* labels,
                          const patient::MaterialTable& materials, int thresholdHu = -300);
// labels named by patient::irsimLabels().
BodyOutline bodyOutlineOf(const patient::CtVolume& ct, const patient::LabelMap* labels = nullptr,
                          int thresholdHu = -300);

// Skin dose as dose-tracking systems estimate it (Jones & Pasciak 2011, J Appl Clin Med Phys
// 12(4):3670, "Calculating the peak skin dose resulting from fluoroscopically guided
// interventions. Part I: Methods"): per pulse, at each skin point the beam enters,
//   D = K_IRP * (d_IRP / d_skin)^2 * BSF * f * T_table (only when the beam crosses the table)
// with K_IRP the reference air kerma of the pulse, d distances from the focal spot, BSF the
// backscatter factor and f the ratio of mass energy-absorption coefficients of soft tissue and air.
struct SkinDoseSettings {
    double backscatterFactor = 1.35;  // 1.3-1.45 for HVL 3-4 mm Al and 10-25 cm fields
                                      // (Petoussi-Henss et al. 1998, Phys Med Biol 43:2237)
    double tissueToAirMuEn = 1.06;    // Jones & Pasciak 2011 (muscle/air, 60-80 kVp beams)
    double binZMm = 10.0;             // map bins: 10 mm along the body and
    int binsAround = 120;             // 3 degrees around it (~1 cm^2 on an adult trunk)
    int raysAcross = 48;              // rays per side over the collimated field
    double marchStepMm = 2.0;         // search for the skin along each ray, then bisection
};

class SkinDoseMap {
public:
    explicit SkinDoseMap(BodyOutline outline, SkinDoseSettings settings = {});

    // Adds one pulse (exposure from automaticExposure for this pose).
    void addPulse(const CArmPose& pose, const PulseExposure& exposure, const BeamPath& path = {});

    double peakSkinDoseGy() const;
    // Bin of the peak: z (mm) and angle around the slice centre (degrees, atan2(y - cy, x - cx):
    // 0 = patient's left, 90 = posterior).
    double peakZMm() const;
    double peakAngleDeg() const;
    // doseGy[zBin * binsAround + angleBin]; zBin 0 at the outline's first slice.
    const std::vector<double>& doseGy() const { return dose_; }
    int binsAlong() const { return binsZ_; }
    int binsAround() const { return settings_.binsAround; }

private:
    struct Hit {
        size_t bin;
        double factor;  // (d_IRP / d_skin)^2 * BSF * f per Gy of reference air kerma (mean over rays)
        bool crossesTable;
    };
    struct Footprint {
        CArmPose pose;
        std::vector<Hit> hits;
    };
    // The skin bins a pose's field covers (kept for the last few poses: a biplane system
    // alternates two).
    const Footprint& footprint(const CArmPose& pose);

    BodyOutline outline_;
    SkinDoseSettings settings_;
    double zMin_ = 0.0;
    int binsZ_ = 0;
    std::vector<double> dose_;
    std::vector<Footprint> footprints_;  // most recent last, at most 4
};

}  // namespace irsim::imaging
