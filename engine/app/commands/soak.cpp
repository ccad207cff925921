// `irsim soak`: a seeded random trainee works through each registered procedure for a long stretch
// of simulated time (docs/robustness.md). It draws actions from the procedure's action table and the
// imaging actions, with arguments anywhere in their declared ranges, at random moments; names a
// table cannot list (a device, a landmark, an image label) come from the patient and the scenario's
// shipped logs. While it runs it checks that nothing in the state is NaN or infinite, that every
// device in the patient is inside the CT's volume and, on a vessel, inside its lumen, and that memory
// stays bounded; at the end the log it recorded, read back from disk, must replay to the same state
// hash. Exit status 1 names the first broken rule.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "app/command.h"
#include "core/error.h"
#include "core/paths.h"
#include "core/rng.h"
#include "core/text.h"
#include "sim/action.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"
#include "sim/session.h"

namespace irsim::app {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

struct SoakArgs {
    std::vector<std::string> procedures;  // empty: every registered one
    std::string scenario;                 // one scenario instead of the first of each procedure
    double seconds = 3600.0;
    double meanIntervalS = 4.0;
    uint64_t seed = 1;
    std::string logDir;
    double maxGrowthMb = 256.0;
    double lumenToleranceMm = 1.0;
} gSoak;

// A violation: the message says what, where and when.
struct SoakFailure : std::runtime_error {
    using std::runtime_error::runtime_error;
};

double residentMb() {
    std::ifstream f("/proc/self/statm");
    long pages = 0, resident = 0;
    f >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

// The first shipped scenario (scenarios/*.toml, in name order) of a procedure.
std::string scenarioOf(const std::string& procedure) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(projectRoot() / "scenarios"))
        if (e.path().extension() == ".toml") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files)
        if (sim::loadScenario(f.string()).procedure == procedure) return f.string();
    throw DataError(procedure, 0, "procedure", "no shipped scenario under scenarios/ uses this procedure");
}

// Values of text and place arguments the shipped logs of this scenario use, per field name (a
// device id pushed is one that can be inserted): device ids on the tray, landmarks, branches,
// image labels a table cannot enumerate.
std::map<std::string, std::vector<json>> shippedValues(const std::string& scenarioFile) {
    std::map<std::string, std::vector<json>> pool;
    const fs::path sc(scenarioFile);
    const std::string stem = sc.stem().string() + ".";
    std::vector<fs::path> logs;
    for (const auto& e : fs::directory_iterator(sc.parent_path()))
        if (e.path().extension() == ".jsonl" && e.path().filename().string().rfind(stem, 0) == 0) logs.push_back(e.path());
    std::sort(logs.begin(), logs.end());
    for (const auto& l : logs)
        for (const sim::Action& a : sim::readActionLog(l.string()))
            for (const auto& [field, value] : a.args.items()) {
                auto& v = pool[field];
                if (std::find(v.begin(), v.end(), value) == v.end()) v.push_back(value);
            }
    return pool;
}

class RandomTrainee {
public:
    RandomTrainee(const sim::Session& session, const std::string& scenarioFile, uint64_t seed)
        : rng_(Rng::seeded(seed, 0x50a4)), pool_(shippedValues(scenarioFile)) {
        for (const sim::ActionSpec& s : sim::imagingActions())
            if (s.name != "session.start" && s.name != "procedure.end") specs_.push_back(&s);
        for (const sim::ActionSpec& s : session.procedureSpec().actions) specs_.push_back(&s);
        for (const auto& [name, at] : session.patient().landmarks) landmarks_.push_back({name, at});
    }

    sim::Action next(double t) {
        const sim::ActionSpec& spec = *specs_[pick(specs_.size())];
        sim::Action a{t, spec.name, json::object(), "", 0};
        for (const sim::ArgSpec& arg : spec.args)
            if (arg.required || rng_.uniform() < 0.5) a.args[arg.name] = value(arg);
        return a;
    }
    double interval(double mean) { return -mean * std::log(1.0 - rng_.uniform()); }

private:
    size_t pick(size_t n) { return std::min(n - 1, static_cast<size_t>(rng_.uniform() * static_cast<double>(n))); }
    const std::vector<json>* shipped(const sim::ArgSpec& arg) const {
        auto it = pool_.find(arg.name);
        return it == pool_.end() ? nullptr : &it->second;
    }

