#pragma once
// One entry point for a patient: a real CT (NIfTI file or DICOM folder) with an optional label map,
// or the procedural phantom.
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "patient/patient.h"
#include "patient/phantom.h"

namespace irsim::patient {

// A lesion a real CT's label map lacks (its labels name organs, not tumours): a sphere painted into
// the label map as "liver_tumour" where it lies in `organ`, before the vessels are grown (so a
// hypervascular tumour draws its share of the hepatic arterial flow).
struct CtLesion {
    glm::dvec3 centreLps{0.0};
    double diameterMm = 20.0;
    std::string organ = "liver";
};

struct PatientSpec {
    // A CT: a .nii / .nii.gz file or a folder of DICOM slices ...
    std::string ctPath;
    std::string labelsPath;      // NIfTI label map on the CT's grid; "" = none
    std::string labelTablePath;  // JSON {"5": "liver"}; "" = TotalSegmentator's "total" names and irsim's 200+
    std::vector<CtLesion> lesions;  // painted into the label map (DataError when not wholly in the organ)
    bool growHepaticTree = true; // grow hepatic arteries when the labels have a liver and an aorta
    uint64_t vesselSeed = 1;
    // ... or the phantom (used when ctPath is empty).
    std::optional<PhantomOptions> phantom;
};

// Throws DataError naming the file and field for anything it cannot read, and when the label map
// does not overlap the CT; a label map on a different grid is resampled onto the CT's.
Patient loadPatient(const PatientSpec& spec, const ProgressFn& progress = {});

// A label map on another grid, moved onto `target` by nearest neighbour in the patient frame (a
// TotalSegmentator map often stores the rows of the DICOM series it came from in the opposite
// order). Voxels outside the source are 0.
LabelMap resampleLabels(const LabelMap& source, const VolumeGeometry& target);

// A CT alone, by path: a folder (or a .dcm file in it) is read as a DICOM series, a file as NIfTI.
CtVolume loadCt(const std::string& path, const ProgressFn& progress = {});

}  // namespace irsim::patient
