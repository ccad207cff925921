#include "sim/procedures.h"

namespace irsim::sim {

void registerBuiltinProcedures() {
    registerCArmPositioning();
}

}  // namespace irsim::sim
