// `dj-cache workers [--json]`: validate the config and list its workers.
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/output.hpp"

namespace djc {
namespace {

std::string command_text(const Worker& worker) {
  if (worker.command_is_shell) return "sh -c '" + worker.command.front() + "'";
  std::string text;
  for (const auto& word : worker.command) text += (text.empty() ? "" : " ") + word;
  return text;
}

nlohmann::json worker_json(const Worker& worker) {
  nlohmann::json env = nlohmann::json::object();
  for (const auto& [name, value] : worker.env) env[name] = value;
  return {
      {"label", worker.label},
      {"command", worker.command},
      {"shell", worker.command_is_shell},
      {"timeout", seconds(worker.timeout)},
      {"key_gen", worker.key_gen ? nlohmann::json(*worker.key_gen) : nlohmann::json(nullptr)},
      {"cached_entity", worker.cached_entity},
      {"wait", seconds(worker.wait)},
      {"relevance_invalidation", worker.relevance_invalidation},
      {"relevance_timeout", seconds(worker.relevance_timeout)},
      {"delay_invalidation", worker.delay_invalidation},
      {"delay_countdown", seconds(worker.delay_countdown)},
      {"getter_timeout", seconds(worker.getter_timeout)},
      {"env", env},
      {"cwd", worker.cwd ? nlohmann::json(worker.cwd->string()) : nlohmann::json(nullptr)},
      {"depends_on", worker.depends_on},
      {"cache_failures", worker.cache_failures},
      {"serve_stale_on_error", seconds(worker.serve_stale_on_error)},
      {"origin", worker.origin},
  };
}

int run_workers(Context& context, bool json) {
  const Config& config = context.config();
  if (json) {
    nlohmann::json workers = nlohmann::json::array();
    for (const auto& [label, worker] : config.workers) workers.push_back(worker_json(worker));
    write_stdout(workers.dump(2) + "\n");
    return 0;
  }
  std::vector<std::vector<std::string>> rows{{"LABEL", "TIMEOUT", "RELEVANCE", "COMMAND"}};
  for (const auto& [label, worker] : config.workers) {
    std::string relevance = worker.relevance_invalidation ? format_duration(worker.relevance_timeout) : "-";
    rows.push_back({label, format_duration(worker.timeout), relevance, command_text(worker)});
  }
  print_table(rows);
  return 0;
}

}  // namespace

void add_workers_command(CLI::App& app, Context& context) {
  auto json = std::make_shared<bool>(false);
  CLI::App* workers = app.add_subcommand("workers", "Validate the config and list its workers");
  workers->add_flag("--json", *json, "One JSON array of workers with every setting");
  workers->footer("Exits 78 with file:line:column when the config is invalid.\n"
                  "Example: dj-cache -c ./dj-cache.toml workers");
  workers->callback([json, &context] { context.exit_code = run_workers(context, *json); });
}

}  // namespace djc
