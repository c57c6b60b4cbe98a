// The hit path's front door: `dj-cache [-c F] [-s S] [-q|-v] get [-f|--force]
// [--entity] [--no-wait] LABEL ARG...` recognised by hand, before any CLI11 object
// exists (building CLI11's app costs more than the LMDB lookup it leads to).
#pragma once

#include <optional>

#include "cli/context.hpp"

namespace djc {

// Fills `context` and returns the get command's words (LABEL, ARG...) when argv is
// a plain get the fast path can serve; nullopt sends argv through CLI11, which
// handles everything else (--help, overrides, errors) with the same semantics.
std::optional<std::vector<std::string>> parse_fast_get(int argc, char** argv, Context& context,
                                                       struct GetCommand& command);

}  // namespace djc
