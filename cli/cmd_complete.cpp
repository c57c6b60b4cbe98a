// `dj-cache __complete labels|sources`: the hidden, quiet listing mode the shell
// completions (completions/) call. It prints the active config's worker labels or
// source names, one per line, and never anything on stderr: no config, an invalid
// or untrusted one, an unknown kind all print nothing and exit 0, since a
// completion must never spew errors into the user's command line.
#include <exception>
#include <string>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

std::string listing(Context& context, const std::string& kind) {
  const Config* config = nullptr;
  try {
    config = context.config_if_any();
  } catch (const std::exception&) {  // djc::Error (78) or anything else: say nothing
    return {};
  }
  if (!config) return {};
  std::string lines;
  if (kind == "labels") {
    for (const auto& [label, worker] : config->workers) lines += label + "\n";
  } else if (kind == "sources") {
    for (const auto& [name, source] : config->sources) lines += name + "\n";
  }
  return lines;
}

}  // namespace

void add_complete_command(CLI::App& app, Context& context) {
  auto kind = std::make_shared<std::string>();
  // An empty group hides the subcommand from --help (CLI11 2.1 still lists one
  // that only has an empty description).
  CLI::App* complete = app.add_subcommand("__complete", "");
  complete->group("");
  complete->add_option("KIND", *kind, "labels or sources");
  complete->callback([kind, &context] {
    context.exit_code = 0;
    std::string lines = listing(context, *kind);
    if (lines.empty()) return;
    try {
      write_stdout(lines);
    } catch (const std::exception&) {  // the shell went away: nothing to tell anyone
    }
  });
}

}  // namespace djc
