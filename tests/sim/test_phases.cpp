// Phased scenarios (sim/phases.h, docs/architecture.md "Phases"): two procedures defined here run
// one after the other in one session through the seam, with no change to shared code: each takes
// its actions only in its phase, `procedure.next` hands over, the metrics, events and quantities of
// both reach the report and the one rubric, whose goals from both gate; snapshots and the state
// hash cover both; the loader refuses a wrong `procedures` list.
#include <catch2/catch.hpp>

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

// A counter procedure: `<name>.count` adds n after `delay_s` of session time (so a step happens
// between the action and its effect, like a needle's advance); it counts while its phase runs.
struct CounterDefinition final : sim::ProcedureDefinition {
    std::string name;
    double perCount = 1.0;
    std::vector<sim::MetricSpec> metrics() const override { return {{name + "_total", "counts", "Counted"}}; }
};

class Counter final : public sim::Procedure {
public:
    explicit Counter(const CounterDefinition& d) : name_(d.name), perCount_(d.perCount) {}
    std::unique_ptr<sim::Procedure> clone() const override { return std::make_unique<Counter>(*this); }
    void count(const sim::Action& a, sim::Session& session) {
        pending_ += a.requireNumber("n") * perCount_;
        dueS_ = session.time_s() + a.number("delay_s", 0.5);
        session.addEvent(name_ + ".count", "");
    }
    void step(sim::Session& session) override {
        ++steps_;
        if (pending_ > 0.0 && session.time_s() >= dueS_) total_ += pending_, pending_ = 0.0;
    }
    void addMetrics(const sim::Session&, assessment::Metrics& m) const override { m[name_ + "_total"] = {total_, "counts"}; }
    std::vector<double> quantities(const sim::Session&) const override { return {total_}; }
    void hashState(StateHash& h) const override { h.add(total_).add(pending_).add(dueS_).add(steps_); }
    int64_t steps() const { return steps_; }

private:
    std::string name_;
    double perCount_ = 1.0, total_ = 0.0, pending_ = 0.0, dueS_ = 0.0;
    int64_t steps_ = 0;
};

bool registerCounter(const std::string& name) {
    sim::ProcedureSpec spec;
    spec.name = "test-" + name;
    spec.title = "Counter " + name;
    spec.parse = [name](const sim::Scenario& s) {
        auto d = std::make_shared<CounterDefinition>();
        d->name = name;
        d->perCount = s.doc.number(name + ".per_count", 1.0, 0.1, 10.0);
        return d;
    };
    spec.make = [](const sim::Scenario& s, const patient::Patient&) {
        return std::make_unique<Counter>(static_cast<const CounterDefinition&>(*s.definition));
    };
    spec.actions = {{name + ".count",
                     {sim::numberArg("n", "counts", 1, 100).require(), sim::numberArg("delay_s", "s", 0, 10).orElse(0.5)},
                     "counts", sim::handledBy(&Counter::count)}};
    spec.events = {{name + ".count", assessment::EventCategory::Therapy, "Count"}};
    spec.quantities = {{name + "_count", "Counted", "counts"}};
    sim::PanelControl c;
    c.kind = sim::ControlKind::Number, c.id = "n", c.label = "n", c.initial = 2, c.lo = 1, c.hi = 100;
    spec.panel.controls.push_back(c);
    spec.panel.controls.push_back(sim::buttonControl("count", "Count", [name](const sim::PanelInputs& in, const auto&, double t) {
        return sim::Action{t, name + ".count", {{"n", in.number("n")}}, "", 0};
    }));
    spec.panel.title = "Counter " + name;
    return sim::registerProcedure(spec);
}

[[maybe_unused]] const bool kRegistered = registerCounter("alpha") && registerCounter("beta");

const char* kScenario = R"(
[scenario]
title = "Two counters"
procedures = ["test-alpha", "test-beta"]

[patient.phantom]
seed = 3

[alpha]
per_count = 2

[beta]
per_count = 1

[[rubric.metric]]
name = "beta_total"
full_marks_at = 4
zero_at = 0

[[rubric.goal]]
metric = "alpha_total"
at_least = 4
reason = "alpha did not count to 4"

[[rubric.goal]]
metric = "beta_total"
at_least = 3
reason = "beta did not count to 3"
)";


std::vector<sim::Action> fullLog() {
    return {act(0.5, "alpha.count", {{"n", 3}}),  // 6 after 0.5 s
            act(1.0, "beta.count", {{"n", 5}}),   // refused: beta's phase has not begun
            act(2.0, "procedure.next"),
            act(2.5, "alpha.count", {{"n", 1}}),  // refused: alpha's phase is over
            act(3.0, "beta.count", {{"n", 4}}),   // 4 after 0.5 s
            act(4.0, "procedure.next"),           // refused: the last phase
            act(5.0, "procedure.end")};
}



}  // namespace

