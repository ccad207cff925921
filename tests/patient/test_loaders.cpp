// Real CTs load with the geometry and values their own headers state. The expected numbers below
// were read independently of irsim: NIfTI headers and voxels with a few lines of Python (gzip +
// struct, byte offsets from the NIfTI-1 standard), DICOM tags with gdcmdump, and DICOM pixels by
// extracting the JPEG 2000 code stream (gdcmraw) and decoding it with OpenJPEG's opj_decompress.
#include <catch2/catch.hpp>

#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/error.h"
#include "patient/dicom.h"
#include "patient/labels.h"
#include "patient/loader.h"
#include "patient/nifti.h"
#include "files.h"

using namespace irsim;
using namespace irsim::patient;
using Catch::Matchers::Contains;

using namespace irsim::test;

TEST_CASE("example_ct_sm.nii.gz loads with the geometry of its sform, in LPS", "[patient][nifti]") {
    const CtVolume ct = loadNiftiCt(kData + "example_ct_sm.nii.gz");
    const VolumeGeometry& g = ct.geometry;
    CHECK(g.dims == glm::ivec3(122, 101, 30));
    CHECK(g.spacing.x == Approx(3.0));
    CHECK(g.spacing.z == Approx(3.0));
    // sform_code 2, srow = diag(3, 3, 3), translation (-177.956, 11.319, 94.302) RAS:
    // LPS flips x and y, so the i axis runs to the patient's right (-x) and j anterior (-y).
    CHECK(g.origin.x == Approx(177.95632934570312));
    CHECK(g.origin.y == Approx(-11.319000244140625));
    CHECK(g.origin.z == Approx(94.3017578125));
    CHECK(g.direction[0].x == Approx(-1.0));
    CHECK(g.direction[1].y == Approx(-1.0));
    CHECK(g.direction[2].z == Approx(1.0));
    // int16 voxels, scl_slope 1: values at (i, j, k) straight from the file.
    CHECK(ct.at(61, 50, 15) == 0);
    CHECK(ct.at(30, 40, 10) == 30);
    CHECK(ct.at(90, 60, 20) == 43);
    CHECK(ct.at(0, 0, 0) == -1024);
    CHECK(ct.at(121, 100, 29) == -997);
    CHECK(ct.at(61, 70, 5) == -17);
    CHECK(*std::min_element(ct.voxels.begin(), ct.voxels.end()) == -1100);
    CHECK(*std::max_element(ct.voxels.begin(), ct.voxels.end()) == 1207);
}

TEST_CASE("example_ct.nii.gz (int32) and its voxels", "[patient][nifti]") {
    const CtVolume ct = loadNiftiCt(kData + "example_ct.nii.gz");
    CHECK(ct.geometry.dims == glm::ivec3(122, 101, 112));
    CHECK(ct.at(61, 50, 15) == 9);
    CHECK(ct.at(30, 40, 10) == 426);
    CHECK(ct.at(90, 60, 20) == 72);
    CHECK(ct.at(121, 100, 111) == -997);
    CHECK(*std::min_element(ct.voxels.begin(), ct.voxels.end()) == -1207);
    CHECK(*std::max_element(ct.voxels.begin(), ct.voxels.end()) == 3382);
}

TEST_CASE("a TotalSegmentator label map loads with its structures and volumes", "[patient][nifti]") {
    PatientSpec spec;
    spec.ctPath = kData + "example_ct_sm.nii.gz";
    spec.labelsPath = kData + "example_seg.nii.gz";  // vox_offset 13168: it carries extensions
    spec.growHepaticTree = false;
    const Patient p = loadPatient(spec);
    CHECK(p.labels.at(30, 40, 10) == 3);  // kidney_left
    CHECK(p.labels.at(90, 60, 20) == 5);  // liver
    // Voxel counts from the file: liver 38634, aorta 997 voxels of 27 ul.
    CHECK(p.volumeMlOf("liver") == Approx(38634 * 0.027));
    CHECK(p.volumeMlOf("aorta") == Approx(997 * 0.027));
    CHECK(p.labelOf("vertebrae_L1") == 31);
}

