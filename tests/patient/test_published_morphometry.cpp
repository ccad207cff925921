// The phantom's per-level pedicle dimensions (phantomVertebrae()) against the published figures of
// the project's reference tables: Lien, Liou & Wu 2007 (Eur Spine J 16:1215,
// doi:10.1007/s00586-006-0245-2) for the ranges of individual pedicles and the trends by level,
// Kaur et al. 2016 (J Clin Orthop Trauma 7:101, doi:10.1016/j.jcot.2015.12.002) for T12, and
// Zindrick et al. 1987 (Spine 12:160) for approximate per-level values (unverified).
#include <catch2/catch.hpp>

#include <string>

#include "patient/phantom.h"

using namespace irsim::patient;

namespace {

const VertebraDimensions& level(const std::string& name) {
    for (const auto& v : phantomVertebrae())
        if (v.level == name) return v;
    FAIL("no level " << name);
    return phantomVertebrae().front();
}

bool lowerThoracic(const std::string& level) { return level == "T11" || level == "T12"; }

}  // namespace

TEST_CASE("every level's pedicle width and height lie in Lien 2007's ranges of individual pedicles",
          "[patient][phantom][spine][published]") {
    // Lien 2007 (published): width / height 3.4-7.7 / 8.6-13.7 mm at T1-T10 and
    // 7.2-17.8 / 13.9-16.7 mm at T11-L5, over every pedicle measured; a level's mean lies inside.
    for (const auto& v : phantomVertebrae()) {
        INFO(v.level << ": width " << v.pedicleWidthMm << ", height " << v.pedicleHeightMm);
        const bool upper = v.level[0] == 'T' && !lowerThoracic(v.level);
        CHECK(v.pedicleWidthMm >= (upper ? 3.4 : 7.2));
        CHECK(v.pedicleWidthMm <= (upper ? 7.7 : 17.8));
        CHECK(v.pedicleHeightMm >= (upper ? 8.6 : 13.9));
        CHECK(v.pedicleHeightMm <= (upper ? 13.7 : 16.7));
    }
}

TEST_CASE("pedicles widen caudally to L5, are tallest at T11-T12, and converge least at T12 (Lien 2007 trends)",
          "[patient][phantom][spine][published]") {
    const auto& all = phantomVertebrae();
    double tallest = 0.0, widest = 0.0;
    std::string tallestLevel, widestLevel;
    for (size_t i = 0; i < all.size(); ++i) {
        INFO(all[i].level);
        if (all[i].pedicleWidthMm > widest) widest = all[i].pedicleWidthMm, widestLevel = all[i].level;
        if (all[i].pedicleHeightMm > tallest) tallest = all[i].pedicleHeightMm, tallestLevel = all[i].level;
        // The transverse angle decreases from T1 to T12, then increases from L1 to L5.
        if (i > 0 && all[i].level[0] == 'T') CHECK(all[i].pedicleMedialDeg <= all[i - 1].pedicleMedialDeg);
        if (i > 0 && all[i].level[0] == 'L' && all[i - 1].level[0] == 'L')
            CHECK(all[i].pedicleMedialDeg > all[i - 1].pedicleMedialDeg);
    }
    CHECK(widestLevel == "L5");
    CHECK(lowerThoracic(tallestLevel));
}

TEST_CASE("the T12 pedicle width lies within Kaur 2016's mean +- SD", "[patient][phantom][spine][published]") {
    // Kaur 2016 (CT, Indian population; published): T12 transverse width 8.31 +- 1.83 mm.
    CHECK(level("T12").pedicleWidthMm >= 8.31 - 1.83);
    CHECK(level("T12").pedicleWidthMm <= 8.31 + 1.83);
}

TEST_CASE("lumbar and lower thoracic pedicles match Zindrick 1987's approximate per-level values (unverified band)",
          "[patient][phantom][spine][unverified]") {
    // Zindrick 1987 as quoted in the reference tables, status unverified, so a plausibility band
    // only: width T10-T12 ~6-8, L1 ~8-9, L5 ~13-18 mm; transverse angle L1 ~10-12, L5 ~25-30 deg.
    for (const char* t : {"T10", "T11", "T12"}) {
        INFO(t);
        CHECK(level(t).pedicleWidthMm >= 6.0);
        CHECK(level(t).pedicleWidthMm <= 8.0);
    }
    CHECK(level("L1").pedicleWidthMm >= 8.0);
    CHECK(level("L1").pedicleWidthMm <= 9.0);
    CHECK(level("L5").pedicleWidthMm >= 13.0);
    CHECK(level("L5").pedicleWidthMm <= 18.0);
    CHECK(level("L1").pedicleMedialDeg >= 10.0);
    CHECK(level("L1").pedicleMedialDeg <= 12.0);
    CHECK(level("L5").pedicleMedialDeg >= 25.0);
    CHECK(level("L5").pedicleMedialDeg <= 30.0);
}