    json value(const sim::ArgSpec& arg) {
        switch (arg.type) {
            case sim::ArgType::Number: {
                if (!arg.allowed.empty()) return arg.allowed[pick(arg.allowed.size())];
                // Unbounded ends are cut to a metre / a thousand units: far enough to be absurd.
                return rng_.uniform(std::max(arg.lo, -1000.0), std::min(arg.hi, 1000.0));
            }
            case sim::ArgType::Integer:
                return static_cast<int64_t>(std::floor(rng_.uniform(std::max(arg.lo, -1000.0), std::min(arg.hi, 1000.0) + 1.0)));
            case sim::ArgType::Boolean: return rng_.uniform() < 0.5;
            case sim::ArgType::Text: {
                if (!arg.choices.empty()) return arg.choices[pick(arg.choices.size())];
                // Names the table cannot list (a device on the tray) from the shipped logs; free
                // text (an image label) made up when they use none.
                const auto* v = shipped(arg);
                if (v) return (*v)[pick(v->size())];
                return "soak " + std::to_string(pick(4));
            }
            case sim::ArgType::Place: {
                // What the shipped logs name there (a branch, a landmark, a point) or a point: near
                // a point they use, else near a landmark, up to 40 mm away (inside the patient
                // mostly, not always).
                const auto* v = shipped(arg);
                if (v && rng_.uniform() < 0.5) return (*v)[pick(v->size())];
                glm::dvec3 at(0.0);
                if (v && rng_.uniform() < 0.5) {
                    const json& p = (*v)[pick(v->size())];
                    if (p.is_array() && p.size() == 3) at = {p[0].get<double>(), p[1].get<double>(), p[2].get<double>()};
                    else if (!landmarks_.empty()) at = landmarks_[pick(landmarks_.size())].second;
                } else if (!landmarks_.empty()) {
                    at = landmarks_[pick(landmarks_.size())].second;
                }
                return json::array({at.x + rng_.uniform(-40, 40), at.y + rng_.uniform(-40, 40), at.z + rng_.uniform(-40, 40)});
            }
        }
        return nullptr;
    }

    Rng rng_;
    std::map<std::string, std::vector<json>> pool_;
    std::vector<const sim::ActionSpec*> specs_;
    std::vector<std::pair<std::string, glm::dvec3>> landmarks_;
};

// Distance from p to the segment a-b.
double segmentDistance(const glm::dvec3& p, const glm::dvec3& a, const glm::dvec3& b) {
    const glm::dvec3 ab = b - a;
    const double len2 = glm::dot(ab, ab);
    const double s = len2 > 0.0 ? std::clamp(glm::dot(p - a, ab) / len2, 0.0, 1.0) : 0.0;
    return glm::length(p - (a + s * ab));
}

struct Checks {
    double maxLumenExcessMm = 0.0;   // how far a device tip on a vessel was beyond its lumen radius
    int64_t deviceSamples = 0;
    int64_t onVesselSamples = 0;
};

bool finite(const glm::dvec3& v) { return std::isfinite(v.x) && std::isfinite(v.y) && std::isfinite(v.z); }

void checkState(const sim::Session& s, Checks& c, double lumenToleranceMm) {
    const std::string when = formatted("at %.3f s", s.time_s());
    const sim::SimState& st = s.state();
    const imaging::CArmPose& p = st.carm;
    if (!std::isfinite(p.laoDeg) || !std::isfinite(p.cranDeg) || !finite(p.isocentre) || !std::isfinite(st.kvp) ||
        !std::isfinite(st.centralRayWaterMm) || !std::isfinite(st.contrastMl))
        throw SoakFailure(when + ": the C-arm, exposure or contrast state is not finite");
    for (const auto& [name, m] : s.metrics())
        if (!std::isfinite(m.value)) throw SoakFailure(when + ": metric " + name + " is " + formatted("%g", m.value));
    const auto q = s.quantities();
    for (size_t i = 0; i < q.size(); ++i)
        if (!std::isfinite(q[i])) throw SoakFailure(when + ": quantity " + s.quantitySpecs()[i].key + " is not finite");
    const patient::Patient& patient = s.patient();
    const patient::VolumeGeometry& g = patient.ct.geometry;
    const patient::VesselTree* tree = patient.vesselTree("arterial");
    for (const sim::DeviceState& d : s.procedure().devices(s)) {
        if (!finite(d.tipLps) || !std::isfinite(d.depthFromSkinMm))
            throw SoakFailure(when + ": device " + d.device + " has a tip that is not finite");
        if (!d.inPatient) continue;
        ++c.deviceSamples;
        if (!tree || tree->firstNodeOf(d.tissueAtTip) < 0) {
            // Off the vessels: inside the CT's volume. On a vessel the lumen below is the rule: the
            // arterial tree goes on beyond a phantom's scanned range, as the aorta does.
            const glm::dvec3 v = g.patientToVoxel(d.tipLps);
            if (!g.contains(static_cast<int>(std::lround(v.x)), static_cast<int>(std::lround(v.y)),
                            static_cast<int>(std::lround(v.z))))
                throw SoakFailure(when + ": device " + d.device + formatted(" is outside the patient's volume at [%.1f, %.1f, %.1f] mm",
                                                                             d.tipLps.x, d.tipLps.y, d.tipLps.z));
            continue;
        }
        // On a vessel: inside the lumen of that branch (any of its segments).
        ++c.onVesselSamples;
        double excess = std::numeric_limits<double>::infinity();
        for (int n : tree->nodesOf(d.tissueAtTip)) {
            const auto& node = tree->nodes[static_cast<size_t>(n)];
            if (node.parent < 0) continue;
            const double dist = segmentDistance(d.tipLps, tree->nodes[static_cast<size_t>(node.parent)].position, node.position);
            excess = std::min(excess, dist - node.radiusMm);
        }
        if (!std::isfinite(excess)) continue;
        c.maxLumenExcessMm = std::max(c.maxLumenExcessMm, excess);
        if (excess > lumenToleranceMm)
            throw SoakFailure(when + ": device " + d.device + formatted(" is %.2f mm outside the lumen of ", excess) + d.tissueAtTip);
    }
}

