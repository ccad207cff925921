// What radioembolization adds to a session, declared for the shared code: the endovascular
// procedure's section, actions, events and quantity, then its own.
#include "procedures/radioembolization/radioembolization.h"
#include "sim/scenario.h"

namespace irsim::procedures::radioembolization {

namespace {

using assessment::EventCategory;
using sim::ActionSpec;
using sim::handledBy;
using sim::numberArg;

std::shared_ptr<const sim::ProcedureDefinition> parse(const sim::Scenario& scenario) {
    const sim::ScenarioDocument& d = scenario.doc;
    auto def = std::make_shared<Definition>();
    endovascular::parseSection(scenario, *def);
    const std::string device = d.text("radioembolization.device", "resin");
    if (device != "resin" && device != "glass") d.fail("radioembolization.device", "expected \"resin\" or \"glass\"");
    def->device = device == "resin" ? therapy::SphereKind::Resin : therapy::SphereKind::Glass;
    // A resin vial is 3 GBq at calibration (Sirtex); glass vials are 3-20 GBq (TheraSphere).
    def->vialGBq = d.requireNumber("radioembolization.vial_gbq", 0.1, 20.0);
    def->hoursAfterCalibration = d.number("radioembolization.hours_after_calibration", 0.0, -72.0, 336.0);
    def->lungShuntFraction = d.requireNumber("radioembolization.lung_shunt_fraction", 0.0, 0.6);
    def->heightCm = d.requireNumber("radioembolization.height_cm", 100.0, 230.0);
    def->weightKg = d.requireNumber("radioembolization.weight_kg", 25.0, 250.0);
    def->lungKg = d.number("radioembolization.lung_kg", 1.0, 0.3, 3.0);
    def->priorLungDoseGy = d.number("radioembolization.prior_lung_dose_gy", 0.0, 0.0, 100.0);
    def->territory = d.text("radioembolization.territory", def->route.back());
    return def;
}

std::vector<ActionSpec> actions() {
    using R = Radioembolization;
    return {
        {"plan.activity",
         {sim::textArg("method", {"mird", "bsa", "partition"}).require(),
          numberArg("target_gy", "Gy", 1, 1000)
              .about("mird: mean dose to the perfused territory; partition: normal-liver dose; bsa: not used"),
          sim::textArg("territory").about("the branch whose territory is treated; default the scenario's")},
         "plans the activity on the patient's volumes (therapy/radioembolization.h); findings against the lung "
         "and liver limits follow as events",
         handledBy(&R::planActivity)},
        {"spheres.prepare", {numberArg("gbq", "GBq", 0.05, 20).about("default: the planned activity")},
         "draws the activity from the vial into the delivery set", handledBy(&R::prepare)},
        {"spheres.infuse",
         {numberArg("ml", "ml", 0.1, 100).require(),
          numberArg("rate_ml_s", "ml/s", 0.005, 5).orElse(5.0 / 60.0).about("resin: <= 5 ml/min (0.083 ml/s)")},
         "pushes spheres out of the set through the catheter at its tip; they split down the tree by flow",
         handledBy(&R::infuse)},
        {"spheres.flush",
         {numberArg("ml", "ml", 0.1, 100).orElse(5.0), numberArg("rate_ml_s", "ml/s", 0.005, 5).orElse(5.0 / 60.0)},
         "saline through the set: washes out what is left in it but the residual", handledBy(&R::infuse)},
    };
}

std::vector<sim::EventSpec> events() {
    return {
        {"plan.made", EventCategory::Therapy, "Activity planned"},
        {"plan.caution", EventCategory::Therapy, "Plan: caution"},
        {"plan.contraindicated", EventCategory::Therapy, "Plan: contraindicated"},
        {"spheres.prepared", EventCategory::Therapy, "Spheres drawn"},
        {"spheres.infusion", EventCategory::Therapy, "Spheres infused"},
        {"spheres.flush", EventCategory::Therapy, "Saline flush"},
        {"spheres.stasis", EventCategory::Therapy, "Stasis"},
        {"spheres.reflux", EventCategory::Complication, "Reflux of spheres"},
        {"spheres.non_target", EventCategory::Complication, "Non-target embolization"},
    };
}

}  // namespace

std::vector<sim::MetricSpec> Definition::metrics() const {
    std::vector<sim::MetricSpec> m = endovascular::Definition::metrics();
    for (const sim::MetricSpec& s : std::vector<sim::MetricSpec>{
             {"planned_activity_GBq", "GBq", "Planned activity"},
             {"planned_tumour_dose_Gy", "Gy", "Planned tumour dose"},
             {"planned_lung_dose_Gy", "Gy", "Planned lung dose"},
             {"delivered_of_planned_percent", "%", "Activity delivered, of the plan"},
             {"activity_drawn_GBq", "GBq", "Activity drawn"},
             {"activity_delivered_GBq", "GBq", "Activity delivered"},
             {"non_target_activity_percent", "%", "Non-target activity"},
             {"non_target_dose_max_Gy", "Gy", "Highest non-target organ dose"},
             {"tumour_dose_Gy", "Gy", "Mean tumour dose"},
             {"tumour_D70_Gy", "Gy", "Tumour D70"},
             {"tumour_V100_percent", "%", "Tumour V100"},
             {"normal_liver_dose_Gy", "Gy", "Mean normal-liver dose"},
             {"normal_liver_V40_percent", "%", "Normal liver V40"},
             {"lung_dose_Gy", "Gy", "Lung dose"},
             {"stasis_reached", "yes/no", "Stasis reached"},
             {"delivery_tip_to_gda_mm", "mm", "Delivery tip beyond the GDA origin"},
         })
        m.push_back(s);
    return m;
}

sim::ProcedureSpec spec() {
    sim::ProcedureSpec s = endovascular::spec();
    s.name = "radioembolization";
    s.title = "Y-90 radioembolization";
    s.docs = "engine/procedures/radioembolization/README.md";
    s.parse = parse;
    s.make = sim::constructed<Radioembolization>();
    for (ActionSpec& a : actions()) s.actions.push_back(std::move(a));
    for (sim::EventSpec& e : events()) s.events.push_back(std::move(e));
    s.quantities.push_back({"activity_delivered_gbq", "Activity delivered", "GBq"});
    s.panel = controls::panel();
    // Not the endovascular template it started from: the figures are scenarios/radioembolization-right-lobe.toml's.
    s.scenarioTemplate = {};
    s.scenarioTemplate.target = "celiac_trunk";
    s.scenarioTemplate.phantom = "michels = \"I\"                    # hepatic arterial variant (I: conventional)\n";
    s.scenarioTemplate.tumours = {{"liver_segment_8", "hypervascular", 40.0, 0.0}};
    s.scenarioTemplate.sections = R"([endovascular]
access = "common_femoral_artery_right"
sheath = "sheath_5fr"
tray = ["cobra_c2_5fr", "glidewire_035_angled", "microcatheter_27fr", "microwire_018"]
loaded = ["cobra_c2_5fr", "glidewire_035_angled"]
# The branches to select, in order; the last is where the spheres go unless territory says otherwise.
route = ["celiac_trunk", "common_hepatic", "proper_hepatic", "right_hepatic"]

[radioembolization]
device = "resin"                 # resin or glass
vial_gbq = 3.0                   # the vial's activity at calibration
hours_after_calibration = 24
lung_shunt_fraction = 0.08       # from the MAA scan
height_cm = 172                  # for the BSA method
weight_kg = 78
territory = "right_hepatic"      # the branch whose territory is treated
)";
    s.scenarioTemplate.rubric.goals = {
        {"no activity plan was made", "planned_activity_GBq", 0.05, std::nullopt},
        {"the planned activity was not delivered", "delivered_of_planned_percent", 80.0, std::nullopt},
        {"the tumour's mean absorbed dose is under the 100 Gy resin threshold for HCC", "tumour_dose_Gy", 100.0,
         std::nullopt}};
    s.scenarioTemplate.rubric.metrics = {{"tumour_D70_Gy", "Gy", "Tumour D70", 120.0, 60.0, 3.0},
                                         {"normal_liver_dose_Gy", "Gy", "Mean normal-liver dose", 30.0, 50.0, 2.0}};
    s.scenarioTemplate.rubric.critical = {
        {"non-target embolization: spheres reached an organ outside the liver", "spheres.non_target", "", {}, {}},
        {"lung dose over the 30 Gy single-treatment limit", "", "lung_dose_Gy", 30.0, std::nullopt}};
    return s;
}

}  // namespace irsim::procedures::radioembolization
