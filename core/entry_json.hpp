// Entries as JSON: the object `list --json`, `get --entity` and `export` print, and
// the lines `import` reads.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/args.hpp"
#include "core/entry.hpp"

namespace djc {

// label, key, args, created_at, available_to, relevance_to (null when unset),
// stale, size, getter_duration, exit_code.
nlohmann::json entry_json(const EntryMeta& meta, std::size_t value_size, double now);

// Adds "value" (UTF-8 text) or "value_base64" (anything else) to `object`.
void add_value(nlohmann::json& object, std::string_view value);

// One `export` line: entry_json plus the value and, when there is one, the
// command's stderr ("stderr", or "stderr_base64" when not UTF-8); no trailing newline.
std::string export_line(const EntryRef& entry, double now);

// {"args": [...], "kwargs": {...}} back to Args. JSON scalars become their text
// (1 → "1", true → "true", strings as they are), null is None, an array a list.
// Throws Error(65) naming what is wrong.
Args args_from_json(const nlohmann::json& json);

// A JSON scalar as the text it compares by ("x", 1, true); nullopt for null.
// Throws Error(65) for objects and arrays.
std::optional<std::string> scalar_text(const nlohmann::json& value);

struct ImportedEntry {
  std::string label;
  Args args;
  std::string value;
  std::optional<double> created_at;
  std::optional<double> available_to;
  std::optional<double> relevance_to;
  int exit_code = 0;         // "exit_code", 0 when absent
  std::string error_output;  // "stderr" / "stderr_base64", empty when absent
  friend bool operator==(const ImportedEntry&, const ImportedEntry&) = default;
};

// Parses one `import` line; throws Error(65, "what is wrong") on any malformed line.
// Reads it with read_import_line (core/import_line.hpp) when it can, else with
// read_import_document.
ImportedEntry parse_import_line(std::string_view line);

// The same through a JSON document: any line, the reference for error messages
// and for what read_import_line must return.
ImportedEntry read_import_document(std::string_view line);

}  // namespace djc
