// The procedures the simulator ships: one registration line each (docs/architecture.md, "How to add
// a procedure"). The library is linked whole (engine/procedures/CMakeLists.txt) so these run at start.
#include "procedures/ablation/ablation.h"
#include "procedures/carm_positioning/carm_positioning.h"
#include "procedures/endovascular/endovascular.h"
#include "procedures/radioembolization/radioembolization.h"
#include "procedures/vertebroplasty/vertebroplasty.h"

namespace irsim::procedures {
namespace {
[[maybe_unused]] const bool registered = sim::registerProcedure(carm_positioning::spec()) &&
                        sim::registerProcedure(endovascular::spec()) &&
                        sim::registerProcedure(radioembolization::spec()) &&
                        sim::registerProcedure(ablation::spec()) &&
                        sim::registerProcedure(vertebroplasty::spec());
}  // namespace
}  // namespace irsim::procedures
