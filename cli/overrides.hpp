// The per-call worker overrides shared by get, warm and refresh.
#pragma once

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "core/cache.hpp"

namespace djc {

struct OverrideOptions {
  std::optional<std::string> timeout, relevance_timeout, getter_timeout, wait;
};

void add_override_options(CLI::App& command, OverrideOptions& options);
// Error(64) for a malformed duration.
WorkerOverrides parse_overrides(const OverrideOptions& options);

}  // namespace djc
