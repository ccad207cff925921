#include "assessment/sql.h"

#include <charconv>
#include <limits>

namespace irsim::assessment::sql {

bool Row::isNull(size_t i) const { return std::holds_alternative<std::monostate>(cells.at(i)); }

std::int64_t Row::integer(size_t i) const {
    const Value& v = cells.at(i);
    if (auto p = std::get_if<std::int64_t>(&v)) return *p;
    if (auto p = std::get_if<double>(&v)) return static_cast<std::int64_t>(*p);
    if (auto p = std::get_if<std::string>(&v)) return std::stoll(*p);
    return 0;
}

double Row::real(size_t i) const {
    const Value& v = cells.at(i);
    if (auto p = std::get_if<double>(&v)) return *p;
    if (auto p = std::get_if<std::int64_t>(&v)) return static_cast<double>(*p);
    if (auto p = std::get_if<std::string>(&v)) {
        double d = 0.0;
        std::from_chars(p->data(), p->data() + p->size(), d);
        return d;
    }
    return std::numeric_limits<double>::quiet_NaN();
}

std::string Row::text(size_t i) const {
    const Value& v = cells.at(i);
    if (auto p = std::get_if<std::string>(&v)) return *p;
    if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
    if (auto p = std::get_if<double>(&v)) return formatDouble(*p);
    return {};
}

std::string formatDouble(double v) {
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

WriteTransaction::~WriteTransaction() {
    if (done_) return;
    try {
        db_.rollback();
    } catch (...) {
        // The connection is gone (server lost): the server or SQLite's journal undoes the rest.
    }
}

void WriteTransaction::commit() {
    db_.commit();
    done_ = true;
}

std::string replaceAll(std::string s, const std::string& from, const std::string& to) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size()))
        s.replace(p, from.size(), to);
    return s;
}

}  // namespace irsim::assessment::sql
