// `dj-cache invalidate LABEL [--old K=V...] [--new K=V...] [--drop]`: recompute (or
// drop) the entries of a label that held a changed record (SPEC.md §5).
#include <fmt/format.h>

#include "cli/background.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/args.hpp"
#include "core/attribute_match.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/invalidation.hpp"

namespace djc {
namespace {

struct InvalidateCommand {
  std::string label;
  std::vector<std::string> old_words;
  std::vector<std::string> new_words;
  bool drop = false;
};

// K=V words as attributes: K an identifier, `K=` None, each K once.
Attributes parse_attributes(const std::vector<std::string>& words, const char* option) {
  Attributes attributes;
  for (const auto& word : words) {
    auto eq = word.find('=');
    std::string name = word.substr(0, eq);
    if (eq == std::string::npos || !is_identifier(name)) {
      throw Error(exit_code::usage,
                  fmt::format("{}: '{}' is not K=V (K an argument name)", option, word),
                  "dj-cache invalidate LABEL --old attr1=1 attr2=x [--new attr1=2 attr2=x]");
    }
    std::optional<std::string> value;
    if (eq + 1 < word.size()) value = word.substr(eq + 1);
    if (!attributes.emplace(name, value).second) {
      throw Error(exit_code::usage, fmt::format("{}: '{}' is given twice", option, name));
    }
  }
  return attributes;
}

Selection selection_of(const InvalidateCommand& command) {
  if (!command.new_words.empty() && command.old_words.empty()) {
    throw Error(exit_code::usage, "invalidate: --new needs --old (the record before and after)",
                "a created or deleted record: --old only; an updated one: --old and --new");
  }
  Selection selection{command.label, std::nullopt, std::nullopt};
  if (!command.old_words.empty())
    selection.old_attrs = parse_attributes(command.old_words, "--old");
  if (!command.new_words.empty())
    selection.new_attrs = parse_attributes(command.new_words, "--new");
  return selection;
}

int run_invalidate(Context& context, const InvalidateCommand& command) {
  Selection selection = selection_of(command);
  const Worker& worker = context.worker(command.label);
  Store& store = *context.store(OpenMode::write);
  Cache cache(store, context.clock());
  std::vector<std::string> keys = select_keys(store, selection);
  Progress progress("invalidate " + command.label, keys.size());
  InvalidationReport report =
      invalidate_keys(store, cache, worker, keys,
                      {command.drop, context.clock().now(),
                       [&progress](std::size_t done) { progress.step(done); }});
  progress.finish();
  if (report.queued) start_job_runner(context);
  std::string failed = report.failed ? fmt::format(", {} failed", report.failed) : "";
  summary("invalidate {}: {} matched, {} recomputed, {} dropped, {} queued{}", command.label,
          report.matched, report.recomputed, report.dropped, report.queued, failed);
  return report.first_failure;
}

}  // namespace

void add_invalidate_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<InvalidateCommand>();
  CLI::App* invalidate = app.add_subcommand("invalidate",
                                            "Recompute (or drop) the entries a "
                                            "changed record touches");
  invalidate->add_option("LABEL", command->label, "The worker whose entries to invalidate")
      ->required();
  invalidate
      ->add_option("--old", command->old_words,
                   "K=V... the record's attributes (before the change); K= is None")
      ->expected(1, -1);
  invalidate
      ->add_option("--new", command->new_words,
                   "K=V... the record's attributes after an update (needs --old)")
      ->expected(1, -1);
  invalidate->add_flag("--drop", command->drop, "Delete the matched entries instead");
  invalidate->footer(
      "Without --old every entry of LABEL is invalidated. An entry matches when each given\n"
      "attribute is absent/None in its args, equal, or in its list; a None value (K=) is\n"
      "matched only by an absent/None arg. With --new, the entries matching --old plus those\n"
      "matching --new. Workers with delay_invalidation queue the work for `dj-cache work`.\n"
      "Example: dj-cache invalidate filtered_foos --old attr1=1 attr2=x --new attr1=2 attr2=x");
  invalidate->callback(
      [command, &context] { context.exit_code = run_invalidate(context, *command); });
}

}  // namespace djc
