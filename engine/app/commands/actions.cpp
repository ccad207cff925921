// `irsim actions`: the action vocabulary from the action tables themselves (sim/procedure.h), the
// imaging actions and every registered procedure's, as the markdown docs/actions.md holds between
// its "generated" markers (a test keeps the two equal).
#include <cstdio>

#include "app/command.h"
#include "sim/procedure.h"

namespace irsim::app {

static const CommandRegistration kActions{"actions", [](CLI::App& root) {
    CLI::App* c = root.add_subcommand("actions", "Print every action a log may hold, with its arguments' types, "
                                                  "units, ranges and defaults (markdown, as in docs/actions.md)");
    c->callback([] { std::fputs(sim::actionsMarkdown().c_str(), stdout); });
}};

}  // namespace irsim::app
