#pragma once

namespace irsim::app {

// Prints the coaxial device rod's steps/s in the phantom's arterial tree, in free space, and a
// Bullet chain of as many capsules, free.
void benchEndovascular(bool quick);

}  // namespace irsim::app
