// irsim: an interactive training simulator for image-guided interventions.
#include <algorithm>
#include <cstdio>
#include <exception>

#include "app/command.h"
#include "core/error.h"

namespace irsim::app {
namespace {
std::vector<RegisteredCommand>& registry() {
    static std::vector<RegisteredCommand> r;
    return r;
}
int gExitStatus = 0;
}  // namespace

CommandRegistration::CommandRegistration(std::string name, CommandSetup setup) {
    registry().push_back({std::move(name), std::move(setup)});
}

std::vector<RegisteredCommand> registeredCommands() {
    auto r = registry();
    std::sort(r.begin(), r.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return r;
}

void setExitStatus(int status) { gExitStatus = status; }
int exitStatus() { return gExitStatus; }

// `irsim` with no subcommand runs the default scenario (commands/run.cpp).
int runDefault();

}  // namespace irsim::app

int main(int argc, char** argv) {
    using namespace irsim;
    CLI::App root{"irsim: a training simulator for image-guided interventions in interventional "
                  "oncology.\nWith no command, starts the default scenario (irsim run)."};
    root.require_subcommand(0, 1);
    root.set_version_flag("--version", "irsim 0.1.0");
    for (const auto& c : app::registeredCommands()) c.setup(root);
    try {
        root.parse(argc, argv);
        if (root.get_subcommands().empty()) return app::runDefault();
        return app::exitStatus();
    } catch (const CLI::ParseError& e) {
        return root.exit(e);
    } catch (const DataError& e) {
        std::fprintf(stderr, "irsim: error: %s\n", e.what());
        return 2;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "irsim: error: %s\n", e.what());
        return 1;
    }
}
