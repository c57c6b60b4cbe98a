// Ad-hoc entries of `dj-cache run`: the reserved label, the args (and so the key)
// a command line makes, and the worker that runs it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/args.hpp"
#include "core/config.hpp"
#include "core/duration.hpp"

namespace djc {

// Every ad-hoc entry has this label. A worker label cannot hold '@', so the
// namespaces never meet; `list @run`, `purge @run`, `export @run` select them.
inline constexpr std::string_view adhoc_label = "@run";

// A getter timeout meaning "no limit" (bkt has none): the same 100 years run_getter caps at.
inline constexpr Duration no_time_limit = std::chrono::hours(24 * 365 * 100);

// What one `dj-cache run` call asks for.
struct RunSpec {
  std::vector<std::string> argv{};  // the command, run as given
  std::optional<std::string> cwd{};  // --cwd: the working directory, which joins the key
  // --env NAME: each name with its value (nullopt when unset, which keys apart from "").
  std::vector<std::pair<std::string, std::optional<std::string>>> env{};
  std::vector<std::string> modtime{};  // --modtime FILE, absolute: depends_on, and in the key
  std::optional<std::string> input{};  // --stdin: the bytes fed to the command
  std::string scope{};               // --scope / $DJ_CACHE_SCOPE ("" = none)
  Duration ttl = std::chrono::minutes(1);
  Duration stale = Duration::zero();           // 0: off
  Duration stale_on_error = Duration::zero();  // 0: off
  Duration getter_timeout = no_time_limit;
  bool cache_failures = false;
};

// The key's args: positional = argv; named (each only when asked): cwd, env (a
// list of NAME=value, or NAME when unset, sorted by name), modtime (the sorted
// paths), stdin (32 hex digits of XXH3-128 of the input), scope.
Args adhoc_args(const RunSpec& spec);

// The worker that runs `spec`: the argv as command, ttl as timeout, --stale as a
// relevance timeout served while recomputing in the background, the files as
// depends_on, waiters blocking as long as the command may run.
Worker adhoc_worker(const RunSpec& spec);

// `path` with glob(3)'s special bytes escaped, so depends_on matches it literally.
std::string glob_escape(std::string_view path);

}  // namespace djc
