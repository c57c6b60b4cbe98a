// `dj-cache refresh [LABEL] [--stale]` (the cron job) and the hidden `__refresh`
// that a stale read starts in the background.
#include "cli/commands.hpp"
#include "cli/overrides.hpp"
#include "cli/progress.hpp"
#include "core/args.hpp"
#include "core/cache.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

struct RefreshCommand {
  std::optional<std::string> label;
  bool stale_only = false;
  OverrideOptions overrides;
};

std::vector<std::string> keys_to_refresh(Store& store, const RefreshCommand& command, double now) {
  std::optional<std::string_view> label;
  if (command.label) label = *command.label;
  if (command.stale_only) return store.keys_stale(now, label);
  return label ? store.keys_of_label(*label) : all_keys(store);
}

int run_refresh(Context& context, const RefreshCommand& command) {
  if (command.label) context.worker(*command.label);  // an unknown label is an error (69)
  const Config& config = context.config();
  Store& store = *context.store(OpenMode::write);
  Cache cache(store, context.clock());
  GetOptions options{.overrides = parse_overrides(command.overrides)};
  std::size_t recomputed = 0, failed = 0, skipped = 0;
  int first_failure = 0;
  std::vector<std::string> keys = keys_to_refresh(store, command, context.clock().now());
  Progress progress("refresh", keys.size());
  for (const auto& key : keys) {
    auto meta = read_meta(store, key);
    const Worker* worker = meta ? config.find_worker(meta->label) : nullptr;
    if (!worker) {
      ++skipped;  // deleted meanwhile, or a label the config no longer has
    } else if (GetResult result = cache.recompute(*worker, meta->args, options); result.exit_code == 0) {
      ++recomputed;
    } else {
      ++failed;
      if (!first_failure) first_failure = result.exit_code;
    }
    progress.step();
  }
  progress.finish();
  summary("refresh: {} recomputed, {} failed, {} skipped", recomputed, failed, skipped);
  return first_failure;
}

int run_background_refresh(Context& context, std::vector<std::string> words) {
  if (words.empty()) return exit_code::usage;
  const Worker& worker = context.worker(words.front());
  words.erase(words.begin());
  Cache cache(*context.store(OpenMode::write), context.clock());
  return cache.refresh_if_stale(worker, parse_args(words)).exit_code;
}

}  // namespace

void add_refresh_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<RefreshCommand>();
  CLI::App* refresh = app.add_subcommand("refresh", "Recompute entries (all, or only stale ones)");
  refresh->add_option("LABEL", command->label, "Only this label's entries");
  refresh->add_flag("--stale", command->stale_only, "Only entries past their relevance time");
  add_override_options(*refresh, command->overrides);
  refresh->footer("Each entry is recomputed with its stored args, under its lock.\n"
                  "Example (cron): */5 * * * * dj-cache -q refresh --stale");
  refresh->callback([command, &context] { context.exit_code = run_refresh(context, *command); });
}

void add_background_refresh_command(CLI::App& app, Context& context) {
  CLI::App* refresh = app.add_subcommand("__refresh", "");
  refresh->group("");  // hidden: CLI11 lists subcommands unless their group is empty
  refresh->prefix_command();
  refresh->fallthrough(false);
  refresh->callback([refresh, &context] {
    context.exit_code = run_background_refresh(context, refresh->remaining());
  });
}

}  // namespace djc
