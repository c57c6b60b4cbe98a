// `dj-cache run`: its options and body (add_run_command is in commands.hpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "cli/context.hpp"

namespace djc {

struct RunCommand {
  std::optional<std::string> ttl, stale, stale_on_error, getter_timeout, scope;
  bool cwd = false;
  std::vector<std::string> env, modtime;
  bool read_stdin = false, cache_failures = false, warm = false, force = false, no_wait = false;
  // Hidden, for the detached refresh a --stale hit starts.
  bool background = false;
  std::optional<std::string> input_file;
  std::vector<std::string> argv;  // COMMAND [ARG...]
};

// Returns the exit code: the command's (stored or fresh), or 0 when an entry was
// served on its failure (--stale-on-error).
int run_run(Context& context, const RunCommand& command);

}  // namespace djc
