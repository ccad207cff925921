// What vertebroplasty adds to a session, declared for the shared code: its scenario section, its
// actions with their arguments' ranges, its events, metrics and running quantity, its panel.
#include "procedures/vertebroplasty/vertebroplasty.h"

#include "sim/scenario.h"

namespace irsim::procedures::vertebroplasty {

namespace {

using assessment::EventCategory;
using sim::ActionSpec;
using sim::handledBy;
using sim::numberArg;


std::shared_ptr<const sim::ProcedureDefinition> parse(const sim::Scenario& scenario) {
    const ScenarioDocument& d = scenario.doc;
    auto def = std::make_shared<Definition>();
    const bool named = d.find("vertebroplasty.level") != nullptr;
    def->level = d.text("vertebroplasty.level", scenario.target);
    def->levelField = named ? "vertebroplasty.level" : "scenario.target";
    if (def->level.empty()) d.fail("vertebroplasty.level", "name the vertebra to treat, e.g. \"vertebrae_L1\"");
    def->device = d.text("vertebroplasty.device", "trocar_11g_diamond");
    if (!deviceNamed(def->device)) d.fail("vertebroplasty.device", "expected one of " + deviceNames());
    return def;
}

std::vector<ActionSpec> actions() {
    using V = Vertebroplasty;
    const auto angle = [](const char* name, double limit) { return numberArg(name, "deg", -limit, limit).orElse(0); };
    return {
        {"needle.select", {sim::textArg("device", trocarNames()).require()},
         "chooses the trocar (refused while one is in the patient)", handledBy(&V::select)},
        {"needle.place",
         {sim::placeArg("entry").require(), sim::placeArg("target").about("aims at it instead of the angles"),
          angle("medial_deg", 60).about("+ toward the midline"), angle("caudal_deg", 60).about("+ tip toward the feet")},
         "sets the trocar on the skin where the line through `entry` leaves the back, aimed along it; a "
         "re-placement counts as a repositioning",
         handledBy(&V::place)},
        {"needle.advance",
         {numberArg("mm", "mm", 0.1, 200).require(), numberArg("speed_mm_s", "mm/s", 0.5, 50).orElse(5),
          sim::booleanArg("twist").orElse(false)},
         "pushes by hand over time (`mm` of hand travel, added to a push still under way); a membrane indents, "
         "then gives and the tip springs in by the indentation; stops at cortex the hand cannot push through "
         "(event `needle.stalled`)",
         handledBy(&V::advance)},
        {"needle.tap",
         {numberArg("energy_j", "J", 0.1, 5).orElse(0.5), sim::integerArg("count", 1, 100).orElse(1),
          numberArg("interval_s", "s", 0.2, 5).orElse(0.5)},
         "mallet taps on the hub", handledBy(&V::tap)},
        {"needle.withdraw", {numberArg("mm", "mm", 0.1, 300).require(), numberArg("speed_mm_s", "mm/s", 0.5, 50).orElse(10)},
         "pulls back along the track (added to a pull still under way)", handledBy(&V::withdraw)},
        {"needle.remove", {numberArg("speed_mm_s", "mm/s", 0.5, 50).orElse(20)},
         "pulls the trocar out and puts it down", handledBy(&V::withdraw)},
        {"needle.reangle",
         {angle("medial_deg", 45), angle("cranial_deg", 45), numberArg("rate_deg_s", "deg/s", 0.5, 90).orElse(5)},
         "turns the hub; in soft tissue the tip follows in part (withdraw beyond 10°), in bone the shaft bends",
         handledBy(&V::reangle)},
        {"needle.stylet_out", {}, "opens the cannula (cement needs it open)", handledBy(&V::stylet)},
        {"needle.stylet_in", {}, "closes the cannula", handledBy(&V::stylet)},
        {"cement.mix", {}, "mixes the PMMA; its viscosity rises from then on", handledBy(&V::mixCement)},
        {"cement.inject",
         {numberArg("ml", "ml", 0.05, 1).require().about("1-ml syringes; 0.1-0.5 is usual"),
          numberArg("rate_ml_s", "ml/s", 0.01, 1).orElse(0.1)},
         "a syringe stroke through the trocar", handledBy(&V::injectCement)},
    };
}

std::vector<sim::EventSpec> events() {
    std::vector<sim::EventSpec> e = {
        {"needle.select", EventCategory::Device, "Trocar chosen"},
        {"needle.place", EventCategory::Device, "Trocar on the skin"},
        {"needle.puncture", EventCategory::Device, "Puncture"},
        {"needle.stalled", EventCategory::Device, "Trocar stalled"},
        {"needle.shaft_bent", EventCategory::Device, "Shaft bent against bone"},
        {"needle.reangle_blocked", EventCategory::Device, "Re-angle blocked"},
        {"needle.shaft_on_bone", EventCategory::Device, "Shaft on bone"},
        {"needle.scan_edge", EventCategory::Device, "Trocar at the edge of the scan"},
        {"needle.hub_at_skin", EventCategory::Device, "Trocar in to its hub"},
        {"needle.removed", EventCategory::Device, "Trocar removed"},
        {"needle.stylet_out", EventCategory::Device, "Stylet out"},
        {"needle.stylet_in", EventCategory::Device, "Stylet in"},
        {"cement.mix", EventCategory::Therapy, "Cement mixed"},
        {"cement.inject", EventCategory::Therapy, "Cement injected"},
        {"cement.stopped", EventCategory::Therapy, "Cement stopped"},
        {"cement.leak", EventCategory::Complication, "Cement leak"},
    };
    for (const char* where : {"medial", "inferior", "superior", "lateral", "anterior", "endplate", "vessel"}) {
        std::string label = std::string(where) == "vessel" ? "Great vessel breach" : std::string(where) + " breach";
        label[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(label[0])));
        e.push_back({"breach." + std::string(where), EventCategory::Complication, label});
    }
    return e;
}

}  // namespace

