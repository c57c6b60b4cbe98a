// The get command's options and body, shared by its CLI11 subcommand and the
// hand-written fast path (cli/fast_get.cpp).
#pragma once

#include <string>
#include <vector>

#include "cli/context.hpp"
#include "cli/overrides.hpp"

namespace djc {

struct GetCommand {
  bool force = false;
  bool entity = false;
  bool no_wait = false;
  OverrideOptions overrides;
};

// `words` is LABEL followed by the ARG words. Returns the exit code.
int run_get(Context& context, const GetCommand& command, std::vector<std::string> words);

}  // namespace djc
