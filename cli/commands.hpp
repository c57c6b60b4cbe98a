// Each subcommand registers itself on the CLI11 app; its callback runs the command
// and leaves its exit code in Context::exit_code.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.hpp"

namespace djc {

void add_get_command(CLI::App& app, Context& context);
void add_warm_command(CLI::App& app, Context& context);
void add_run_command(CLI::App& app, Context& context);
void add_list_command(CLI::App& app, Context& context);
void add_stats_command(CLI::App& app, Context& context);
void add_purge_command(CLI::App& app, Context& context);
void add_check_command(CLI::App& app, Context& context);
void add_migrate_command(CLI::App& app, Context& context);
void add_workers_command(CLI::App& app, Context& context);
void add_export_command(CLI::App& app, Context& context);
void add_import_command(CLI::App& app, Context& context);
void add_refresh_command(CLI::App& app, Context& context);
void add_work_command(CLI::App& app, Context& context);
void add_invalidate_command(CLI::App& app, Context& context);
void add_notify_command(CLI::App& app, Context& context);
void add_complete_command(CLI::App& app, Context& context);
// Hidden: the detached background recomputation of one stale entry.
void add_background_refresh_command(CLI::App& app, Context& context);

}  // namespace djc
