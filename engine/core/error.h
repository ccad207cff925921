#pragma once
// Two error channels (docs/conventions.md): programmer bugs are asserts; bad data and a bad
// environment are a DataError that names the file, the line (when known), the field and what was
// expected, so the trainee or instructor can fix the input. Nothing in engine/ calls exit().
#include <stdexcept>
#include <string>

namespace irsim {

class DataError : public std::runtime_error {
public:
    // file: the path as the user gave it; line: 1-based, 0 when not known; field: dotted path of
    // the setting ("patient.phantom.seed") or empty.
    DataError(std::string file, int line, std::string field, const std::string& what);

    const std::string& file() const { return file_; }
    int line() const { return line_; }
    const std::string& field() const { return field_; }

private:
    std::string file_;
    int line_;
    std::string field_;
};

// "file:line: field: what", the one-line form shown to the user.
std::string formatDataError(const std::string& file, int line, const std::string& field,
                            const std::string& what);

}  // namespace irsim
