// irsim phantom --seed N --out DIR: writes the procedural phantom as ct.nii.gz (HU), labels.nii.gz,
// liver_segments.nii.gz, vessels.json (the arterial tree) and landmarks.json, all in LPS mm.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "app/command.h"
#include "core/error.h"
#include "core/progress.h"
#include "patient/nifti.h"
#include "patient/phantom.h"
#include "sim/scenario.h"

namespace irsim::app {

namespace {

struct PhantomArgs {
    uint64_t seed = 1;
    std::string out;
    double voxelMm = 1.5;
    double bodySize = 1.0;
    std::string michels;
    bool osteoporotic = false;
    std::vector<std::string> tumours;  // "site:kind:diameter_mm"
};
PhantomArgs gPh;

nlohmann::json vec(const glm::dvec3& v) { return {v.x, v.y, v.z}; }

void writeJson(const std::filesystem::path& path, const nlohmann::json& j) {
    std::ofstream out(path);
    out << j.dump(1) << "\n";
    if (!out) throw DataError(path.string(), 0, "", "cannot write the file");
}

int phantom() {
    patient::PhantomOptions o;
    o.seed = gPh.seed;
    o.voxelMm = gPh.voxelMm;
    o.bodySize = gPh.bodySize;
    o.osteoporotic = gPh.osteoporotic;
    if (!gPh.michels.empty()) {
        o.michels = patient::parseMichelsType(gPh.michels);
        if (!o.michels) throw DataError("command line", 0, "--michels", "expected a Michels type I..X, got \"" + gPh.michels + "\"");
    }
    for (const std::string& t : gPh.tumours) {
        const auto a = t.find(':'), b = t.find(':', a == std::string::npos ? a : a + 1);
        if (a == std::string::npos) throw DataError("command line", 0, "--tumour", "expected SITE:KIND[:DIAMETER_MM], got \"" + t + "\"");
        patient::PhantomLesion les;
        les.site = t.substr(0, a);
        const std::string kind = t.substr(a + 1, b == std::string::npos ? std::string::npos : b - a - 1);
        const auto k = patient::parseLesionKind(kind);
        if (!k) throw DataError("command line", 0, "--tumour", "expected hypervascular, lytic or compression_fracture, got \"" + kind + "\"");
        les.kind = *k;
        if (b != std::string::npos) les.diameterMm = std::atof(t.c_str() + b + 1);
        o.lesions.push_back(les);
    }
    const patient::Patient p = patient::makePhantom(o, terminalProgress());
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(gPh.out, ec);
    if (ec) throw DataError(gPh.out, 0, "--out", "cannot create the folder: " + ec.message());
    const fs::path dir(gPh.out);
    patient::writeNifti((dir / "ct.nii.gz").string(), p.ct);
    patient::writeNifti((dir / "labels.nii.gz").string(), p.labels);
    patient::writeNifti((dir / "liver_segments.nii.gz").string(), p.liverSegments, true);

    nlohmann::json vessels = nlohmann::json::array();
    for (const auto& t : p.vessels) {
        nlohmann::json nodes = nlohmann::json::array();
        for (const auto& n : t.nodes)
            nodes.push_back({{"position_mm", vec(n.position)}, {"radius_mm", n.radiusMm}, {"parent", n.parent},
                             {"branch", n.branch}, {"flow_ml_per_min", n.flowMlPerMin}});
        vessels.push_back({{"name", t.name}, {"frame", "LPS mm"}, {"nodes", nodes}});
    }
    writeJson(dir / "vessels.json", vessels);
    nlohmann::json marks = nlohmann::json::object();
    for (const auto& [name, v] : p.landmarks) marks[name] = vec(v);
    nlohmann::json meta = {{"frame", "LPS mm"}, {"landmarks", marks}, {"attributes", p.attributes}};
    writeJson(dir / "landmarks.json", meta);
    std::printf("phantom seed %llu (Michels type %s): %d x %d x %d voxels of %.2f mm -> %s\n",
                static_cast<unsigned long long>(o.seed), p.attributes.at("michels_type").c_str(), p.ct.geometry.dims.x,
                p.ct.geometry.dims.y, p.ct.geometry.dims.z, o.voxelMm, gPh.out.c_str());
    return 0;
}

}  // namespace

static const CommandRegistration kPhantom{"phantom", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("phantom", "Write the procedural phantom (CT, labels, vessels, landmarks)");
    c->add_option("--seed", gPh.seed, "Seed: the same seed gives the same bytes")->default_val(1);
    c->add_option("--out", gPh.out, "Output folder")->required();
    c->add_option("--voxel-mm", gPh.voxelMm, "Isotropic voxel size, mm (1-5, as a scenario's voxel_mm)")
        ->default_val(1.5)
        ->check(CLI::Range(sim::kMinPhantomVoxelMm, sim::kMaxPhantomVoxelMm));
    c->add_option("--body-size", gPh.bodySize, "Habitus: subcutaneous fat x this (0.3-3)")->default_val(1.0);
    c->add_option("--michels", gPh.michels, "Hepatic arterial variant, Michels type I..X (default: drawn from the seed)");
    c->add_flag("--osteoporotic", gPh.osteoporotic, "Cancellous bone ~100 HU instead of ~220 HU");
    c->add_option("--tumour", gPh.tumours,
                  "SITE:KIND[:DIAMETER_MM], e.g. liver_segment_8:hypervascular:30, vertebrae_L1:lytic:15, "
                  "vertebrae_T12:compression_fracture (repeatable)");
    c->callback([] { setExitStatus(phantom()); });
}};

}  // namespace irsim::app
