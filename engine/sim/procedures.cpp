#include "sim/procedures.h"

namespace irsim::sim {

void registerBuiltinProcedures() {
    registerCArmPositioning();
    registerVertebroplasty();
}

}  // namespace irsim::sim
