// Converting entries to and from JSON for list, get --entity, export and import.
#include "core/entry_json.hpp"

#include <fmt/format.h>

#include "core/base64.hpp"
#include "core/error.hpp"
#include "core/import_line.hpp"

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

// `field` (text) or `field`_base64 (any bytes); nullopt when neither is there.
std::optional<std::string> bytes_of(const json& object, const std::string& field) {
  const std::string encoded_field = field + "_base64";
  auto text = object.find(field);
  auto encoded = object.find(encoded_field);
  if (text != object.end() && encoded != object.end()) {
    bad(fmt::format("give '{}' or '{}', not both", field, encoded_field));
  }
  if (text != object.end()) {
    if (!text->is_string()) bad(fmt::format("'{}' must be a string", field));
    return text->get<std::string>();
  }
  if (encoded == object.end()) return std::nullopt;
  if (!encoded->is_string()) bad(fmt::format("'{}' must be a string", encoded_field));
  auto decoded = base64_decode(encoded->get<std::string>());
  if (!decoded) bad(fmt::format("'{}' is not valid base64", encoded_field));
  return *decoded;
}

std::string value_of(const json& object) {
  std::optional<std::string> value = bytes_of(object, "value");
  if (!value) bad("missing 'value' (or 'value_base64')");
  return *value;
}

int exit_code_of(const json& object) {
  auto found = object.find("exit_code");
  if (found == object.end() || found->is_null()) return 0;
  if (!found->is_number_integer() || found->get<long long>() < 0 || found->get<long long>() > 255) {
    bad("'exit_code' must be an integer from 0 to 255");
  }
  return found->get<int>();
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

namespace {

void add_bytes(json& object, const std::string& field, std::string_view bytes) {
  if (is_utf8(bytes)) {
    object[field] = bytes;
  } else {
    object[field + "_base64"] = base64_encode(bytes);
  }
}

}  // namespace

void add_value(json& object, std::string_view value) { add_bytes(object, "value", value); }

std::string export_line(const EntryRef& entry, double now) {
  json object = entry_json(entry.meta, entry.value.size(), now);
  add_value(object, entry.value);
  if (!entry.meta.error_output.empty()) add_bytes(object, "stderr", entry.meta.error_output);
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
  // Lines of the usual shape are read without a document; any other is read
  // through one, which accepts it or says what is wrong.
  if (std::optional<ImportedEntry> entry = read_import_line(line)) return std::move(*entry);
  return read_import_document(line);
}

ImportedEntry read_import_document(std::string_view line) {
  json object = json::parse(line, nullptr, false);
  if (object.is_discarded()) bad("not valid JSON");
  if (!object.is_object()) bad("expected a JSON object");
  auto label = object.find("label");
  if (label == object.end() || !label->is_string()) bad("missing string 'label'");
  ImportedEntry entry;
  entry.label = label->get<std::string>();
  if (auto args = object.find("args"); args != object.end()) entry.args = args_from_json(*args);
  entry.value = value_of(object);
  entry.error_output = bytes_of(object, "stderr").value_or("");
  entry.exit_code = exit_code_of(object);
  entry.created_at = optional_number(object, "created_at");
  entry.available_to = optional_number(object, "available_to");
  entry.relevance_to = optional_number(object, "relevance_to");
  return entry;
}

}  // namespace djc
