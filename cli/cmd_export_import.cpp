// `dj-cache export [LABEL]` and `dj-cache import`: entries as JSON lines.
#include <algorithm>
#include <exception>
#include <iterator>
#include <thread>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/progress.hpp"
#include "cli/stdin_lines.hpp"
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
  return {std::move(meta), std::move(imported.value)};
}

using Imported = std::vector<std::pair<EntryMeta, std::string>>;

struct ImportLine {
  std::size_t number;
  std::string_view text;  // in the input buffer
};

// The entries of lines[begin, end), or the error of the first bad one.
struct ParsedBlock {
  Imported entries;
  std::exception_ptr error;
};

// Appends to `block`.
void parse_block(const std::vector<ImportLine>& lines, std::size_t begin, std::size_t end,
                 const Config* config, double now, ParsedBlock& block) {
  for (std::size_t i = begin; i < end; ++i) {
    try {
      ImportedEntry imported = parse_import_line(lines[i].text);
      if (!is_valid_label(imported.label) && imported.label != adhoc_label) {
        throw Error(exit_code::data, "invalid label '" + imported.label + "'");
      }
      const Worker* worker = config ? config->find_worker(imported.label) : nullptr;
      block.entries.push_back(to_entry(std::move(imported), worker, now));
    } catch (const Error& error) {
      block.error = std::make_exception_ptr(Error(
          exit_code::data, fmt::format("stdin:{}: {}; nothing imported", lines[i].number, error.what())));
      break;
    }
  }
}

// Parsing JSON is half of an import's work besides LMDB's, and lines are
// independent: large inputs are parsed by one thread per core, in blocks kept in
// input order, so the first bad line is the one reported. The first block is
// the result: the others are moved onto its end (moving a million entries
// took a fifth of the parse).
Imported parse_lines(const std::vector<ImportLine>& lines, const Config* config, double now) {
  constexpr std::size_t min_block = 4096;
  std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 8);
  threads = std::clamp<std::size_t>(lines.size() / min_block, 1, threads);
  std::vector<ParsedBlock> blocks(threads);
  std::vector<std::thread> workers;
  const std::size_t per_block = (lines.size() + threads - 1) / threads;
  for (std::size_t t = 1; t < threads; ++t) {
    std::size_t begin = std::min(lines.size(), t * per_block);
    std::size_t end = std::min(lines.size(), begin + per_block);
    blocks[t].entries.reserve(end - begin);
    workers.emplace_back([&, t, begin, end] { parse_block(lines, begin, end, config, now, blocks[t]); });
  }
  Imported& entries = blocks[0].entries;
  entries.reserve(lines.size());
  parse_block(lines, 0, std::min(lines.size(), per_block), config, now, blocks[0]);
  for (std::thread& worker : workers) worker.join();
  for (const ParsedBlock& block : blocks) {
    if (block.error) std::rethrow_exception(block.error);
  }
  for (std::size_t t = 1; t < threads; ++t) {
    std::move(blocks[t].entries.begin(), blocks[t].entries.end(), std::back_inserter(entries));
    blocks[t].entries = {};
  }
  return std::move(entries);
}

int run_import(Context& context) {
  const Config* config = context.config_if_any();
  double now = context.clock().now();
  // Lines are read and checked first; the store takes them all at once (put_all).
  // They are views into one buffer holding all of stdin: a million lines were
  // a million small strings to allocate, copy and free.
  Progress progress("import: read", 0);
  std::vector<ImportLine> lines;
  std::string input = read_all_stdin();
  std::size_t number = 0;
  for (std::size_t start = 0; start < input.size();) {
    const std::size_t end = std::min(input.find('\n', start), input.size());
    const std::string_view line(input.data() + start, end - start);
    start = end + 1;
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    lines.push_back({number, line});
    progress.step();
  }
  Imported entries = parse_lines(lines, config, now);
  lines = {};
  input = {};
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
