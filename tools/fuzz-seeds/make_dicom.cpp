// Writes a 16x16 CT slice (MONOCHROME2, 16-bit signed, 0.5 mm pixels) uncompressed and as JPEG 2000.
#include <gdcmImageWriter.h>
#include <gdcmImageChangeTransferSyntax.h>
#include <gdcmUIDGenerator.h>
#include <gdcmAttribute.h>
#include <gdcmImageReader.h>
#include <cstdio>
#include <vector>
int write(const gdcm::Image& im, gdcm::File& file, const char* path) {
    gdcm::ImageWriter w; w.SetImage(im); w.SetFile(file); w.SetFileName(path);
    if (!w.Write()) { std::fprintf(stderr, "write %s failed\n", path); return 1; }
    return 0;
}
int main(int argc, char** argv) {
    const unsigned n = 16;
    gdcm::SmartPointer<gdcm::Image> im = new gdcm::Image;
    im->SetNumberOfDimensions(2);
    im->SetDimension(0, n); im->SetDimension(1, n);
    im->SetPixelFormat(gdcm::PixelFormat(gdcm::PixelFormat::INT16));
    im->SetPhotometricInterpretation(gdcm::PhotometricInterpretation::MONOCHROME2);
    im->SetSpacing(0, 0.5); im->SetSpacing(1, 0.5); im->SetSpacing(2, 1.0);
    im->SetOrigin(0, -4.0); im->SetOrigin(1, -4.0); im->SetOrigin(2, 10.0);
    const double dc[6] = {1, 0, 0, 0, 1, 0};
    im->SetDirectionCosines(dc);
    im->SetIntercept(-1024.0); im->SetSlope(1.0);
    std::vector<int16_t> px(n * n);
    // Air around a water disc with a bone-dense core (stored values = HU + 1024).
    for (unsigned y = 0; y < n; ++y) for (unsigned x = 0; x < n; ++x) {
        const int dx = int(x) - 8, dy = int(y) - 8, r2 = dx * dx + dy * dy;
        px[y * n + x] = static_cast<int16_t>(r2 <= 4 ? 1024 + 1000 : r2 <= 36 ? 1024 : 0);
    }
    gdcm::DataElement pd(gdcm::Tag(0x7fe0, 0x0010));
    pd.SetByteValue(reinterpret_cast<const char*>(px.data()), static_cast<uint32_t>(px.size() * 2));
    im->SetDataElement(pd);
    gdcm::SmartPointer<gdcm::File> file = new gdcm::File;
    gdcm::DataSet& ds = file->GetDataSet();
    gdcm::UIDGenerator::SetRoot("1.2.826.0.1.3680043.10.1");  // fixed root; UIDs below are fixed too
    const char* sop = "1.2.840.10008.5.1.4.1.1.2";  // CT Image Storage
    auto put = [&](uint16_t g, uint16_t e, const char* vr, const std::string& v) {
        gdcm::DataElement de(gdcm::Tag(g, e)); de.SetVR(gdcm::VR::GetVRType(vr));
        std::string s = v; if (s.size() % 2) s += (std::string(vr) == "UI" ? '\0' : ' ');
        de.SetByteValue(s.data(), static_cast<uint32_t>(s.size())); ds.Replace(de);
    };
    put(0x0008, 0x0016, "UI", sop);
    put(0x0008, 0x0018, "UI", "1.2.826.0.1.3680043.10.1.1.1");
    put(0x0008, 0x0060, "CS", "CT");
    put(0x0020, 0x000d, "UI", "1.2.826.0.1.3680043.10.1.1.2");
    put(0x0020, 0x000e, "UI", "1.2.826.0.1.3680043.10.1.1.3");
    put(0x0020, 0x0013, "IS", "1");
    put(0x0018, 0x0050, "DS", "1");
    im->SetTransferSyntax(gdcm::TransferSyntax::ExplicitVRLittleEndian);
    if (write(*im, *file, argv[1])) return 1;
    gdcm::ImageChangeTransferSyntax change;
    change.SetTransferSyntax(gdcm::TransferSyntax::JPEG2000Lossless);
    change.SetInput(*im);
    if (!change.Change()) { std::fprintf(stderr, "j2k failed\n"); return 1; }
    return write(change.GetOutput(), *file, argv[2]);
}
