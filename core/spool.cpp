// The spool drainer: claim by rename, apply, remove; bad files to .failed/.
#include "core/spool.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/events.hpp"

namespace djc {
namespace {

namespace fs = std::filesystem;

constexpr const char* k_processing = ".processing";
constexpr const char* k_failed = ".failed";

struct Claimed {
  fs::path path;     // DIR/.processing/PID.START-NAME
  std::string name;  // NAME, as the producer wrote it
};

bool is_event_file(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  return name.ends_with(".json") || name.ends_with(".jsonl");
}

// Fields 3 (state) and 22 (start time, clock ticks since boot) of /proc/PID/stat.
struct ProcessStat {
  std::string state;  // "R", "S", "Z" (a zombie: dead, not yet reaped)...; empty when unreadable
  std::string start;
};

ProcessStat process_stat(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/stat", pid));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto comm_end = stat.rfind(')');  // the command name may hold spaces and ')'
  if (comm_end == std::string::npos) return {};
  std::istringstream fields(stat.substr(comm_end + 1));
  ProcessStat found;
  std::string field;
  for (int number = 3; fields >> field; ++number) {
    if (number == 3) found.state = field;
    if (number == 22) {
      found.start = field;
      break;
    }
  }
  return found;
}

std::string own_tag() {
  static const std::string tag = fmt::format("{}.{}", ::getpid(), process_stat(::getpid()).start);
  return tag;
}

// Whether the drainer named by `tag` ("PID.START") may still be working.
bool owner_alive(const std::string& tag) {
  auto dot = tag.find('.');
  pid_t pid = 0;
  try {
    pid = static_cast<pid_t>(std::stol(tag.substr(0, dot)));
  } catch (const std::exception&) {
    return true;  // not a name we gave: leave it alone
  }
  if (pid <= 0) return true;
  if (::kill(pid, 0) != 0 && errno == ESRCH) return false;
  ProcessStat now = process_stat(pid);
  // A zombie was killed (say by SIGKILL) and only waits for its parent to reap it.
  if (now.state == "Z" || now.state == "X") return false;
  std::string then_started = dot == std::string::npos ? "" : tag.substr(dot + 1);
  // Another start time: the pid now belongs to another process.
  return now.start.empty() || then_started.empty() || now.start == then_started;
}

// Renames `from` to `to`; false when `from` is gone (another drainer took it).
bool take(const fs::path& from, const fs::path& to) {
  if (std::rename(from.c_str(), to.c_str()) == 0) return true;
  if (errno == ENOENT) return false;
  throw Error(exit_code::io, fmt::format("cannot move {} to {}: {}", from.string(), to.string(),
                                         std::strerror(errno)));
}

fs::path claimed_path(const fs::path& dir, const std::string& name) {
  return dir / k_processing / (own_tag() + "-" + name);
}

// Names in `dir` for which `wanted` holds, sorted.
template <typename Wanted>
std::vector<std::string> names_in(const fs::path& dir, Wanted wanted) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    std::error_code gone;  // another drainer may have taken it meanwhile
    if (wanted(name) && !entry.is_directory(gone) && !gone) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// "PID.START-NAME" in .processing/ whose drainer is gone: NAME, else nullopt.
std::optional<std::string> orphan_name(const std::string& file) {
  auto dash = file.find('-');
  if (dash == std::string::npos || owner_alive(file.substr(0, dash))) return std::nullopt;
  return file.substr(dash + 1);
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(exit_code::data, fmt::format("cannot read it: {}", std::strerror(errno)));
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// rename(2) that never replaces `to`: 0, or the errno (EEXIST when `to` exists).
int move_no_replace(const fs::path& from, const fs::path& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0) return 0;
  if (errno != EINVAL && errno != ENOSYS) return errno;
  // A file system without RENAME_NOREPLACE: link(2) refuses an existing name too.
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  ::unlink(from.c_str());
  return 0;
}

// Moves `claimed` to .failed/NAME without overwriting an earlier failure there.
fs::path move_aside(const fs::path& dir, const Claimed& claimed) {
  fs::create_directories(dir / k_failed);
  for (int attempt = 0;; ++attempt) {
    std::string name = attempt ? fmt::format("{}.{}", claimed.name, attempt) : claimed.name;
    fs::path target = dir / k_failed / name;
    errno = move_no_replace(claimed.path, target);
    if (errno == 0) return target;
    if (errno != EEXIST) {
      throw Error(exit_code::io, fmt::format("cannot move {} to {}: {}", claimed.path.string(),
                                             target.string(), std::strerror(errno)));
    }
  }
}

void reject(const fs::path& dir, const Claimed& claimed, const Error& error) {
  fs::path target = move_aside(dir, claimed);
  std::ofstream(target.string() + ".error") << error.what() << '\n';
  print_error_line(fmt::format("spool: {} rejected ({}); moved to {}", claimed.name, error.what(),
                               target.string()));
}

bool is_the_files_fault(const Error& error) {
  return error.exit_code() == exit_code::data || error.exit_code() == exit_code::unavailable;
}

void apply_file(const fs::path& dir, const Claimed& claimed, Store& store, Cache& cache,
                const Config& config, double now, SpoolReport& report) {
  try {
    EventBatch batch = parse_events_text(read_file(claimed.path), config, claimed.name);
    InvalidationOptions options;
    options.now = now;
    report.invalidation += apply_selections(store, cache, config, batch.selections, options);
    fs::remove(claimed.path);
    ++report.files;
    report.events += batch.events;
  } catch (const Error& error) {
    if (!is_the_files_fault(error)) {
      // Back in the queue for a later drain; when the name was taken meanwhile, it
      // stays in .processing/ and is re-claimed once this process is gone.
      move_no_replace(claimed.path, dir / claimed.name);
      throw;
    }
    reject(dir, claimed, error);
    ++report.failed_files;
  }
}

}  // namespace

SpoolReport drain_spool(const fs::path& dir, Store& store, Cache& cache, const Config& config,
                        double now) {
  SpoolReport report;
  std::error_code missing;
  if (!fs::is_directory(dir, missing)) return report;
  fs::create_directories(dir / k_processing);
  // One file at a time, claimed just before it is applied, so concurrent drainers
  // share the work and a crash strands at most one file.
  for (const auto& file : names_in(dir / k_processing, [](const std::string&) { return true; })) {
    std::optional<std::string> name = orphan_name(file);
    if (!name) continue;
    note("spool: re-claiming {} (its drainer is gone)", *name);
    Claimed claimed{claimed_path(dir, *name), *name};
    if (take(dir / k_processing / file, claimed.path)) {
      apply_file(dir, claimed, store, cache, config, now, report);
    }
  }
  for (const auto& name : names_in(dir, is_event_file)) {
    Claimed claimed{claimed_path(dir, name), name};
    if (take(dir / name, claimed.path)) apply_file(dir, claimed, store, cache, config, now, report);
  }
  return report;
}

}  // namespace djc
