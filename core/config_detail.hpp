// Internals shared by the core/config*.cpp files (toml++ stays behind this door).
#pragma once

// toml++'s CMake target asks for its shared library (TOML_SHARED_LIB=1), which the
// static dj-cache binary cannot link: always compile toml++'s header-only form here.
#undef TOML_SHARED_LIB
#undef TOML_HEADER_ONLY
#define TOML_HEADER_ONLY 1
#include <toml++/toml.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.hpp"

namespace djc::config_detail {

namespace fs = std::filesystem;

// ---- Messages: every config error is Error(78) "path:line:col: what".

// "path:line:col" of a node or key, as the messages and "defined at" notes print it.
std::string place(const toml::source_region& where);
// "path:line", the form of Worker::origin and Rule::origin.
std::string origin(const toml::source_region& where);
[[noreturn]] void fail(const toml::source_region& where, const std::string& what);
// "a string", "an integer", ...: what a node is, for "must be X, not Y".
std::string type_name(const toml::node& node);

// Throws "unknown key 'k' in <context> (did you mean 'x'?)" for the first key of
// `table` not in `known`.
void reject_unknown_keys(const toml::table& table, const std::vector<std::string>& known,
                         const std::string& context);

// ---- Typed reads of one key's value, with messages naming key and context.

struct Field {
  const toml::node& value;
  std::string_view key;
  const std::string& context;  // "worker 'foo'", "[store]", ...
  const fs::path& dir;         // directory of the file holding it, for relative paths
};

[[noreturn]] void fail_type(const Field& field, std::string_view expected);
bool read_bool(const Field& field);
std::string read_string(const Field& field);
std::string read_nonempty_string(const Field& field);
std::int64_t read_positive_integer(const Field& field);
// Integer or float seconds, or a string such as "90s" or "1h30m".
Duration read_duration(const Field& field);
std::vector<std::string> read_string_array(const Field& field);
// A string path, made absolute against field.dir.
fs::path read_path(const Field& field);

// `dir`/`relative`, normalised; `relative` as is when already absolute.
fs::path resolve_against(const fs::path& dir, const fs::path& relative);
// Like resolve_against, for a glob pattern: the directory part is escaped so
// that a '*' or '[' in the config's own location is not read as a wildcard.
std::string resolve_glob_against(const fs::path& dir, const std::string& pattern);

bool is_identifier(std::string_view name);

// ---- Workers (config_worker.cpp).

// The keys one table ([defaults] or a worker) sets, before defaults are merged.
struct WorkerKeys {
  std::optional<std::vector<std::string>> command;
  bool command_is_shell = false;
  std::optional<Duration> timeout;
  std::optional<std::string> key_gen;
  std::optional<bool> cached_entity;
  std::optional<Duration> wait;
  std::optional<Duration> tick_wait;  // tick_amount × tick, both from this table
  std::optional<bool> relevance_invalidation;
  std::optional<Duration> relevance_timeout;
  std::optional<bool> delay_invalidation;
  std::optional<Duration> delay_countdown;
  std::optional<bool> delay_logging;
  std::optional<Duration> getter_timeout;
  std::optional<std::vector<std::pair<std::string, std::string>>> env;
  std::optional<fs::path> cwd;
  std::optional<std::vector<std::string>> depends_on;
  std::optional<bool> cache_failures;
  std::optional<Duration> serve_stale_on_error;
};

// Parses a worker table (with_label: the [[workers]] form's "label" key is
// known) or [defaults]. `dir` resolves relative paths.
WorkerKeys parse_worker_keys(const toml::table& table, const fs::path& dir,
                             const std::string& context, bool with_label);

// The final worker: its own keys, then [defaults], then the built-in defaults.
// `where` is the declaration, for the origin and a missing-command error.
Worker resolve_worker(const std::string& label, const WorkerKeys& own,
                      const WorkerKeys& defaults, const toml::source_region& where);

// ---- Sources and rules (config_rules.cpp).

// A rule's `worker`, checked once every file is loaded.
struct WorkerReference {
  std::string label;
  toml::source_region where;
  std::string context;
};

// Adds the sources of one file's [sources] table to `config` (a source named in
// several files collects all their rules) and records the workers they name.
void parse_sources(const toml::node& sources, Config& config,
                   std::vector<WorkerReference>& references);

// Throws for the first reference to a worker `config` does not define.
void check_worker_references(const Config& config,
                             const std::vector<WorkerReference>& references);

// ---- Files (config_files.cpp).

// The text of a config file. With check_trust, refuses (Error 78, "path: why") a
// file writable by group or others or owned by neither the caller nor root.
// With `inputs`, appends what was read (ConfigInput: the stat of the descriptor
// after reading, made absolute).
std::string read_config_file(const fs::path& path, bool check_trust,
                             std::vector<ConfigInput>* inputs = nullptr);

// Appends the stat of `path` (Kind::absent when it cannot be stat'ed).
void record_input(const fs::path& path, std::vector<ConfigInput>& inputs);

// What one `include` entry names: the file itself for a plain path (an error
// at `where` when it does not exist), the sorted matches for a glob (none is fine).
// With `inputs`, a glob appends every directory it listed and every path it
// stat'ed, so that a new match is seen as a changed input.
std::vector<fs::path> expand_include(const fs::path& dir, const std::string& entry,
                                     const toml::source_region& where,
                                     std::vector<ConfigInput>* inputs = nullptr);

}  // namespace djc::config_detail
