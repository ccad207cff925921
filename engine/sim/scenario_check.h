#pragma once
// What `irsim scenario check` finds in a scenario: everything a run would refuse (the same loader,
// the same patient, the same procedure built on it), and what a run would accept but an instructor
// would not want: warnings for a rubric a session that does nothing passes, a target cut by the
// edge of the scan, a label map on another grid than the CT's or whose bones are not bone on it.
#include <string>
#include <vector>

#include "core/error.h"
#include "core/progress.h"

namespace irsim::sim {

struct ScenarioCheck {
    std::vector<DataError> errors;    // a run refuses the scenario
    std::vector<DataError> warnings;  // a run accepts it; the instructor should look
};

// Never throws a DataError: every problem is in the result.
ScenarioCheck checkScenario(const std::string& path, const ProgressFn& progress = {});
// The same for a scenario's text not yet saved as `path` (the authoring mode's live check): data
// paths resolve from path's folder, and messages name path.
ScenarioCheck checkScenarioText(const std::string& text, const std::string& path, const ProgressFn& progress = {});

// The lowest mean CT number of the bone labels of a CT that fits its label map (HU): cancellous
// bone is about 100-300 HU and cortical bone over 1000, so a mean under this is a label map that
// is not this CT's (or bone marked over soft tissue).
inline constexpr double kMinBoneLabelMeanHu = 100.0;

}  // namespace irsim::sim
