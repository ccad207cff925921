#pragma once
// NIfTI-1 volumes (.nii and .nii.gz), read and written. The NIfTI world frame is RAS; irsim's
// patient frame is LPS (volume.h), so x and y of the affine are negated on load and on save.
// Geometry from the sform when sform_code > 0, else the qform when qform_code > 0, else the
// pixdim scaling alone (NIfTI-1 "method 1"). Data types read: uint8, int16, int32, uint16, float32,
// float64 (either byte order), with scl_slope / scl_inter applied.
#include <string>

#include "core/progress.h"
#include "patient/volume.h"

namespace irsim::patient {

// A CT in Hounsfield units: values are scaled, rounded and clamped to the int16 range (a file's
// -1100 HU padding stays -1100).
// Throws DataError naming the file and the header field for bad, unsupported or truncated files.
CtVolume loadNiftiCt(const std::string& path, const ProgressFn& progress = {});
// A label map: integer values 0-65535 (after scaling); anything else is a DataError.
LabelMap loadNiftiLabels(const std::string& path, const ProgressFn& progress = {});

// The header fields that matter here, as read from a file (for `irsim info` and tests).
struct NiftiHeaderInfo {
    glm::ivec3 dims{0};
    int datatype = 0;            // NIfTI code: 2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 512 uint16
    double sclSlope = 1.0, sclInter = 0.0;
    int qformCode = 0, sformCode = 0;
    VolumeGeometry geometry;     // LPS
};
NiftiHeaderInfo readNiftiHeader(const std::string& path);

// Writes int16 (CT, HU) or uint16 / uint8 label maps; gzip-compressed when the path ends in ".gz".
// The sform and qform (code 1, scanner) both hold the geometry. Throws DataError on write failure.
void writeNifti(const std::string& path, const CtVolume& ct);
void writeNifti(const std::string& path, const LabelMap& labels, bool asUint8 = false);

}  // namespace irsim::patient
