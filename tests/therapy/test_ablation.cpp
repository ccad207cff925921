// Ablation zones against published sizes (ablation.md section 8) and the heat sink of large
// vessels (section 9). Each test says which rows it uses and their status.
#include <cmath>

#include <catch2/catch.hpp>

#include "therapy/ablation_zone.h"

using namespace irsim;
using namespace irsim::therapy;

namespace {

AblationResult run(Modality m, double minutes, double vesselMm = 0.0, double vesselDistanceMm = 5.0, double grid = 1.0) {
    AblationPlan p;
    p.modality = m;
    p.minutes = minutes;
    p.vesselMm = vesselMm;
    p.vesselDistanceMm = vesselDistanceMm;
    p.gridMm = grid;
    return simulateAblation(p);
}

// The microwave antenna at a power and time on the 1.5 mm grid.
AblationPlan microwavePlan(double powerW, double minutes) {
    AblationPlan p;
    p.modality = Modality::Microwave;
    p.powerW = powerW;
    p.minutes = minutes;
    p.gridMm = 1.5;
    return p;
}

// Littrup 2009's set-up: 2.4 mm cryoprobes 2 cm apart, one freeze of `freezeMin`, on the 1.5 mm grid.
AblationPlan cryoPlan(int probes, double freezeMin) {
    AblationPlan p;
    p.modality = Modality::Cryo;
    p.probes = probes;
    p.spacingMm = 20.0;
    p.freezeThawMin = {freezeMin};
    p.gridMm = 1.5;
    return p;
}

}  // namespace

TEST_CASE("a cooled RF electrode's zone after 12 minutes is a typical 3-5 cm RF zone, an ellipsoid along the tip",
          "[therapy][ablation]") {
    const AblationResult r = run(Modality::Rf, 12.0);
    // The published sizes were measured after the ablation, when the heated tissue had shrunk.
    const ZoneSize& z = r.contracted;
    CAPTURE(z.longAxisMm, z.shortAxisMm, z.volumeMl, r.damage.shortAxisMm, r.deliveredKj);
    // "Typical RFA zone 3-5 cm diameter" (PMC3036313, published).
    CHECK(z.shortAxisMm >= 30.0);
    CHECK(z.shortAxisMm <= 50.0);
    // Cool-tip single 17 G, 3 cm tip, 12 min, in vivo short axis ~3-3.5 cm (Covidien IFU,
    // unverified): within 10 % of that band.
    CHECK(z.shortAxisMm >= 27.0);
    CHECK(z.shortAxisMm <= 38.5);
    // The same electrode 12 min in vivo porcine, 30.2 +- 2.0 mm short axis (PMC3438625, published;
    // docs/ablation.md): within 1 SD. Its long axis is not held here (docs/ablation.md, open).
    CHECK(z.shortAxisMm == Approx(30.2).margin(2.0));
    // Ellipsoid: longer along the electrode than across (Schramm 2007, qualitative, published).
    CHECK(r.damage.longAxisMm > r.damage.shortAxisMm);
    // Roll-off holds the hottest tissue near 100 degC (Schramm 2007's set-point, published).
    CHECK(r.hottestC < 106.0);
}

