// A phased procedure: the registered procedures a scenario lists, composed from their declarations
// (phases.h). Nothing here names a procedure.
#include "sim/phases.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <stdexcept>

#include "core/text.h"
#include "sim/scenario.h"
#include "sim/session.h"

namespace irsim::sim {

namespace {

constexpr char kJoin = '+';

const PhasedProcedure* phasedOf(const Session& session) {
    return dynamic_cast<const PhasedProcedure*>(&session.procedure());
}

// The phase's title as it reads inside a sentence ("thermal ablation").
std::string lowerTitle(const ProcedureSpec& spec) {
    std::string t = spec.title;
    if (!t.empty() && t[0] >= 'A' && t[0] <= 'Z' && !(t.size() > 1 && t[1] >= 'A' && t[1] <= 'Z')) t[0] = static_cast<char>(t[0] - 'A' + 'a');
    return t;
}

std::shared_ptr<const ProcedureDefinition> parsePhases(const std::vector<const ProcedureSpec*>& specs, const Scenario& s) {
    auto def = std::make_shared<PhasedDefinition>();
    def->specs = specs;
    std::map<std::string, std::string> producedBy;
    for (const ProcedureSpec* spec : specs) {
        def->phases.push_back(spec->parse(s));
        for (const MetricSpec& m : def->phases.back()->metrics()) {
            auto [it, added] = producedBy.emplace(m.name, spec->name);
            if (!added)
                s.doc.fail("scenario.procedures", "'" + it->second + "' and '" + spec->name + "' both produce the metric '" +
                                                      m.name + "': they cannot run in one session");
        }
    }
    return def;
}

// A phase's action, taken only while its phase is the current one.
ActionSpec phaseAction(const ActionSpec& action, size_t phase, const ProcedureSpec& spec) {
    ActionSpec a = action;
    a.effect = "(" + spec.name + " phase) " + action.effect;
    a.apply = [phase, inner = action.apply, title = lowerTitle(spec)](Procedure& p, const Action& act, Session& s) {
        auto& phased = static_cast<PhasedProcedure&>(p);
        if (phased.currentPhase() != phase)
            return s.addEvent("action.refused", act.kind + ": only during the " + title + (phased.currentPhase() < phase
                                                                                              ? " (procedure.next to begin it)"
                                                                                              : ", which is over"));
        inner(phased.phase(phase), act, s);
    };
    return a;
}

// The phases' panels in one: each phase's controls show while it is current (their ids prefixed
// with its name, so two phases may both have an "advance"), a button hands over to the next.
PanelSpec phasedPanel(const std::vector<const ProcedureSpec*>& specs) {
    PanelSpec panel;
    std::vector<std::string> titles;
    for (const ProcedureSpec* s : specs) titles.push_back(s->title);
    panel.title = titles.front();
    for (size_t i = 1; i < titles.size(); ++i) panel.title += ", then " + lowerTitle(*specs[i]);
    PanelControl next;
    next.kind = ControlKind::Button, next.id = "procedure.next", next.label = "Next phase";
    next.press = [](const PanelInputs&, const Session& s) {
        return std::vector<Action>{Action{s.time_s(), "procedure.next", nlohmann::json::object(), "", 0}};
    };
    next.liveLabel = [specs](const Session& s) {
        const PhasedProcedure* p = phasedOf(s);
        const size_t n = p ? p->currentPhase() + 1 : 1;
        return n < specs.size() ? "Done: on to " + lowerTitle(*specs[n]) : std::string("Last phase");
    };
    next.shown = [n = specs.size()](const Session& s) {
        const PhasedProcedure* p = phasedOf(s);
        return p && p->currentPhase() + 1 < n;
    };
    panel.controls.push_back(next);
    panel.imagingControlsOpen = false;
    for (size_t phase = 0; phase < specs.size(); ++phase) {
        const PanelSpec& own = specs[phase]->panel;
        const std::string prefix = specs[phase]->name + "/";
        auto current = [phase](const Session& s) {
            const PhasedProcedure* p = phasedOf(s);
            return p && p->currentPhase() == phase;
        };
        for (const PanelControl& c : own.controls) {
            PanelControl pc = c;
            pc.id = prefix + c.id;
            pc.shown = [current, inner = c.shown](const Session& s) { return current(s) && (!inner || inner(s)); };
            if (c.press)
                pc.press = [prefix, inner = c.press](const PanelInputs& in, const Session& s) {
                    PanelInputs own;
                    for (const auto& [id, v] : in.numbers)
                        if (id.rfind(prefix, 0) == 0) own.numbers[id.substr(prefix.size())] = v;
                    for (const auto& [id, v] : in.choices)
                        if (id.rfind(prefix, 0) == 0) own.choices[id.substr(prefix.size())] = v;
                    return inner(own, s);
                };
            panel.controls.push_back(std::move(pc));
        }
        for (const std::string& h : own.help) panel.help.push_back(h);
        // Open when any phase needs them from the start (an ablation's CT).
        panel.imagingControlsOpen = panel.imagingControlsOpen || own.imagingControlsOpen;
    }
    panel.readout = [specs](const Session& s) {
        std::vector<ReadoutLine> lines;
        const PhasedProcedure* p = phasedOf(s);
        if (!p) return lines;
        const size_t n = p->currentPhase();
        lines.push_back({formatted("Phase %zu of %zu: ", n + 1, specs.size()) + specs[n]->title, false});
        if (specs[n]->panel.readout)
            for (ReadoutLine& l : specs[n]->panel.readout(s)) lines.push_back(std::move(l));
        return lines;
    };
    panel.drag = [specs](double rightPx, double downPx, const Session& s) {
        const PhasedProcedure* p = phasedOf(s);
        const std::function<std::vector<Action>(double, double, const Session&)>* own =
            p ? &specs[p->currentPhase()]->panel.drag : nullptr;
        return own && *own ? (*own)(rightPx, downPx, s) : std::vector<Action>{};
    };
    return panel;
}

ProcedureSpec composePhases(const std::string& name, const std::vector<const ProcedureSpec*>& specs) {
    ProcedureSpec p;
    p.name = name;
    p.title = phasedPanel(specs).title;
    for (const ProcedureSpec* s : specs) p.docs += (p.docs.empty() ? "" : ", ") + s->docs;
    p.parse = [specs](const Scenario& s) { return parsePhases(specs, s); };
    p.make = constructed<PhasedProcedure>();
    p.actions = phaseActions();
    p.events.push_back({"procedure.next", assessment::EventCategory::Session, "Next procedure begins"});
    std::map<std::string, std::string> actionOf;
    for (size_t i = 0; i < specs.size(); ++i) {
        const ProcedureSpec& s = *specs[i];
        for (const ActionSpec& a : s.actions) {
            auto [it, added] = actionOf.emplace(a.name, s.name);
            if (!added)
                throw std::logic_error("procedures '" + it->second + "' and '" + s.name + "' both declare the action " + a.name);
            p.actions.push_back(phaseAction(a, i, s));
        }
        for (const EventSpec& e : s.events)
            if (std::none_of(p.events.begin(), p.events.end(), [&](const EventSpec& x) { return x.kind == e.kind; }))
                p.events.push_back(e);
        for (const QuantitySpec& q : s.quantities) {
            if (std::any_of(p.quantities.begin(), p.quantities.end(), [&](const QuantitySpec& x) { return x.key == q.key; }))
                throw std::logic_error("two procedures of '" + name + "' both declare the quantity " + q.key);
            p.quantities.push_back(q);
        }
    }
    p.panel = phasedPanel(specs);
    return p;
}

}  // namespace

const std::vector<ActionSpec>& phaseActions() {
    static const std::vector<ActionSpec> a = {
        {"procedure.next", {},
         "hands over to the scenario's next procedure (scenario.procedures): the one before is done, its devices put down",
         [](Procedure& proc, const Action& act, Session& s) { static_cast<PhasedProcedure&>(proc).next(act, s); }}};
    return a;
}

std::string phasedProcedureName(const std::vector<std::string>& phases) {
    std::string out;
    for (const std::string& p : phases) out += (out.empty() ? "" : std::string(1, kJoin)) + p;
    return out;
}

std::vector<std::string> phasesOf(const std::string& phasedName) {
    std::vector<std::string> out(1);
    for (char c : phasedName)
        if (c == kJoin) out.emplace_back();
        else out.back() += c;
    return out;
}

bool isPhasedName(const std::string& name) { return name.find(kJoin) != std::string::npos; }

const ProcedureSpec* phasedProcedure(const std::string& phasedName) {
    static std::mutex mutex;
    static std::map<std::string, ProcedureSpec> built;
    const std::lock_guard<std::mutex> lock(mutex);
    auto it = built.find(phasedName);
    if (it != built.end()) return &it->second;
    std::vector<const ProcedureSpec*> specs;
    for (const std::string& n : phasesOf(phasedName)) {
        const ProcedureSpec* s = isPhasedName(n) ? nullptr : findProcedure(n);
        if (!s) return nullptr;
        specs.push_back(s);
    }
    if (specs.size() < 2) return nullptr;
    return &built.emplace(phasedName, composePhases(phasedName, specs)).first->second;
}

std::vector<MetricSpec> PhasedDefinition::metrics() const {
    std::vector<MetricSpec> m = {{"phases_begun", "phases", "Procedures begun (of the scenario's phases)"}};
    for (const auto& d : phases) {
        const std::vector<MetricSpec> own = d->metrics();
        m.insert(m.end(), own.begin(), own.end());
    }
    return m;
}

PhasedProcedure::PhasedProcedure(const Scenario& scenario, const patient::Patient& patient) {
    const auto& def = static_cast<const PhasedDefinition&>(*scenario.definition);
    specs_ = def.specs;
    for (size_t i = 0; i < specs_.size(); ++i) {
        // Each phase sees the scenario as its own: its name and its definition.
        Scenario own = scenario;
        own.procedure = specs_[i]->name;
        own.definition = def.phases[i];
        phases_.push_back(specs_[i]->make(own, patient));
    }
}

PhasedProcedure::PhasedProcedure(const PhasedProcedure& other) : specs_(other.specs_), current_(other.current_) {
    for (const auto& p : other.phases_) phases_.push_back(p->clone());
}

void PhasedProcedure::next(const Action& a, Session& session) {
    if (current_ + 1 >= phases_.size())
        return session.addEvent("action.refused", a.kind + ": " + lowerTitle(*specs_[current_]) + " is the last procedure");
    ++current_;
    session.addEvent("procedure.next", specs_[current_ - 1]->title + " done; " + lowerTitle(*specs_[current_]) + " begins");
}

void PhasedProcedure::step(Session& session) {
    for (size_t i = 0; i <= current_; ++i) phases_[i]->step(session);
}

void PhasedProcedure::addMetrics(const Session& session, assessment::Metrics& metrics) const {
    metrics["phases_begun"] = {static_cast<double>(current_ + 1), "phases"};
    for (const auto& p : phases_) p->addMetrics(session, metrics);
}

std::vector<double> PhasedProcedure::quantities(const Session& session) const {
    std::vector<double> q;
    for (const auto& p : phases_) {
        const std::vector<double> own = p->quantities(session);
        q.insert(q.end(), own.begin(), own.end());
    }
    return q;
}

imaging::FrameContents PhasedProcedure::radiopaqueContents(const Session& session) const {
    return phases_[current_]->radiopaqueContents(session);
}

std::vector<DeviceOutline> PhasedProcedure::deviceOutlines(const Session& session) const {
    return phases_[current_]->deviceOutlines(session);
}

std::optional<glm::dvec3> PhasedProcedure::catheterTip(const Session& session) const {
    return phases_[current_]->catheterTip(session);
}

double PhasedProcedure::arterialFlowShare(const Session& session, int segment) const {
    double share = 1.0;
    for (size_t i = 0; i <= current_; ++i) share *= phases_[i]->arterialFlowShare(session, segment);
    return share;
}

std::optional<double> PhasedProcedure::injectionFlowLimitMlPerS(const Session& session) const {
    return phases_[current_]->injectionFlowLimitMlPerS(session);
}

std::optional<glm::dvec3> PhasedProcedure::ctFollowPoint(const Session& session) const {
    for (size_t i = current_ + 1; i-- > 0;)
        if (auto p = phases_[i]->ctFollowPoint(session)) return p;
    return std::nullopt;
}

std::vector<DeviceState> PhasedProcedure::devices(const Session& session) const {
    std::vector<DeviceState> d;
    for (size_t i = 0; i <= current_; ++i) {
        const std::vector<DeviceState> own = phases_[i]->devices(session);
        d.insert(d.end(), own.begin(), own.end());
    }
    return d;
}

void PhasedProcedure::ctOverlay(const Session& session, CtOverlay& overlay) const {
    for (size_t i = 0; i <= current_; ++i) phases_[i]->ctOverlay(session, overlay);
}

std::vector<ResultPicture> PhasedProcedure::resultPictures(const Session& session) const {
    std::vector<ResultPicture> out;
    for (size_t i = 0; i <= current_; ++i) {
        std::vector<ResultPicture> own = phases_[i]->resultPictures(session);
        for (ResultPicture& r : own) out.push_back(std::move(r));
    }
    return out;
}

void PhasedProcedure::hashState(StateHash& hash) const {
    hash.add(static_cast<int>(current_));
    for (const auto& p : phases_) p->hashState(hash);
}

}  // namespace irsim::sim
