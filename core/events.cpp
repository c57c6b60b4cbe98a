// Change events: their JSON shape, and the selections a source's rules derive.
#include "core/events.hpp"

#include <fmt/format.h>

#include <set>

#include "core/edit_distance.hpp"
#include "core/entry_json.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& what) { throw Error(exit_code::data, what); }

const char* json_kind(const json& value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  if (value.is_string()) return "a string";
  if (value.is_null()) return "null";
  if (value.is_boolean()) return "a boolean";
  return "a number";
}

EventOp parse_op(const json& object) {
  auto op = object.find("op");
  if (op == object.end()) bad("missing 'op' (\"create\", \"update\" or \"delete\")");
  if (op->is_string()) {
    const auto& name = op->get_ref<const std::string&>();
    if (name == "create") return EventOp::create;
    if (name == "update") return EventOp::update;
    if (name == "delete") return EventOp::remove;
  }
  bad(fmt::format("'op' must be \"create\", \"update\" or \"delete\", not {}", op->dump()));
}

// The record under `name`: required, a JSON object.
json record(const json& object, const char* name, const char* op) {
  auto found = object.find(name);
  if (found == object.end())
    bad(fmt::format("a{} {} event needs '{}' (a JSON object)", op[0] == 'u' ? "n" : "", op, name));
  if (!found->is_object()) {
    bad(fmt::format("'{}' must be a JSON object (the record), not {}", name, json_kind(*found)));
  }
  return *found;
}

void reject_key(const json& object, const char* name, const char* op, const char* instead) {
  if (object.contains(name))
    bad(fmt::format("a{} {} event takes {}, not '{}'", op[0] == 'u' ? "n" : "", op, instead, name));
}

const Source& find_source(const std::string& name, const Config& config) {
  auto found = config.sources.find(name);
  if (found != config.sources.end()) return found->second;
  std::vector<std::string> names;
  for (const auto& [known, source] : config.sources) names.push_back(known);
  std::string hint;
  if (auto nearest = nearest_name(name, names)) hint = fmt::format("did you mean '{}'?", *nearest);
  throw Error(exit_code::unavailable, fmt::format("unknown source '{}'", name), hint);
}

// The worker arguments a rule reads from `record` (its `which`: data, old, new).
Attributes rule_attributes(const Rule& rule, const json& record, const char* which) {
  Attributes attributes;
  std::set<std::string> ambiguous;
  for (const auto& [field, argument] : rule.fields) {
    auto found = record.find(field);
    if (found == record.end()) continue;  // constrains nothing: too much is safe
    if (found->is_object() || found->is_array()) {
      bad(
          fmt::format("field '{}' of '{}' is {}; a field that rules map to an argument must be "
                      "a string, number, true/false or null",
                      field, which, json_kind(*found)));
    }
    std::optional<std::string> text = scalar_text(*found);
    auto [slot, added] = attributes.emplace(argument, text);
    if (!added && slot->second != text) ambiguous.insert(argument);
  }
  // Two fields giving one argument different values: constrain it by neither.
  for (const auto& argument : ambiguous) attributes.erase(argument);
  return attributes;
}

bool same_value(const json& a, const json& b) {
  bool structured = a.is_structured() || b.is_structured();
  if (structured) return a == b;
  return scalar_text(a) == scalar_text(b);  // 1 and "1" are the same text
}

bool field_changed(const json& old_record, const json& new_record, const std::string& field) {
  auto before = old_record.find(field), after = new_record.find(field);
  bool was = before != old_record.end(), is = after != new_record.end();
  if (!was || !is) return was != is;
  return !same_value(*before, *after);
}

bool acts_on(const Rule& rule, const Event& event) {
  if (event.op != EventOp::update || rule.when_changed.empty()) return true;
  for (const auto& field : rule.when_changed) {
    if (field_changed(event.old_record, event.new_record, field)) return true;
  }
  return false;
}

Selection rule_selection(const Rule& rule, const Event& event) {
  Selection selection{rule.worker, std::nullopt, std::nullopt};
  if (rule.is_empty) return selection;
  if (event.op == EventOp::update) {
    selection.old_attrs = rule_attributes(rule, event.old_record, "old");
    selection.new_attrs = rule_attributes(rule, event.new_record, "new");
  } else {
    selection.old_attrs = rule_attributes(rule, event.data, "data");
  }
  return selection;
}

// Error `error` with `prefix` before its message, same exit code and hint.
Error prefixed(const Error& error, const std::string& prefix) {
  return Error(error.exit_code(), prefix + error.what(), error.hint());
}

void add_event(const json& object, const Config& config, EventBatch& batch) {
  std::vector<Selection> selections = event_selections(parse_event(object), config);
  batch.selections.insert(batch.selections.end(), selections.begin(), selections.end());
  ++batch.events;
}

EventBatch parse_lines(std::string_view text, const Config& config, const std::string& origin) {
  EventBatch batch;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    auto end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      json object = json::parse(line, nullptr, false);
      if (object.is_discarded()) bad("not valid JSON");
      add_event(object, config, batch);
    } catch (const Error& error) {
      throw prefixed(error, fmt::format("{}:{}: ", origin, number));
    }
  }
  return batch;
}

}  // namespace

Event parse_event(const json& object) {
  if (!object.is_object())
    bad(fmt::format("an event must be a JSON object, not {}", json_kind(object)));
  auto source = object.find("source");
  if (source == object.end() || !source->is_string()) bad("missing 'source' (a string)");
  Event event;
  event.source = source->get<std::string>();
  event.op = parse_op(object);
  if (event.op == EventOp::update) {
    reject_key(object, "data", "update", "'old' and 'new'");
    event.old_record = record(object, "old", "update");
    event.new_record = record(object, "new", "update");
    return event;
  }
  const char* op = event.op == EventOp::create ? "create" : "delete";
  reject_key(object, "old", op, "'data'");
  reject_key(object, "new", op, "'data'");
  event.data = record(object, "data", op);
  return event;
}

std::vector<Selection> event_selections(const Event& event, const Config& config) {
  const Source& source = find_source(event.source, config);
  std::vector<Selection> selections;
  for (const Rule& rule : source.invalidates) {
    if (acts_on(rule, event)) selections.push_back(rule_selection(rule, event));
  }
  return selections;
}

EventBatch parse_events_text(std::string_view text, const Config& config,
                             const std::string& origin) {
  json whole = json::parse(text, nullptr, false);
  if (whole.is_discarded()) return parse_lines(text, config, origin);
  EventBatch batch;
  try {
    add_event(whole, config, batch);
  } catch (const Error& error) {
    throw prefixed(error, origin + ": ");
  }
  return batch;
}

}  // namespace djc
