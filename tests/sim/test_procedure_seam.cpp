// The procedure seam (sim/procedure.h, docs/architecture.md): a procedure defined here, in the
// tests, registers itself with no change to shared code, declares an action, a metric, an event and
// a running quantity, and shows up in the session, the headless report and the debrief. Also: the
// scenario loader refuses unknown keys and rubrics naming what the procedure never produces, the
// action tables check every action at submit, and a restored snapshot plays on to the same state.
#include <catch2/catch.hpp>

#include "assessment/debrief.h"
#include "assessment/debrief_html.h"
#include "core/error.h"
#include "sim/report.h"
#include "sim/scenario.h"
#include "sim/session.h"
#include "scenario_text.h"
#include "synthetic_patient.h"

using namespace irsim;
using test::act;
using test::loadError;
using test::replaced;

namespace {

// A syringe pump: `pump.push` adds ml at a rate over time; the procedure counts pushes and the
// volume given. Nothing about it is known to the session, the report or the debrief.
struct PumpDefinition final : sim::ProcedureDefinition {
    double syringeMl = 0.0;
    std::vector<sim::MetricSpec> metrics() const override {
        return {{"pump_pushes", "pushes", "Pushes"}, {"pump_volume_ml", "ml", "Volume given"}};
    }
};

class Pump final : public sim::Procedure {
public:
    explicit Pump(double syringeMl) : syringeMl_(syringeMl) {}
    std::unique_ptr<sim::Procedure> clone() const override { return std::make_unique<Pump>(*this); }
    void push(const sim::Action& a, sim::Session& session) {
        if (givenMl_ + leftMl_ + a.requireNumber("ml") > syringeMl_)
            return session.addEvent("pump.empty", "the syringe holds only " + std::to_string(syringeMl_) + " ml");
        leftMl_ += a.requireNumber("ml");
        rateMlS_ = a.number("rate_ml_s", 1.0);
        ++pushes_;
        session.addEvent("pump.push", "");
    }
    void step(sim::Session&) override {
        const double dv = std::min(leftMl_, rateMlS_ * sim::kTimeStepS);
        leftMl_ -= dv;
        givenMl_ += dv;
    }
    void addMetrics(const sim::Session&, assessment::Metrics& m) const override {
        m["pump_pushes"] = {static_cast<double>(pushes_), "pushes"};
        m["pump_volume_ml"] = {givenMl_, "ml"};
    }
    std::vector<double> quantities(const sim::Session&) const override { return {givenMl_}; }
    void hashState(StateHash& h) const override { h.add(givenMl_).add(leftMl_).add(rateMlS_).add(pushes_); }

private:
    double syringeMl_ = 0.0;
    double givenMl_ = 0.0, leftMl_ = 0.0, rateMlS_ = 1.0;
    int pushes_ = 0;
};

[[maybe_unused]] const bool kPumpRegistered = [] {
    sim::ProcedureSpec spec;
    spec.name = "test-pump";
    spec.title = "Test pump";
    spec.parse = [](const sim::Scenario& s) {
        auto d = std::make_shared<PumpDefinition>();
        d->syringeMl = s.doc.requireNumber("pump.syringe_ml", 1.0, 100.0);
        return d;
    };
    spec.make = [](const sim::Scenario& s, const patient::Patient&) {
        return std::make_unique<Pump>(static_cast<const PumpDefinition&>(*s.definition).syringeMl);
    };
    spec.actions = {{"pump.push",
                     {sim::numberArg("ml", "ml", 0.1, 20).require(), sim::numberArg("rate_ml_s", "ml/s", 0.1, 5).orElse(1)},
                     "pushes the syringe",
                     sim::handledBy(&Pump::push)}};
    spec.events = {{"pump.push", assessment::EventCategory::Therapy, "Push"},
                   {"pump.empty", assessment::EventCategory::Complication, "Syringe empty"}};
    spec.quantities = {{"pump_ml", "Pumped", "ml"}};
    return sim::registerProcedure(spec);
}();

const char* kPumpScenario = R"(
[scenario]
title = "A pump"
procedure = "test-pump"

[patient.phantom]
seed = 3

[pump]
syringe_ml = 10

[[rubric.metric]]
name = "pump_volume_ml"
full_marks_at = 8
zero_at = 0

[[rubric.critical]]
event = "pump.empty"
reason = "the syringe ran dry"
)";


