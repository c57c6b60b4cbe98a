// `dj-cache get [OPTIONS] LABEL [ARG...]`: print the value, computing it on a miss.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/background.hpp"
#include "cli/cmd_get.hpp"
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
  Cache cache(*context.store(OpenMode::get, options.force), context.clock(),
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

}  // namespace djc
