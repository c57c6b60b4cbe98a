// `dj-cache warm LABEL`: one argument set per stdin line, each made sure to be cached.
#include "cli/commands.hpp"
#include "cli/overrides.hpp"
#include "cli/progress.hpp"
#include "cli/stdin_lines.hpp"
#include "core/args.hpp"
#include "core/cache.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/shell_words.hpp"

namespace djc {
namespace {

struct WarmCommand {
  std::string label;
  bool force = false;
  OverrideOptions overrides;
};

struct WarmTally {
  std::size_t fresh = 0, computed = 0, failed = 0;
  int first_failure = 0;
};

bool is_blank_or_comment(std::string_view line) {
  auto first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

int run_warm(Context& context, const WarmCommand& command) {
  const Worker& worker = context.worker(command.label);
  GetOptions options{.force = command.force, .overrides = parse_overrides(command.overrides)};
  Store& store = *context.store(OpenMode::write);
  Cache cache(store, context.clock());
  PutBatch batch(store);  // one commit for many lines (see core/put_batch.hpp)
  cache.store_in(batch);
  WarmTally tally;
  Progress progress("warm " + command.label, 0);  // stdin: the total is unknown
  StdinLines lines;
  std::size_t number = 0;
  for (;;) {
    // Nothing computed waits in the batch, its keys locked, while stdin is slow.
    if (!batch.empty() && !lines.ready()) batch.flush();
    std::optional<std::string_view> line = lines.next();
    if (!line) break;
    ++number;
    if (is_blank_or_comment(*line)) continue;
    Args args;
    try {
      args = parse_args(split_shell_words(*line));
    } catch (const Error& error) {
      batch.flush();  // the lines before this one are done: kept, as get would keep them
      throw Error(exit_code::data, fmt::format("stdin:{}: {}", number, error.what()));
    }
    GetResult result = cache.get(worker, args, options, [](const EntryRef&) {});
    if (result.served == Served::hit) ++tally.fresh;
    if (result.served == Served::computed || result.served == Served::uncached) ++tally.computed;
    if (result.exit_code != 0) {
      ++tally.failed;
      if (!tally.first_failure) tally.first_failure = result.exit_code;
    }
    progress.step();
  }
  batch.flush();
  progress.finish();
  summary("warm {}: {} computed, {} already fresh, {} failed", command.label, tally.computed,
          tally.fresh, tally.failed);
  return tally.first_failure;
}

}  // namespace

void add_warm_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<WarmCommand>();
  CLI::App* warm = app.add_subcommand("warm", "Cache one argument set per stdin line");
  warm->add_option("LABEL", command->label, "Worker label")->required();
  warm->add_flag("-f,--force", command->force, "Recompute every line, even fresh ones");
  add_override_options(*warm, command->overrides);
  warm->footer(
      "Each line holds ARGs as for get, with shell-style quoting (nothing is expanded);\n"
      "blank lines and lines starting with # are skipped. Exits with the first failing\n"
      "getter's code after trying every line.\n"
      "Example: printf 'attr1=1\\nattr1=2\\n' | dj-cache warm filtered_foos");
  warm->callback([command, &context] { context.exit_code = run_warm(context, *command); });
}

}  // namespace djc
