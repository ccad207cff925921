// The vertebroplasty cement against the figures of the project's reference tables
// (vertebroplasty-and-needles.md sections 7 and 8): radiopacifier content (published) and the
// viscosity and time bands (unverified, so plausibility bands only).
#include <catch2/catch.hpp>

#include "therapy/cement.h"

using namespace irsim::therapy;

TEST_CASE("the cement holds ~11 wt % barium: 30 wt % BaSO4 in the powder (J Biomed Mater Res A 2007)",
          "[therapy][cement][published]") {
    const CementDef d = CementDef::vertebroplastyPmma();
    const double bariumFraction = d.bariumSulphateMassFraction * 137.327 / 233.383;
    CHECK(bariumFraction == Approx(0.11).margin(0.005));
    // Mixture rule (pores ignored) with BaSO4 4.5 g/cm^3 and PMMA 1.19 g/cm^3 (the PMMA density
    // is unverified in the reference tables).
    const double w = d.bariumSulphateMassFraction;
    CHECK(d.densityGPerMl == Approx(1.0 / ((1.0 - w) / 1.19 + w / 4.5)).epsilon(0.01));
}

TEST_CASE("viscosity and working / setting times fall in the reference bands (unverified bands)",
          "[therapy][cement][unverified]") {
    // Reference tables, all unverified: low-viscosity cement ~10-50 Pa s early, > 1000 Pa s at the
    // end of the working time; working / setting time of commercial VP PMMA at room temperature
    // ~8-20 / ~15-25 min.
    const CementDef d = CementDef::vertebroplastyPmma();
    CHECK(viscosityPaS(d, 2.0) >= 10.0);
    CHECK(viscosityPaS(d, 2.0) <= 50.0);
    double workingEnds = -1.0, setAt = -1.0;
    for (int i = 0; i <= 3000; ++i) {
        const double minutes = i * 0.01;
        const CementPhase p = phaseOf(d, minutes);
        if (workingEnds < 0.0 && p == CementPhase::Setting) workingEnds = minutes;
        if (setAt < 0.0 && p == CementPhase::Set) setAt = minutes;
    }
    INFO("injectable until " << workingEnds << " min, set at " << setAt << " min");
    CHECK(workingEnds >= 8.0);
    CHECK(workingEnds <= 20.0);
    CHECK(viscosityPaS(d, workingEnds) > 1000.0);
    CHECK(setAt >= 15.0);
    CHECK(setAt <= 25.0);
}
