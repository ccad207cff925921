#pragma once
// Actions: everything a trainee does, with its simulation time. The session log is JSON Lines, one
// action a line, e.g. {"t": 12.5, "action": "fluoro.on"}; docs/actions.md lists the vocabulary.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace irsim::sim {

struct Action {
    double time_s = 0.0;     // simulation time at which it takes effect
    std::string kind;        // "carm.rotate", "fluoro.on", ...
    nlohmann::json args = nlohmann::json::object();  // the line's other fields
    std::string file;        // where it came from, for error messages ("" when live)
    int line = 0;            // 1-based line in that file, 0 when live

    // A named numeric argument, or `fallback` when absent; throws DataError naming the file, line
    // and field when present but not a number.
    double number(const std::string& field, double fallback) const;
    double requireNumber(const std::string& field) const;
    std::string text(const std::string& field, const std::string& fallback) const;
};

// The longest action line and the deepest nesting of arrays and objects in one; the longest shipped
// line is about 200 bytes and 2 levels deep. Longer or deeper lines are a DataError before parsing.
inline constexpr size_t kMaxActionLineBytes = 64 * 1024;
inline constexpr int kMaxActionNesting = 32;

// Reads a whole log. Throws DataError naming the file, line and field for a malformed line, an
// action without "t" or "action", times that go backwards, a line beyond the bounds above, or a
// path that is not a regular file; warns (log::warning) when the log holds no action.
std::vector<Action> readActionLog(const std::string& path);
Action parseActionLine(const std::string& text, const std::string& file, int line);
std::string toJsonLine(const Action& action);  // no trailing newline; stable key order

// Appends actions to a log as they happen: each line is written, flushed and fsync'd before
// record() returns, so a crash or kill -9 loses nothing already done.
class ActionRecorder {
public:
    explicit ActionRecorder(const std::string& path);  // truncates; throws DataError
    ~ActionRecorder();
    ActionRecorder(const ActionRecorder&) = delete;
    ActionRecorder& operator=(const ActionRecorder&) = delete;

    void record(const Action& action);
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::FILE* file_ = nullptr;
};

}  // namespace irsim::sim
