// `dj-cache notify SOURCE create|update|delete [--data|--old|--new JSON]` and
// `dj-cache notify --events FILE|-`: change events, turned into invalidations by the
// source's rules (SPEC.md §6).
#include <fmt/format.h>

#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/background.hpp"
#include "cli/commands.hpp"
#include "cli/progress.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/events.hpp"
#include "core/invalidation.hpp"

namespace djc {
namespace {

struct NotifyCommand {
  std::optional<std::string> source, op;
  std::optional<std::string> data, old_record, new_record;
  std::optional<std::string> events;  // FILE, or "-" for stdin
};

[[noreturn]] void usage(const std::string& what) {
  throw Error(exit_code::usage, "notify: " + what,
              "dj-cache notify SOURCE create|delete --data JSON, notify SOURCE update --old JSON "
              "--new JSON, or notify --events FILE|-");
}

void check_combination(const NotifyCommand& command) {
  bool record_given = command.data || command.old_record || command.new_record;
  if (command.events) {
    if (command.source || record_given)
      usage("--events reads whole events; give no SOURCE, OP, --data, --old or --new with it");
    return;
  }
  if (!command.source) usage("missing SOURCE (or --events FILE|-)");
  if (!command.op) usage("missing the operation: create, update or delete");
  const std::string& op = *command.op;
  if (op == "create" || op == "delete") {
    if (!command.data) usage(fmt::format("{} needs --data JSON (the record)", op));
    if (command.old_record || command.new_record)
      usage(fmt::format("{} takes --data, not --old/--new", op));
  } else if (op == "update") {
    if (!command.old_record || !command.new_record) usage("update needs --old JSON and --new JSON");
    if (command.data) usage("update takes --old and --new, not --data");
  } else {
    usage(fmt::format("unknown operation '{}' (create, update or delete)", op));
  }
}

nlohmann::json parse_json(const std::string& text, const char* option) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, false);
  if (value.is_discarded()) throw Error(exit_code::data, fmt::format("{}: not valid JSON", option));
  return value;
}

// The one event of the command line, validated.
EventBatch command_line_event(const NotifyCommand& command, const Config& config) {
  nlohmann::json event{{"source", *command.source}, {"op", *command.op}};
  if (command.data) event["data"] = parse_json(*command.data, "--data");
  if (command.old_record) event["old"] = parse_json(*command.old_record, "--old");
  if (command.new_record) event["new"] = parse_json(*command.new_record, "--new");
  return EventBatch{1, event_selections(parse_event(event), config)};
}

std::string read_events_input(const std::string& name) {
  std::ostringstream text;
  if (name == "-") {
    text << std::cin.rdbuf();
    return text.str();
  }
  std::ifstream in(name, std::ios::binary);
  if (!in) throw Error(exit_code::data, fmt::format("--events: cannot read {}", name));
  text << in.rdbuf();
  return text.str();
}

int run_notify(Context& context, const NotifyCommand& command) {
  check_combination(command);
  const Config& config = context.config();
  // Every event is validated before any is applied: a bad line applies nothing.
  EventBatch batch = command.events
                         ? parse_events_text(read_events_input(*command.events), config,
                                             *command.events == "-" ? "stdin" : *command.events)
                         : command_line_event(command, config);
  Store& store = *context.store(OpenMode::write);
  Cache cache(store, context.clock());
  Progress progress("notify", 0);
  InvalidationReport report = apply_selections(
      store, cache, config, batch.selections,
      {false, context.clock().now(), [&progress](std::size_t done) { progress.step(done); }});
  progress.finish();
  if (report.queued) start_job_runner(context);
  std::string failed = report.failed ? fmt::format(", {} failed", report.failed) : "";
  summary("notify: {} event{}, {} matched, {} recomputed, {} queued{}", batch.events,
          batch.events == 1 ? "" : "s", report.matched, report.recomputed, report.queued, failed);
  return report.first_failure;
}

}  // namespace

void add_notify_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<NotifyCommand>();
  CLI::App* notify = app.add_subcommand("notify",
                                        "A change event: the source's rules decide "
                                        "what is invalidated");
  notify->add_option("SOURCE", command->source, "A [sources.NAME] of the config");
  notify->add_option("OP", command->op, "create, update or delete");
  notify->add_option("--data", command->data, "The record (JSON object) for create/delete");
  notify->add_option("--old", command->old_record, "The record before an update (JSON object)");
  notify->add_option("--new", command->new_record, "The record after an update (JSON object)");
  notify->add_option("--events", command->events,
                     "JSON lines {\"source\",\"op\",\"data\"|\"old\"+\"new\"} from FILE, or - "
                     "for stdin");
  notify->footer(
      "With --events every line is validated first: one malformed line (exit 65) or unknown\n"
      "source (exit 69) and nothing of the input is applied.\n"
      "Example: dj-cache notify foo update --old '{\"attr1\":1}' --new '{\"attr1\":2}'");
  notify->callback([command, &context] { context.exit_code = run_notify(context, *command); });
}

}  // namespace djc
