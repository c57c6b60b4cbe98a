// Config error messages and typed reads of TOML values, shared by core/config*.cpp.
#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/config_detail.hpp"
#include "core/edit_distance.hpp"
#include "core/error.hpp"

namespace djc::config_detail {
namespace {

constexpr std::string_view k_duration_forms =
    "seconds, or a string such as \"90s\", \"15m\", \"1h30m\", \"250ms\"";

// The same bound as parse_duration: a count of milliseconds that stays exact.
constexpr double k_max_duration_seconds = 1e12;

std::string describe(const Field& field) {
  return fmt::format("'{}' in {}", field.key, field.context);
}

Duration duration_from_seconds(const Field& field, double seconds) {
  if (!std::isfinite(seconds)) fail(field.value.source(), describe(field) + " must be finite");
  if (seconds < 0) fail(field.value.source(), describe(field) + " must not be negative");
  if (seconds > k_max_duration_seconds) {
    fail(field.value.source(), describe(field) + " is too long");
  }
  return Duration(static_cast<Duration::rep>(std::llround(seconds * 1000)));
}

Duration duration_from_text(const Field& field, const std::string& text) {
  if (std::optional<Duration> parsed = parse_duration(text)) return *parsed;
  if (text.starts_with('-')) {
    fail(field.value.source(), describe(field) + " must not be negative");
  }
  fail(field.value.source(), fmt::format("{} has a malformed duration \"{}\" (expected {})",
                                         describe(field), text, k_duration_forms));
}

std::string escape_glob(const std::string& literal) {
  std::string escaped;
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '[' || c == '\\') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

}  // namespace

std::string place(const toml::source_region& where) {
  std::string path = where.path ? *where.path : std::string("<config>");
  return fmt::format("{}:{}:{}", path, where.begin.line, where.begin.column);
}

std::string origin(const toml::source_region& where) {
  std::string path = where.path ? *where.path : std::string("<config>");
  return fmt::format("{}:{}", path, where.begin.line);
}

void fail(const toml::source_region& where, const std::string& what) {
  throw Error(exit_code::config, place(where) + ": " + what);
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    case toml::node_type::none: break;
  }
  return "nothing";
}

void reject_unknown_keys(const toml::table& table, const std::vector<std::string>& known,
                         const std::string& context) {
  for (const auto& [key, value] : table) {
    std::string_view name = key.str();
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string message = fmt::format("unknown key '{}' in {}", name, context);
    if (std::optional<std::string> suggestion = nearest_name(name, known)) {
      message += fmt::format(" (did you mean '{}'?)", *suggestion);
    }
    fail(key.source(), message);
  }
}

void fail_type(const Field& field, std::string_view expected) {
  fail(field.value.source(), fmt::format("{} must be {}, not {}", describe(field), expected,
                                         type_name(field.value)));
}

bool read_bool(const Field& field) {
  if (const auto* value = field.value.as_boolean()) return value->get();
  fail_type(field, "a boolean (true or false)");
}

std::string read_string(const Field& field) {
  if (const auto* value = field.value.as_string()) return value->get();
  fail_type(field, "a string");
}

std::string read_nonempty_string(const Field& field) {
  std::string text = read_string(field);
  if (text.empty()) fail(field.value.source(), describe(field) + " must not be empty");
  return text;
}

std::int64_t read_positive_integer(const Field& field) {
  const auto* value = field.value.as_integer();
  if (!value) fail_type(field, "a positive integer");
  if (value->get() <= 0) fail(field.value.source(), describe(field) + " must be positive");
  return value->get();
}

Duration read_duration(const Field& field) {
  if (const auto* value = field.value.as_integer()) {
    return duration_from_seconds(field, static_cast<double>(value->get()));
  }
  if (const auto* value = field.value.as_floating_point()) {
    return duration_from_seconds(field, value->get());
  }
  if (const auto* value = field.value.as_string()) return duration_from_text(field, value->get());
  fail_type(field, fmt::format("a duration ({})", k_duration_forms));
}

std::vector<std::string> read_string_array(const Field& field) {
  const auto* array = field.value.as_array();
  if (!array) fail_type(field, "an array of strings");
  std::vector<std::string> strings;
  for (std::size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    const auto* text = element.as_string();
    if (!text) {
      fail(element.source(), fmt::format("element {} of {} must be a string, not {}", i,
                                         describe(field), type_name(element)));
    }
    strings.push_back(text->get());
  }
  return strings;
}

fs::path read_path(const Field& field) {
  return resolve_against(field.dir, read_nonempty_string(field));
}

fs::path resolve_against(const fs::path& dir, const fs::path& relative) {
  fs::path normal = (relative.is_absolute() ? relative : dir / relative).lexically_normal();
  // "." normalises to "dir/": drop the trailing separator so paths compare equal.
  if (normal.has_relative_path() && !normal.has_filename()) normal = normal.parent_path();
  return normal;
}

std::string resolve_glob_against(const fs::path& dir, const std::string& pattern) {
  if (fs::path(pattern).is_absolute()) return pattern;
  return (fs::path(escape_glob(dir.string())) / pattern).lexically_normal().string();
}

bool is_identifier(std::string_view name) {
  auto is_letter = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (name.empty() || !is_letter(name.front())) return false;
  return std::all_of(name.begin(), name.end(), [&](char c) { return is_letter(c) || is_digit(c); });
}

}  // namespace djc::config_detail
