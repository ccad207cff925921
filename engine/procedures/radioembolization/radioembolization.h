#pragma once
// Hepatic Y-90 radioembolization (engine/procedures/radioembolization/README.md): the endovascular
// navigation to the treated branch (the endovascular procedure, whose hands, devices, panel and
// events this one keeps), then the therapy through the microcatheter: the activity plan on the
// patient's volumes (therapy/radioembolization.h), the spheres drawn from the vial, infused and
// flushed at a rate, split down the tree by flow, refluxing and stagnating as resin does
// (therapy/microspheres.h), and the absorbed dose from where they lodged (therapy/microsphere_dose.h).
// Units: GBq, ml, ml/s, Gy, mm, s.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "procedures/endovascular/endovascular.h"
#include "therapy/microsphere_dose.h"
#include "therapy/microspheres.h"
#include "therapy/radioembolization.h"

namespace irsim::procedures::radioembolization {

using sim::Action;
using sim::Session;

sim::ProcedureSpec spec();

// The [endovascular] and [radioembolization] sections of a scenario, typed.
struct Definition final : endovascular::Definition {
    therapy::SphereKind device = therapy::SphereKind::Resin;
    double vialGBq = 3.0;                // at calibration
    double hoursAfterCalibration = 0.0;  // when the session takes place
    double lungShuntFraction = 0.0;      // from the MAA scan
    double heightCm = 170.0, weightKg = 70.0;
    double lungKg = 1.0;
    double priorLungDoseGy = 0.0;
    std::string territory;               // the branch whose territory is treated ("right_hepatic")
    std::vector<sim::MetricSpec> metrics() const override;
};

// Fixed for the session: the sphere model on the patient's tree with its territories.
struct DeliveryModel {
    therapy::MicrosphereModel spheres;
    therapy::TerritoryMap territories;
    double liverMl = 0.0, tumourMl = 0.0;  // the whole liver (tumour included) and all tumour
    double availableGBq = 0.0;             // the vial at the treatment time
    int gdaOrigin = -1;                    // the node the gastroduodenal artery leaves; -1 if none
};

// The activity plan as the trainee made it.
struct PlanMade {
    therapy::Plan plan;
    std::string territory;
};

// An infusion (spheres or a saline flush) under way.
struct Infusion {
    double leftMl = 0.0;
    double rateMlPerS = 0.0;
    double pendingMl = 0.0;   // infused since the model last moved the spheres
    bool refluxSeen = false;  // this infusion's reflux has been reported
};

struct DeliveryState {
    std::optional<PlanMade> plan;
    therapy::MicrosphereState spheres;
    Infusion infusion;
    std::vector<std::string> nonTargetOrgans;  // reported, in order
    bool stasisSeen = false;
    int infusions = 0;
    std::string firstInfusionBranch;
    std::optional<double> tipToGdaMm;  // at the first infusion: + beyond the GDA origin, - before it
};

class Radioembolization final : public endovascular::Endovascular {
public:
    Radioembolization(const sim::Scenario& scenario, const patient::Patient& patient);

    std::unique_ptr<sim::Procedure> clone() const override { return std::make_unique<Radioembolization>(*this); }
    void step(Session& session) override;
    void addMetrics(const Session& session, assessment::Metrics& metrics) const override;
    std::vector<double> quantities(const Session& session) const override;
    // The embolic load slows the flow: contrast checks late in a resin delivery show stasis.
    double arterialFlowShare(const Session& session, int segment) const override;
    void hashState(StateHash& hash) const override;
    // Contrast injected through the microcatheter enhances the territory it perfuses while it runs:
    // a CT then (cone-beam CT, as many centres do before delivery) shows the perfused territory.
    void ctOverlay(const Session& session, sim::CtOverlay& overlay) const override;
    // The absorbed dose over the CT, axial through the tumour (or the hottest voxel): "dose-map".
    std::vector<sim::ResultPicture> resultPictures(const Session& session) const override;

    static const Radioembolization& of(const Session& session) {
        return session.procedureAs<Radioembolization>();
    }
    const DeliveryModel& delivery() const { return *delivery_; }
    const DeliveryState& deliveryState() const { return delivery_state_; }
    const Definition& definition() const { return *definition_; }
    // GBq that have left the delivery set into the patient.
    double deliveredGBq() const;
    // The tree node whose segment the delivering catheter's tip is in (the access segment when the
    // tip is still in the sheath).
    int tipSegment() const;

    // The actions (spec.cpp binds them).
    void planActivity(const Action& a, Session& session);
    void prepare(const Action& a, Session& session);
    void infuse(const Action& a, Session& session);  // spheres.infuse and spheres.flush

private:
    void moveSpheres(Session& session);
    std::optional<double> signedDistanceToGda(int segment) const;

    std::shared_ptr<const Definition> definition_;
    std::shared_ptr<const DeliveryModel> delivery_;
    DeliveryState delivery_state_;
};

// The window's controls (panel.cpp): the navigation's, then planning, drawing and infusing.
namespace controls {
sim::PanelSpec panel();
}

}  // namespace irsim::procedures::radioembolization