std::vector<sim::Action> pumpLog() {
    return {act(0.5, "pump.push", {{"ml", 3}, {"rate_ml_s", 2}}), act(1.0, "fluoro.on"), act(2.0, "fluoro.off"),
            act(4.0, "pump.push", {{"ml", 5}}), act(12.0, "pump.push", {{"ml", 4}}), act(14.0, "procedure.end")};
}



}  // namespace

TEST_CASE("a procedure defined in the tests runs, and shows in the report and the debrief", "[sim][seam]") {
    const sim::Scenario scenario = sim::parseScenario(kPumpScenario, "pump.toml");
    sim::Session s(scenario, test::cylinderPatient());
    s.play(pumpLog());
    // 3 + 5 ml given; the third push would overfill the 10 ml syringe and is refused.
    const auto m = s.metrics();
    CHECK(m.at("pump_pushes").value == 2.0);
    CHECK(m.at("pump_volume_ml").value == Approx(8.0).epsilon(1e-9));
    REQUIRE(s.quantitySpecs().size() == 2);
    CHECK(s.quantitySpecs()[1].key == "pump_ml");
    CHECK(s.quantities()[1] == Approx(8.0).epsilon(1e-9));

    const nlohmann::json report = sim::buildReport(s, {});
    CHECK(report["metrics"]["pump_volume_ml"]["value"].get<double>() == Approx(8.0).epsilon(1e-9));
    CHECK(report["quantities"][1]["key"] == "pump_ml");
    // 3 ml at 2 ml/s from 0.5 s: 2 ml at the 1.5 s sample... the timeline samples each second.
    CHECK(report["timeline"][2]["pump_ml"].get<double>() == Approx(3.0).epsilon(1e-9));
    CHECK(report["timeline"].back()["pump_ml"].get<double>() == Approx(8.0).epsilon(1e-9));
    bool sawEmpty = false;
    for (const auto& e : report["events"])
        if (e["kind"] == "pump.empty") sawEmpty = e["category"] == "complication";
    CHECK(sawEmpty);
    CHECK_FALSE(report["passed"].get<bool>());  // the declared event is a critical error in the rubric

    const assessment::Debrief d = assessment::debriefFromReport(report, &scenario.rubric, "pump report");
    const auto series = std::find_if(d.series.begin(), d.series.end(), [](const auto& x) { return x.key == "pump_ml"; });
    REQUIRE(series != d.series.end());
    CHECK(series->label == "Pumped");
    CHECK(series->maxValue() == Approx(8.0).epsilon(1e-9));
    const auto metric = std::find_if(d.metrics.begin(), d.metrics.end(), [](const auto& x) { return x.name == "pump_volume_ml"; });
    REQUIRE(metric != d.metrics.end());
    CHECK(metric->weight > 0.0);
    const std::string html = assessment::debriefHtml(d, {});
    CHECK_THAT(html, Catch::Contains("Pumped"));
    CHECK_THAT(html, Catch::Contains("the syringe ran dry"));
    // The action table is in the generated documentation of every registered procedure.
    CHECK_THAT(sim::actionsMarkdown(), Catch::Contains("| `pump.push` |"));
}

TEST_CASE("a scenario key nobody reads is an error naming the file, the line and the key", "[sim][seam][scenario]") {
    REQUIRE(loadError(kPumpScenario).empty());
    // A misspelt key in the procedure's own section, with the key it was meant to be.
    const std::string typo = loadError(replaced(kPumpScenario, "syringe_ml = 10", "syringe_ml = 10\nsyringe_mll = 5"));
    CHECK_THAT(typo, Catch::StartsWith("s.toml:11: pump.syringe_mll: unknown key 'syringe_mll'"));
    CHECK_THAT(typo, Catch::Contains("did you mean 'syringe_ml'"));
    // A misspelt common key and a whole unknown section.
    CHECK_THAT(loadError(replaced(kPumpScenario, "title = \"A pump\"", "title = \"A pump\"\npass_mark = 60")),
               Catch::StartsWith("s.toml:4: scenario.pass_mark: unknown key"));
    CHECK_THAT(loadError(std::string(kPumpScenario) + "\n[pumpp]\nsyringe_ml = 3\n"),
               Catch::Contains("pumpp: unknown key 'pumpp'; did you mean 'pump'?"));
}

