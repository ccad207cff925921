#include "core/error.h"

namespace irsim {

std::string formatDataError(const std::string& file, int line, const std::string& field,
                            const std::string& what) {
    // No file (the environment, a command-line option): the field leads.
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    if (!s.empty()) s += ": ";
    if (!field.empty()) s += field + ": ";
    s += what;
    return s;
}

DataError::DataError(std::string file, int line, std::string field, const std::string& what)
    : std::runtime_error(formatDataError(file, line, field, what)),
      file_(std::move(file)),
      line_(line),
      field_(std::move(field)) {}

}  // namespace irsim
