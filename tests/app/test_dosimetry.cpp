// irsim dosimetry through the built program: the planner's numbers, --json, refusals and --force.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "run_irsim.h"

using namespace irsim::test;

namespace {

ProgramResult dosimetry(const std::string& args, bool stderrToo = true) {
    return runShell(quoted(IRSIM_EXE) + " dosimetry " + args + (stderrToo ? " 2>&1" : " 2>/dev/null"));
}

}  // namespace

TEST_CASE("irsim dosimetry --json prints the partition plan's activity and doses", "[app][dosimetry]") {
    const ProgramResult r = dosimetry("--method partition --target-gy 40 --liver-ml 1500 --perfused-ml 1000 "
                                      "--tumour-ml 200 --tn 4 --lsf 0.08 --json", false);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    // A = 40 x (4 x 0.206 + 0.824) / (50 x 0.92) = 1.433043 GBq; tumour 4 x 40 Gy; lung 50 x A x 0.08.
    CHECK(j.at("activity_gbq").get<double>() == Approx(1.4330434783).epsilon(1e-9));
    CHECK(j.at("tumour_dose_gy").get<double>() == Approx(160.0).epsilon(1e-12));
    CHECK(j.at("normal_liver_dose_gy").get<double>() == Approx(40.0).epsilon(1e-12));
    CHECK(j.at("lung_dose_gy").get<double>() == Approx(5.7321739130).epsilon(1e-9));
    CHECK(j.at("device") == "resin");
    CHECK(j.at("forbidden") == false);
}

TEST_CASE("irsim dosimetry prints the BSA plan with the lung-shunt reduction and the vial to draw", "[app][dosimetry]") {
    const ProgramResult r = dosimetry("--method bsa --height-cm 175 --weight-kg 75 --liver-ml 1500 --tumour-ml 300 "
                                      "--lsf 0.12 --hours-from-calibration 48 --json", false);
    REQUIRE(r.status == 0);
    const auto j = nlohmann::json::parse(r.out);
    // 1.90314 GBq less 20 % for a 12 % shunt = 1.52251 GBq; 5 ml x 1.52251 / 1.785258 = 4.2641 ml.
    CHECK(j.at("bsa_m2").get<double>() == Approx(1.9031365).epsilon(1e-7));
    CHECK(j.at("activity_gbq").get<double>() == Approx(1.9031365 * 0.8).epsilon(1e-7));
    CHECK(j.at("vial").at("draw_ml").get<double>() == Approx(4.26413).epsilon(1e-5));
    const ProgramResult text = dosimetry("--method bsa --height-cm 175 --weight-kg 75 --liver-ml 1500 --tumour-ml 300 --lsf 0.12");
    REQUIRE(text.status == 0);
    CHECK(text.out.find("1.523 GBq") != std::string::npos);
    CHECK(text.out.find("reduced by 20 %") != std::string::npos);
}

TEST_CASE("irsim dosimetry refuses a plan a guideline forbids unless --force", "[app][dosimetry]") {
    // Resin with a 25 % lung shunt: contraindicated.
    const std::string shunt = "--method bsa --height-cm 175 --weight-kg 75 --liver-ml 1500 --lsf 0.25";
    const ProgramResult refused = dosimetry(shunt);
    CHECK(refused.status == 3);
    CHECK(refused.out.find("plan refused") != std::string::npos);
    CHECK(refused.out.find("lung shunt 25.0 %") != std::string::npos);
    const ProgramResult forced = dosimetry(shunt + " --force --json", false);
    REQUIRE(forced.status == 0);
    CHECK(nlohmann::json::parse(forced.out).at("forbidden") == true);
    // Glass, whole liver at 120 Gy with a 20 % shunt: 46.35 Gy to the lungs.
    const ProgramResult lung = dosimetry("--method mird --target-gy 120 --liver-ml 1500 --lsf 0.2");
    CHECK(lung.status == 3);
    CHECK(lung.out.find("lung dose 46.4 Gy over the 30 Gy") != std::string::npos);
}

TEST_CASE("irsim dosimetry names the option of bad input", "[app][dosimetry]") {
    const ProgramResult r = dosimetry("--method mird --liver-ml 1500");
    CHECK(r.status == 2);
    CHECK(r.out.find("--target-gy: expected the target dose to the perfused volume") != std::string::npos);
    const ProgramResult m = dosimetry("--method y90 --liver-ml 1500");
    CHECK(m.status == 2);
    CHECK(m.out.find("--method: expected mird, bsa or partition") != std::string::npos);
    const ProgramResult h = dosimetry("--help");
    CHECK(h.out.find("default 1.03") != std::string::npos);
    CHECK(h.out.find("default 1)") != std::string::npos);
}