struct SoakResult {
    std::string procedure, scenario;
    int64_t actions = 0, refusedAtSubmit = 0;
    size_t events = 0, images = 0;
    double wallS = 0.0, replayWallS = 0.0, rssStartMb = 0.0, rssEndMb = 0.0;
    Checks checks;
    uint64_t hash = 0;
};

SoakResult soakOne(const std::string& scenarioFile, const SoakArgs& args, uint64_t seed) {
    SoakResult r;
    sim::Scenario scenario = sim::loadScenario(scenarioFile);
    r.procedure = scenario.procedure;
    r.scenario = scenario.id;
    scenario.timeLimitS = args.seconds + 60.0;  // the soak's own length, not the exercise's
    const auto patient = sim::loadScenarioPatient(scenario);
    const auto t0 = std::chrono::steady_clock::now();
    sim::Session session(scenario, patient);
    RandomTrainee trainee(session, scenarioFile, seed);
    const std::string logPath = (fs::path(args.logDir) / (scenario.id + ".soak.jsonl")).string();
    sim::ActionRecorder recorder(logPath);
    // An action its table accepted: recorded, then carried out at once, so an error names it.
    auto carryOut = [&](const sim::Action& a) {
        recorder.record(a);
        ++r.actions;
        try {
            session.advanceTo(a.time_s);
        } catch (const DataError& e) {
            throw SoakFailure(formatted("at %.3f s: ", a.time_s) + sim::toJsonLine(a) + " passed its table but failed: " + e.what());
        }
    };
    const sim::Action start{0.0, "session.start", {{"scenario", scenario.id}}, "", 0};
    session.submit(start);
    carryOut(start);
    r.rssStartMb = residentMb();
    double t = 0.0, nextCheck = 0.0;
    bool rssTaken = false;
    for (;;) {
        // Milliseconds, so the log's text holds the time exactly as the trainee chose it.
        t = std::round((t + trainee.interval(args.meanIntervalS)) * 1000.0) / 1000.0;
        if (t >= args.seconds) break;
        while (nextCheck < t) {
            session.advanceTo(nextCheck);
            checkState(session, r.checks, args.lumenToleranceMm);
            nextCheck += 10.0;
            // The baseline after a tenth of the run: the patient, caches and first allocations made.
            if (!rssTaken && nextCheck >= 0.1 * args.seconds) r.rssStartMb = residentMb(), rssTaken = true;
        }
        for (int attempt = 0;; ++attempt) {
            sim::Action a = trainee.next(t);
            try {
                session.submit(a);  // checked against its table first; a refusal is not recorded
            } catch (const DataError&) {
                ++r.refusedAtSubmit;
                if (attempt < 8) continue;
                break;
            }
            carryOut(a);
            break;
        }
        checkState(session, r.checks, args.lumenToleranceMm);
    }
    const sim::Action end{args.seconds, "procedure.end", {{"reason", "end of the soak"}}, "", 0};
    session.submit(end);
    carryOut(end);
    if (!session.ended()) throw SoakFailure("procedure.end did not end the session");
    checkState(session, r.checks, args.lumenToleranceMm);
    r.hash = session.stateHash();
    r.events = session.state().events.size();
    r.images = session.state().images.size();
    r.rssEndMb = residentMb();
    r.wallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r.rssEndMb - r.rssStartMb > args.maxGrowthMb)
        throw SoakFailure(formatted("memory grew by %.0f MB after the first tenth of the run (limit %.0f MB)",
                                    r.rssEndMb - r.rssStartMb, args.maxGrowthMb));

    // The recorded log, read back from disk, replays to the same state.
    const auto t1 = std::chrono::steady_clock::now();
    sim::Session replay(scenario, patient);
    replay.play(sim::readActionLog(logPath));
    r.replayWallS = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    if (replay.stateHash() != r.hash)
        throw SoakFailure(formatted("the replay of %s ends in state %016llx, the session in %016llx", logPath.c_str(),
                                    static_cast<unsigned long long>(replay.stateHash()),
                                    static_cast<unsigned long long>(r.hash)));
    return r;
}

