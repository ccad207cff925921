#include "sim/action.h"

#include <unistd.h>

#include <cmath>
#include <fstream>

#include "core/error.h"
#include "core/log.h"
#include "core/paths.h"
#include "core/text.h"

namespace irsim::sim {

double Action::number(const std::string& field, double fallback) const {
    auto it = args.find(field);
    if (it == args.end()) return fallback;
    if (!it->is_number()) throw DataError(file, line, field, "expected a number, got " + it->dump());
    return it->get<double>();
}

double Action::requireNumber(const std::string& field) const {
    if (!args.contains(field))
        throw DataError(file, line, field, "action '" + kind + "' needs a number '" + field + "'");
    return number(field, 0.0);
}

std::string Action::text(const std::string& field, const std::string& fallback) const {
    auto it = args.find(field);
    if (it == args.end()) return fallback;
    if (!it->is_string()) throw DataError(file, line, field, "expected a string, got " + it->dump());
    return it->get<std::string>();
}

namespace {

// Bounds checked before the JSON parser sees a line (jsonNestingBeyond says why).
void checkLineShape(const std::string& text, const std::string& file, int line) {
    if (text.size() > kMaxActionLineBytes)
        throw DataError(file, line, "", "the line is " + std::to_string(text.size()) + " bytes; an action line is at most " +
                                            std::to_string(kMaxActionLineBytes));
    const size_t deep = jsonNestingBeyond(text, kMaxActionNesting);
    if (deep != std::string::npos)
        throw DataError(file, line, "", "arrays and objects nested deeper than " + std::to_string(kMaxActionNesting) +
                                            " levels (at column " + std::to_string(deep + 1) + ")");
}

}  // namespace

Action parseActionLine(const std::string& text, const std::string& file, int line) {
    checkLineShape(text, file, line);
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        // parse_error for bad syntax, out_of_range for a number no double holds (1e999).
        throw DataError(file, line, "", std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object()) throw DataError(file, line, "", "expected a JSON object per line");
    if (!j.contains("t") || !j["t"].is_number())
        throw DataError(file, line, "t", "expected the action's time in seconds, a number");
    if (!j.contains("action") || !j["action"].is_string())
        throw DataError(file, line, "action", "expected the action's name, a string");
    Action a;
    a.time_s = j["t"].get<double>();
    if (!std::isfinite(a.time_s) || a.time_s < 0.0)
        throw DataError(file, line, "t", "expected a time >= 0 s");
    a.kind = j["action"].get<std::string>();
    j.erase("t");
    j.erase("action");
    a.args = std::move(j);
    a.file = file;
    a.line = line;
    return a;
}

std::vector<Action> readActionLog(const std::string& path) {
    const uintmax_t size = requireRegularFile(path, "the action log");
    if (size > kMaxTextFileBytes)
        throw DataError(path, 0, "", "the action log is " + std::to_string(size) + " bytes; irsim reads logs up to " +
                                         std::to_string(kMaxTextFileBytes));
    std::ifstream in(path);
    if (!in) throw DataError(path, 0, "", "cannot open the action log");
    std::vector<Action> out;
    std::string text;
    int line = 0;
    while (std::getline(in, text)) {
        ++line;
        if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
        if (text[text.find_first_not_of(" \t")] == '#') continue;  // comments for hand-written logs
        // A last line without its newline that does not parse is the one being written when the
        // recorder was killed (ActionRecorder writes a line and its newline, then syncs): every
        // action before it was acknowledged whole, so the log reads up to there.
        const bool unterminated = in.eof();
        Action a;
        try {
            a = parseActionLine(text, path, line);
        } catch (const DataError& e) {
            if (!unterminated) throw;
            log::warning(path + ":" + std::to_string(line) +
                         ": the last line is cut off (the session was stopped while writing it): read up to the line before");
            break;
        }
        if (!out.empty() && a.time_s < out.back().time_s)
            throw DataError(path, line, "t",
                            "times must not go backwards (previous action at " +
                                std::to_string(out.back().time_s) + " s)");
        out.push_back(std::move(a));
    }
    // Not an error: a trainee may close a session before doing anything. But a replay of nothing
    // runs to the time limit, which looks like a hang without this.
    if (out.empty()) log::warning(path + ": the action log holds no action (empty, or comments only)");
    return out;
}

std::string toJsonLine(const Action& a) {
    // "t" and "action" first so a log reads well; nlohmann keeps other keys sorted.
    std::string s = "{\"t\":" + nlohmann::json(a.time_s).dump() +
                    ",\"action\":" + nlohmann::json(a.kind).dump();
    for (auto it = a.args.begin(); it != a.args.end(); ++it)
        s += "," + nlohmann::json(it.key()).dump() + ":" + it.value().dump();
    return s + "}";
}

ActionRecorder::ActionRecorder(const std::string& path) : path_(path) {
    file_ = std::fopen(path.c_str(), "w");
    if (!file_) throw DataError(path, 0, "", "cannot create the session log");
}

ActionRecorder::~ActionRecorder() {
    if (file_) std::fclose(file_);
}

void ActionRecorder::record(const Action& action) {
    const std::string line = toJsonLine(action) + "\n";
    if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
        throw DataError(path_, 0, "", "cannot write the session log (disk full?)");
    ::fsync(fileno(file_));
}

}  // namespace irsim::sim