TEST_CASE("a microwave zone is larger than an RF zone of the same time, as in the trials, and within the clinical spread",
          "[therapy][ablation]") {
    const AblationResult rf = run(Modality::Rf, 10.0, 0.0, 5.0, 1.5);
    // The antenna set to the clinical series' mean generator energy over 10 minutes: 49.8 kJ / 600 s
    // = 83 W (JVIR 2016, below; its 73 % net share is the device's delivered fraction).
    const AblationResult mw = simulateAblation(microwavePlan(49.8e3 / 600.0, 10.0));
    // Every published size below was measured after the ablation (gross pathology, post-ablation CT
    // or MRI), when the heated tissue had shrunk: the model's zone as measured is `contracted`.
    const ZoneSize& z = mw.contracted;
    CAPTURE(rf.contracted.volumeMl, z.volumeMl, z.longAxisMm, z.shortAxisMm, mw.damage.volumeMl, mw.deliveredKj);
    // Volume MW / RF: 50.5 / 22.9 = 2.2 (Mira RCT, 24-h MRI, published), 58.0 / 20.0 = 2.9 (Ji 2011,
    // ex vivo, 12 min, published): inside that range.
    const double ratio = z.volumeMl / rf.contracted.volumeMl;
    CHECK(ratio >= 2.2);
    CHECK(ratio <= 2.9);
    // 93 liver tumours, one applicator (JVIR 2016, PMID 27425001, published): long 5.8 +- 1.3 cm,
    // short 3.7 +- 0.8 cm, volume 44.1 +- 25.4 ml, net energy 36.4 +- 19.4 kJ. At the series' mean
    // energy, the zone as measured lies within one standard deviation on each.
    CHECK(mw.deliveredKj == Approx(36.4).margin(0.5));
    CHECK(z.longAxisMm == Approx(58.0).margin(13.0));
    CHECK(z.shortAxisMm == Approx(37.0).margin(8.0));
    CHECK(z.volumeMl == Approx(44.1).margin(25.4));
    // Shrinkage takes more off the hotter microwave zone than off an RF one (Brace et al. 2010, JVIR,
    // PMC2920145, microwave vs RF contraction in liver: recalled, UNVERIFIED; the study's premise,
    // that post-ablation images underestimate the tissue destroyed, is published).
    CHECK(z.volumeMl / mw.damage.volumeMl < rf.contracted.volumeMl / rf.damage.volumeMl);
    // Elongated along the antenna: aspect (short / long) of cooled antennas 0.42-0.82 (PMC3721053,
    // published).
    CHECK(z.shortAxisMm / z.longAxisMm == Approx(0.62).margin(0.2));
}

TEST_CASE("a microwave antenna at 100 W for 10 minutes gives the vendor chart's 4-5 cm short axis, at 65 W NeuWave's 3.5-4 cm",
          "[therapy][ablation]") {
    const AblationPlan p = microwavePlan(100.0, 10.0);
    const AblationResult r = simulateAblation(p);
    CAPTURE(r.contracted.longAxisMm, r.contracted.shortAxisMm, r.contracted.volumeMl, r.damage.shortAxisMm);
    // Emprint chart, 100 W 10 min, ~4-5 cm (vendor chart, ablation.md section 8, UNVERIFIED). Only
    // the short axis: Emprint's field-controlled antenna makes a near-spherical zone, this
    // Amica-type 2 cm radiating section a tear-drop (its long axis is not compared).
    CHECK(r.contracted.shortAxisMm >= 40.0);
    CHECK(r.contracted.shortAxisMm <= 50.0);
    // NeuWave PR chart, 65 W 10 min, short axis ~3.5-4 cm (vendor chart, ablation.md section 8,
    // UNVERIFIED; pre-clinical animal data, Ruiter 2019).
    const AblationResult neuwave = simulateAblation(microwavePlan(65.0, 10.0));
    CAPTURE(neuwave.contracted.shortAxisMm);
    CHECK(neuwave.contracted.shortAxisMm >= 35.0);
    CHECK(neuwave.contracted.shortAxisMm <= 40.0);
}

TEST_CASE("an ex vivo microwave zone from room-temperature liver is Ji 2011's 58 ml, from 37 degC it is twice that",
          "[therapy][ablation][microwave]") {
    AblationPlan p = microwavePlan(80.0, 12.0);
    p.perfusionScale = 0.0;  // ex vivo: no blood flow
    // Ex vivo livers are ablated on the bench at room temperature, not at body temperature: 22 degC,
    // the middle of a 20-25 degC laboratory (estimated; Ji 2011's bath temperature is not in the
    // reference). The far boundary stays at the same temperature.
    p.initialC = 22.0;
    const AblationResult room = simulateAblation(p);
    CAPTURE(room.contracted.longAxisMm, room.contracted.shortAxisMm, room.contracted.volumeMl, room.damage.volumeMl);
    // Ji et al. 2011 (Acad Radiol 18(9), ablation.md section 8, published): 80 W 12 min, ex vivo
    // porcine liver, 58.0 +- 6.6 ml, measured after the ablation (so after shrinkage): within 1 SD.
    CHECK(room.contracted.volumeMl >= 58.0 - 6.6);
    CHECK(room.contracted.volumeMl <= 58.0 + 6.6);
    // The cause of the earlier 2.2-fold excess: the same run started at body temperature gives more
    // than twice as much (127 ml on this grid).
    p.initialC = kBodyTemperatureC;
    const AblationResult body = simulateAblation(p);
    CAPTURE(body.contracted.volumeMl);
    CHECK(body.contracted.volumeMl > 2.0 * room.contracted.volumeMl);
}

