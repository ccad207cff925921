#pragma once
// Built-in procedures (each in its own file) register here.
#include "sim/session.h"

namespace irsim::sim {
void registerCArmPositioning();
void registerVertebroplasty();
}