std::vector<sim::MetricSpec> Definition::metrics() const {
    return {
        {"needle_placements", "placements", "Trocar placements"},
        {"needle_repositionings", "repositionings", "Trocar repositionings"},
        {"mallet_taps", "taps", "Mallet taps"},
        {"breach_events", "events", "Cortical breaches"},
        {"hub_force_max_N", "N", "Highest hub force"},
        {"trajectory_angle_error_deg", "deg", "Trajectory angle from the ideal path"},
        {"entry_point_error_mm", "mm", "Entry point from the ideal"},
        {"trajectory_medial_deg", "deg", "Trajectory, medial angle"},
        {"trajectory_caudal_deg", "deg", "Trajectory, caudal angle"},
        {"tip_depth_percent", "%", "Tip depth in the body"},
        {"tip_from_midline_mm", "mm", "Tip from the midline"},
        {"tip_in_body", "yes/no", "Tip in the vertebral body"},
        {"cement_injected_ml", "ml", "Cement injected"},
        {"cement_in_bone_ml", "ml", "Cement in bone"},
        {"cement_fill_percent", "%", "Vertebral body fill"},
        {"cement_leak_ml", "ml", "Cement leaked"},
        {"cement_leak_epidural_ml", "ml", "Epidural leak"},
        {"cement_leak_disc_ml", "ml", "Disc leak"},
        {"cement_leak_venous_ml", "ml", "Venous leak"},
        {"cement_leak_paravertebral_ml", "ml", "Paravertebral leak"},
        {"cement_viscosity_first_injection_PaS", "Pa s", "Cement viscosity at the first stroke"},
    };
}

sim::ProcedureSpec spec() {
    sim::ProcedureSpec s;
    s.name = "vertebroplasty";
    s.title = "Vertebroplasty";
    s.docs = "engine/procedures/vertebroplasty/README.md";
    s.parse = parse;
    s.make = sim::constructed<Vertebroplasty>();
    s.actions = actions();
    s.events = events();
    s.quantities = {{"cement_ml", "Cement injected", "ml"}};
    s.panel = controls::panel();
    // The figures are those of scenarios/vertebroplasty-l1.toml, whose comments give their sources.
    s.scenarioTemplate.target = "vertebrae_L1";
    // The levels the phantom builds and the shipped scenarios and tests cover (thoracolumbar).
    s.scenarioTemplate.targetChoices = {"vertebrae_T10", "vertebrae_T11", "vertebrae_T12", "vertebrae_L1",
                                        "vertebrae_L2",  "vertebrae_L3",  "vertebrae_L4",  "vertebrae_L5"};
    s.scenarioTemplate.phantom = "osteoporotic = true\n";
    // The fracture to treat, at a level from vertebrae_T10 to vertebrae_L5.
    s.scenarioTemplate.tumours = {{"{target}", "compression_fracture", 0.0, 0.3}};
    s.scenarioTemplate.sections = R"([vertebroplasty]
level = "{target}"               # the vertebra to treat
device = "trocar_11g_diamond"    # the trocar until needle.select chooses another
)";
    s.scenarioTemplate.rubric.goals = {
        {"no cement, or too little, in the vertebral body", "cement_in_bone_ml", 1.5, std::nullopt},
        {"the trocar tip did not reach the vertebral body", "tip_in_body", 1.0, std::nullopt}};
    s.scenarioTemplate.rubric.metrics = {
        {"trajectory_angle_error_deg", "deg", "Trajectory angle from the ideal transpedicular path", 4.0, 15.0, 2.0},
        {"cement_leak_ml", "ml", "Cement leaked outside the vertebral body", 0.0, 0.5, 2.0}};
    s.scenarioTemplate.rubric.critical = {
        {"medial pedicle breach into the spinal canal", "breach.medial", "", std::nullopt, std::nullopt},
        {"cement leak into the spinal canal", "", "cement_leak_epidural_ml", 0.1, std::nullopt}};
    return s;
}

}  // namespace irsim::procedures::vertebroplasty
