// irsim dosimetry: the Y-90 radioembolization activity planner (therapy/radioembolization.h) on the
// command line, as the vendors' calculators: the activity to administer and the tumour, normal-liver
// and lung doses it gives. A plan a guideline forbids is refused (status 3) unless --force.
#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "app/command.h"
#include "core/error.h"
#include "therapy/radioembolization.h"

namespace irsim::app {

namespace {

constexpr int kRefused = 3;

struct DosimetryArgs {
    std::string method, device;
    double targetGy = -1.0, liverMl = 0.0, tumourMl = 0.0, perfusedMl = -1.0, tn = 1.0, lsf = 0.0;
    double heightCm = -1.0, weightKg = -1.0, lungKg = 1.0, density = 1.03, priorLungGy = 0.0;
    double vialGBq = 3.0, hoursFromCalibration = 0.0;
    bool vialAsked = false, json = false, force = false;
};
DosimetryArgs gDo;

// The planner names its fields like the options, with underscores ("liver_ml" -> "--liver-ml").
[[noreturn]] void rethrowAsOption(const DataError& e) {
    std::string option = "--" + e.field();
    for (char& c : option)
        if (c == '_') c = '-';
    const std::string prefix = formatDataError(e.file(), e.line(), e.field(), "");
    const std::string what = e.what();
    throw DataError("command line", 0, option, what.substr(std::min(prefix.size(), what.size())));
}

therapy::PlanInput planInput() {
    therapy::PlanInput in;
    if (gDo.method == "mird") in.method = therapy::PlanningMethod::Mird;
    else if (gDo.method == "bsa") in.method = therapy::PlanningMethod::Bsa;
    else if (gDo.method == "partition") in.method = therapy::PlanningMethod::Partition;
    else throw DataError("command line", 0, "--method", "expected mird, bsa or partition, got \"" + gDo.method + "\"");
    in.device = therapy::defaultDevice(in.method);
    if (gDo.device == "resin") in.device = therapy::SphereKind::Resin;
    else if (gDo.device == "glass") in.device = therapy::SphereKind::Glass;
    else if (!gDo.device.empty()) throw DataError("command line", 0, "--device", "expected resin or glass, got \"" + gDo.device + "\"");
    in.targetGy = gDo.targetGy, in.liverMl = gDo.liverMl, in.tumourMl = gDo.tumourMl, in.perfusedMl = gDo.perfusedMl;
    in.tumourToNormal = gDo.tn, in.lungShuntFraction = gDo.lsf, in.heightCm = gDo.heightCm, in.weightKg = gDo.weightKg;
    in.lungKg = gDo.lungKg, in.liverDensityGPerMl = gDo.density, in.priorLungDoseGy = gDo.priorLungGy;
    return in;
}

nlohmann::ordered_json toJson(const therapy::Plan& p, const therapy::VialDraw* vial) {
    nlohmann::ordered_json j;
    j["method"] = therapy::toString(p.input.method);
    j["device"] = therapy::toString(p.input.device);
    j["activity_gbq"] = p.activityGBq;
    j["tumour_dose_gy"] = p.tumourKg > 0.0 ? nlohmann::ordered_json(p.tumourDoseGy) : nlohmann::ordered_json();
    j["normal_liver_dose_gy"] = p.normalLiverDoseGy;
    j["lung_dose_gy"] = p.lungDoseGy;
    j["perfused_dose_gy"] = p.perfusedDoseGy;
    j["whole_normal_liver_dose_gy"] = p.wholeNormalLiverDoseGy;
    j["cumulative_lung_dose_gy"] = p.cumulativeLungDoseGy;
    j["tumour_gbq"] = p.tumourGBq;
    j["normal_liver_gbq"] = p.normalLiverGBq;
    j["lung_gbq"] = p.lungGBq;
    j["tumour_kg"] = p.tumourKg;
    j["normal_liver_kg"] = p.normalLiverKg;
    j["perfused_kg"] = p.perfusedKg;
    j["hepatic_reserve"] = p.hepaticReserve;
    if (p.input.method == therapy::PlanningMethod::Bsa) {
        j["bsa_m2"] = p.bsaM2;
        j["lung_shunt_reduction"] = p.lungShuntReduction;
    }
    j["dose_coefficient_gy_kg_per_gbq"] = therapy::kY90GyKgPerGBq;
    nlohmann::ordered_json findings = nlohmann::ordered_json::array();
    for (const therapy::PlanFinding& f : p.findings)
        findings.push_back({{"finding", f.what}, {"source", f.source}, {"forbids", f.forbids}});
    j["findings"] = findings;
    j["forbidden"] = p.forbidden();
    if (vial) {
        nlohmann::ordered_json v;
        v["hours_from_calibration"] = gDo.hoursFromCalibration;
        v["vial_gbq_at_treatment"] = vial->vialGBqAtTreatment;
        v["enough"] = vial->enough;
        v["draw_ml"] = vial->drawMl;
        if (p.input.device == therapy::SphereKind::Glass) {
            v["glass_vial_gbq"] = vial->glassVialGBq;
            v["hours_to_planned_activity"] = vial->hoursToPlannedActivity;
        }
        j["vial"] = v;
    }
    return j;
}

void printText(const therapy::Plan& p, const therapy::VialDraw* vial) {
    const therapy::PlanInput& in = p.input;
    static const char* methodName[] = {"MIRD single compartment", "BSA", "partition model"};
    std::printf("Y-90 plan: %s, %s microspheres\n", methodName[static_cast<int>(in.method)], therapy::toString(in.device));
    if (in.method == therapy::PlanningMethod::Bsa && therapy::resinLungShuntReduction(in.lungShuntFraction) >= 1.0)
        std::printf("  body surface area  %.3f m^2 (Du Bois); lung shunt %.1f %%: do not treat (no reduction applies)\n",
                    p.bsaM2, 100.0 * in.lungShuntFraction);
    else if (in.method == therapy::PlanningMethod::Bsa)
        std::printf("  body surface area  %.3f m^2 (Du Bois); lung shunt %.1f %%: activity reduced by %.0f %%\n", p.bsaM2,
                    100.0 * in.lungShuntFraction, 100.0 * p.lungShuntReduction);
    std::printf("  activity           %.3f GBq to administer at the treatment time\n", p.activityGBq);
    std::printf("                     activity GBq   mass kg   dose Gy\n");
    if (p.tumourKg > 0.0) std::printf("  tumour             %12.3f %9.3f %9.1f\n", p.tumourGBq, p.tumourKg, p.tumourDoseGy);
    std::printf("  normal liver       %12.3f %9.3f %9.1f   (treated territory)\n", p.normalLiverGBq, p.normalLiverKg, p.normalLiverDoseGy);
    std::printf("  lung               %12.3f %9.3f %9.1f   (lung shunt %.1f %%)\n", p.lungGBq, in.lungKg, p.lungDoseGy,
                100.0 * in.lungShuntFraction);
    std::printf("  treated territory  mean %.1f Gy over %.3f kg; whole non-tumoral liver %.1f Gy; %.0f %% of it spared\n",
                p.perfusedDoseGy, p.perfusedKg, p.wholeNormalLiverDoseGy, 100.0 * p.hepaticReserve);
    if (in.priorLungDoseGy > 0.0) std::printf("  cumulative lung    %.1f Gy\n", p.cumulativeLungDoseGy);
    if (vial) {
        if (in.device == therapy::SphereKind::Resin)
            std::printf("  vial               %.3f GBq at treatment (%.1f h after calibration): draw %.2f ml of 5 ml%s\n",
                        vial->vialGBqAtTreatment, gDo.hoursFromCalibration, vial->drawMl, vial->enough ? "" : " (NOT ENOUGH)");
        else if (vial->enough)
            std::printf("  vial               %.0f GBq size holds %.3f GBq at %.1f h; it holds the plan at %.1f h after calibration\n",
                        vial->glassVialGBq, vial->vialGBqAtTreatment, gDo.hoursFromCalibration, vial->hoursToPlannedActivity);
        else
            std::printf("  vial               no glass vial size holds %.3f GBq at %.1f h after calibration\n", p.activityGBq,
                        gDo.hoursFromCalibration);
    }
    if (p.findings.empty()) std::printf("  limits             none exceeded\n");
    for (const therapy::PlanFinding& f : p.findings)
        std::printf("  %-18s %s (%s)\n", f.forbids ? "FORBIDDEN (forced)" : "caution", f.what.c_str(), f.source.c_str());
}

int dosimetry() {
    therapy::Plan plan;
    try {
        plan = therapy::planActivity(planInput());
    } catch (const DataError& e) {
        if (e.file() != "plan") throw;
        rethrowAsOption(e);
    }
    if (plan.forbidden() && !gDo.force) {
        std::string why;
        for (const therapy::PlanFinding& f : plan.findings)
            if (f.forbids) why += (why.empty() ? "" : "; ") + f.what + " (" + f.source + ")";
        std::fprintf(stderr, "irsim: error: plan refused: %s. --force plans it anyway.\n", why.c_str());
        return kRefused;
    }
    therapy::VialDraw vial;
    if (gDo.vialAsked) vial = therapy::drawFromVial(plan.input.device, plan.activityGBq, gDo.vialGBq, gDo.hoursFromCalibration);
    if (gDo.json) std::printf("%s\n", toJson(plan, gDo.vialAsked ? &vial : nullptr).dump(1).c_str());
    else printText(plan, gDo.vialAsked ? &vial : nullptr);
    return 0;
}

}  // namespace

static const CommandRegistration kDosimetry{"dosimetry", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("dosimetry", "Y-90 radioembolization activity planner (MIRD, BSA, partition model)");
    c->footer("Doses by local deposition with 50 Gy kg/GBq (TheraSphere package insert). Refused (status 3) unless "
              "--force: resin with a lung shunt over 20 %, a lung dose over 30 Gy, or over 50 Gy with --prior-lung-gy. "
              "Normal liver over the EANM 2022 limits (resin 40 Gy normal perfused; glass 75 Gy whole non-tumoral, "
              "120 Gy normal perfused with under 30 % spared) is a caution. Bad input: status 2.");
    c->add_option("--method", gDo.method, "mird (glass: target dose to the perfused volume), bsa (resin: Du Bois body "
                  "surface area) or partition (target dose to the normal liver, tumour-to-normal ratio)")->required();
    c->add_option("--device", gDo.device, "resin or glass (default: glass for mird, resin for bsa and partition)");
    c->add_option("--target-gy", gDo.targetGy, "Gy: mean dose to the perfused volume (mird) or to the normal liver (partition)");
    c->add_option("--liver-ml", gDo.liverMl, "Whole liver volume, tumour included (ml)")->required();
    c->add_option("--tumour-ml", gDo.tumourMl, "Tumour volume inside the treated territory (ml; default 0)");
    c->add_option("--perfused-ml", gDo.perfusedMl, "Treated territory, tumour included (ml; default: the whole liver)");
    c->add_option("--tn", gDo.tn, "Tumour-to-normal uptake ratio from MAA SPECT (default 1: uniform)");
    c->add_option("--lsf", gDo.lsf, "Lung shunt fraction, a fraction: 0.12 for 12 % (default 0)");
    c->add_option("--height-cm", gDo.heightCm, "Height (cm), bsa only");
    c->add_option("--weight-kg", gDo.weightKg, "Weight (kg), bsa only");
    c->add_option("--lung-kg", gDo.lungKg, "Lung mass (kg; default 1)");
    c->add_option("--density", gDo.density, "Liver density, volume to mass (g/ml; default 1.03)");
    c->add_option("--prior-lung-gy", gDo.priorLungGy, "Lung dose of earlier treatments (Gy; default 0), for the 50 Gy cumulative limit");
    c->add_option("--vial-gbq", gDo.vialGBq, "Resin vial activity at calibration (GBq; default 3); glass picks a size");
    c->add_option("--hours-from-calibration", gDo.hoursFromCalibration,
                  "Hours from the vial's calibration to the treatment: prints the vial to draw from (Y-90 half-life 64.1 h)");
    c->add_flag("--json", gDo.json, "Print the plan as a JSON object (activity_gbq, tumour_dose_gy, normal_liver_dose_gy, lung_dose_gy, ...)");
    c->add_flag("--force", gDo.force, "Print a plan a guideline forbids instead of refusing it");
    c->callback([c] {
        gDo.vialAsked = c->count("--hours-from-calibration") > 0 || c->count("--vial-gbq") > 0;
        setExitStatus(dosimetry());
    });
}};

}  // namespace irsim::app
