#pragma once
// Label values of the structures in a label map. Values 1-117 and their names are TotalSegmentator's
// "total" task (v2 classes, labels_total.json; Wasserthal et al. 2023, Radiology: AI,
// doi:10.1148/ryai.230024), so a segmented real CT and the phantom read the same way. Structures it
// has no class for (skin, fat, tumours, small arteries, discs, ...) use values from 200 up.
#include <cstdint>
#include <optional>
#include <string>

#include "patient/patient.h"

namespace irsim::patient::labels {

// TotalSegmentator "total" values used by the phantom (the full table is totalSegmentator()).
inline constexpr uint16_t spleen = 1, kidney_right = 2, kidney_left = 3, gallbladder = 4, liver = 5,
                          stomach = 6, pancreas = 7, lung_upper_lobe_left = 10,
                          lung_lower_lobe_left = 11, lung_middle_lobe_right = 13,
                          lung_lower_lobe_right = 14, esophagus = 15, small_bowel = 18,
                          duodenum = 19, colon = 20, urinary_bladder = 21, sacrum = 25,
                          vertebrae_L5 = 27, vertebrae_T1 = 43, heart = 51, aorta = 52,
                          inferior_vena_cava = 63, portal_vein_and_splenic_vein = 64,
                          iliac_artery_left = 65, iliac_artery_right = 66, femur_left = 75,
                          femur_right = 76, hip_left = 77, hip_right = 78, spinal_cord = 79,
                          autochthon_left = 86, autochthon_right = 87, iliopsoas_left = 88,
                          iliopsoas_right = 89, rib_left_1 = 92, rib_right_1 = 104, sternum = 116,
                          costal_cartilages = 117;

// irsim's own classes (what TotalSegmentator lacks).
inline constexpr uint16_t skin = 200, subcutaneous_fat = 201, muscle = 202, visceral_fat = 203,
                          liver_tumour = 204, vertebral_metastasis = 205, intervertebral_disc = 206,
                          spinal_canal = 207, celiac_trunk = 208, superior_mesenteric_artery = 209,
                          renal_artery_left = 210, renal_artery_right = 211, hepatic_artery = 212,
                          splenic_artery = 213, common_femoral_artery_left = 214,
                          common_femoral_artery_right = 215, bowel_gas = 216,
                          left_gastric_artery = 217, gastroduodenal_artery = 218,
                          hepatic_vein = 219, patient_table = 220;

// "vertebrae_L1" and the like: value for a level name (T1..T12, L1..L5), nullopt otherwise.
std::optional<uint16_t> vertebra(const std::string& level);
// Rib n (1-12) of a side (left = patient's left).
uint16_t rib(bool left, int n);

}  // namespace irsim::patient::labels

namespace irsim::patient {

// TotalSegmentator's "total" table (values 1-117), embedded: the default names of a label map
// that comes without its own table.
const LabelTable& totalSegmentatorLabels();
// TotalSegmentator's table plus irsim's classes from 200 up: the table of every phantom.
const LabelTable& irsimLabels();
// Reads a label table from JSON {"5": "liver", ...} (TotalSegmentator's format); DataError naming
// the file and the bad entry otherwise.
LabelTable loadLabelTable(const std::string& path);
// The same from the file's text (`path` names it in errors).
LabelTable parseLabelTable(const std::string& text, const std::string& path);

}  // namespace irsim::patient