TEST_CASE("a rubric naming a metric or event the procedure never produces is refused at load", "[sim][seam][scenario]") {
    const std::string metric = loadError(replaced(kPumpScenario, "name = \"pump_volume_ml\"", "name = \"pump_volum_ml\""));
    CHECK_THAT(metric, Catch::StartsWith("s.toml:13: rubric.metric[0].name: procedure 'test-pump' produces no metric 'pump_volum_ml'"));
    CHECK_THAT(metric, Catch::Contains("did you mean 'pump_volume_ml'"));
    const std::string event = loadError(replaced(kPumpScenario, "event = \"pump.empty\"", "event = \"pump.emtpy\""));
    CHECK_THAT(event, Catch::StartsWith("s.toml:18: rubric.critical[0].event: procedure 'test-pump' produces no event 'pump.emtpy'"));
    // The metrics every session produces are allowed under any procedure.
    CHECK(loadError(replaced(kPumpScenario, "name = \"pump_volume_ml\"", "name = \"fluoro_time_s\"")).empty());
}

TEST_CASE("every action is checked against its table at submit, before anything happens", "[sim][seam][actions]") {
    sim::Session s(sim::parseScenario(kPumpScenario, "pump.toml"), test::cylinderPatient());
    const auto error = [&](sim::Action a) {
        a.file = "log.jsonl", a.line = 7;
        try {
            s.submit(a);
        } catch (const DataError& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    CHECK(error(act(1, "pump.push", {{"ml", 2}})).empty());
    CHECK_THAT(error(act(1, "pump.push", {{"ml", 2}, {"rat_ml_s", 1}})),
               Catch::StartsWith("log.jsonl:7: rat_ml_s: unknown field for action 'pump.push'; did you mean 'rate_ml_s'?"));
    CHECK_THAT(error(act(1, "pump.push", {{"ml", 200}})),
               Catch::StartsWith("log.jsonl:7: ml: expected a number, 0.1 to 20 ml, got 200"));
    CHECK_THAT(error(act(1, "pump.push", {{"ml", "two"}})), Catch::Contains("expected a number"));
    CHECK_THAT(error(act(1, "pump.push")), Catch::StartsWith("log.jsonl:7: ml: action 'pump.push' needs 'ml'"));
    CHECK_THAT(error(act(1, "pump.pull")), Catch::Contains("unknown action 'pump.pull' for procedure 'test-pump'; did you mean 'pump.push'?"));
    // The imaging actions have their tables too: a pulse rate the system does not offer, a table
    // moved beyond its travel, a coordinate no patient has.
    CHECK_THAT(error(act(1, "fluoro.rate", {{"pps", 10}})), Catch::Contains("pps: expected a number, 7.5, 15 or 30"));
    CHECK_THAT(error(act(1, "table.move", {{"lateral_mm", 100000}})), Catch::Contains("lateral_mm: expected a number, -300 to 300"));
    CHECK_THAT(error(act(1, "contrast.inject", {{"ml", 5}, {"at", {1e308, 1e308, 1e308}}})),
               Catch::Contains("at: expected a landmark or branch name, or [x, y, z]"));
    // Nothing was queued by the refused actions: the session plays as if they never came.
    s.play({act(3, "procedure.end")});
    CHECK(s.metrics().at("pump_pushes").value == 1.0);
}

TEST_CASE("a restored snapshot plays on to the same state, bit for bit, as playing straight through", "[sim][seam][snapshot]") {
    const sim::Scenario scenario = sim::parseScenario(kPumpScenario, "pump.toml");
    sim::Session straight(scenario, test::cylinderPatient());
    straight.play(pumpLog());

    sim::Session s(scenario, test::cylinderPatient());
    for (const sim::Action& a : pumpLog()) s.submit(a);
    s.advanceTo(5.0);
    const sim::SessionSnapshot at5 = s.snapshot();
    const uint64_t hashAt5 = s.stateHash();
    s.advanceTo(9.0);
    CHECK(s.stateHash() != hashAt5);
    s.restore(at5);
    CHECK(s.stateHash() == hashAt5);
    s.advanceTo(14.0);
    s.end("end of the action log");
    CHECK(s.stateHash() == straight.stateHash());
    CHECK(sim::buildReport(s, {}).dump() == sim::buildReport(straight, {}).dump());
}
