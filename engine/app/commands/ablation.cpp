// irsim ablation: a planner's and a physicist's check of the thermal ablation model: one or more
// applicators in a homogeneous perfused tissue (optionally beside a large vessel), the zone's long
// and short axes and volume at the damage edge, CEM43 240 min and the isotherms (docs/ablation.md).
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "app/command.h"
#include "core/error.h"
#include "core/text.h"
#include "therapy/ablation_zone.h"

namespace irsim::app {

namespace {

struct AblationArgs {
    std::string modality, device, freezeThaw, tissue = "liver";
    double power = 0.0, minutes = 10.0, spacing = 20.0, vesselMm = 0.0, vesselDistance = 10.0, grid = 1.0, perfusionScale = 1.0,
           initialC = 37.0;
    int probes = 1;
    bool json = false;
} gArgs;

std::vector<double> parseCycles(const std::string& text) {
    std::vector<double> v;
    std::stringstream ss(text);
    std::string item;
    while (std::getline(ss, item, ',')) {
        char* end = nullptr;
        const double x = std::strtod(item.c_str(), &end);
        if (item.empty() || *end != '\0')
            throw DataError("command line", 0, "--freeze-thaw", "minutes separated by commas, e.g. 10,8,10; got \"" + text + "\"");
        v.push_back(x);
    }
    return v;
}

nlohmann::json zoneJson(const therapy::ZoneSize& z) {
    return {{"long_axis_mm", z.longAxisMm}, {"short_axis_mm", z.shortAxisMm}, {"width_x_mm", z.widthXMm},
            {"width_y_mm", z.widthYMm},     {"volume_ml", z.volumeMl}};
}

int ablation() {
    therapy::AblationPlan plan;
    plan.modality = therapy::modalityNamed(gArgs.modality, "--modality");
    plan.deviceId = gArgs.device;
    plan.powerW = gArgs.power;
    plan.minutes = gArgs.minutes;
    plan.probes = gArgs.probes;
    plan.spacingMm = gArgs.spacing;
    if (!gArgs.freezeThaw.empty()) plan.freezeThawMin = parseCycles(gArgs.freezeThaw);
    plan.tissue = gArgs.tissue;
    plan.vesselMm = gArgs.vesselMm;
    plan.vesselDistanceMm = gArgs.vesselDistance;
    plan.gridMm = gArgs.grid;
    plan.perfusionScale = gArgs.perfusionScale;
    plan.initialC = gArgs.initialC;
    therapy::AblationRun run = therapy::prepareAblation(plan);
    therapy::runAblation(plan, run);
    const therapy::AblationResult r = therapy::summarizeAblation(plan, run);
    const bool cryo = plan.modality == therapy::Modality::Cryo;
    const std::string edge = cryo ? formatted("lethal ice: coldest <= %g degC (Littrup 2009)", therapy::kLethalIceC)
                                  : "Arrhenius Omega = 1 (liver A, Ea)";
    if (gArgs.json) {
        nlohmann::json j;
        j["modality"] = toString(plan.modality);
        j["device"] = run.device->id;
        j["tissue"] = plan.tissue;
        j["probes"] = plan.probes;
        if (plan.probes > 1) j["spacing_mm"] = plan.spacingMm;
        if (cryo) j["freeze_thaw_min"] = plan.freezeThawMin;
        else j["power_w"] = run.powerW, j["minutes"] = plan.minutes, j["delivered_kj"] = r.deliveredKj;
        if (plan.vesselMm > 0) j["vessel"] = {{"diameter_mm", plan.vesselMm}, {"distance_mm", plan.vesselDistanceMm}};
        j["grid_mm"] = plan.gridMm;
        j["zone"] = zoneJson(r.damage);
        j["zone"]["edge"] = edge;
        if (!cryo) j["cem43_zone"] = zoneJson(r.cem43), j["zone_after_shrinkage"] = zoneJson(r.contracted);
        for (size_t i = 0; i < r.isothermC.size(); ++i) j["isotherms"][formatNumber(r.isothermC[i])] = zoneJson(r.isotherms[i]);
        // Where the heat went (kJ, + into the tissue): what the power pattern deposited, what the
        // cooled shaft, the perfusing blood, large vessels and the far boundary took, what stayed.
        const therapy::EnergyAccount& e = run.state.energy;
        j["energy_kj"] = {{"deposited", e.depositedJ / 1e3}, {"applicator", e.applicatorJ / 1e3},
                          {"perfusion", e.perfusionJ / 1e3},  {"vessel", e.bloodJ / 1e3},
                          {"boundary", e.boundaryJ / 1e3},    {"stored", therapy::storedEnergyJ(run.model, run.state) / 1e3}};
        j["hottest_c"] = r.hottestC;
        j["coldest_c"] = r.coldestC;
        std::printf("%s\n", j.dump(2).c_str());
        return 0;
    }
    std::printf("%s, %d applicator%s%s in %s", run.device->name.c_str(), plan.probes, plan.probes > 1 ? "s" : "",
                plan.probes > 1 ? formatted(" %g mm apart", plan.spacingMm).c_str() : "", plan.tissue.c_str());
    if (cryo) {
        std::printf(", freeze/thaw");
        for (double v : plan.freezeThawMin) std::printf(" %g", v);
        std::printf(" min\n");
    } else {
        std::printf(", %g W for %g min (%.1f kJ into tissue)\n", run.powerW, plan.minutes, r.deliveredKj);
    }
    if (plan.vesselMm > 0) std::printf("vessel %g mm, wall %g mm from the applicator\n", plan.vesselMm, plan.vesselDistanceMm);
    std::printf("grid %d x %d x %d at %g mm, %d steps; hottest %.1f degC, coldest %.1f degC\n", r.dims.x, r.dims.y,
                r.dims.z, plan.gridMm, r.steps, r.hottestC, r.coldestC);
    auto row = [](const std::string& what, const therapy::ZoneSize& z) {
        std::printf("  %-44s long %5.1f mm  short %5.1f mm  volume %6.2f ml\n", what.c_str(), z.longAxisMm, z.shortAxisMm,
                    z.volumeMl);
    };
    row("zone, " + edge, r.damage);
    if (!cryo) row("zone as measured after (tissue shrinkage)", r.contracted), row("CEM43 >= 240 min", r.cem43);
    for (size_t i = 0; i < r.isothermC.size(); ++i)
        row(formatted("isotherm %s %g degC", cryo ? "<=" : ">=", r.isothermC[i]), r.isotherms[i]);
    return 0;
}

}  // namespace

static const CommandRegistration kAblation{"ablation", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("ablation", "Ablation zone of RF, microwave or cryo applicators in homogeneous tissue");
    c->add_option("--modality", gArgs.modality, "rf, microwave or cryo")->required();
    c->add_option("--device", gArgs.device, "device id (default: the modality's first; see docs/ablation.md)");
    c->add_option("--power", gArgs.power, "generator power per applicator, W (default: the device's)");
    c->add_option("--minutes", gArgs.minutes, "heating time, min (RF, microwave; default 10)");
    c->add_option("--probes", gArgs.probes, "applicators, on a regular polygon (default 1)");
    c->add_option("--spacing-mm", gArgs.spacing, "distance between neighbouring applicators, mm (default 20)");
    c->add_option("--freeze-thaw", gArgs.freezeThaw, "cryo cycles: freeze,thaw,freeze minutes (default 10,8,10)");
    c->add_option("--tissue", gArgs.tissue, "liver or bone (or another structure's label name)");
    c->add_option("--vessel-mm", gArgs.vesselMm, "diameter of a vessel parallel to the applicators, mm (0: none)");
    c->add_option("--vessel-distance-mm", gArgs.vesselDistance, "from the applicator to the vessel wall, mm (default 10)");
    c->add_option("--grid-mm", gArgs.grid, "grid spacing, mm (default 1)");
    c->add_option("--perfusion-scale", gArgs.perfusionScale, "times the tissue's perfusion (0: ex vivo; default 1)");
    c->add_option("--initial-c", gArgs.initialC,
                  "starting temperature of the tissue and its far boundary, degC (default 37; ex vivo: the bench's)");
    c->add_flag("--json", gArgs.json, "print a JSON object");
    c->callback([] { setExitStatus(ablation()); });
}};

}  // namespace irsim::app
