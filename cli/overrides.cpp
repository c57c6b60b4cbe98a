// --timeout, --relevance-timeout, --getter-timeout, --wait for one call.
#include "cli/overrides.hpp"

#include "core/duration.hpp"

namespace djc {
namespace {

std::optional<Duration> parse(const std::optional<std::string>& text, const char* option) {
  if (!text) return std::nullopt;
  return parse_duration_option(*text, option);
}

}  // namespace

void add_override_options(CLI::App& command, OverrideOptions& options) {
  command.add_option("--timeout", options.timeout, "Entry lifetime for this call (e.g. 15m)");
  command.add_option("--relevance-timeout", options.relevance_timeout,
                     "Relevance time for this call");
  command.add_option("--getter-timeout", options.getter_timeout, "Getter time limit for this call");
  command.add_option("--wait", options.wait, "How long to wait for another computing process");
}

WorkerOverrides parse_overrides(const OverrideOptions& options) {
  return WorkerOverrides{
      .timeout = parse(options.timeout, "--timeout"),
      .relevance_timeout = parse(options.relevance_timeout, "--relevance-timeout"),
      .getter_timeout = parse(options.getter_timeout, "--getter-timeout"),
      .wait = parse(options.wait, "--wait"),
  };
}

}  // namespace djc