TEST_CASE("ex vivo RF zones from room-temperature liver are Ji 2011's 20 ml whatever the power set, and Rempp 2014's 3.2 cm",
          "[therapy][ablation]") {
    AblationPlan p;
    p.modality = Modality::Rf;
    p.minutes = 12.0;
    p.gridMm = 1.5;
    p.perfusionScale = 0.0;  // ex vivo: no blood flow
    p.initialC = 22.0;       // on the bench (estimated, as for Ji's microwave arm above)
    const AblationResult set60 = simulateAblation(p);
    p.powerW = 200.0;        // the Cool-tip type generator's maximum
    const AblationResult set200 = simulateAblation(p);
    CAPTURE(set60.contracted.longAxisMm, set60.contracted.shortAxisMm, set60.contracted.volumeMl, set60.deliveredKj,
            set200.contracted.volumeMl, set200.deliveredKj);
    // Ji et al. 2011 (Acad Radiol 18(9), ablation.md section 8, published): RF impedance-controlled,
    // 12 min, ex vivo porcine liver, 20.0 +- 2.5 ml, measured after the ablation: within 1 SD. Ji's
    // generator power is not in the reference; the roll-off, not the setting, limits what an
    // impedance-controlled generator delivers, so any setting from the default 60 W to 200 W gives it.
    CHECK(set60.contracted.volumeMl == Approx(20.0).margin(2.5));
    CHECK(set200.contracted.volumeMl == Approx(20.0).margin(2.5));
    // Luo et al. 2010 (Acad Radiol 17(8), published): power 20-40 W not correlated with zone size.
    CHECK(set200.contracted.volumeMl == Approx(set60.contracted.volumeMl).epsilon(0.10));
    // Rempp et al. 2014 (Acad Radiol 21(5), published): 15 G internally (water) cooled monopolar
    // electrode, 15 min, ex vivo bovine liver, short axis 3.18 +- 0.29 cm: within 1 SD.
    p.deviceId = "rf-cooled-15g-3cm";
    p.powerW = 0.0;
    p.minutes = 15.0;
    const AblationResult rempp = simulateAblation(p);
    CAPTURE(rempp.contracted.shortAxisMm, rempp.deliveredKj);
    CHECK(rempp.contracted.shortAxisMm == Approx(31.8).margin(2.9));
}

TEST_CASE("four cryoprobes 2 cm apart make lethal ice about 4.9 cm across in 15 minutes, and in Littrup's gel the ice ball his figures imply",
          "[therapy][ablation][cryo]") {
    AblationPlan p = cryoPlan(4, 15.0);
    const AblationResult r = simulateAblation(p);
    const double across = 0.5 * (r.damage.widthXMm + r.damage.widthYMm);
    CAPTURE(r.damage.widthXMm, r.damage.widthYMm, r.isotherms[0].widthXMm);
    // Littrup et al. 2009 (JVIR 20:1343, published): 2.4 mm probes 2 cm apart, 15 min, lethal ice
    // (< -30 degC) 4.9 cm across with 4 probes, in a 39 degC high-heat-load gel rather than liver:
    // within 15 % (43.5 mm in perfused liver with the probes' estimated cooling capacity).
    CHECK(across == Approx(49.0).epsilon(0.15));
    // The ice edge (0 degC) lies outside the lethal isotherm by less than 1 cm (same source).
    const double iceAcross = 0.5 * (r.isotherms[0].widthXMm + r.isotherms[0].widthYMm);
    CHECK(iceAcross > across);
    CHECK(0.5 * (iceAcross - across) < 10.0);
    // In Littrup's own conditions, an unperfused gel at 39 degC (here liver's thermal properties
    // without perfusion; his container is not given: the domain's far boundary is held at 39 degC), the ice ball is as wide as his figures imply: the
    // lethal width over the square root of the lethal share of the ice-ball area, 49 / sqrt(0.56) =
    // 65.5 mm (published; the share read as that of two circles): within 10 % (65.4 mm).
    p.perfusionScale = 0.0;
    p.initialC = 39.0;
    const AblationResult gel = simulateAblation(p);
    const double gelIce = 0.5 * (gel.isotherms[0].widthXMm + gel.isotherms[0].widthYMm);
    CAPTURE(gelIce);
    CHECK(gelIce == Approx(49.0 / std::sqrt(0.56)).epsilon(0.10));
}