int soak() {
    if (gSoak.logDir.empty()) gSoak.logDir = (fs::temp_directory_path() / ("irsim-soak-" + std::to_string(::getpid()))).string();
    fs::create_directories(gSoak.logDir);
    std::vector<std::string> scenarios;
    if (!gSoak.scenario.empty()) scenarios.push_back(sim::resolveScenarioPath(gSoak.scenario));
    else
        for (const std::string& p : gSoak.procedures.empty() ? sim::procedureNames() : gSoak.procedures)
            scenarios.push_back(scenarioOf(p));
    int status = 0;
    std::printf("soak: %.0f s of simulated time per procedure, seed %llu, an action every %.1f s on average; logs in %s\n",
                gSoak.seconds, static_cast<unsigned long long>(gSoak.seed), gSoak.meanIntervalS, gSoak.logDir.c_str());
    for (size_t i = 0; i < scenarios.size(); ++i) {
        try {
            const SoakResult r = soakOne(scenarios[i], gSoak, gSoak.seed + i);
            std::printf("%-18s %-32s ok: %lld actions (%lld refused by their table), %zu events, %zu images; "
                        "devices in the patient %lld samples, on a vessel %lld, furthest beyond a lumen %.2f mm; "
                        "memory %.0f -> %.0f MB; %.1f s wall (%.0fx real time), replay %.1f s, same state %016llx\n",
                        r.procedure.c_str(), r.scenario.c_str(), static_cast<long long>(r.actions),
                        static_cast<long long>(r.refusedAtSubmit), r.events, r.images,
                        static_cast<long long>(r.checks.deviceSamples), static_cast<long long>(r.checks.onVesselSamples),
                        r.checks.maxLumenExcessMm, r.rssStartMb, r.rssEndMb, r.wallS, gSoak.seconds / r.wallS,
                        r.replayWallS, static_cast<unsigned long long>(r.hash));
        } catch (const SoakFailure& e) {
            std::printf("%s: FAILED: %s\n", scenarios[i].c_str(), e.what());
            status = 1;
        }
        std::fflush(stdout);
    }
    struct rusage ru {};
    ::getrusage(RUSAGE_SELF, &ru);
    std::printf("peak memory %.0f MB\n", static_cast<double>(ru.ru_maxrss) / 1024.0);
    return status;
}

}  // namespace

static const CommandRegistration kSoak{"soak", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("soak", "A seeded random trainee on each procedure: no NaN, no device outside "
                                               "the patient or a vessel's lumen, bounded memory, identical replay");
    c->add_option("--procedure", gSoak.procedures, "only these procedures (default: every registered one)");
    c->add_option("--scenario", gSoak.scenario, "one scenario instead of the first shipped one of each procedure");
    c->add_option("--seconds", gSoak.seconds, "simulated time per procedure (default 3600)")->check(CLI::Range(1.0, 86400.0));
    c->add_option("--mean-interval", gSoak.meanIntervalS, "mean time between actions, s (default 4)")->check(CLI::Range(0.05, 600.0));
    c->add_option("--seed", gSoak.seed, "the trainee's seed (default 1); procedure i uses seed + i");
    c->add_option("--logs", gSoak.logDir, "folder for the recorded logs (default: a temporary folder)");
    c->add_option("--max-growth-mb", gSoak.maxGrowthMb, "memory growth allowed after the first tenth (default 256)");
    c->add_option("--lumen-tolerance-mm", gSoak.lumenToleranceMm, "how far beyond a vessel's lumen radius a device "
                                                                  "tip may be (default 1 mm)");
    c->callback([] { setExitStatus(soak()); });
}};

}  // namespace irsim::app
