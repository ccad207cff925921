// What the endovascular procedure adds to a session, declared for the shared code: its scenario
// section, its actions with their arguments' ranges, its events, metrics and running quantity.
#include <algorithm>

#include "procedures/endovascular/endovascular.h"
#include "sim/scenario.h"

namespace irsim::procedures::endovascular {

namespace {

using assessment::EventCategory;
using sim::ActionSpec;
using sim::handledBy;
using sim::numberArg;

std::vector<std::string> textList(const sim::ScenarioDocument& d, const std::string& path) {
    std::vector<std::string> out;
    const size_t n = d.arraySize(path);
    for (size_t i = 0; i < n; ++i) out.push_back(d.requireText(path + "[" + std::to_string(i) + "]"));
    return out;
}

}  // namespace

void parseSection(const sim::Scenario& scenario, Definition& out) {
    const sim::ScenarioDocument& d = scenario.doc;
    Definition* def = &out;
    def->access = d.text("endovascular.access", "common_femoral_artery_right");
    const physics::DeviceLibrary& lib = physics::builtinDeviceLibrary();
    const auto known = [&](const std::string& id) {
        return std::any_of(lib.devices.begin(), lib.devices.end(), [&](const auto& dev) { return dev.id == id; });
    };
    def->sheath = d.text("endovascular.sheath", "sheath_5fr");
    if (!known(def->sheath) || lib.device(def->sheath).kind != physics::EndovascularKind::Sheath)
        d.fail("endovascular.sheath", "expected a sheath of " + lib.file + " (\"sheath_5fr\", \"sheath_6fr\")");
    def->tray = textList(d, "endovascular.tray");
    if (def->tray.empty()) d.fail("endovascular.tray", "list the devices offered, e.g. [\"cobra_c2_5fr\", \"glidewire_035_angled\"]");
    for (size_t i = 0; i < def->tray.size(); ++i) {
        const std::string p = "endovascular.tray[" + std::to_string(i) + "]";
        if (!known(def->tray[i])) d.fail(p, "no device '" + def->tray[i] + "' in " + lib.file);
        if (lib.device(def->tray[i]).kind == physics::EndovascularKind::Sheath) d.fail(p, "the sheath is `sheath`, not on the tray");
    }
    def->loaded = textList(d, "endovascular.loaded");
    for (size_t i = 0; i < def->loaded.size(); ++i)
        if (std::find(def->tray.begin(), def->tray.end(), def->loaded[i]) == def->tray.end())
            d.fail("endovascular.loaded[" + std::to_string(i) + "]", "'" + def->loaded[i] + "' is not on the tray");
    def->route = textList(d, "endovascular.route");
    if (def->route.empty())
        d.fail("endovascular.route", "list the branches to select in order, e.g. [\"celiac_trunk\", \"common_hepatic\"]");
}

namespace {

std::shared_ptr<const sim::ProcedureDefinition> parse(const sim::Scenario& scenario) {
    auto def = std::make_shared<Definition>();
    parseSection(scenario, *def);
    return def;
}

std::vector<ActionSpec> actions() {
    using E = Endovascular;
    const auto device = [] { return sim::textArg("device").about("a device id on the tray; absent: the one in hand"); };
    const auto speed = [] { return numberArg("speed_mm_s", "mm/s", 1, 100).orElse(controls::kHandSpeedMmS); };
    return {
        {"device.insert", {sim::textArg("device").require()},
         "puts a tray device into the sheath (over or into those there), its tip at the sheath's tip",
         handledBy(&E::insert)},
        {"device.exchange", {sim::textArg("device").require()},
         "swaps the device of the same kind (catheter, microcatheter or wire) for this one; refused unless the one "
         "going out is back in the sheath",
         handledBy(&E::exchange)},
        {"device.remove", {device()}, "takes a device pulled back into the sheath out of it", handledBy(&E::remove)},
        {"device.select", {device().require()}, "puts the hand (the panel's buttons and keys) on this device's hub",
         handledBy(&E::select)},
        {"device.push", {device(), numberArg("mm", "mm", 0.5, 1000).require(), speed()},
         "advances the hub; the tip follows through the lumen or the shaft bows where it is blocked",
         handledBy(&E::push)},
        {"device.pull", {device(), numberArg("mm", "mm", 0.5, 1000).require(), speed()},
         "withdraws the hub", handledBy(&E::push)},
        {"device.torque",
         {device(), numberArg("deg", "deg", -1080, 1080).require().about("+ counter-clockwise seen from the operator"),
          numberArg("rate_deg_s", "deg/s", 10, 720).orElse(controls::kTurnRateDegS)},
         "turns the hub; the tip follows with the lag of the shaft's wind-up", handledBy(&E::torque)},
        {"wire.lead", {numberArg("mm", "mm", 0, 500).require().about("beyond the catheter's tip"), speed()},
         "moves the innermost wire to lead the catheter around it by this much", handledBy(&E::wire)},
        {"wire.retract", {speed()}, "pulls the wire's tip 5 mm inside the catheter's, so the catheter's curve forms",
         handledBy(&E::wire)},
    };
}

std::vector<sim::EventSpec> events() {
    return {
        {"device.insert", EventCategory::Device, "Device into the sheath"},
        {"device.exchange", EventCategory::Device, "Device exchanged"},
        {"device.remove", EventCategory::Device, "Device out"},
        {"device.select", EventCategory::Device, "Hand on a hub"},
        {"device.branch_entered", EventCategory::Device, "Tip in a branch of the route"},
        {"device.branch_reached", EventCategory::Device, "Catheter in a branch of the route"},
        {"device.wrong_branch", EventCategory::Device, "Wrong branch entered"},
        {"vessel.vasospasm", EventCategory::Complication, "Vasospasm"},
        {"vessel.dissection", EventCategory::Complication, "Dissection"},
        {"vessel.perforation", EventCategory::Complication, "Perforation"},
    };
}

}  // namespace

std::vector<sim::MetricSpec> Definition::metrics() const {
    std::vector<sim::MetricSpec> m;
    for (const std::string& b : route) {
        m.push_back({"time_to_" + b + "_s", "s", "Time to the catheter in " + b});
        m.push_back({"dsa_runs_" + b, "runs", "DSA runs from " + b});
    }
    for (const sim::MetricSpec& s : std::vector<sim::MetricSpec>{
             {"wrong_branches", "branches", "Wrong branches entered"},
             {"wall_force_events", "events", "Wall-force events"},
             {"dissections", "events", "Dissections"},
             {"perforations", "events", "Perforations"},
             {"vasospasms", "events", "Vasospasms"},
             {"tip_force_max_N", "N", "Highest force at the tip"},
             {"wall_force_max_N", "N", "Highest force on the wall"},
             {"roadmaps_stored", "images", "Roadmap images stored"},
             {"device_exchanges", "exchanges", "Device exchanges"},
             {"length_inserted_mm", "mm", "Length inserted"},
         })
        m.push_back(s);
    return m;
}

sim::ProcedureSpec spec() {
    sim::ProcedureSpec s;
    s.name = "endovascular";
    s.title = "Endovascular navigation";
    s.docs = "engine/procedures/endovascular/README.md";
    s.parse = parse;
    s.make = sim::constructed<Endovascular>();
    s.actions = actions();
    s.events = events();
    s.quantities = {{"inserted_mm", "Length inserted", "mm"}};
    s.panel = controls::panel();
    // The figures are those of scenarios/celiac-angiography.toml.
    s.scenarioTemplate.target = "celiac_trunk";
    s.scenarioTemplate.sections = R"([endovascular]
access = "common_femoral_artery_right"
sheath = "sheath_5fr"
# The devices offered (assets/devices), and those in the sheath at the start.
tray = ["cobra_c2_5fr", "rh_5fr", "glidewire_035_angled", "amplatz_super_stiff_035", "microcatheter_27fr", "microwire_018"]
loaded = ["cobra_c2_5fr", "glidewire_035_angled"]
# The branches to select, in order; metrics time_to_<branch>_s and dsa_runs_<branch> follow them.
route = ["{target}"]
)";
    s.scenarioTemplate.rubric.goals = {
        {"no DSA run from {target}: the arterial anatomy is not shown", "dsa_runs_{target}", 1.0, std::nullopt}};
    s.scenarioTemplate.rubric.metrics = {{"time_to_{target}_s", "s", "Time to {target}", 300.0, 1200.0, 2.0},
                                         {"wrong_branches", "branches", "Wrong branches entered", 0.0, 4.0, 2.0}};
    s.scenarioTemplate.rubric.critical = {
        {"arterial dissection: the wire or catheter tip was driven against the wall", "vessel.dissection", "", {}, {}},
        {"arterial perforation", "vessel.perforation", "", std::nullopt, std::nullopt}};
    return s;
}

}  // namespace irsim::procedures::endovascular
