#pragma once
// The session report assessors' tools read (docs/report.md, schema "irsim.report/2"; /1 is still read). It holds no
// wall-clock time, so the same scenario and action log give the same bytes.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/session.h"

namespace irsim::sim {

// images: file names written for the session's images (same order as state().images), or empty.
nlohmann::json buildReport(const Session& session, const std::vector<std::string>& images = {});
void writeReport(const std::string& path, const nlohmann::json& report);

}  // namespace irsim::sim