TEST_CASE("a vessel over 3 mm beside an RF electrode dents the zone on its side, and a 2 mm one does not",
          "[therapy][ablation][heat-sink]") {
    const AblationResult none = run(Modality::Rf, 10.0);
    const AblationResult large = run(Modality::Rf, 10.0, 6.0, 5.0);
    const AblationResult small = run(Modality::Rf, 10.0, 2.0, 5.0);
    CAPTURE(none.damage.reachPlusXMm, none.damage.reachMinusXMm, large.damage.reachPlusXMm,
            large.damage.reachMinusXMm, small.damage.reachPlusXMm);
    // Lu et al. 2002 (AJR 178:47, published): heat sink beside veins over 3 mm, none under 3 mm.
    const double dent = none.damage.reachPlusXMm - large.damage.reachPlusXMm;
    CHECK(dent > 2.0);
    // The far side barely changes.
    CHECK(std::abs(none.damage.reachMinusXMm - large.damage.reachMinusXMm) < 1.0);
    CHECK(std::abs(none.damage.reachPlusXMm - small.damage.reachPlusXMm) < 0.5);

    // Microwave is less sensitive (Shady 2018: perivascular tumour predicts RF but not MW local
    // progression, published): a smaller share of its reach is lost.
    const AblationResult mwNone = run(Modality::Microwave, 10.0, 0.0, 5.0, 1.5);
    const AblationResult mwLarge = run(Modality::Microwave, 10.0, 6.0, 5.0, 1.5);
    const double mwDent = mwNone.damage.reachPlusXMm - mwLarge.damage.reachPlusXMm;
    CAPTURE(dent, mwDent);
    CHECK(mwDent / mwNone.damage.reachPlusXMm < dent / none.damage.reachPlusXMm);
}

TEST_CASE("one and two cryoprobes 2 cm apart make Littrup's 1.2 and 3.3 cm of lethal ice, and two freeze one confluent ball",
          "[therapy][ablation][cryo][multi]") {
    AblationPlan p = cryoPlan(1, 15.0);
    const AblationResult one = simulateAblation(p);
    p.probes = 2;
    AblationRun run = prepareAblation(p);
    runAblation(p, run);
    const AblationResult two = summarizeAblation(p, run);
    CAPTURE(one.damage.volumeMl, one.damage.widthXMm, one.isotherms[0].widthXMm, two.damage.volumeMl,
            two.damage.widthXMm, two.damage.widthYMm);
    // Littrup et al. 2009 (JVIR 20:1343, published): 2.4 mm probes 2 cm apart, 15 min, lethal ice
    // (< -30 degC) 1.2 cm across with one probe, 3.3 cm with two, in a 39 degC high-heat-load gel
    // (not liver; no spread given). The probe's cooling capacity is estimated (ablation_devices.cpp):
    // limited, a lone probe's wall warms under its load. One probe in perfused liver: 11.2 mm, 7 %
    // under (21 % over at the former liver perfusion, 59 % with the wall held at -140 degC): within
    // 25 %.
    CHECK(one.damage.widthXMm == Approx(12.0).epsilon(0.25));
    // Two: the reference gives one diameter per probe count without saying how an oblong ice ball
    // was measured; its width along the pair is compared: 32.1 mm, 3 % under (10 % over at the former
    // liver perfusion): within 15 %.
    CHECK(two.damage.widthXMm == Approx(33.0).epsilon(0.15));
    CHECK(two.damage.widthXMm > two.damage.widthYMm);
    // Confluent: midway between the probes (on the z axis, halfway along the freezing segment)
    // the tissue went below the lethal -30 degC.
    const BioheatGrid& g = run.model.grid;
    const glm::ivec3 mid(glm::round((glm::dvec3(0.0, 0.0, 15.0) - g.originMm) / g.spacingMm));
    CHECK(run.state.minC[g.index(mid.x, mid.y, mid.z)] <= kLethalIceC);
    // The probes' cold adds up: the lethal volume of two is more than twice one's, and the lethal
    // share of the ice ball rises (Littrup 2009: 13 % of the area with one probe, 46 % with two,
    // published). The model's shares by volume are 28 % and 36 % (22 % and 33 % at the former liver
    // perfusion): the single probe still holds more lethal ice than Littrup's (docs/ablation.md).
    CHECK(two.damage.volumeMl > 2.0 * one.damage.volumeMl);
    const double lethalShareOne = one.damage.volumeMl / one.isotherms[0].volumeMl;
    const double lethalShareTwo = two.damage.volumeMl / two.isotherms[0].volumeMl;
    CAPTURE(lethalShareOne, lethalShareTwo);
    CHECK(lethalShareTwo > 1.25 * lethalShareOne);
    // In Littrup's own conditions, an unperfused gel at 39 degC (liver's thermal properties without
    // perfusion, the far boundary held at 39 degC),
    // one probe's ice ball is as wide as his figures imply: 12 / sqrt(0.13) = 33.3 mm (published; the
    // share read as that of two circles): within 10 % (32.6 mm). Its lethal core is not (16.2 mm):
    // the probe's capacity was estimated in liver.
    p.probes = 1;
    p.perfusionScale = 0.0;
    p.initialC = 39.0;
    const AblationResult gel = simulateAblation(p);
    CAPTURE(gel.isotherms[0].widthXMm, gel.damage.widthXMm);
    CHECK(gel.isotherms[0].widthXMm == Approx(12.0 / std::sqrt(0.13)).epsilon(0.10));
}

