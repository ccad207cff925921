#pragma once
// Subcommands of `irsim` (git-style). Each command's file registers itself at start-up:
//   static const irsim::app::CommandRegistration reg{"info", [](CLI::App& root) { ... }};
// The setup function adds a CLI::App subcommand with its options and callback. A callback throws
// irsim::DataError for bad input; main prints it on one line and exits with status 2.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace irsim::app {

using CommandSetup = std::function<void(CLI::App& root)>;

struct CommandRegistration {
    CommandRegistration(std::string name, CommandSetup setup);
};

struct RegisteredCommand {
    std::string name;
    CommandSetup setup;
};
// In name order, so --help lists them the same way every time.
std::vector<RegisteredCommand> registeredCommands();

// Exit status a command's callback sets (CLI11 callbacks return void).
void setExitStatus(int status);
int exitStatus();

}  // namespace irsim::app
