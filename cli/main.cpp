// dj-cache's entry point: global options, subcommand dispatch, and the one place
// where errors become messages and exit codes.
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/cmd_get.hpp"
#include "cli/commands.hpp"
#include "cli/fast_get.hpp"
#include "cli/standard_streams.hpp"
#include "cli/context.hpp"
#include "core/diagnostics.hpp"
#include "core/edit_distance.hpp"
#include "core/error.hpp"

namespace {

using djc::Context;

void apply_verbosity(const djc::GlobalOptions& options) {
  using djc::Verbosity;
  djc::set_verbosity(options.quiet ? Verbosity::quiet
                     : options.verbose ? Verbosity::verbose
                                       : Verbosity::normal);
}

void add_global_options(CLI::App& app, Context& context) {
  app.add_option("-c,--config", context.options.config_path, "Config file (default: discovered)");
  app.add_option("-s,--store", context.options.store_path, "Store directory");
  app.add_flag("-v,--verbose", context.options.verbose, "Say more on stderr");
  app.add_flag("-q,--quiet", context.options.quiet, "No warnings or summaries on stderr");
  app.set_version_flag("--version", "dj-cache " DJ_CACHE_VERSION);
  app.parse_complete_callback([&context] { apply_verbosity(context.options); });
}

void build_app(CLI::App& app, Context& context) {
  app.footer("Exit codes: 0 ok, 64 usage, 65 bad data, 69 unknown label/source, 74 store error,\n"
             "75 key busy (--no-wait), 78 config error, 124 getter timeout, else the getter's.\n"
             "See dj-cache(1) and dj-cache.toml(5).");
  add_global_options(app, context);
  // Subcommands copy this when added: global options may also follow the
  // subcommand (`dj-cache list -q`).
  app.fallthrough();
  add_get_command(app, context);
  add_warm_command(app, context);
  add_run_command(app, context);
  add_list_command(app, context);
  add_stats_command(app, context);
  add_purge_command(app, context);
  add_check_command(app, context);
  add_migrate_command(app, context);
  add_workers_command(app, context);
  add_export_command(app, context);
  add_import_command(app, context);
  add_refresh_command(app, context);
  add_work_command(app, context);
  add_invalidate_command(app, context);
  add_notify_command(app, context);
  add_complete_command(app, context);
  add_background_refresh_command(app, context);
  app.require_subcommand(1);
}

int report(const djc::Error& error) {
  djc::print_error_line(error.what());
  if (!error.hint().empty()) djc::print_error_line("hint: " + error.hint());
  return error.exit_code();
}

// The word that should have been a subcommand, when none was recognised (CLI11
// only says "A subcommand is required" then).
std::optional<std::string> unknown_command(CLI::App& app) {
  if (!app.get_subcommands().empty()) return std::nullopt;
  std::vector<std::string> rest = app.remaining();
  if (rest.empty() || rest.front().starts_with("-")) return std::nullopt;
  return rest.front();
}

int usage_error(CLI::App& app, const CLI::ParseError& error) {
  // --help and --version are parse "errors" with exit code 0: print them as CLI11 does.
  if (error.get_exit_code() == 0) return app.exit(error);
  if (std::optional<std::string> word = unknown_command(app)) {
    std::vector<std::string> names;
    for (const CLI::App* command : app.get_subcommands({})) {
      if (!command->get_group().empty()) names.push_back(command->get_name());
    }
    djc::print_error_line("unknown command '" + *word + "'");
    std::optional<std::string> nearest = djc::nearest_name(*word, names);
    djc::print_error_line(nearest ? "hint: did you mean '" + *nearest + "'?"
                                  : std::string("hint: run 'dj-cache --help' for the commands"));
    return djc::exit_code::usage;
  }
  djc::print_error_line(error.what());
  djc::print_error_line("hint: run 'dj-cache --help' (or 'dj-cache COMMAND --help')");
  return djc::exit_code::usage;
}

// The hit path: a plain `get` served without building the CLI11 app.
std::optional<int> fast_get(int argc, char** argv) {
  Context context;
  djc::GetCommand get;
  auto words = djc::parse_fast_get(argc, argv, context, get);
  if (!words) return std::nullopt;
  apply_verbosity(context.options);
  return djc::run_get(context, get, std::move(*words));
}

int parse_and_run(int argc, char** argv) {
  if (auto served = fast_get(argc, argv)) return *served;
  djc::construct_standard_streams();  // CLI11 and the commands below may use them
  Context context;
  CLI::App app{"dj-cache: cache the output of commands for shell scripts and cron jobs",
               "dj-cache"};
  try {
    build_app(app, context);
    if (argc < 2) {
      std::fputs(app.help().c_str(), stderr);
      return djc::exit_code::usage;
    }
    app.parse(argc, argv);
    return context.exit_code;
  } catch (const CLI::ParseError& error) {
    return usage_error(app, error);
  }
}

}  // namespace

int main(int argc, char** argv) {
  // A reader that goes away (`| head -c1`) is not an error: writes see EPIPE instead.
  std::signal(SIGPIPE, SIG_IGN);
  try {
    return parse_and_run(argc, argv);
  } catch (const djc::Error& error) {
    return report(error);
  } catch (const std::exception& error) {
    djc::print_error_line(std::string("internal error: ") + error.what());
    return djc::exit_code::io;
  }
}
