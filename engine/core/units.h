#pragma once
// Constants every subsystem shares, defined once. Units elsewhere follow docs/conventions.md (mm, s,
// degrees in actions and reports, radians inside the maths).

namespace irsim {

constexpr double kPi = 3.14159265358979323846;
constexpr double kDegToRad = kPi / 180.0;

}  // namespace irsim
