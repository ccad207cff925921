#pragma once
// The ceilings every CT and label-map loader checks before it allocates, so that a damaged or
// hostile header is a DataError, never gigabytes zero-filled or a geometry no scanner produces.
// docs/robustness.md lists them with the reasons.
#include <cstddef>
#include <cstdint>
#include <string>

#include "patient/volume.h"

namespace irsim::patient {

// 2^29 voxels (1 GiB as int16): a 512 x 512 x 2048 whole-body CT at 0.5 mm slices fits; a header
// claiming 1000^3 does not.
inline constexpr size_t kMaxVoxels = size_t{1} << 29;
// The bytes a loader will hold for one file's voxel data (int32 or float64 data of the largest
// volume would need 4 GiB; such a volume belongs on disk as int16).
inline constexpr size_t kMaxVoxelBytes = size_t{2} << 30;
// Voxel spacing a CT can have: micro-CT reaches 0.01 mm; no body CT has voxels over 100 mm.
inline constexpr double kMinSpacingMm = 0.01;
inline constexpr double kMaxSpacingMm = 100.0;
// Positions in the patient frame: 100 m from the scanner's origin, the same bound as an action's
// place argument (engine/sim/action_spec.h), far beyond any bore.
inline constexpr double kMaxCoordinateMm = 1e5;

// Stored values become HU (or labels) as stored * slope + intercept. Scanners write a slope of 1
// (sometimes 0.5 to 2) and an intercept near -1024; beyond these bounds a value is damage, and a
// slope of 1e30 would saturate every voxel of the int16 volume in silence.
inline constexpr double kMaxRescaleSlope = 1000.0;
inline constexpr double kMaxRescaleIntercept = 1e5;

// Throws DataError(file, slopeField or interceptField) unless 0 < |slope| <= kMaxRescaleSlope and
// |intercept| <= kMaxRescaleIntercept (NaN fails both).
void checkRescale(const std::string& file, const std::string& slopeField, const std::string& interceptField, double slope,
                  double intercept);

// Throws DataError(file, field) when the grid is larger than kMaxVoxels, a spacing is outside
// [kMinSpacingMm, kMaxSpacingMm], or the origin is not finite or beyond kMaxCoordinateMm.
void checkGeometryLimits(const std::string& file, const std::string& spacingField, const std::string& originField,
                         const VolumeGeometry& g);

}  // namespace irsim::patient
