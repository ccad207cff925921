#include "patient/limits.h"

#include <cmath>

#include "core/error.h"
#include "core/text.h"

namespace irsim::patient {

void checkRescale(const std::string& file, const std::string& slopeField, const std::string& interceptField, double slope,
                  double intercept) {
    if (!(std::abs(slope) <= kMaxRescaleSlope) || slope == 0.0)
        throw DataError(file, 0, slopeField, "expected a non-zero slope from -" + formatNumber(kMaxRescaleSlope) + " to " + formatNumber(kMaxRescaleSlope) +
                                                 ", got " + formatNumber(slope));
    if (!(std::abs(intercept) <= kMaxRescaleIntercept))
        throw DataError(file, 0, interceptField, "expected an intercept from -" + formatNumber(kMaxRescaleIntercept) + " to " +
                                                     formatNumber(kMaxRescaleIntercept) + ", got " + formatNumber(intercept));
}

void checkGeometryLimits(const std::string& file, const std::string& spacingField, const std::string& originField,
                         const VolumeGeometry& g) {
    if (g.dims.x < 1 || g.dims.y < 1 || g.dims.z < 1 || g.voxelCount() > kMaxVoxels)
        throw DataError(file, 0, "", "a volume of " + std::to_string(g.dims.x) + " x " + std::to_string(g.dims.y) + " x " +
                                         std::to_string(g.dims.z) + " voxels; irsim reads volumes of up to " +
                                         std::to_string(kMaxVoxels) + " voxels");
    for (int a = 0; a < 3; ++a)
        if (!(g.spacing[a] >= kMinSpacingMm && g.spacing[a] <= kMaxSpacingMm))
            throw DataError(file, 0, spacingField,
                            "expected a voxel spacing from " + formatNumber(kMinSpacingMm) + " to " + formatNumber(kMaxSpacingMm) +
                                " mm, got " + formatNumber(g.spacing[a]) + " mm along axis " + std::to_string(a + 1));
    for (int a = 0; a < 3; ++a)
        if (!(std::abs(g.origin[a]) <= kMaxCoordinateMm))
            throw DataError(file, 0, originField,
                            "expected a finite position within " + formatNumber(kMaxCoordinateMm) + " mm of the scanner's origin, got " +
                                formatNumber(g.origin[a]));
}

}  // namespace irsim::patient
