#pragma once
// Several procedures in one session, one after another (docs/architecture.md, "Phases"): a scenario
// that lists `procedures = ["first", "second"]` (registered names) runs the first until the trainee hands
// over with `procedure.next`, then the second, in the same patient, on the same clock and images,
// scored by one rubric over the metrics of all of them. The phased procedure is composed here from
// the registered procedures' declarations and knows none of them: their sections are parsed by
// their own parse, their actions keep their names (each procedure's are distinct) and are refused
// outside their phase, their events, metrics and quantities are the union.
#include <memory>
#include <string>
#include <vector>

#include "sim/procedure.h"

namespace irsim::sim {

// The name a phased scenario's procedure goes by ("ablation+vertebroplasty"), and back.
std::string phasedProcedureName(const std::vector<std::string>& phases);
std::vector<std::string> phasesOf(const std::string& phasedName);
bool isPhasedName(const std::string& name);

// The spec of the procedures named by `phasedName` run in that order, built once and kept (its
// address stays valid); nullptr when one of them is not registered. Throws std::logic_error when
// two phases declare the same action (a programming error: each procedure's actions are its own).
const ProcedureSpec* phasedProcedure(const std::string& phasedName);

// The actions a phased session adds to its procedures' (procedure.next).
const std::vector<ActionSpec>& phaseActions();

// What a phased scenario's sections say: each phase's own definition.
struct PhasedDefinition final : ProcedureDefinition {
    std::vector<const ProcedureSpec*> specs;
    std::vector<std::shared_ptr<const ProcedureDefinition>> phases;
    std::vector<MetricSpec> metrics() const override;
};

// The running phases: every phase's procedure exists from the start (its model built from the
// patient); only the current one takes actions. A finished phase still steps (an ablation zone
// goes on cooling while the cement goes in) and keeps its CT overlay; its devices are put down at
// the hand-over (no longer in the images). A phase not yet begun does not step.
class PhasedProcedure final : public Procedure {
public:
    PhasedProcedure(const Scenario& scenario, const patient::Patient& patient);
    PhasedProcedure(const PhasedProcedure& other);

    std::unique_ptr<Procedure> clone() const override { return std::make_unique<PhasedProcedure>(*this); }
    void step(Session& session) override;
    void addMetrics(const Session& session, assessment::Metrics& metrics) const override;
    std::vector<double> quantities(const Session& session) const override;
    imaging::FrameContents radiopaqueContents(const Session& session) const override;
    std::optional<glm::dvec3> catheterTip(const Session& session) const override;
    double arterialFlowShare(const Session& session, int segment) const override;
    std::optional<double> injectionFlowLimitMlPerS(const Session& session) const override;
    std::optional<glm::dvec3> ctFollowPoint(const Session& session) const override;
    std::vector<DeviceState> devices(const Session& session) const override;
    std::vector<DeviceOutline> deviceOutlines(const Session& session) const override;
    void ctOverlay(const Session& session, CtOverlay& overlay) const override;
    std::vector<ResultPicture> resultPictures(const Session& session) const override;
    void hashState(StateHash& hash) const override;

    size_t phaseCount() const { return phases_.size(); }
    size_t currentPhase() const { return current_; }
    const Procedure& phase(size_t i) const { return *phases_.at(i); }
    Procedure& phase(size_t i) { return *phases_.at(i); }
    // The action `procedure.next`.
    void next(const Action& a, Session& session);

private:
    std::vector<const ProcedureSpec*> specs_;
    std::vector<std::unique_ptr<Procedure>> phases_;
    size_t current_ = 0;
};

}  // namespace irsim::sim