TEST_CASE("a phased scenario runs its procedures in turn, and both are scored by one rubric", "[sim][seam][phases]") {
    const sim::Scenario scenario = sim::parseScenario(kScenario, "phases.toml");
    CHECK(scenario.procedure == "test-alpha+test-beta");
    sim::Session s(scenario, test::cylinderPatient());
    s.play(fullLog());
    const auto m = s.metrics();
    CHECK(m.at("alpha_total").value == Approx(6.0).epsilon(1e-12));
    CHECK(m.at("beta_total").value == Approx(4.0).epsilon(1e-12));
    CHECK(m.at("phases_begun").value == 2.0);
    int refused = 0, next = 0;
    for (const auto& e : s.state().events) {
        refused += e.kind == "action.refused";
        next += e.kind == "procedure.next";
    }
    CHECK(refused == 3);
    CHECK(next == 1);
    // Both quantities in the timeline, after the imaging ones.
    REQUIRE(s.quantitySpecs().size() == 3);
    CHECK(s.quantitySpecs()[1].key == "alpha_count");
    CHECK(s.quantitySpecs()[2].key == "beta_count");
    // The first phase went on stepping after the hand-over; the second only from it (at 2 s of 5).
    const auto& alpha = s.procedureAs<Counter>();
    CHECK(alpha.steps() == sim::tickAtOrAfter(5.0));
    const auto* phased = dynamic_cast<const sim::PhasedProcedure*>(&s.procedure());
    REQUIRE(phased);
    CHECK(static_cast<const Counter&>(phased->phase(1)).steps() == sim::tickAtOrAfter(5.0) - sim::tickAtOrAfter(2.0));

    const nlohmann::json report = sim::buildReport(s, {});
    CHECK(report["metrics"].contains("alpha_total"));
    CHECK(report["metrics"].contains("beta_total"));
    CHECK(report["passed"].get<bool>());

    // A session that never hands over misses the second procedure's goal, and says so.
    sim::Session first(scenario, test::cylinderPatient());
    first.play({act(0.5, "alpha.count", {{"n", 3}}), act(5.0, "procedure.end")});
    const nlohmann::json r1 = sim::buildReport(first, {});
    CHECK_FALSE(r1["passed"].get<bool>());
    CHECK_THAT(r1["reasons"].dump(), Catch::Contains("beta did not count to 3"));
    CHECK_THAT(r1["reasons"].dump(), !Catch::Contains("alpha did not"));
}

TEST_CASE("a phased session is deterministic and a snapshot plays on to the same state", "[sim][seam][phases]") {
    const sim::Scenario scenario = sim::parseScenario(kScenario, "phases.toml");
    sim::Session a(scenario, test::cylinderPatient()), b(scenario, test::cylinderPatient());
    a.play(fullLog());
    b.play(fullLog());
    CHECK(a.stateHash() == b.stateHash());

    sim::Session c(scenario, test::cylinderPatient());
    for (const auto& x : fullLog()) c.submit(x);
    c.advanceTo(2.75);  // between the hand-over and beta's count
    const sim::SessionSnapshot snap = c.snapshot();
    c.advanceTo(5.0);
    const uint64_t straight = c.stateHash();
    c.restore(snap);
    c.advanceTo(5.0);
    CHECK(c.stateHash() == straight);
    // The hand-over is in the state: a session still in the first phase hashes differently.
    sim::Session d(scenario, test::cylinderPatient());
    d.play({act(0.5, "alpha.count", {{"n", 3}}), act(5.0, "procedure.end")});
    CHECK(d.stateHash() != a.stateHash());
}

TEST_CASE("the panel of a phased session shows the current phase's controls and the hand-over", "[sim][seam][phases]") {
    const sim::Scenario scenario = sim::parseScenario(kScenario, "phases.toml");
    sim::Session s(scenario, test::cylinderPatient());
    const sim::PanelSpec& panel = s.procedureSpec().panel;
    auto shown = [&](const std::string& id) {
        for (const auto& c : panel.controls)
            if (c.id == id) return !c.shown || c.shown(s);
        FAIL("no control " << id);
        return false;
    };
    CHECK(shown("procedure.next"));
    CHECK(shown("test-alpha/count"));
    CHECK_FALSE(shown("test-beta/count"));
    sim::PanelInputs in = sim::initialInputs(panel);
    in.numbers["test-alpha/n"] = 3;
    const auto pressed = sim::pressControl(panel, "test-alpha/count", in, s);
    REQUIRE(pressed.size() == 1);
    CHECK(pressed[0].kind == "alpha.count");
    CHECK(pressed[0].args["n"] == 3.0);
    for (const auto& x : sim::pressControl(panel, "procedure.next", in, s)) s.submit(x);
    s.advanceTo(0.1);
    CHECK_FALSE(shown("test-alpha/count"));
    CHECK(shown("test-beta/count"));
    CHECK_FALSE(shown("procedure.next"));
    CHECK_THAT(panel.readout(s).at(0).text, Catch::Contains("Phase 2 of 2"));
}

TEST_CASE("the loader refuses a wrong list of procedures, naming the field", "[sim][seam][phases]") {
    CHECK_THAT(loadError(replaced(kScenario, R"(procedures = ["test-alpha", "test-beta"])", R"(procedures = ["test-alpha", "test-gamma"])")),
               Catch::Contains("scenario.procedures[1]") && Catch::Contains("unknown procedure 'test-gamma'"));
    CHECK_THAT(loadError(replaced(kScenario, R"(procedures = ["test-alpha", "test-beta"])", R"(procedures = ["test-alpha"])")),
               Catch::Contains("scenario.procedures") && Catch::Contains("two or more"));
    CHECK_THAT(loadError(replaced(kScenario, R"(procedures = ["test-alpha", "test-beta"])", R"(procedures = ["test-alpha", "test-alpha"])")),
               Catch::Contains("listed twice"));
    CHECK_THAT(loadError(replaced(kScenario, R"(procedures = ["test-alpha", "test-beta"])",
                                  "procedure = \"test-alpha\"\nprocedures = [\"test-alpha\", \"test-beta\"]")),
               Catch::Contains("not both"));
    // A phase's own section is read by its own parse: an unknown key there is refused as ever.
    CHECK_THAT(loadError(replaced(kScenario, "per_count = 1", "per_count = 1\nper_cont = 2")),
               Catch::Contains("beta.per_cont"));
    // The rubric may name any phase's metric, but nothing neither produces.
    CHECK_THAT(loadError(replaced(kScenario, "metric = \"beta_total\"", "metric = \"gamma_total\"")),
               Catch::Contains("gamma_total"));
}
