// `dj-cache get [OPTIONS] LABEL [ARG...]`: print the value, computing it on a miss.
// Also the CLI11 declaration of `run` (its body: cmd_run.cpp; why here: cmd_run.hpp).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/background.hpp"
#include "cli/cmd_get.hpp"
#include "cli/cmd_run.hpp"
#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/overrides.hpp"
#include "core/args.hpp"
#include "core/cache.hpp"
#include "core/entry_json.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

void print_entity(const EntryRef& entry, double now) {
  nlohmann::json object = entry_json(entry.meta, entry.value.size(), now);
  add_value(object, entry.value);
  write_stdout(object.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
}

}  // namespace

int run_get(Context& context, const GetCommand& command, std::vector<std::string> words) {
  if (words.empty()) throw Error(exit_code::usage, "get: missing LABEL", "dj-cache get LABEL [ARG...]");
  // CLI11 hands an unknown option before LABEL over as if it were the label.
  if (words.front().starts_with('-')) {
    throw Error(exit_code::usage, fmt::format("get: unknown option '{}'", words.front()),
                "options come before LABEL; see dj-cache get --help");
  }
  const Worker& worker = context.worker(words.front());
  words.erase(words.begin());
  Args args = parse_args(words);
  GetOptions options{.force = command.force,
                     .no_wait = command.no_wait,
                     .overrides = parse_overrides(command.overrides)};
  bool as_entity = command.entity || worker.cached_entity;
  double now = context.clock().now();
  Cache cache(*context.store(OpenMode::get), context.clock(),
              [&context](const Worker& stale, const Args& stale_args) {
                start_background_refresh(context, stale, stale_args);
              });
  GetResult result = cache.get(worker, args, options, [&](const EntryRef& entry) {
    if (as_entity) {
      print_entity(entry, now);
    } else {
      write_stdout(entry.value);
    }
  });
  return result.exit_code;
}

void add_get_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<GetCommand>();
  CLI::App* get = app.add_subcommand("get", "Print a worker's value, computing it on a miss");
  get->prefix_command();  // options come before LABEL; after it every word is an ARG
  get->fallthrough(false);  // LABEL and ARGs are ours, never the parent's
  get->add_flag("-f,--force", command->force, "Recompute now, even when a fresh entry exists");
  get->add_flag("--entity", command->entity, "Print the entry as JSON (metadata and value)");
  get->add_flag("--no-wait", command->no_wait,
                "Exit 75 at once when another process is computing the key");
  add_override_options(*get, command->overrides);
  get->footer(
      "ARGs: name=value is a named argument (repeat a name for a list, name= for None);\n"
      "other words are positional; after a word -- every word is positional.\n"
      "Example: dj-cache get filtered_foos attr1=1 attr2=x");
  get->callback([get, command, &context] {
    context.exit_code = run_get(context, *command, get->remaining());
  });
}

// The options of `run`; see cmd_run.cpp.
void add_run_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<RunCommand>();
  CLI::App* run = app.add_subcommand("run", "Cache any command's output, no config needed (as bkt)");
  // Options come before COMMAND; from it on every word is the command's ("--"
  // before it lets it start with a dash). Global options may follow run too.
  run->positionals_at_end();
  run->add_option("--ttl", command->ttl, "Entry lifetime (default $DJ_CACHE_TTL, else 1m)");
  run->add_option("--stale", command->stale,
                  "After this age, serve the entry and refresh it in the background");
  run->add_option("--stale-on-error", command->stale_on_error,
                  "When the command fails, serve an entry expired less than this ago");
  run->add_flag("--cwd", command->cwd, "The working directory joins the key");
  run->add_option("--env", command->env, "This variable's value joins the key (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--modtime", command->modtime,
                  "A change of this file (mtime, size, inode) is a miss (repeatable)")
      ->allow_extra_args(false);
  run->add_flag("--stdin", command->read_stdin, "Read stdin, key on it and feed it to the command");
  run->add_option("--scope", command->scope, "Keep callers apart (default $DJ_CACHE_SCOPE)");
  run->add_flag("--cache-failures", command->cache_failures, "Cache a non-zero exit too");
  run->add_flag("--warm", command->warm, "Run now and store, print nothing");
  run->add_flag("-f,--force", command->force, "Run now, store and print");
  run->add_flag("--no-wait", command->no_wait,
                "Exit 75 at once when another process is running the command");
  run->add_option("--getter-timeout", command->getter_timeout,
                  "Kill the command after this (default: no limit); exit 124");
  run->add_option("COMMAND", command->argv, "The command and its arguments, run as given");
  run->add_flag("--background", command->background)->group("");
  run->add_option("--input-file", command->input_file)->group("");
  run->footer(
      "Replays stdout byte for byte, stderr and the exit code. Only exit 0 is cached\n"
      "unless --cache-failures. Never through a shell. List them: dj-cache list @run.\n"
      "Example: dj-cache run --ttl 5m --stale 1m -- curl -s https://example.com/status");
  run->callback([command, &context] { context.exit_code = run_run(context, *command); });
}

}  // namespace djc
