// `dj-cache export [LABEL]` and `dj-cache import`: entries as JSON lines.
#include <iostream>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "core/adhoc.hpp"
#include "core/config.hpp"
#include "core/diagnostics.hpp"
#include "core/entry_json.hpp"
#include "core/error.hpp"
#include "core/key.hpp"

namespace djc {
namespace {

int run_export(Context& context, const std::optional<std::string>& label) {
  Store* store = context.store(OpenMode::read);
  if (!store) return 0;
  double now = context.clock().now();
  std::optional<std::string_view> only;
  if (label) only = *label;
  bool open = true;
  store->for_each(only, [&](const EntryRef& entry) {
    if (open) open = write_stdout(export_line(entry, now) + "\n");
  });
  return 0;
}

// The entry an import line describes; missing times come from the worker (when
// the config has one for the label) or the defaults.
std::pair<EntryMeta, std::string> to_entry(ImportedEntry imported, const Worker* worker, double now) {
  EntryMeta meta;
  meta.label = imported.label;
  meta.args = std::move(imported.args);
  meta.key = entry_key(meta.label, meta.args, worker ? worker->key_gen : std::nullopt);
  meta.created_at = imported.created_at.value_or(now);
  Duration timeout = worker ? worker->timeout : Worker{}.timeout;
  meta.available_to = imported.available_to.value_or(meta.created_at + seconds(timeout));
  meta.relevance_to = imported.relevance_to;
  if (!meta.relevance_to && worker && worker->relevance_invalidation) {
    meta.relevance_to = meta.created_at + seconds(worker->relevance_timeout);
  }
  meta.exit_code = imported.exit_code;
  meta.error_output = std::move(imported.error_output);
  meta.checksum = value_checksum(imported.value);
  return {std::move(meta), std::move(imported.value)};
}

int run_import(Context& context) {
  const Config* config = context.config_if_any();
  double now = context.clock().now();
  std::vector<std::pair<EntryMeta, std::string>> entries;
  // Lines are read and checked first; the store takes them all at once (put_all).
  Progress progress("import: read", 0);
  std::string line;
  for (std::size_t number = 1; std::getline(std::cin, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    progress.step();
    try {
      ImportedEntry imported = parse_import_line(line);
      if (!is_valid_label(imported.label) && imported.label != adhoc_label) throw Error(exit_code::data, "invalid label '" + imported.label + "'");
      const Worker* worker = config ? config->find_worker(imported.label) : nullptr;
      entries.push_back(to_entry(std::move(imported), worker, now));
    } catch (const Error& error) {
      throw Error(exit_code::data, fmt::format("stdin:{}: {}; nothing imported", number, error.what()));
    }
  }
  progress.finish();
  context.store(OpenMode::write)->put_all(entries);
  summary("imported {} entr{}", entries.size(), entries.size() == 1 ? "y" : "ies");
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app, Context& context) {
  auto label = std::make_shared<std::optional<std::string>>();
  CLI::App* command = app.add_subcommand("export", "Print entries as JSON lines");
  command->add_option("LABEL", *label, "Only this label's entries");
  command->footer("Binary values are exported as value_base64.\n"
                  "Example: dj-cache export > backup.jsonl");
  command->callback([label, &context] { context.exit_code = run_export(context, *label); });
}

void add_import_command(CLI::App& app, Context& context) {
  CLI::App* command = app.add_subcommand("import", "Read entries as JSON lines from stdin");
  command->footer(
      "Each line: {\"label\":..., \"args\":{\"args\":[...],\"kwargs\":{...}}, \"value\" or\n"
      "\"value_base64\", optional created_at/available_to/relevance_to, exit_code and\n"
      "stderr (or stderr_base64)}. The key is derived from label and args. A malformed\n"
      "line rejects the whole input (exit 65).\n"
      "Example: dj-cache import < backup.jsonl");
  command->callback([&context] { context.exit_code = run_import(context); });
}

}  // namespace djc
