#pragma once
// What the endovascular tests read off a session: the procedure, how deep the rod lies in a wall,
// whether an event was reported.
#include <algorithm>
#include <string>

#include "procedures/endovascular/endovascular.h"
#include "sim/session.h"

namespace irsim::test {

inline const procedures::endovascular::Endovascular& endo(const sim::Session& s) {
    return static_cast<const procedures::endovascular::Endovascular&>(s.procedure());
}

// The deepest any node of the rod lies beyond its free lumen (the rod's wall guard is 0.2 mm).
inline double deepestInWall(const procedures::endovascular::Endovascular& e) {
    const auto& r = e.state().rod;
    double worst = -1e9;
    for (size_t i = 1; i < r.nodes.size(); ++i)
        worst = std::max(worst, e.model().lumen.contact(r.segment[i], r.nodes[i], r.scratch.radius[i]).penetrationMm);
    return worst;
}

inline bool hasEvent(const sim::Session& s, const std::string& kind, const std::string& words = "") {
    for (const auto& e : s.state().events)
        if (e.kind == kind && e.details.find(words) != std::string::npos) return true;
    return false;
}

}  // namespace irsim::test
