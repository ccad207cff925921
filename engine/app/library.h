#pragma once
// The scenario library: the scenarios the project ships and the ones instructors add, with what a
// trainee chooses by (procedure, difficulty) and their record on each (sessions, passes, best
// score) from the trainee records. No window: `irsim library --list` prints it, the window's
// library screen (window/library_window.cpp) draws it.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/image_io.h"

namespace irsim::app {

struct LibraryEntry {
    std::string path;  // the scenario file
    std::string id, title, procedure, difficulty, description;
    std::string contentHash;  // of the file (sim::Scenario::contentHash)
    std::string error;        // "" when it loads; else its first problem, file:line: field: message
    bool shipped = false;     // from the project's scenarios/ (else an instructor's folder)
    int sessions = 0, passed = 0;
    std::optional<double> bestScore;
};

struct LibraryOptions {
    std::vector<std::filesystem::path> dirs;  // empty: defaultLibraryDirs()
    std::string trainee;                      // "" = no records read
    std::string recordsUrl;                   // "" = the default store
};

// The project's scenarios/ and the instructors' folder, userDataDir()/scenarios (made on demand).
std::vector<std::filesystem::path> defaultLibraryDirs();

// Every *.toml in the folders (not below them), loaded as a run would load it: easiest first
// (difficulty, then procedure, then title), the ones that do not load last with their error.
// Throws DataError when the records cannot be opened.
std::vector<LibraryEntry> loadLibrary(const LibraryOptions& options);

// What the library shows of a scenario before it starts: the fluoroscopy image of its starting
// view (the C-arm, the patient and the devices as the session begins), computed on the CPU at
// `pixels`^2 and kept in userCacheDir()/thumbnails by the scenario's content hash. Throws
// DataError when the scenario's patient cannot be loaded.
GreyImage libraryThumbnail(const LibraryEntry& entry, int pixels);

}  // namespace irsim::app
