// Attenuation, spectra and dose against published values.
#include <catch2/catch.hpp>

#include <cmath>

#include "imaging/attenuation.h"
#include "imaging/dose.h"
#include "imaging/spectrum.h"

using namespace irsim::imaging;

TEST_CASE("mass attenuation reproduces the NIST table at tabulated energies and interpolates log-log", "[imaging][physics]") {
    // NIST SRD 126 Table 4, water: 60 keV 0.2059, 100 keV 0.1707 cm^2/g.
    CHECK(massAttenuation(Material::Water, 60.0) == Approx(0.2059).epsilon(1e-6));
    CHECK(massAttenuation(Material::Water, 100.0) == Approx(0.1707).epsilon(1e-6));
    // Cortical bone 50 keV 0.4242; adipose 30 keV 0.3063.
    CHECK(massAttenuation(Material::BoneCortical, 50.0) == Approx(0.4242).epsilon(1e-6));
    CHECK(massAttenuation(Material::Fat, 30.0) == Approx(0.3063).epsilon(1e-6));
    // Between 60 and 80 keV the log-log line through the two table values.
    const double expected = std::exp(std::log(0.2059) + std::log(70.0 / 60.0) / std::log(80.0 / 60.0) *
                                                            std::log(0.1837 / 0.2059));
    CHECK(massAttenuation(Material::Water, 70.0) == Approx(expected).epsilon(1e-9));
}

TEST_CASE("iodine jumps at its K edge, which is why contrast is dark at 60-80 kVp", "[imaging][physics]") {
    // NIST z53: 6.553 just below 33.17 keV, 35.82 just above.
    CHECK(massAttenuation(Material::Iodine, 33.0) < 7.0);
    CHECK(massAttenuation(Material::Iodine, 33.2) > 35.0);
    // At 40 keV iodine attenuates ~80 times more per gram than water (22.10 / 0.2683).
    CHECK(massAttenuation(Material::Iodine, 40.0) / massAttenuation(Material::Water, 40.0) ==
          Approx(22.10 / 0.2683).epsilon(1e-6));
    // Barium (cement) edge at 37.44 keV by the mixture rule of BaSO4.
    CHECK(massAttenuation(Material::BariumSulfate, 37.5) > 3.0 * massAttenuation(Material::BariumSulfate, 37.4));
}

TEST_CASE("an 80 kVp beam with 2.5 mm Al has a half-value layer in the published range", "[imaging][physics][spectrum]") {
    // 21 CFR 1020.30(m)(1): minimum HVL 2.9 mm Al at 80 kV for equipment made after 2006; measured
    // clinical units with 2.5-3 mm Al total filtration give about 2.9-3.6 mm Al.
    const Spectrum s = tubeSpectrum(80.0, {2.5, 0.0});
    const double hvl = halfValueLayerMmAl(s);
    INFO("HVL " << hvl << " mm Al, mean energy " << meanEnergyKeV(s) << " keV");
    CHECK(hvl > 2.9);
    CHECK(hvl < 3.6);
    // Mean energy of an 80 kVp diagnostic beam is about a third to a half of the peak.
    CHECK(meanEnergyKeV(s) > 35.0);
    CHECK(meanEnergyKeV(s) < 48.0);
    // Copper filtration hardens the beam: higher HVL and mean energy.
    const Spectrum cu = tubeSpectrum(80.0, {2.5, 0.3});
    CHECK(halfValueLayerMmAl(cu) > hvl + 1.0);
    CHECK(meanEnergyKeV(cu) > meanEnergyKeV(s));
}

TEST_CASE("beam hardening: each further cm of water transmits a larger fraction", "[imaging][physics][spectrum]") {
    const Spectrum s = tubeSpectrum(80.0);
    const double t10 = kermaTransmission(s, Material::Water, 10.0);
    const double t20 = kermaTransmission(s, Material::Water, 20.0);
    CHECK(t20 / t10 > t10);  // the second 10 cm passes more than the first
    // Effective attenuation of the first 10 cm lies between water's mu at 40 and 60 keV.
    const double muEff = -std::log(t10) / 10.0;
    CHECK(muEff < massAttenuation(Material::Water, 40.0));
    CHECK(muEff > massAttenuation(Material::Water, 60.0));
}

TEST_CASE("normal fluoroscopy of an average adult abdomen gives a reference air kerma rate of 10-50 mGy/min", "[imaging][dose]") {
    CArmPose pose;  // SAD 750, SID 1100, 30x30 cm
    const FluoroMode normal = FluoroMode::fluoroNormal();
    // An average adult abdomen is about 22 cm of water equivalent (AAPM Report 31 uses 23 cm).
    const PulseExposure e = automaticExposure(pose, 220.0, normal);
    const double mGyPerMin = e.referenceAirKermaGy * normal.pulsesPerSecond * 60.0 * 1e3;
    INFO("kVp " << e.kVp << ", RAK " << mGyPerMin << " mGy/min, KAP/pulse " << e.kermaAreaProductGyCm2);
    CHECK(mGyPerMin > 10.0);
    CHECK(mGyPerMin < 50.0);
    // Below the US limit of 88 mGy/min for normal mode (21 CFR 1020.32(d)).
    CHECK(mGyPerMin < 88.0);
    // A thicker patient needs more entrance dose; cine runs several times the fluoro rate.
    CHECK(automaticExposure(pose, 300.0, normal).referenceAirKermaGy > 2.0 * e.referenceAirKermaGy);
    const FluoroMode cine = FluoroMode::cine();
    const double cineRate = automaticExposure(pose, 220.0, cine).referenceAirKermaGy * cine.pulsesPerSecond;
    CHECK(cineRate / (e.referenceAirKermaGy * normal.pulsesPerSecond) > 3.0);
    // KAP = RAK x field area at the IRP: 300 mm at SID 1100 is 163.6 mm at 600 mm.
    CHECK(e.fieldAreaAtIrpCm2 == Approx(std::pow(30.0 * 600.0 / 1100.0, 2)).epsilon(1e-9));
}

TEST_CASE("the dose report adds pulses into runs and counts fluoroscopy time", "[imaging][dose]") {
    CArmPose pose;
    DoseReport report;
    const FluoroMode fl = FluoroMode::fluoroNormal();
    const PulseExposure e = automaticExposure(pose, 220.0, fl);
    for (int i = 0; i < 30; ++i) report.addPulse(i / fl.pulsesPerSecond, pose, fl, e);
    for (int i = 0; i < 15; ++i) report.addPulse(10.0 + i / fl.pulsesPerSecond, pose, fl, e);
    REQUIRE(report.runs.size() == 2);
    CHECK(report.runs[0].pulses == 30);
    CHECK(report.fluoroscopyTimeS == Approx(3.0));
    CHECK(report.referenceAirKermaGy == Approx(45 * e.referenceAirKermaGy));
}

TEST_CASE("CTDIvol and DLP of a helical scan follow from CTDIw, mAs, pitch and range", "[imaging][dose][ct]") {
    CtScan scan;
    scan.mAsPerRotation = 250.0;
    scan.pitch = 1.25;
    scan.rangeMm = 300.0;
    const CtDose d = ctDose(scan);
    CHECK(d.ctdiVolGy == Approx(8e-3 * 2.5 / 1.25));
    CHECK(d.dlpGyCm == Approx(16e-3 * 30.0));
    // 480 mGy*cm of abdomen is 7.2 mSv, in the usual 5-10 mSv of an abdominal CT.
    CHECK(d.effectiveDoseSv == Approx(7.2e-3));
}
