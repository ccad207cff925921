#pragma once
// DICOM CT series (one slice per file, any transfer syntax GDCM decodes, JPEG 2000 lossless
// included). Slices are sorted by ImagePositionPatient along the slice normal (row x column
// cosines), the slice spacing is taken from the positions (SliceThickness is often different),
// and RescaleSlope/Intercept turn stored values into HU. DICOM's patient frame is LPS, as irsim's.
// Refused with a DataError naming the file and the tag: gantry tilt (positions not along the
// normal), mixed sizes or orientations, missing or uneven slices, multi-frame or non-greyscale
// images, files that are not DICOM or are cut short.
#include <string>

#include "core/progress.h"
#include "patient/volume.h"

namespace irsim::patient {

CtVolume loadDicomSeries(const std::string& folder, const ProgressFn& progress = {});

}  // namespace irsim::patient
