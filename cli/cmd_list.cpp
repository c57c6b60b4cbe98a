// `dj-cache list [LABEL] [--json]`: the entries, as a table or one JSON array.
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "core/entry_json.hpp"

namespace djc {
namespace {

struct ListCommand {
  std::optional<std::string> label;
  bool json = false;
};

// The args as ARG words, so a row can be pasted back into `dj-cache get`.
std::string args_words(const Args& args) {
  std::string text;
  for (const auto& word : args_to_words(args)) text += (text.empty() ? "" : " ") + word;
  return text;
}

// On a colour terminal "expired" is red and "stale" yellow.
std::vector<Cell> table_row(const EntryRef& entry, double now) {
  const EntryMeta& meta = entry.meta;
  bool stale = meta.relevance_to && now >= *meta.relevance_to;
  bool expired = now >= meta.available_to;
  return {meta.label,
          human_duration(now - meta.created_at),
          expired ? Cell("expired", Colour::red) : Cell(human_duration(meta.available_to - now)),
          stale ? Cell("stale", Colour::yellow) : Cell("-"),
          human_size(entry.value.size()),
          args_words(meta.args)};
}

int run_list(Context& context, const ListCommand& command) {
  double now = context.clock().now();
  Store* store = context.store(OpenMode::read);
  std::optional<std::string_view> label;
  if (command.label) label = *command.label;
  if (command.json) {
    nlohmann::json entries = nlohmann::json::array();
    if (store) {
      store->for_each(label, [&](const EntryRef& entry) {
        entries.push_back(entry_json(entry.meta, entry.value.size(), now));
      });
    }
    write_stdout(entries.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    return 0;
  }
  std::vector<std::vector<Cell>> rows{{"LABEL", "AGE", "LEFT", "STALE", "SIZE", "ARGS"}};
  if (store) store->for_each(label, [&](const EntryRef& entry) { rows.push_back(table_row(entry, now)); });
  print_table(rows);
  return 0;
}

}  // namespace

void add_list_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<ListCommand>();
  CLI::App* list = app.add_subcommand("list", "List entries (all, or one label's)");
  list->add_option("LABEL", command->label, "Only this label's entries");
  list->add_flag("--json", command->json, "One JSON array of entry objects");
  list->footer("Entries of dj-cache run (ad hoc, no worker) have the label @run.\n"
               "Example: dj-cache list filtered_foos --json | jq '.[].args'");
  list->callback([command, &context] { context.exit_code = run_list(context, *command); });
}

}  // namespace djc
