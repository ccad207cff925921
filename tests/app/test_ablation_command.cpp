// `irsim ablation` through the program: the JSON the issue specifies, zones nested as their
// temperatures say, and bad options named in the error.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "run_irsim.h"

using namespace irsim::test;

namespace {

nlohmann::json ablationJson(const std::string& args) {
    const ProgramResult r = runShell(quoted(IRSIM_EXE) + " ablation " + args + " --json 2>&1");
    INFO(r.out);
    REQUIRE(r.status == 0);
    return nlohmann::json::parse(r.out);
}

double volume(const nlohmann::json& z) { return z.at("volume_ml").get<double>(); }

}  // namespace

TEST_CASE("irsim ablation --json gives the RF zone and its 50 and 60 degC isotherms, nested", "[app][ablation]") {
    const nlohmann::json j = ablationJson("--modality rf --minutes 4 --grid-mm 2");
    CHECK(j.at("device") == "rf-cooled-17g-3cm");
    const nlohmann::json& zone = j.at("zone");
    CHECK(zone.at("long_axis_mm").get<double>() > zone.at("short_axis_mm").get<double>());
    CHECK(volume(zone) > 1.0);
    // Hotter isotherms enclose less tissue.
    CHECK(volume(j.at("isotherms").at("60")) < volume(j.at("isotherms").at("50")));
    CHECK(j.at("delivered_kj").get<double>() <= 60.0 * 4 * 60 / 1000.0 + 1e-9);  // never more than the generator gave
}

TEST_CASE("irsim ablation --modality cryo nests the 0, -20 and -40 degC isotherms around lethal ice", "[app][ablation]") {
    const nlohmann::json j = ablationJson("--modality cryo --freeze-thaw 4 --grid-mm 2 --probes 2 --spacing-mm 15");
    const nlohmann::json& iso = j.at("isotherms");
    const double lethal = volume(j.at("zone"));
    CHECK(volume(iso.at("0")) > volume(iso.at("-20")));
    CHECK(volume(iso.at("-20")) >= lethal);  // lethal ice is -30 degC
    CHECK(lethal >= volume(iso.at("-40")));
    // Two probes side by side along x: wider along x than y.
    CHECK(j.at("zone").at("width_x_mm").get<double>() > j.at("zone").at("width_y_mm").get<double>());
}

TEST_CASE("irsim ablation names the option it cannot use", "[app][ablation]") {
    const std::string exe = quoted(IRSIM_EXE) + " ablation ";
    ProgramResult r = runShell(exe + "--modality laser 2>&1");
    CHECK(r.status == 2);
    CHECK(r.out.find("--modality") != std::string::npos);
    r = runShell(exe + "--modality cryo --freeze-thaw 10,8 2>&1");
    CHECK(r.status == 2);
    CHECK(r.out.find("--freeze-thaw") != std::string::npos);
    r = runShell(exe + "--modality rf --device cryo-2.4mm 2>&1");
    CHECK(r.status == 2);
    CHECK(r.out.find("--device") != std::string::npos);
    r = runShell(exe + "--modality microwave --initial-c 80 2>&1");
    CHECK(r.status == 2);
    CHECK(r.out.find("--initial-c") != std::string::npos);
}
