// `dj-cache migrate [--check]`: create or upgrade the store schema.
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

int run_migrate(Context& context, bool check_only) {
  StoreLocation where = context.store_location();
  std::string path = store_name(where);
  SchemaStatus status = store_schema_status(where);
  if (status.exists && status.on_disk > status.current) {
    throw Error(exit_code::io, fmt::format("store {}: written by a newer dj-cache (schema {}); this "
                                           "one knows schema {} at most", path, status.on_disk,
                                           status.current));
  }
  bool due = !status.exists || status.on_disk < status.current;
  if (check_only) {
    if (!status.exists) summary("store {}: missing; migrate would create it", path);
    else if (due) summary("store {}: schema {} → {} is due", path, status.on_disk, status.current);
    else summary("store {}: up to date (schema {})", path, status.current);
    return due ? exit_code::stale_check : 0;
  }
  open_store(where, OpenMode::migrate);
  if (!status.exists) summary("store {}: created (schema {})", path, status.current);
  else if (due) summary("store {}: upgraded from schema {} to {}", path, status.on_disk, status.current);
  else summary("store {}: up to date (schema {})", path, status.current);
  return 0;
}

}  // namespace

void add_migrate_command(CLI::App& app, Context& context) {
  auto check = std::make_shared<bool>(false);
  CLI::App* migrate = app.add_subcommand("migrate", "Create or upgrade the store");
  migrate->add_flag("--check", *check, "Exit 1 when an upgrade (or creation) is due, change nothing");
  migrate->footer("Example: dj-cache migrate --check || dj-cache migrate");
  migrate->callback([check, &context] { context.exit_code = run_migrate(context, *check); });
}

}  // namespace djc
