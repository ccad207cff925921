#include "sim/scenario.h"

#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <functional>
#include <set>

#include <toml++/toml.h>

#include "core/error.h"
#include "core/paths.h"
#include "core/state_hash.h"
#include "core/text.h"
#include "patient/phantom.h"
#include "sim/phases.h"

namespace irsim::sim {

namespace {

void convert(const toml::node& node, const std::string& path, nlohmann::json& out,
             std::map<std::string, int>& lines, const std::string& file, int depth = 0) {
    lines[path] = static_cast<int>(node.source().begin.line);
    if (depth > kMaxScenarioNesting)
        throw DataError(file, static_cast<int>(node.source().begin.line), path.size() > 80 ? path.substr(0, 80) + "..." : path,
                        "tables and arrays nested deeper than " + std::to_string(kMaxScenarioNesting) + " levels");
    if (auto* t = node.as_table()) {
        out = nlohmann::json::object();
        for (auto&& [k, v] : *t) {
            std::string key(k.str());
            std::string child = path.empty() ? key : path + "." + key;
            convert(v, child, out[key], lines, file, depth + 1);
            lines[child] = static_cast<int>(k.source().begin.line ? k.source().begin.line
                                                                  : v.source().begin.line);
        }
    } else if (auto* a = node.as_array()) {
        out = nlohmann::json::array();
        for (size_t i = 0; i < a->size(); ++i) {
            nlohmann::json item;
            convert((*a)[i], path + "[" + std::to_string(i) + "]", item, lines, file, depth + 1);
            out.push_back(std::move(item));
        }
    } else if (auto* s = node.as_string()) {
        out = s->get();
    } else if (auto* i = node.as_integer()) {
        out = i->get();
    } else if (auto* f = node.as_floating_point()) {
        out = f->get();
    } else if (auto* b = node.as_boolean()) {
        out = b->get();
    } else {
        out = nullptr;  // dates and times: not used by scenarios
    }
}

std::string describe(const nlohmann::json& j) {
    if (j.is_string()) return "the text " + j.dump();
    if (j.is_number()) return "the number " + j.dump();
    if (j.is_boolean()) return "a boolean";
    if (j.is_array()) return "an array";
    if (j.is_object()) return "a table";
    return "nothing";
}


}  // namespace

int ScenarioDocument::lineOf(const std::string& path) const {
    // The nearest enclosing field that has a line.
    std::string p = path;
    while (!p.empty()) {
        auto it = lines.find(p);
        if (it != lines.end() && it->second > 0) return it->second;
        auto cut = p.find_last_of(".[");
        if (cut == std::string::npos) break;
        p = p.substr(0, cut);
    }
    return 0;
}

namespace {
// "goal.view[1].name" -> "goal.view[].name": the key's place whatever the array index.
std::string shapeOf(const std::string& path) {
    std::string out;
    for (size_t i = 0; i < path.size(); ++i) {
        if (path[i] == '[') {
            out += "[]";
            i = path.find(']', i);
            if (i == std::string::npos) break;
        } else {
            out += path[i];
        }
    }
    return out;
}
}  // namespace

const nlohmann::json* ScenarioDocument::find(const std::string& path) const {
    // The path and the tables above it were asked for.
    for (std::string p = shapeOf(path); !p.empty();) {
        asked.insert(p);
        const auto cut = p.find_last_of('.');
        if (cut == std::string::npos) break;
        p = p.substr(0, cut);
    }
    const nlohmann::json* found = nullptr;
    const nlohmann::json* cur = &root;
    size_t pos = 0;
    while (pos < path.size()) {
        size_t end = path.find_first_of(".[", pos);
        std::string key = path.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
        if (!key.empty()) {
            if (!cur->is_object() || !cur->contains(key)) return nullptr;
            cur = &(*cur)[key];
        }
        if (end == std::string::npos) break;
        if (path[end] == '[') {
            size_t close = path.find(']', end);
            size_t idx = std::stoul(path.substr(end + 1, close - end - 1));
            if (!cur->is_array() || idx >= cur->size()) return nullptr;
            cur = &(*cur)[idx];
            pos = close + 1;
            if (pos < path.size() && path[pos] == '.') ++pos;
        } else {
            pos = end + 1;
        }
    }
    found = cur;
    // The path and every table and array above it have been read.
    for (std::string p = path; !p.empty();) {
        read.insert(p);
        const auto cut = p.find_last_of(".[");
        if (cut == std::string::npos) break;
        p = p.substr(0, cut);
    }
    return found;
}

namespace {
// `path` is `prefix` or lies under it ("rubric.metric[2].name" under "rubric.metric[2]").
bool under(const std::string& path, const std::string& prefix) {
    return path.compare(0, prefix.size(), prefix) == 0 &&
           (path.size() == prefix.size() || path[prefix.size()] == '.' || path[prefix.size()] == '[');
}
}  // namespace

std::vector<DataError> ScenarioDocument::unreadKeys(const std::set<std::string>& skip) const {
    std::vector<std::pair<int, std::string>> unread;  // (line, path)
    const auto skipped = [&](const std::string& path) {
        return std::any_of(skip.begin(), skip.end(), [&](const std::string& s) { return under(path, s); });
    };
    std::function<void(const nlohmann::json&, const std::string&)> walk = [&](const nlohmann::json& j,
                                                                               const std::string& path) {
        if (j.is_object()) {
            for (const auto& [key, value] : j.items()) {
                const std::string child = path.empty() ? key : path + "." + key;
                if (skipped(child)) continue;
                if (!read.count(child)) unread.push_back({lineOf(child), child});
                else walk(value, child);
            }
        } else if (j.is_array()) {
            for (size_t i = 0; i < j.size(); ++i) walk(j[i], path + "[" + std::to_string(i) + "]");
        }
    };
    walk(root, "");
    std::sort(unread.begin(), unread.end());
    std::vector<DataError> errors;
    for (const auto& [line, path] : unread) {
        const auto cut = path.find_last_of('.');
        const std::string parent = cut == std::string::npos ? "" : shapeOf(path.substr(0, cut));
        const std::string key = cut == std::string::npos ? path : path.substr(cut + 1);
        std::vector<std::string> known;
        for (const std::string& a : asked) {
            const auto c = a.find_last_of('.');
            const std::string aParent = c == std::string::npos ? "" : a.substr(0, c);
            const std::string aKey = c == std::string::npos ? a : a.substr(c + 1);
            if (aParent == parent && aKey.find('[') == std::string::npos &&
                std::find(known.begin(), known.end(), aKey) == known.end())
                known.push_back(aKey);
        }
        const std::string near = closestWord(key, known);
        std::string what = "unknown key '" + key + "'";
        if (!near.empty()) what += "; did you mean '" + near + "'?";
        if (!known.empty() && known.size() <= 12)
            what += " (" + (parent.empty() ? std::string("the sections are ") : parent + " takes ") + joinWords(known, "and") + ")";
        errors.emplace_back(file, line, path, what);
    }
    return errors;
}

std::string ScenarioDocument::dataPath(const std::string& path) const {
    namespace fs = std::filesystem;
    const std::string name = requireText(path);
    if (name.empty()) fail(path, "expected a file name, got an empty text");
    const fs::path base = fs::path(file).parent_path();
    const std::string resolved = (base / name).lexically_normal().string();
    // Compared after following links, so a link inside the folder cannot lead out of it.
    std::error_code ec;
    const auto real = [&](const fs::path& p) {
        const fs::path r = fs::weakly_canonical(fs::absolute(p.empty() ? fs::path(".") : p, ec), ec);
        return ec ? fs::absolute(p).lexically_normal() : r;
    };
    const fs::path target = real(base / name);
    const auto inside = [&](const fs::path& dir) {
        const fs::path d = real(dir);
        auto t = target.begin();
        for (auto c = d.begin(); c != d.end(); ++c, ++t) {
            if (c->empty()) continue;  // the trailing "" of "dir/"
            if (t == target.end() || *t != *c) return false;
        }
        return true;
    };
    const fs::path assets = projectRoot() / "assets";
    if (!inside(base) && !inside(assets))
        fail(path, "'" + name + "' is " + target.string() + ", outside the scenario's folder (" + real(base).string() +
                       ") and the assets folder (" + real(assets).string() +
                       "); a scenario reads data only from those: move the file beside the scenario");
    return resolved;
}

void ScenarioDocument::fail(const std::string& path, const std::string& what) const {
    throw DataError(file, lineOf(path), path, what);
}

double ScenarioDocument::number(const std::string& path, double fallback, double lo, double hi) const {
    const nlohmann::json* j = find(path);
    if (!j) return fallback;
    if (!j->is_number()) fail(path, "expected a number, got " + describe(*j));
    double v = j->get<double>();
    if (!(v >= lo && v <= hi))
        fail(path, "expected a number from " + formatNumber(lo) + " to " + formatNumber(hi) + ", got " + formatNumber(v));
    return v;
}

double ScenarioDocument::requireNumber(const std::string& path, double lo, double hi) const {
    if (!find(path)) fail(path, "missing; expected a number from " + formatNumber(lo) + " to " + formatNumber(hi));
    return number(path, 0.0, lo, hi);
}

std::string ScenarioDocument::text(const std::string& path, const std::string& fallback) const {
    const nlohmann::json* j = find(path);
    if (!j) return fallback;
    if (!j->is_string()) fail(path, "expected a text in quotes, got " + describe(*j));
    return j->get<std::string>();
}

std::string ScenarioDocument::requireText(const std::string& path) const {
    if (!find(path)) fail(path, "missing; expected a text in quotes");
    return text(path, "");
}

bool ScenarioDocument::flag(const std::string& path, bool fallback) const {
    const nlohmann::json* j = find(path);
    if (!j) return fallback;
    if (!j->is_boolean()) fail(path, "expected true or false, got " + describe(*j));
    return j->get<bool>();
}

size_t ScenarioDocument::arraySize(const std::string& path) const {
    const nlohmann::json* j = find(path);
    if (!j) return 0;
    if (!j->is_array()) fail(path, "expected an array (use [[" + path + "]] tables)");
    return j->size();
}

namespace {

// The problems of one load. Each part that can be read on its own is attempted on its own, so one
// wrong field does not hide the next part's; the keys of a part that stopped early are left out of
// the unknown keys (they were not read because reading stopped, not because they are unknown).
struct Problems {
    std::vector<DataError> errors;
    std::set<std::string> stopped;  // paths whose reading stopped at an error
    template <class F>
    bool attempt(const std::string& part, F&& f) {
        try {
            f();
            return true;
        } catch (const DataError& e) {
            errors.push_back(e);
            stopped.insert(part);
            return false;
        }
    }
};

// The rubric, and where in the file each of its items came from (an item with an error is left
// out, so the indices no longer match the file's).
struct ParsedRubric {
    assessment::Rubric rubric;
    std::vector<std::string> metricAt, criticalAt, goalAt;
};

ParsedRubric parseRubric(const ScenarioDocument& d, Problems& problems) {
    ParsedRubric out;
    assessment::Rubric& r = out.rubric;
    problems.attempt("rubric.pass_score", [&] { r.passScore = d.number("rubric.pass_score", 70.0, 0.0, 100.0); });
    size_t nm = 0, nc = 0, ng = 0;
    problems.attempt("rubric.metric", [&] {
        nm = d.arraySize("rubric.metric");
        if (nm == 0) d.fail("rubric.metric", "a rubric needs at least one [[rubric.metric]]");
    });
    for (size_t i = 0; i < nm; ++i) {
        const std::string p = "rubric.metric[" + std::to_string(i) + "]";
        problems.attempt(p, [&] {
            assessment::RubricMetric m;
            m.name = d.requireText(p + ".name");
            m.unit = d.text(p + ".unit", "");
            m.label = d.text(p + ".label", m.name);
            m.fullMarksAt = d.requireNumber(p + ".full_marks_at", -1e12, 1e12);
            m.zeroAt = d.requireNumber(p + ".zero_at", -1e12, 1e12);
            if (m.zeroAt == m.fullMarksAt)
                d.fail(p + ".zero_at", "must differ from full_marks_at (" + formatNumber(m.fullMarksAt) + ")");
            m.weight = d.number(p + ".weight", 1.0, 0.0, 1000.0);
            r.metrics.push_back(m);
            out.metricAt.push_back(p);
        });
    }
    problems.attempt("rubric.critical", [&] { nc = d.arraySize("rubric.critical"); });
    for (size_t i = 0; i < nc; ++i) {
        const std::string p = "rubric.critical[" + std::to_string(i) + "]";
        problems.attempt(p, [&] {
            assessment::CriticalError c;
            c.reason = d.requireText(p + ".reason");
            c.eventKind = d.text(p + ".event", "");
            c.metric = d.text(p + ".metric", "");
            if (d.find(p + ".above")) c.above = d.number(p + ".above", 0.0, -1e12, 1e12);
            if (d.find(p + ".below")) c.below = d.number(p + ".below", 0.0, -1e12, 1e12);
            if (c.eventKind.empty() == c.metric.empty())
                d.fail(p, "a critical error names either an 'event' or a 'metric' (with 'above' or 'below')");
            if (!c.metric.empty() && !c.above && !c.below) d.fail(p, "a metric critical error needs 'above' or 'below'");
            r.critical.push_back(c);
            out.criticalAt.push_back(p);
        });
    }
    problems.attempt("rubric.goal", [&] { ng = d.arraySize("rubric.goal"); });
    for (size_t i = 0; i < ng; ++i) {
        const std::string p = "rubric.goal[" + std::to_string(i) + "]";
        problems.attempt(p, [&] {
            assessment::Goal g;
            g.reason = d.requireText(p + ".reason");
            g.metric = d.requireText(p + ".metric");
            if (d.find(p + ".at_least")) g.atLeast = d.number(p + ".at_least", 0.0, -1e12, 1e12);
            if (d.find(p + ".at_most")) g.atMost = d.number(p + ".at_most", 0.0, -1e12, 1e12);
            if (!g.atLeast && !g.atMost) d.fail(p, "a goal needs 'at_least' or 'at_most'");
            r.goals.push_back(g);
            out.goalAt.push_back(p);
        });
    }
    return out;
}

// A rubric may only score what the session produces and name events the procedure raises: a
// misspelt metric would score zero in silence, a misspelt event would never fail anyone.
void checkRubricAgainst(const ProcedureSpec& procedure, const ProcedureDefinition& definition,
                        const ScenarioDocument& d, const ParsedRubric& parsed, Problems& problems) {
    std::vector<std::string> metrics, events;
    for (const MetricSpec& m : imagingMetrics()) metrics.push_back(m.name);
    for (const MetricSpec& m : definition.metrics()) metrics.push_back(m.name);
    for (const EventSpec& e : imagingEvents()) events.push_back(e.kind);
    for (const EventSpec& e : procedure.events) events.push_back(e.kind);
    const auto check = [&](const std::string& path, const std::string& what, const std::string& name,
                           const std::vector<std::string>& known) {
        if (std::find(known.begin(), known.end(), name) != known.end()) return;
        const std::string near = closestWord(name, known);
        problems.errors.emplace_back(d.file, d.lineOf(path), path,
                                     "procedure '" + procedure.name + "' produces no " + what + " '" + name + "'" +
                                         (near.empty() ? "" : "; did you mean '" + near + "'?"));
    };
    const assessment::Rubric& rubric = parsed.rubric;
    for (size_t i = 0; i < rubric.metrics.size(); ++i)
        check(parsed.metricAt[i] + ".name", "metric", rubric.metrics[i].name, metrics);
    for (size_t i = 0; i < rubric.goals.size(); ++i)
        check(parsed.goalAt[i] + ".metric", "metric", rubric.goals[i].metric, metrics);
    for (size_t i = 0; i < rubric.critical.size(); ++i) {
        const assessment::CriticalError& c = rubric.critical[i];
        if (!c.metric.empty()) check(parsed.criticalAt[i] + ".metric", "metric", c.metric, metrics);
        if (!c.eventKind.empty()) check(parsed.criticalAt[i] + ".event", "event", c.eventKind, events);
    }
}

void parsePatient(const ScenarioDocument& d, ScenarioPatient& p, Problems& problems) {
    const bool hasCt = d.find("patient.ct") != nullptr;
    const bool hasPhantom = d.find("patient.phantom") != nullptr;
    if (hasCt == hasPhantom)
        d.fail("patient", "name either a CT (ct = \"file\") or a phantom ([patient.phantom])");
    if (hasCt) {
        p.phantom = false;
        problems.attempt("patient.ct", [&] { p.ctPath = d.dataPath("patient.ct"); });
        if (d.find("patient.labels")) problems.attempt("patient.labels", [&] { p.labelsPath = d.dataPath("patient.labels"); });
        const size_t nl = d.arraySize("patient.lesion");
        for (size_t i = 0; i < nl; ++i) {
            const std::string lp = "patient.lesion[" + std::to_string(i) + "]";
            problems.attempt(lp, [&] {
                ScenarioLesion l;
                const std::string at = lp + ".centre_mm";
                if (d.arraySize(at) != 3) d.fail(at, "expected [x, y, z] in mm (LPS, the CT's patient frame)");
                for (int c = 0; c < 3; ++c) l.centreLps[c] = d.requireNumber(at + "[" + std::to_string(c) + "]", -2000.0, 2000.0);
                l.diameterMm = d.number(lp + ".diameter_mm", 20.0, 5.0, 100.0);
                l.organ = d.text(lp + ".organ", "liver");
                p.lesions.push_back(l);
            });
        }
        if (nl > 0 && p.labelsPath.empty()) d.fail("patient.lesion", "a lesion is painted into a label map: name one (labels = \"file\")");
        return;
    }
    p.phantom = true;
    p.phantomSeed = static_cast<uint64_t>(d.number("patient.phantom.seed", 1.0, 0.0, 4294967295.0));
    // 1 mm at the finest: the phantom's cost grows as voxel_mm^-3, and 0.5 mm took 69 s and 3.5 GB
    // (27 times the default 1.5 mm) for no structure the simulator draws finer than 1 mm
    // (docs/robustness.md); `irsim phantom` has the same floor.
    p.phantomVoxelMm = d.number("patient.phantom.voxel_mm", 1.5, kMinPhantomVoxelMm, kMaxPhantomVoxelMm);
    p.michelsType = d.text("patient.phantom.michels", "");
    if (!p.michelsType.empty() && !patient::parseMichelsType(p.michelsType))
        d.fail("patient.phantom.michels", "expected a Michels type I to X");
    p.osteoporotic = d.flag("patient.phantom.osteoporotic", false);
    p.bodySize = d.number("patient.phantom.body_size", 1.0, 0.3, 3.0);
    const size_t nt = d.arraySize("patient.phantom.tumour");
    for (size_t i = 0; i < nt; ++i) {
        const std::string tp = "patient.phantom.tumour[" + std::to_string(i) + "]";
        problems.attempt(tp, [&] {
            ScenarioTumour t;
            t.site = d.requireText(tp + ".site");
            t.kind = d.requireText(tp + ".kind");
            t.diameterMm = d.number(tp + ".diameter_mm", 20.0, 2.0, 150.0);
            if (!patient::parseLesionKind(t.kind))
                d.fail(tp + ".kind", "expected hypervascular, lytic or compression_fracture");
            t.heightLoss = d.number(tp + ".height_loss", 0.3, 0.0, 0.8);
            p.tumours.push_back(t);
        });
    }
}

void parseCArm(const ScenarioDocument& d, Scenario& s, Problems& problems) {
    imaging::CArmPose& c = s.carm;
    problems.attempt("carm.lao_deg", [&] { c.laoDeg = d.number("carm.lao_deg", 0.0, -120.0, 120.0); });
    problems.attempt("carm.cran_deg", [&] { c.cranDeg = d.number("carm.cran_deg", 0.0, -50.0, 50.0); });
    problems.attempt("carm.sid_mm", [&] { c.sourceToImageMm = d.number("carm.sid_mm", 1100.0, 800.0, 1300.0); });
    problems.attempt("carm.sad_mm", [&] {
        c.sourceToIsocentreMm = d.number("carm.sad_mm", 750.0, 500.0, c.sourceToImageMm - 150.0);
    });
    problems.attempt("carm.field_of_view_mm", [&] {
        const double fov = d.number("carm.field_of_view_mm", 300.0, 100.0, 480.0);
        c.detectorWidthMm = fov;
        c.detectorHeightMm = fov;
    });
    if (d.find("carm.isocentre_offset_mm"))
        problems.attempt("carm.isocentre_offset_mm", [&] {
            if (d.arraySize("carm.isocentre_offset_mm") != 3)
                d.fail("carm.isocentre_offset_mm", "expected [x, y, z] in mm (LPS)");
            for (int i = 0; i < 3; ++i)
                s.isocentreOffsetMm[i] =
                    d.requireNumber("carm.isocentre_offset_mm[" + std::to_string(i) + "]", -300.0, 300.0);
        });
    problems.attempt("carm.pulse_rate", [&] {
        s.pulseRatePps = d.number("carm.pulse_rate", 15.0, 1.0, 30.0);
        const auto& rates = kFluoroPulseRatesPps;
        if (std::find(rates.begin(), rates.end(), s.pulseRatePps) == rates.end())
            d.fail("carm.pulse_rate", "expected 7.5, 15 or 30 pulses/s (the low, normal and high programmes), got " +
                                          formatNumber(s.pulseRatePps));
    });
}

// scenario.procedure, or the procedures of a phased scenario (scenario.procedures, run one after
// another: sim/phases.h) by their joined name.
std::string procedureOf(const ScenarioDocument& d) {
    if (!d.find("scenario.procedures")) return d.requireText("scenario.procedure");
    if (d.find("scenario.procedure"))
        d.fail("scenario.procedure", "give either procedure or procedures (the phases in order), not both");
    const size_t n = d.arraySize("scenario.procedures");
    if (n < 2) d.fail("scenario.procedures", "expected two or more procedures, in the order they run (one: use procedure)");
    std::vector<std::string> names;
    for (size_t i = 0; i < n; ++i) {
        const std::string at = "scenario.procedures[" + std::to_string(i) + "]";
        const std::string name = d.requireText(at);
        if (!findProcedure(name))
            d.fail(at, "unknown procedure '" + name + "'; expected " + joinWords(procedureNames(), "or"));
        if (std::find(names.begin(), names.end(), name) != names.end()) d.fail(at, "'" + name + "' is listed twice");
        names.push_back(name);
    }
    return phasedProcedureName(names);
}

// The sections every scenario has; a key under any other top-level table is a procedure's.
const std::set<std::string>& commonSections() {
    static const std::set<std::string> s{"scenario", "patient", "carm", "rubric"};
    return s;
}

}  // namespace

ScenarioErrors::ScenarioErrors(std::vector<DataError> errors)
    : DataError(errors.at(0).file(), errors.at(0).line(), errors.at(0).field(),
                messageOf(errors.at(0)) +
                    (errors.size() > 1 ? " (and " + std::to_string(errors.size() - 1) + " more; `irsim scenario check " +
                                             errors.at(0).file() + "` lists them all)"
                                       : "")),
      errors_(std::move(errors)) {}

std::string messageOf(const DataError& e) {
    const std::string prefix = formatDataError(e.file(), e.line(), e.field(), "");
    const std::string all = e.what();
    return all.compare(0, prefix.size(), prefix) == 0 ? all.substr(prefix.size()) : all;
}

Scenario parseScenario(const std::string& tomlText, const std::string& file) {
    // A long line is the only way to a deep key in TOML (dotted keys, headers and inline tables
    // cannot span lines; toml++ bounds nested arrays itself), so bounding lines bounds the parser.
    for (size_t start = 0, line = 1; start < tomlText.size(); ++line) {
        size_t end = tomlText.find('\n', start);
        if (end == std::string::npos) end = tomlText.size();
        if (end - start > kMaxScenarioLineBytes)
            throw DataError(file, static_cast<int>(line), "", "the line is " + std::to_string(end - start) +
                                                                  " bytes; a scenario line is at most " +
                                                                  std::to_string(kMaxScenarioLineBytes));
        start = end + 1;
    }
    toml::table table;
    try {
        table = toml::parse(tomlText, file);
    } catch (const toml::parse_error& e) {
        throw DataError(file, static_cast<int>(e.source().begin.line), "",
                        std::string(e.description()));
    }
    Scenario s;
    s.file = file;
    s.contentHash = StateHash::hexOf(StateHash().bytes(tomlText.data(), tomlText.size()).value());
    s.id = std::filesystem::path(file).stem().string();
    s.doc.file = file;
    convert(table, "", s.doc.root, s.doc.lines, file);
    const ScenarioDocument& d = s.doc;
    Problems problems;

    problems.attempt("scenario.title", [&] { s.title = d.requireText("scenario.title"); });
    problems.attempt("scenario.procedure", [&] { s.procedure = procedureOf(d); });
    problems.attempt("scenario.description", [&] { s.description = d.text("scenario.description", ""); });
    problems.attempt("scenario.difficulty", [&] {
        s.difficulty = d.text("scenario.difficulty", "");
        if (s.difficulty.empty()) return;
        for (const char* level : kDifficulties)
            if (s.difficulty == level) return;
        d.fail("scenario.difficulty", "expected introductory, intermediate or advanced, got \"" + s.difficulty + "\"");
    });
    const bool targetRead = problems.attempt("scenario.target", [&] { s.target = d.text("scenario.target", ""); });
    problems.attempt("scenario.time_limit_s", [&] { s.timeLimitS = d.number("scenario.time_limit_s", 3600.0, 1.0, 24 * 3600.0); });
    problems.attempt("patient", [&] { parsePatient(d, s.patient, problems); });
    parseCArm(d, s, problems);
    const ParsedRubric rubric = parseRubric(d, problems);
    s.rubric = rubric.rubric;

    const ProcedureSpec* procedure = s.procedure.empty() ? nullptr : findProcedure(s.procedure);
    if (!procedure && !s.procedure.empty())
        problems.errors.emplace_back(file, d.lineOf("scenario.procedure"), "scenario.procedure",
                                     "unknown procedure '" + s.procedure + "'; expected " +
                                         joinWords(procedureNames(), "or"));
    // The procedure reads its sections (and scenario.target, which may name its level); without
    // it, or after its first error, the keys of sections it would have read are not unknown.
    bool procedureRead = false;
    if (procedure && targetRead)
        procedureRead = problems.attempt("", [&] { s.definition = procedure->parse(s); });
    if (!procedureRead)
        for (const auto& [key, value] : d.root.items())
            if (!commonSections().count(key)) problems.stopped.insert(key);
    problems.stopped.erase("");
    for (DataError& e : d.unreadKeys(problems.stopped)) problems.errors.push_back(std::move(e));
    if (procedureRead) checkRubricAgainst(*procedure, *s.definition, d, rubric, problems);
    if (!problems.errors.empty()) {
        std::stable_sort(problems.errors.begin(), problems.errors.end(),
                         [](const DataError& a, const DataError& b) { return a.line() < b.line(); });
        throw ScenarioErrors(std::move(problems.errors));
    }
    return s;
}

std::string tomlString(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string rubricToml(const assessment::Rubric& r) {
    std::string t = "[rubric]\npass_score = " + formatNumber(r.passScore) +
                    "                  # 0-100; a session must also reach every [[rubric.goal]]\n";
    if (!r.goals.empty()) t += "\n# What the procedure is for: a session that misses a goal fails, whatever its score.\n";
    for (const assessment::Goal& g : r.goals) {
        t += "[[rubric.goal]]\nmetric = " + tomlString(g.metric) + "\n";
        if (g.atLeast) t += "at_least = " + formatNumber(*g.atLeast) + "\n";
        if (g.atMost) t += "at_most = " + formatNumber(*g.atMost) + "\n";
        t += "reason = " + tomlString(g.reason) + "\n\n";
    }
    if (!r.metrics.empty())
        t += "# Scored metrics: full marks at or better than full_marks_at, none at or worse than zero_at, linear\n"
             "# between; the score is their weighted mean (0-100).\n";
    for (const assessment::RubricMetric& m : r.metrics)
        t += "[[rubric.metric]]\nname = " + tomlString(m.name) + "\nlabel = " + tomlString(m.label) + "\nunit = " +
             tomlString(m.unit) + "\nfull_marks_at = " + formatNumber(m.fullMarksAt) + "\nzero_at = " +
             formatNumber(m.zeroAt) + "\nweight = " + formatNumber(m.weight) + "\n\n";
    if (!r.critical.empty()) t += "# Critical errors: any one fails the session.\n";
    for (const assessment::CriticalError& c : r.critical) {
        t += "[[rubric.critical]]\n";
        if (!c.eventKind.empty()) t += "event = " + tomlString(c.eventKind) + "\n";
        if (!c.metric.empty()) t += "metric = " + tomlString(c.metric) + "\n";
        if (c.above) t += "above = " + formatNumber(*c.above) + "\n";
        if (c.below) t += "below = " + formatNumber(*c.below) + "\n";
        t += "reason = " + tomlString(c.reason) + "\n\n";
    }
    return t;
}

Scenario loadScenario(const std::string& path) {
    return parseScenario(readTextFile(path), path);
}

std::string defaultScenarioName() { return "carm-positioning-l1"; }

std::string resolveScenarioPath(const std::string& nameOrPath) {
    namespace fs = std::filesystem;
    if (fs::exists(nameOrPath) && fs::is_regular_file(nameOrPath)) return nameOrPath;
    for (const fs::path& dir : {fs::path("scenarios"), projectRoot() / "scenarios"}) {
        fs::path p = dir / (nameOrPath + ".toml");
        if (fs::exists(p)) return p.string();
    }
    throw DataError(nameOrPath, 0, "",
                    "no such scenario file, and no scenarios/" + nameOrPath + ".toml");
}

}  // namespace irsim::sim
