// `dj-cache purge [LABEL] [--expired]`: delete entries.
#include <algorithm>

#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/cache.hpp"
#include "core/diagnostics.hpp"

namespace djc {
namespace {

struct PurgeCommand {
  std::optional<std::string> label;
  bool expired = false;
};

std::vector<std::string> keys_to_purge(Store& store, const PurgeCommand& command, double now) {
  if (!command.expired) return command.label ? store.keys_of_label(*command.label) : all_keys(store);
  std::vector<std::string> expired = store.keys_expired(now);
  if (!command.label) return expired;
  std::vector<std::string> of_label = store.keys_of_label(*command.label);
  std::sort(expired.begin(), expired.end());
  std::sort(of_label.begin(), of_label.end());
  std::vector<std::string> both;
  std::set_intersection(expired.begin(), expired.end(), of_label.begin(), of_label.end(),
                        std::back_inserter(both));
  return both;
}

// Deletes `keys` a batch per write transaction, so a large purge shows progress
// and lets other writers in between batches.
std::size_t erase_in_batches(Store& store, const std::vector<std::string>& keys) {
  constexpr std::size_t batch = 1000;
  Progress progress("purge", keys.size());
  std::size_t erased = 0;
  for (std::size_t first = 0; first < keys.size(); first += batch) {
    std::size_t last = std::min(keys.size(), first + batch);
    erased += store.erase({keys.begin() + first, keys.begin() + last});
    progress.step(last - first);
  }
  return erased;
}

int run_purge(Context& context, const PurgeCommand& command) {
  Store* store = context.store(OpenMode::read);
  double now = context.clock().now();
  std::size_t purged = store ? erase_in_batches(*store, keys_to_purge(*store, command, now)) : 0;
  if (store) store->record_purge(now);
  summary("purged {} entr{}", purged, purged == 1 ? "y" : "ies");
  return 0;
}

}  // namespace

void add_purge_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<PurgeCommand>();
  CLI::App* purge = app.add_subcommand("purge", "Delete entries (all, a label's, or expired ones)");
  purge->add_option("LABEL", command->label, "Only this label's entries");
  purge->add_flag("--expired", command->expired, "Only entries past their timeout");
  purge->footer("Example (cron): 17 * * * * dj-cache purge --expired");
  purge->callback([command, &context] { context.exit_code = run_purge(context, *command); });
}

}  // namespace djc
