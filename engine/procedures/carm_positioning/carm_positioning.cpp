// The C-arm positioning exercise: obtain the views a procedure needs (a true AP and a true lateral
// of a vertebra, an owl's-eye oblique, ...) centred on the target, with as little fluoroscopy as
// possible. It teaches the C-arm's degrees of freedom before any device goes in.
#include <algorithm>
#include <cmath>
#include <limits>

#include "procedures/carm_positioning/carm_positioning.h"
#include "sim/session.h"

namespace irsim::procedures::carm_positioning {

using namespace sim;

namespace {

struct ViewGoal {
    std::string name;        // "ap", "lateral"; metric names derive from it
    std::string target;      // structure to centre
    double laoDeg = 0.0;
    double cranDeg = 0.0;
    glm::dvec3 targetLps{0.0};
};

// The [[goal.view]] tables of a scenario: the views to obtain.
struct Definition final : ProcedureDefinition {
    std::vector<ViewGoal> goals;  // targetLps unset until the patient is known
    std::vector<MetricSpec> metrics() const override {
        std::vector<MetricSpec> m;
        for (const ViewGoal& g : goals) {
            m.push_back({"view_" + g.name + "_angle_error_deg", "deg", g.name + " view: angle from the true view"});
            m.push_back({"view_" + g.name + "_centring_mm", "mm", g.name + " view: target from the centre"});
        }
        return m;
    }
};

std::shared_ptr<const ProcedureDefinition> parse(const Scenario& s) {
    const ScenarioDocument& d = s.doc;
    auto def = std::make_shared<Definition>();
    const size_t n = d.arraySize("goal.view");
    if (n == 0) d.fail("goal.view", "a carm-positioning scenario needs at least one [[goal.view]]");
    for (size_t i = 0; i < n; ++i) {
        const std::string path = "goal.view[" + std::to_string(i) + "]";
        ViewGoal g;
        g.name = d.requireText(path + ".name");
        g.target = d.text(path + ".target", s.target);
        g.laoDeg = d.requireNumber(path + ".lao_deg", -120.0, 120.0);
        g.cranDeg = d.number(path + ".cran_deg", 0.0, -45.0, 45.0);
        def->goals.push_back(g);
    }
    return def;
}

class CArmPositioning final : public Procedure {
public:
    CArmPositioning(const Scenario& s, const patient::Patient& p) {
        goals_ = static_cast<const Definition&>(*s.definition).goals;
        for (size_t i = 0; i < goals_.size(); ++i) {
            ViewGoal& g = goals_[i];
            auto c = p.centroidOf(g.target);
            if (!c) s.doc.fail("goal.view[" + std::to_string(i) + "].target", "the patient has no structure '" + g.target + "'");
            g.targetLps = *c;
        }
    }

    std::unique_ptr<Procedure> clone() const override { return std::make_unique<CArmPositioning>(*this); }
    // The goals are the model; the exercise keeps no state of its own beyond the session's.
    void hashState(StateHash&) const override {}

    void addMetrics(const Session& session, assessment::Metrics& m) const override {
        for (const ViewGoal& g : goals_) {
            // The best stored image for this view: smallest angle error, then centring.
            double bestAngle = std::numeric_limits<double>::infinity();
            double bestCentring = 0.0;
            for (const ImageTaken& img : session.state().images) {
                if (img.kind != ImageKind::Stored) continue;
                const double angle = angleBetweenViews(img.pose, g);
                if (angle < bestAngle) {
                    bestAngle = angle;
                    bestCentring = centringErrorMm(img.pose, g.targetLps);
                }
            }
            if (!std::isfinite(bestAngle)) continue;  // not obtained: the rubric scores it zero
            m["view_" + g.name + "_angle_error_deg"] = {bestAngle, "deg"};
            m["view_" + g.name + "_centring_mm"] = {bestCentring, "mm"};
        }
    }

private:
    // Angle between the stored image's beam and the goal's beam, degrees.
    static double angleBetweenViews(const imaging::CArmPose& pose, const ViewGoal& g) {
        imaging::CArmPose want = pose;
        want.laoDeg = g.laoDeg;
        want.cranDeg = g.cranDeg;
        const double c = glm::dot(imaging::frameOf(pose).beam, imaging::frameOf(want).beam);
        return glm::degrees(std::acos(std::clamp(c, -1.0, 1.0)));
    }
    // How far the target projects from the image centre, in mm at the isocentre plane (what the
    // trainee sees, divided by the magnification).
    static double centringErrorMm(const imaging::CArmPose& pose, const glm::dvec3& target) {
        const imaging::CArmFrame f = imaging::frameOf(pose);
        const glm::dvec3 toTarget = target - f.source;
        const double along = glm::dot(toTarget, f.beam);
        // A target behind the focal spot (the table driven far off) is on no image: its distance
        // from the isocentre, more than the source's, says how far off it is and scores zero.
        if (along <= 0.0) return glm::length(target - pose.isocentre);
        const glm::dvec3 onDetector = f.source + toTarget * (pose.sourceToImageMm / along);
        const glm::dvec3 offset = onDetector - f.detectorCentre;
        const double magnification = pose.sourceToImageMm / pose.sourceToIsocentreMm;
        return glm::length(offset) / magnification;
    }

    std::vector<ViewGoal> goals_;
};

}  // namespace

ProcedureSpec spec() {
    ProcedureSpec s;
    s.name = "carm-positioning";
    s.title = "C-arm positioning";
    s.docs = "engine/procedures/carm_positioning/README.md";
    s.parse = parse;
    s.make = sim::constructed<CArmPositioning>();
    // Only the imaging actions: the exercise is the C-arm itself.
    // The figures are those of scenarios/carm-positioning-l1.toml.
    s.scenarioTemplate.target = "vertebrae_L1";
    s.scenarioTemplate.sections = R"(# One [[goal.view]] per view to obtain; its metrics are view_<name>_angle_error_deg and
# view_<name>_centring_mm of the best stored image.
[[goal.view]]
name = "ap"
target = "{target}"
lao_deg = 0
cran_deg = 0

[[goal.view]]
name = "lateral"
target = "{target}"
lao_deg = 90
cran_deg = 0
)";
    // Each view must have been stored: a session without it has not done the exercise.
    s.scenarioTemplate.rubric.goals = {{"no AP view stored", "view_ap_angle_error_deg", std::nullopt, 20.0},
                                       {"no lateral view stored", "view_lateral_angle_error_deg", std::nullopt, 20.0}};
    s.scenarioTemplate.rubric.metrics = {{"view_ap_angle_error_deg", "deg", "AP view angle error", 2.0, 10.0, 3.0},
                                         {"view_lateral_angle_error_deg", "deg", "Lateral view angle error", 2.0, 10.0, 3.0}};
    return s;
}

}  // namespace irsim::procedures::carm_positioning
