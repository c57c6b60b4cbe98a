// The TOML configuration (SPEC.md §2, §6): store settings, workers, sources and
// their rules, the event spool. Loading validates everything and throws
// Error(78) naming file:line:column.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/duration.hpp"

namespace djc {

struct Worker {
  std::string label;
  std::vector<std::string> command;  // argv; when command_is_shell, one script for /bin/sh -c
  bool command_is_shell = false;
  Duration timeout = std::chrono::hours(1);
  std::optional<std::string> key_gen;
  bool cached_entity = false;
  Duration wait = std::chrono::minutes(5);  // resolved: wait, else tick_amount × tick, else getter_timeout
  bool relevance_invalidation = false;
  Duration relevance_timeout = std::chrono::seconds(60);
  bool delay_invalidation = false;
  Duration delay_countdown = std::chrono::seconds(5);
  bool delay_logging = false;  // accepted, no effect (metadata is written with the value)
  Duration getter_timeout = std::chrono::minutes(5);
  std::vector<std::pair<std::string, std::string>> env;  // added to the getter's environment
  std::optional<std::filesystem::path> cwd;             // absolute (resolved against the config dir)
  std::vector<std::string> depends_on;                  // absolute globs
  bool cache_failures = false;
  Duration serve_stale_on_error = Duration::zero();
  std::string origin;  // "file:line" where the worker is declared, for messages

  friend bool operator==(const Worker&, const Worker&) = default;
};

// One [[sources.NAME.invalidates]] rule.
struct Rule {
  std::string worker;
  bool is_empty = false;                                   // any change: the whole label
  std::vector<std::pair<std::string, std::string>> fields;  // record field -> worker argument
  std::vector<std::string> when_changed;                   // updates act only when one changed
  std::string origin;
};

struct Source {
  std::string name;
  std::vector<Rule> invalidates;
};

struct StoreSettings {
  std::string backend = "lmdb";
  std::optional<std::filesystem::path> path;  // absolute when given
  std::uint64_t max_size = std::uint64_t{1} << 30;
  std::string url;                             // redis backend
  std::string prefix = "dj-cache:";
  // Redis: connecting, each command, and the single-flight lease (renewed while a
  // getter runs; a holder that dies frees the key after at most this long).
  Duration connect_timeout = std::chrono::milliseconds{500};
  Duration operation_timeout = std::chrono::seconds{2};
  Duration lease = std::chrono::seconds{5};

  friend bool operator==(const StoreSettings&, const StoreSettings&) = default;
};

// Something a load read, as it was when read: a config file (the stat of the
// descriptor parsed), a directory an include glob listed, or a path a glob found
// missing. The config cache (core/config_cache.hpp) is valid while each still
// stats the same.
struct ConfigInput {
  enum class Kind : std::uint8_t { file, directory, absent };
  Kind kind = Kind::file;
  std::string path;  // absolute
  std::uint64_t dev = 0, ino = 0, size = 0;
  std::int64_t mtime_ns = 0, ctime_ns = 0;
  std::uint32_t mode = 0, uid = 0, gid = 0;
  // Changed within the clock tick it was read in: a second change in that tick
  // would leave the same stat, so a cache must not be built on it (git's "racy" rule).
  bool racy = false;

  bool same_stat(const ConfigInput& other) const;
};

struct Config {
  std::vector<std::filesystem::path> files;  // the main file, then includes, in load order
  std::vector<ConfigInput> inputs;           // every file and directory the load read
  StoreSettings store;
  std::map<std::string, Worker> workers;     // by label
  std::map<std::string, Source> sources;     // by name
  std::optional<std::filesystem::path> spool;

  const Worker* find_worker(const std::string& label) const;
};

// Parses and validates `path` and everything it includes. Relative paths inside a
// file (include, command[0] when it holds a '/', cwd, depends_on, store.path,
// events.spool) are relative to that file's directory. Refuses (Error 78) a file
// writable by group/others or owned by someone other than the caller or root.
Config load_config(const std::filesystem::path& path);

// Same, from text (no trust check, no includes relative to a real dir: `origin`
// names the text in messages and its parent directory resolves relative paths).
Config parse_config_text(std::string_view text, const std::filesystem::path& origin);

// SPEC §2 discovery: explicit (--config), $DJ_CACHE_CONFIG, ./dj-cache.toml,
// $XDG_CONFIG_HOME/dj-cache/config.toml (default ~/.config/...),
// /etc/dj-cache/config.toml. nullopt when none exists (an explicit path that does
// not exist is returned as is, so loading it reports the error).
std::optional<std::filesystem::path> discover_config(const std::optional<std::string>& explicit_path);

// The input `path` (absolute) is now: Kind::absent when it cannot be stat'ed.
ConfigInput stat_config_input(const std::filesystem::path& path);

// SPEC §2's trust rule for a config file: not writable by group or others, owned
// by the caller or root.
bool config_file_trusted(std::uint32_t mode, std::uint32_t uid);

// True for 1-64 of [A-Za-z0-9_.-].
bool is_valid_label(std::string_view label);

}  // namespace djc
