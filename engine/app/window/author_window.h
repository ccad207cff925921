#pragma once
// The authoring mode's window (`irsim author`, and "Author a scenario" in the library): the CT in
// three slices on which a click picks the target, the fields an author sets, the live checker's
// messages, undo and redo, Save and Play. Playing runs the saved scenario in the simulator (its
// debrief scores it) and comes back to the editor.
#include <string>

#include "app/authoring.h"

namespace irsim::app {

struct AuthorSessionOptions {
    std::string file;            // the scenario being written
    ScenarioDraft draft;         // where it starts
    std::string trainee;         // who plays it (stored in the records when set)
    std::string recordsUrl;      // "" = the default store
    int quitAfterFrames = 0;     // > 0: close after this many frames (screenshots)
    std::string screenshotPath;  // PNG of the last frame
    bool once = false;           // after one Play, quit instead of coming back to the editor
};

// Returns the process exit status.
int runAuthoring(const AuthorSessionOptions& options);
// Whether SIGTERM or Ctrl+C closed the editor (as its close button does): the caller quits too.
bool authoringQuitRequested();

}  // namespace irsim::app