TEST_CASE("a single cryoprobe's lethal ice does not depend on the grid, its ice ball converges, and a thinner probe freezes less",
          "[therapy][ablation][cryo][grid]") {
    // One 2.4 mm probe, an 8 minute freeze, 20 mm of tissue round it, at 2, 1.5 and 1 mm.
    AblationPlan p = cryoPlan(1, 8.0);
    p.marginMm = 20.0;
    std::vector<AblationResult> r;
    for (double h : {2.0, 1.5, 1.0}) {
        p.gridMm = h;
        r.push_back(simulateAblation(p));
    }
    // Before the probe's coupling was fitted, 15 minutes' lethal ice was 17.5 mm across at 1 mm and
    // 11.9 mm at 1.5 mm. Now what is left is the tissue's own discretisation: the ice ball's edge
    // lies in perfused liver, where the temperature climbs back to 37 degC over Pennes' length
    // sqrt(k / (rho c omega_b)) = 3.2 mm, which a 2 mm grid under-resolves (its probe then carries
    // less load, so its wall stays colder and its lethal core wider). Measured, lethal / ice width:
    // 11.2 / 18.1, 10.7 / 18.0, 10.5 / 18.7, 10.4 / 19.2, 10.4 / 19.3 mm at 2 / 1.5 / 1 / 0.75 / 0.6 mm
    // (docs/ablation.md): the 1 mm grid is within 3 % of the finest. Volumes are cell counts, where
    // the ball's outer layer of cells is a fifth of it at 2 mm.
    for (size_t i = 0; i < 2; ++i) {
        CAPTURE(i, r[i].damage.shortAxisMm, r[i].damage.longAxisMm, r[i].damage.volumeMl, r[i].isotherms[0].shortAxisMm,
                r[i].isotherms[0].volumeMl);
        const bool coarse = i == 0;
        CHECK(r[i].damage.shortAxisMm == Approx(r[2].damage.shortAxisMm).epsilon(coarse ? 0.08 : 0.03));
        CHECK(r[i].damage.volumeMl == Approx(r[2].damage.volumeMl).epsilon(coarse ? 0.12 : 0.05));
        CHECK(r[i].isotherms[0].shortAxisMm == Approx(r[2].isotherms[0].shortAxisMm).epsilon(0.05));
        CHECK(r[i].isotherms[0].volumeMl == Approx(r[2].isotherms[0].volumeMl).epsilon(0.15));
    }
    // Converging: the lethal core's width moves less from 1.5 to 1 mm than from 2 to 1 mm.
    CHECK(std::abs(r[1].damage.shortAxisMm - r[2].damage.shortAxisMm) <
          std::abs(r[0].damage.shortAxisMm - r[2].damage.shortAxisMm));
    // Littrup 2009 (published): a 1.7 mm probe's lethal ice is 84 % of a 2.4 mm probe's across;
    // within 10 %. The 1.7 mm probe's cooling capacity was estimated from this ratio (at 15 min;
    // ablation_devices.cpp), so this checks the 8 min run is consistent with it, not the physics.
    // (On the uncorrected grid both probes held the same single cell at 1.5 mm.)
    p.gridMm = 1.5;
    p.deviceId = "cryo-1.7mm";
    const AblationResult thin = simulateAblation(p);
    const double ratio = thin.damage.shortAxisMm / r[1].damage.shortAxisMm;
    CAPTURE(thin.damage.shortAxisMm, ratio);
    CHECK(ratio == Approx(0.84).epsilon(0.10));
    CHECK(ratio < 0.97);
}
