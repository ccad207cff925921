#pragma once
// A probe thinner than, or not aligned with, the grid's cells, as the grid sees it. Cells held at
// the probe's temperature act, in the far field, like a cylinder of their own equivalent radius
// (Peaceman's well radius: about 0.21 h for one cell on a 7-point stencil), not the probe's: the
// zone round the probe then follows the grid. The fix is Peaceman's (Peaceman 1978, SPE J 18:183,
// "Interpretation of well-block pressures in numerical reservoir simulation"): couple the held
// cells to the tissue so that the held set's equivalent radius is the probe's. Here the held set is
// the smallest disc of cells whose equivalent radius reaches the probe's, and the faces between it
// and the tissue are scaled down (never up: the explicit step stays stable) until it equals it.
#include <glm/glm.hpp>

namespace irsim::therapy {

struct ProbeWell {
    double heldRadiusMm = 0.0;  // hold the cells whose centres lie within this of the probe's axis
    double faceScale = 1.0;     // times the conductance of each face between them and tissue
    double equivalentRadiusMm = 0.0;  // of the held cells with the faces scaled (the probe's radius)
};

// The fit for a probe of `radiusMm` whose axis runs along a grid axis `offsetMm` from a line of
// cell centres (each component within half a cell), on cells of `spacingMm`, from steady 2D
// conduction across the probe solved on the grid's cells.
ProbeWell fitProbeWell(double spacingMm, double radiusMm, glm::dvec2 offsetMm = glm::dvec2(0.0));

// The equivalent radius (in cell widths) of the cells within `heldRadius` (cell widths) of an axis
// `offset` (cell widths) from a cell centre, with the faces between them and the tissue scaled by
// `faceScale`: the radius of the cylinder that draws the same steady heat from the far field.
double heldEquivalentRadius(double heldRadius, double faceScale, glm::dvec2 offset = glm::dvec2(0.0));

}  // namespace irsim::therapy
