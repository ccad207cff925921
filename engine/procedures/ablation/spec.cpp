// What thermal ablation adds to a session, declared for the shared code: its scenario section, its
// actions with their arguments' ranges, its events, metrics and running quantities, its panel.
#include "procedures/ablation/ablation.h"

#include "core/error.h"
#include "core/text.h"
#include "sim/scenario.h"

namespace irsim::procedures::ablation {

namespace {

using assessment::EventCategory;
using sim::ActionSpec;
using sim::handledBy;
using sim::numberArg;

std::vector<std::string> deviceIds() {
    std::vector<std::string> ids;
    for (const therapy::AblationDevice& d : therapy::ablationDevices()) ids.push_back(d.id);
    return ids;
}

std::vector<std::string> textList(const sim::ScenarioDocument& d, const std::string& path) {
    std::vector<std::string> out;
    const size_t n = d.arraySize(path);
    for (size_t i = 0; i < n; ++i) out.push_back(d.requireText(path + "[" + std::to_string(i) + "]"));
    return out;
}

std::shared_ptr<const sim::ProcedureDefinition> parse(const sim::Scenario& scenario) {
    const sim::ScenarioDocument& d = scenario.doc;
    auto def = std::make_shared<Definition>();
    const std::string modality = d.text("ablation.modality", "microwave");
    try {
        def->modality = therapy::modalityNamed(modality, "ablation.modality");
    } catch (const DataError&) {
        d.fail("ablation.modality", "expected rf, microwave or cryo, got \"" + modality + "\"");
    }
    def->device = d.text("ablation.device", therapy::defaultDevice(def->modality).id);
    const therapy::AblationDevice* dev = nullptr;
    for (const therapy::AblationDevice& x : therapy::ablationDevices())
        if (x.id == def->device) dev = &x;
    if (!dev) d.fail("ablation.device", "expected one of " + joinWords(deviceIds(), "or"));
    if (dev->modality != def->modality)
        d.fail("ablation.device", def->device + " is " + therapy::toString(dev->modality) + ", not " + modality);
    def->target = d.text("ablation.target", "liver_tumour");
    def->marginMm = d.number("ablation.margin_mm", 5.0, 0.0, 20.0);
    def->protect = textList(d, "ablation.protect");
    def->nerves = textList(d, "ablation.nerves");
    def->gridMm = d.number("ablation.grid_mm", 1.5, 0.5, 3.0);
    def->gridMarginMm = d.number("ablation.grid_margin_mm", 30.0, 15.0, 60.0);
    def->timeAcceleration = d.number("ablation.time_acceleration", 30.0, 1.0, 120.0);
    if (d.find("ablation.lesion")) {
        Definition::Lesion l;
        const std::string at = "ablation.lesion.centre_mm";
        if (d.arraySize(at) != 3) d.fail(at, "expected [x, y, z] in mm (LPS, the CT's patient frame)");
        for (int i = 0; i < 3; ++i) l.centreLps[i] = d.requireNumber(at + "[" + std::to_string(i) + "]", -2000.0, 2000.0);
        l.diameterMm = d.number("ablation.lesion.diameter_mm", 20.0, 5.0, 60.0);
        l.organ = d.text("ablation.lesion.organ", "liver");
        def->lesion = l;
    }
    return def;
}

sim::ArgSpec applicatorArg() {
    return sim::integerArg("applicator", 1, static_cast<int>(kMaxApplicators)).orElse(1).about("which applicator: 1 the first");
}

std::vector<ActionSpec> actions() {
    using A = Ablation;
    return {
        {"applicator.select", {sim::textArg("device", deviceIds()).require()},
         "chooses the applicator, of any modality (refused while one is in the patient)", handledBy(&A::select)},
        {"applicator.place", {sim::placeArg("entry").require(), sim::placeArg("target").require(), applicatorArg()},
         "sets the applicator's tip on the skin where the line from `target` through `entry` leaves the body, "
         "aimed at `target`; a re-placement after it went in counts as a repositioning; `applicator` 2 or 3 "
         "adds another (the next number), for a zone of several applicators",
         handledBy(&A::place)},
        {"applicator.advance",
         {numberArg("mm", "mm", 0.5, 300).require(), numberArg("speed_mm_s", "mm/s", 0.5, 20).orElse(5), applicatorArg()},
         "pushes the applicator along its straight track; crossing the pleura or lung risks a pneumothorax",
         handledBy(&A::advance)},
        {"applicator.withdraw",
         {numberArg("mm", "mm", 0.5, 300).require(), numberArg("speed_mm_s", "mm/s", 0.5, 20).orElse(10), applicatorArg()},
         "pulls back along the track; before the first ablation a repositioning", handledBy(&A::withdraw)},
        {"generator.start",
         {numberArg("power_w", "W", 5, 200).about("RF and microwave, per applicator; default the device's"),
          numberArg("minutes", "min", 0.5, 30).orElse(10).about("RF and microwave"),
          numberArg("freeze_min", "min", 1, 20).orElse(10).about("cryo: each freeze"),
          numberArg("thaw_min", "min", 1, 20).orElse(8).about("cryo: the passive thaw between freezes"),
          sim::integerArg("cycles", 1, 3).orElse(2).about("cryo: freezes")},
         "runs the generator with every applicator in the patient (cryo: freeze / thaw / freeze); the tissue's time "
         "runs faster than the session's by the scenario's time_acceleration",
         handledBy(&A::start)},
        {"generator.stop", {}, "stops the generator before its time", handledBy(&A::stop)},
        {"thermocouple.place",
         {sim::placeArg("at").require().about("a landmark, a structure's name (its point nearest the tumour) or [x, y, z]")},
         "a thermocouple that reads the temperature there; outside 10-45 degC it alarms", handledBy(&A::thermocouple)},
    };
}

std::vector<sim::EventSpec> events() {
    return {
        {"applicator.select", EventCategory::Device, "Applicator chosen"},
        {"applicator.place", EventCategory::Device, "Applicator on the skin"},
        {"applicator.crossed", EventCategory::Device, "Track crosses a structure"},
        {"applicator.in_tumour", EventCategory::Device, "Tip in the tumour"},
        {"applicator.scan_edge", EventCategory::Device, "Applicator at the edge of the scan"},
        {"pneumothorax.risk", EventCategory::Complication, "Pleura crossed: pneumothorax risk"},
        {"generator.start", EventCategory::Therapy, "Generator on"},
        {"generator.stop", EventCategory::Therapy, "Generator off"},
        {"generator.refused", EventCategory::Therapy, "Generator refused"},
        {"ablation.zone", EventCategory::Therapy, "Ablation zone (once the tissue has cooled)"},
        {"thermocouple.place", EventCategory::Device, "Thermocouple placed"},
        {"collateral.damage", EventCategory::Complication, "Collateral thermal damage"},
        {"nerve.temperature", EventCategory::Complication, "Nerve temperature outside 10-45 degC"},
        {"thermocouple.alarm", EventCategory::Complication, "Thermocouple outside 10-45 degC"},
    };
}

}  // namespace

std::vector<sim::MetricSpec> Definition::metrics() const {
    std::vector<sim::MetricSpec> m = {
        {"tumour_coverage_percent", "%", "Tumour covered by the zone"},
        {"margin_5mm_coverage_percent", "%", "Tumour and 5 mm margin covered"},
        {"margin_10mm_coverage_percent", "%", "Tumour and 10 mm margin covered"},
        {"minimal_margin_mm", "mm", "Minimal ablative margin"},
        {"margin_band", "band", "Margin band (0: 0, 1: 1-5, 2: 6-10, 3: > 10 mm)"},
        {"ltp_free_2y_percent", "%", "2-year local-progression-free survival of the band"},
        {"heat_sink_margin_mm", "mm", "Minimal margin beside a large vessel"},
        {"thinnest_margin_to_vessel_mm", "mm", "Thinnest margin's distance to a large vessel"},
        {"zone_ml", "ml", "Ablation zone volume"},
        {"ablation_minutes", "min", "Generator time"},
        {"ablation_energy_kJ", "kJ", "Energy into tissue"},
        {"ablation_runs", "runs", "Ablations"},
        {"applicator_placements", "placements", "Applicator placements"},
        {"applicator_repositionings", "repositionings", "Applicator repositionings"},
        {"pneumothorax_risk", "yes/no", "Pleura crossed"},
        {"collateral_ml", "ml", "Collateral damage"},
        {"nerve_max_C", "degC", "Highest nerve temperature"},
        {"nerve_min_C", "degC", "Lowest nerve temperature"},
        {"thermocouple_max_C", "degC", "Highest thermocouple reading"},
        {"thermocouple_min_C", "degC", "Lowest thermocouple reading"},
    };
    for (const std::string& s : protect) m.push_back({collateralMetric(s), "ml", "Collateral damage: " + s});
    return m;
}

sim::ProcedureSpec spec() {
    sim::ProcedureSpec s;
    s.name = "ablation";
    s.title = "Thermal ablation";
    s.docs = "engine/procedures/ablation/README.md";
    s.parse = parse;
    s.make = sim::constructed<Ablation>();
    s.actions = actions();
    s.events = events();
    s.quantities = {{"zone_ml", "Ablation zone", "ml"}, {"ablation_kJ", "Ablation energy", "kJ"}};
    s.panel = controls::panel();
    // The figures are those of scenarios/ablation-liver-hcc.toml, whose comments give their sources.
    s.scenarioTemplate.target = "liver_tumour";
    s.scenarioTemplate.tumours = {{"liver_segment_7", "hypervascular", 25.0, 0.0}};
    s.scenarioTemplate.sections = R"([ablation]
modality = "microwave"           # rf, microwave or cryo
target = "{target}"
margin_mm = 5                    # the ablative margin sought all round the tumour
protect = ["gallbladder", "colon"]   # structures whose ablation counts as collateral damage
time_acceleration = 30           # simulated seconds of ablation per second of the session
)";
    s.scenarioTemplate.rubric.goals = {
        {"tumour coverage incomplete: part of the tumour is not in the ablation zone", "tumour_coverage_percent", 98.0,
         std::nullopt},
        {"minimal ablative margin under 5 mm somewhere round the tumour", "minimal_margin_mm", 5.0, std::nullopt}};
    s.scenarioTemplate.rubric.metrics = {{"collateral_ml", "ml", "Collateral damage", 0.0, 2.0, 2.0}};
    s.scenarioTemplate.rubric.critical = {
        {"more than 1 ml of a structure to protect was ablated", "", "collateral_ml", 1.0, std::nullopt}};
    return s;
}

}  // namespace irsim::procedures::ablation