TEST_CASE("the DICOM series (JPEG 2000 lossless) loads sorted by position with spacing from the positions",
          "[patient][dicom]") {
    const CtVolume ct = loadDicomSeries(kData + "example_ct_dicom");
    const VolumeGeometry& g = ct.geometry;
    CHECK(g.dims == glm::ivec3(512, 512, 20));
    CHECK(g.spacing.x == Approx(0.9765625));
    CHECK(g.spacing.y == Approx(0.9765625));
    // ImagePositionPatient z from -804.5 (instance 286) to -766.5 (instance 267): 2 mm steps,
    // although SliceThickness says 3.
    CHECK(g.spacing.z == Approx(2.0));
    CHECK(g.origin.x == Approx(-249.51171875));
    CHECK(g.origin.y == Approx(-437.51171875));
    CHECK(g.origin.z == Approx(-804.5));
    CHECK(g.direction[0] == glm::dvec3(1, 0, 0));
    CHECK(g.direction[1] == glm::dvec3(0, 1, 0));
    // Stored values + RescaleIntercept -1024 (slope 1), decoded independently with OpenJPEG.
    CHECK(ct.at(256, 256, 0) == 86);
    CHECK(ct.at(100, 300, 0) == 33);
    CHECK(ct.at(256, 400, 0) == -102);
    CHECK(ct.at(300, 200, 0) == 108);
    CHECK(ct.at(10, 10, 0) == -1024);
    CHECK(ct.at(256, 256, 19) == 94);
    CHECK(ct.at(100, 300, 19) == -82);
    CHECK(ct.at(400, 256, 19) == 56);
}

TEST_CASE("the DICOM series' label map, stored with flipped rows, lands on the right voxels", "[patient][dicom]") {
    PatientSpec spec;
    spec.ctPath = kData + "example_ct_dicom";
    spec.labelsPath = kData + "example_seg_dicom.nii.gz";
    spec.growHepaticTree = false;
    const Patient p = loadPatient(spec);
    REQUIRE(p.labels.geometry.dims == p.ct.geometry.dims);
    // The liver's CT numbers are soft tissue, the aorta's blood (with or without contrast).
    double liverHu = 0.0, n = 0.0;
    for (size_t i = 0; i < p.labels.voxels.size(); ++i)
        if (p.labels.voxels[i] == 5) {
            liverHu += p.ct.voxels[i];
            n += 1.0;
        }
    CHECK(n == Approx(366708.0));  // every liver voxel of the file kept
    CHECK(liverHu / n > 30.0);
    CHECK(liverHu / n < 200.0);
}

TEST_CASE("NIfTI written by irsim reads back identically, through the sform and through the qform", "[patient][nifti]") {
    const std::string dir = tempDir("roundtrip");
    CtVolume ct;
    VolumeGeometry g;
    g.dims = {5, 4, 3};
    g.spacing = {0.8, 1.1, 2.5};
    g.origin = {10.0, -20.0, 30.0};
    g.direction = glm::dmat3(glm::dvec3(0, 1, 0), glm::dvec3(-1, 0, 0), glm::dvec3(0, 0, -1));  // oblique, left-handed
    ct.allocate(g);
    for (size_t i = 0; i < ct.voxels.size(); ++i) ct.voxels[i] = static_cast<int16_t>(i * 37 - 1000);
    const std::string path = dir + "/ct.nii.gz";
    writeNifti(path, ct);
    const CtVolume back = loadNiftiCt(path);
    CHECK(back.voxels == ct.voxels);
    for (int c = 0; c < 3; ++c) {
        CHECK(glm::length(back.geometry.direction[c] - g.direction[c]) < 1e-6);
        CHECK(back.geometry.spacing[c] == Approx(g.spacing[c]));
        CHECK(back.geometry.origin[c] == Approx(g.origin[c]));
    }
    // Without the sform (code 0) the quaternion must give the same frame.
    std::vector<char> raw;
    {
        gzFile f = gzopen(path.c_str(), "rb");
        char buf[65536];
        int n;
        while ((n = gzread(f, buf, sizeof buf)) > 0) raw.insert(raw.end(), buf, buf + n);
        gzclose(f);
    }
    raw[254] = 0;
    raw[255] = 0;
    writeBytes(dir + "/qform.nii", raw, raw.size());
    const CtVolume q = loadNiftiCt(dir + "/qform.nii");
    for (int c = 0; c < 3; ++c) {
        CHECK(glm::length(q.geometry.direction[c] - g.direction[c]) < 1e-6);
        CHECK(q.geometry.origin[c] == Approx(g.origin[c]));
    }
}

