// [sources.NAME] and their [[sources.NAME.invalidates]] rules (SPEC §6).
#include <fmt/format.h>

#include "core/config_detail.hpp"
#include "core/edit_distance.hpp"

namespace djc::config_detail {
namespace {

const std::vector<std::string> k_source_keys{"invalidates"};
const std::vector<std::string> k_rule_keys{"worker", "is_empty", "fields", "when_changed"};

// `fields = { record_field = "argument" }`: the arguments become named args of
// the worker, so they must be identifiers as on the command line.
std::vector<std::pair<std::string, std::string>> read_fields(const Field& field) {
  const auto* table = field.value.as_table();
  if (!table) fail_type(field, "a table of record field = \"argument name\"");
  std::vector<std::pair<std::string, std::string>> fields;
  for (const auto& [record_field, argument] : *table) {
    const auto* name = argument.as_string();
    if (!name) {
      fail(argument.source(), fmt::format("field '{}' in {} must map to an argument name "
                                          "(a string), not {}",
                                          record_field.str(), field.context, type_name(argument)));
    }
    if (!is_identifier(name->get())) {
      fail(argument.source(), fmt::format("field '{}' in {} maps to '{}', which is not an "
                                          "argument name (letters, digits, '_'; not starting "
                                          "with a digit)",
                                          record_field.str(), field.context, name->get()));
    }
    fields.emplace_back(std::string(record_field.str()), name->get());
  }
  return fields;
}

std::vector<std::string> read_when_changed(const Field& field) {
  std::vector<std::string> names = read_string_array(field);
  if (names.empty()) {
    fail(field.value.source(), fmt::format("'when_changed' in {} is empty, so updates would "
                                           "never act; remove it to act on every update",
                                           field.context));
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (!names[i].empty()) continue;
    fail(field.value.as_array()->get(i)->source(),
         fmt::format("element {} of 'when_changed' in {} must not be empty", i, field.context));
  }
  return names;
}

// A rule invalidates either the whole label (is_empty) or what its fields select.
void check_rule_target(const Rule& rule, const toml::table& table, const std::string& context) {
  if (rule.is_empty && !rule.fields.empty()) {
    fail(table.get("fields")->source(),
         fmt::format("{} has is_empty = true, which invalidates the whole label; its 'fields' "
                     "would be ignored, remove one of them", context));
  }
  if (!rule.is_empty && rule.fields.empty()) {
    fail(table.source(), fmt::format("{} needs 'fields' (record field = \"argument\") or "
                                     "'is_empty = true'", context));
  }
}

Rule parse_rule(const toml::table& table, const std::string& context, const fs::path& dir,
                std::vector<WorkerReference>& references) {
  reject_unknown_keys(table, k_rule_keys, context);
  Rule rule;
  rule.origin = origin(table.source());
  const toml::node* worker = table.get("worker");
  if (!worker) fail(table.source(), fmt::format("{} has no 'worker'", context));
  rule.worker = read_nonempty_string(Field{*worker, "worker", context, dir});
  references.push_back(WorkerReference{rule.worker, worker->source(), context});

  if (const toml::node* node = table.get("is_empty")) {
    rule.is_empty = read_bool(Field{*node, "is_empty", context, dir});
  }
  if (const toml::node* node = table.get("fields")) {
    rule.fields = read_fields(Field{*node, "fields", context, dir});
  }
  if (const toml::node* node = table.get("when_changed")) {
    rule.when_changed = read_when_changed(Field{*node, "when_changed", context, dir});
  }
  check_rule_target(rule, table, context);
  return rule;
}

void parse_source(const toml::key& name, const toml::node& node, Config& config,
                  std::vector<WorkerReference>& references) {
  std::string source_name(name.str());
  if (!is_valid_label(source_name)) {
    fail(name.source(), fmt::format("bad source name '{}' (1-64 of A-Za-z0-9_.-)", source_name));
  }
  std::string context = fmt::format("source '{}'", source_name);
  const fs::path dir;  // sources hold no paths
  const auto* table = node.as_table();
  if (!table) fail(node.source(), context + " must be a table, not " + type_name(node));
  reject_unknown_keys(*table, k_source_keys, context);

  Source& source = config.sources[source_name];
  source.name = source_name;
  const toml::node* invalidates = table->get("invalidates");
  if (!invalidates) return;
  const auto* rules = invalidates->as_array();
  if (!rules) fail_type(Field{*invalidates, "invalidates", context, dir}, "an array of tables");
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const toml::node& rule = *rules->get(i);
    std::string rule_context = fmt::format("rule {} of source '{}'", i + 1, source_name);
    if (!rule.is_table()) {
      fail(rule.source(), rule_context + " must be a table, not " + type_name(rule));
    }
    source.invalidates.push_back(parse_rule(*rule.as_table(), rule_context, dir, references));
  }
}

}  // namespace

void parse_sources(const toml::node& sources, Config& config,
                   std::vector<WorkerReference>& references) {
  const auto* table = sources.as_table();
  if (!table) fail(sources.source(), "'sources' must be a table, not " + type_name(sources));
  for (const auto& [name, node] : *table) parse_source(name, node, config, references);
}

void check_worker_references(const Config& config,
                             const std::vector<WorkerReference>& references) {
  std::vector<std::string> labels;
  for (const auto& [label, worker] : config.workers) labels.push_back(label);
  for (const WorkerReference& reference : references) {
    if (config.workers.count(reference.label)) continue;
    std::string message = fmt::format("{} names worker '{}', which is not defined",
                                      reference.context, reference.label);
    if (std::optional<std::string> suggestion = nearest_name(reference.label, labels)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    }
    fail(reference.where, message);
  }
}

}  // namespace djc::config_detail
