#pragma once
// The C-arm positioning exercise (README.md beside this file).
#include "sim/procedure.h"

namespace irsim::procedures::carm_positioning {
sim::ProcedureSpec spec();
}