TEST_CASE("truncated and bad NIfTI files give a clear error naming the file", "[patient][nifti][errors]") {
    const std::string dir = tempDir("bad_nifti");
    const auto gz = readBytes(kData + "example_ct_sm.nii.gz");
    writeBytes(dir + "/cut.nii.gz", gz, gz.size() / 2);
    CHECK_THAT(errorOf([&] { loadNiftiCt(dir + "/cut.nii.gz"); }), Contains("cut.nii.gz") && Contains("truncated"));
    // An uncompressed copy cut inside its voxel data.
    const std::vector<char> raw = inflated(kData + "example_ct_sm.nii.gz");
    writeBytes(dir + "/short.nii", raw, raw.size() - 1000);
    CHECK_THAT(errorOf([&] { loadNiftiCt(dir + "/short.nii"); }), Contains("short.nii") && Contains("truncated"));
    writeBytes(dir + "/header.nii", raw, 200);
    CHECK_THAT(errorOf([&] { loadNiftiCt(dir + "/header.nii"); }), Contains("sizeof_hdr"));
    auto wrong = raw;
    wrong[70] = 32;  // datatype 32: complex64
    writeBytes(dir + "/complex.nii", wrong, wrong.size());
    CHECK_THAT(errorOf([&] { loadNiftiCt(dir + "/complex.nii"); }), Contains("datatype"));
    writeBytes(dir + "/text.nii", std::vector<char>(400, 'x'), 400);
    CHECK_THAT(errorOf([&] { loadNiftiCt(dir + "/text.nii"); }), Contains("text.nii"));
    CHECK_THAT(errorOf([&] { loadNiftiCt(dir + "/missing.nii"); }), Contains("cannot open"));
    // A CT is not a label map: fractional or negative values are refused.
    CHECK_THAT(errorOf([&] { loadNiftiLabels(kData + "example_ct_sm.nii.gz"); }), Contains("label map"));
}

TEST_CASE("truncated, missing and mixed DICOM slices give a clear error", "[patient][dicom][errors]") {
    namespace fs = std::filesystem;
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(kData + "example_ct_dicom")) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    {
        const std::string dir = tempDir("dicom_cut");
        for (const auto& f : files) fs::copy_file(f, dir + "/" + fs::path(f).filename().string());
        const auto b = readBytes(files[5]);
        writeBytes(dir + "/" + fs::path(files[5]).filename().string(), b, b.size() / 2);
        const std::string e = errorOf([&] { loadDicomSeries(dir); });
        CHECK_THAT(e, Contains(fs::path(files[5]).filename().string()));
    }
    {
        const std::string dir = tempDir("dicom_gap");
        for (size_t i = 0; i < files.size(); ++i)
            if (i != 7) fs::copy_file(files[i], dir + "/" + fs::path(files[i]).filename().string());
        CHECK_THAT(errorOf([&] { loadDicomSeries(dir); }), Contains("ImagePositionPatient") && Contains("missing"));
    }
    {
        const std::string dir = tempDir("dicom_junk");
        fs::copy_file(files[0], dir + "/a.dcm");
        writeBytes(dir + "/b.dcm", std::vector<char>(1000, 'x'), 1000);
        CHECK_THAT(errorOf([&] { loadDicomSeries(dir); }), Contains("b.dcm") && Contains("DICOM"));
    }
    CHECK_THAT(errorOf([&] { loadDicomSeries(kData + "nowhere"); }), Contains("folder"));
}

TEST_CASE("label tables: TotalSegmentator's embedded names match labels_total.json", "[patient][labels]") {
    const LabelTable file = loadLabelTable(kData + "labels_total.json");
    CHECK(file == totalSegmentatorLabels());
    CHECK(irsimLabels().at(labels::liver_tumour) == "liver_tumour");
    CHECK(labels::vertebra("L1") == 31);
    CHECK(labels::vertebra("T10") == 34);
    CHECK(labels::vertebra("T12") == 32);
}
