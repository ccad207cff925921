#include "app/library.h"

#include <algorithm>
#include <map>

#include "assessment/records.h"
#include "core/error.h"
#include "core/paths.h"
#include "imaging/fluoroscope.h"
#include "patient/materials.h"
#include "sim/frames.h"
#include "sim/run_headless.h"
#include "sim/scenario.h"
#include "sim/session.h"

namespace irsim::app {

namespace fs = std::filesystem;

std::vector<fs::path> defaultLibraryDirs() {
    const fs::path mine = userDataDir() / "scenarios";
    std::error_code ec;
    fs::create_directories(mine, ec);
    return {projectRoot() / "scenarios", mine};
}

namespace {

int difficultyRank(const std::string& d) {
    for (int i = 0; i < static_cast<int>(std::size(sim::kDifficulties)); ++i)
        if (d == sim::kDifficulties[i]) return i;
    return static_cast<int>(std::size(sim::kDifficulties));  // unstated: after the stated ones
}

}  // namespace

std::vector<LibraryEntry> loadLibrary(const LibraryOptions& options) {
    const std::vector<fs::path> dirs = options.dirs.empty() ? defaultLibraryDirs() : options.dirs;
    const fs::path shippedDir = fs::weakly_canonical(projectRoot() / "scenarios");
    std::vector<LibraryEntry> entries;
    for (const fs::path& dir : dirs) {
        std::error_code ec;
        std::vector<fs::path> files;
        for (const auto& e : fs::directory_iterator(dir, ec))
            if (e.is_regular_file() && e.path().extension() == ".toml") files.push_back(e.path());
        std::sort(files.begin(), files.end());
        for (const fs::path& f : files) {
            LibraryEntry entry;
            entry.path = f.string();
            entry.id = f.stem().string();
            entry.shipped = fs::weakly_canonical(f).parent_path() == shippedDir;
            try {
                const sim::Scenario s = sim::loadScenario(entry.path);
                entry.title = s.title;
                entry.procedure = s.procedure;
                entry.difficulty = s.difficulty;
                entry.description = s.description;
                entry.contentHash = s.contentHash;
            } catch (const DataError& e) {
                entry.error = e.what();
                entry.title = entry.id;
            }
            entries.push_back(std::move(entry));
        }
    }
    if (!options.trainee.empty()) {
        assessment::RecordStore store = assessment::RecordStore::open(options.recordsUrl);
        assessment::SessionFilter filter;
        filter.trainee = options.trainee;
        std::map<std::string, LibraryEntry*> byId;
        for (LibraryEntry& e : entries) byId.emplace(e.id, &e);  // the first folder's wins a clash
        for (const assessment::SessionSummary& s : store.list(filter)) {
            auto it = byId.find(s.scenario);
            if (it == byId.end()) continue;
            LibraryEntry& e = *it->second;
            ++e.sessions;
            if (s.passed) ++e.passed;
            if (!e.bestScore || s.score > *e.bestScore) e.bestScore = s.score;
        }
    }
    std::stable_sort(entries.begin(), entries.end(), [](const LibraryEntry& a, const LibraryEntry& b) {
        if (a.error.empty() != b.error.empty()) return a.error.empty();
        const int da = difficultyRank(a.difficulty), db = difficultyRank(b.difficulty);
        if (da != db) return da < db;
        if (a.procedure != b.procedure) return a.procedure < b.procedure;
        return a.title < b.title;
    });
    return entries;
}

GreyImage libraryThumbnail(const LibraryEntry& entry, int pixels) {
    const fs::path cacheDir = userCacheDir();
    const fs::path cached = cacheDir.empty() || entry.contentHash.empty()
                                ? fs::path()
                                : cacheDir / "thumbnails" / (entry.contentHash + "-" + std::to_string(pixels) + ".png");
    std::error_code ec;
    if (!cached.empty() && fs::is_regular_file(cached, ec)) {
        try {
            return readPngGrey(cached.string());
        } catch (const DataError&) {
            // A damaged cache file is made again below.
        }
    }
    const sim::Scenario scenario = sim::loadScenario(entry.path);
    const sim::Session session(scenario, sim::loadScenarioPatient(scenario));
    const patient::Patient& p = session.patient();
    const imaging::FluoroscopeView view(p.ct, &p.labels, patient::materialsOf(p), session.state().carm,
                                        {pixels, pixels});
    const GreyImage image = imaging::composeFluoroImage(view, session.radiopaqueContents(),
                                                        imaging::FluoroMode::fluoroNormal(), 1);
    if (!cached.empty()) {
        fs::create_directories(cached.parent_path(), ec);
        const fs::path partial = cached.string() + ".partial";
        try {
            writePng8(partial.string(), image);
            fs::rename(partial, cached, ec);
        } catch (const DataError&) {
            // No cache where none can be written: the thumbnail is made again next time.
        }
    }
    return image;
}

}  // namespace irsim::app
