// Converting entries to and from JSON for list, get --entity, export and import.
#include "core/entry_json.hpp"

#include <fmt/format.h>

#include "core/base64.hpp"
#include "core/error.hpp"

namespace djc {
namespace {

using nlohmann::json;

json optional_time(const std::optional<double>& time) {
  return time ? json(*time) : json(nullptr);
}

json named_json(const NamedArg& arg) {
  if (arg.is_none()) return nullptr;
  if (!arg.is_list) return arg.values.front();
  return arg.values;
}

bool is_utf8(std::string_view text) {
  try {
    (void)json(text).dump();
    return true;
  } catch (const json::type_error&) {
    return false;
  }
}

[[noreturn]] void bad(const std::string& what) { throw Error(exit_code::data, what); }

std::optional<double> optional_number(const json& object, const char* field) {
  auto found = object.find(field);
  if (found == object.end() || found->is_null()) return std::nullopt;
  if (!found->is_number()) bad(fmt::format("'{}' must be a number of Unix seconds", field));
  return found->get<double>();
}

std::string value_of(const json& object) {
  auto text = object.find("value");
  auto encoded = object.find("value_base64");
  if (text != object.end() && encoded != object.end()) bad("give 'value' or 'value_base64', not both");
  if (text != object.end()) {
    if (!text->is_string()) bad("'value' must be a string");
    return text->get<std::string>();
  }
  if (encoded == object.end()) bad("missing 'value' (or 'value_base64')");
  if (!encoded->is_string()) bad("'value_base64' must be a string");
  auto decoded = base64_decode(encoded->get<std::string>());
  if (!decoded) bad("'value_base64' is not valid base64");
  return *decoded;
}

}  // namespace

json entry_json(const EntryMeta& meta, std::size_t value_size, double now) {
  json args = json::array();
  for (const auto& word : meta.args.positional) args.push_back(word);
  json kwargs = json::object();
  for (const auto& [name, arg] : meta.args.named) kwargs[name] = named_json(arg);
  return json{
      {"label", meta.label},
      {"key", meta.key},
      {"args", {{"args", args}, {"kwargs", kwargs}}},
      {"created_at", meta.created_at},
      {"available_to", meta.available_to},
      {"relevance_to", optional_time(meta.relevance_to)},
      {"stale", meta.relevance_to && now >= *meta.relevance_to},
      {"size", value_size},
      {"getter_duration", meta.getter_duration},
      {"exit_code", meta.exit_code},
  };
}

void add_value(json& object, std::string_view value) {
  if (is_utf8(value)) {
    object["value"] = value;
  } else {
    object["value_base64"] = base64_encode(value);
  }
}

std::string export_line(const EntryRef& entry, double now) {
  json object = entry_json(entry.meta, entry.value.size(), now);
  add_value(object, entry.value);
  return object.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<std::string> scalar_text(const json& value) {
  if (value.is_null()) return std::nullopt;
  if (value.is_string()) return value.get<std::string>();
  if (value.is_object() || value.is_array()) bad("expected a scalar (string, number, true/false or null)");
  return value.dump();
}

Args args_from_json(const json& object) {
  if (!object.is_object()) bad("'args' must be an object {\"args\": [...], \"kwargs\": {...}}");
  Args args;
  if (auto found = object.find("args"); found != object.end()) {
    if (!found->is_array()) bad("'args.args' must be an array");
    for (const auto& word : *found) {
      auto text = scalar_text(word);
      if (!text) bad("'args.args' cannot hold null");
      args.positional.push_back(*text);
    }
  }
  if (auto found = object.find("kwargs"); found != object.end()) {
    if (!found->is_object()) bad("'args.kwargs' must be an object");
    for (const auto& [name, value] : found->items()) {
      if (!is_identifier(name)) bad(fmt::format("'{}' is not a valid argument name", name));
      NamedArg arg;
      if (value.is_array()) {
        arg.is_list = true;
        for (const auto& item : value) {
          auto text = scalar_text(item);
          if (!text) bad(fmt::format("list '{}' cannot hold null", name));
          arg.values.push_back(*text);
        }
      } else if (auto text = scalar_text(value)) {
        arg.values.push_back(*text);
      }
      args.named.emplace(name, std::move(arg));
    }
  }
  return args;
}

ImportedEntry parse_import_line(std::string_view line) {
  json object = json::parse(line, nullptr, false);
  if (object.is_discarded()) bad("not valid JSON");
  if (!object.is_object()) bad("expected a JSON object");
  auto label = object.find("label");
  if (label == object.end() || !label->is_string()) bad("missing string 'label'");
  ImportedEntry entry;
  entry.label = label->get<std::string>();
  if (auto args = object.find("args"); args != object.end()) entry.args = args_from_json(*args);
  entry.value = value_of(object);
  entry.created_at = optional_number(object, "created_at");
  entry.available_to = optional_number(object, "available_to");
  entry.relevance_to = optional_number(object, "relevance_to");
  return entry;
}

}  // namespace djc
