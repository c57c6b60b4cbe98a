// Internals of run_getter (core/getter_run.cpp): fd and temp-file ownership, the
// environment, resolving the program, spawning it. Not for other callers.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/config.hpp"
#include "core/unique_fd.hpp"

namespace djc::getter_detail {

// DJ_CACHE_ARGS too big for the environment (or a command's stdin), in a 0600 temp
// file ($TMPDIR or /tmp, named PREFIX.XXXXXX) removed when this object goes. Throws
// Error(74) when it cannot be written.
class ArgsFile {
 public:
  explicit ArgsFile(std::string_view content, const char* prefix = "dj-cache-args");
  ArgsFile(const ArgsFile&) = delete;
  ArgsFile& operator=(const ArgsFile&) = delete;
  ~ArgsFile();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Our environment with `overrides` set (the last of a name wins); inherited
// DJ_CACHE_ARGS/DJ_CACHE_ARGS_FILE are dropped unless overridden.
std::vector<std::string> build_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides);

// The value of NAME in NAME=VALUE entries; empty when unset.
std::string_view find_env(const std::vector<std::string>& env, std::string_view name);

// The program to exec, or why it cannot start: exit code 127 (not found) or 126
// (found but not runnable, or the working directory is missing) and the message.
struct Launch {
  std::string path;
  int exit_code = 0;  // 0: `path` is ready to spawn
  std::string message;
};

// argv[0] as the getter would find it: looked up in the PATH of `env` when it has
// no '/', relative paths seen from worker.cwd.
Launch resolve_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const Worker& worker);

// posix_spawn's error (a race after resolve_program) as a Launch failure.
Launch spawn_failure(int error, const std::string& program);

// A close-on-exec pipe {read end, write end}, both above fd 2, the read end
// non-blocking. Throws Error(74) when the system has no fds left.
std::pair<UniqueFd, UniqueFd> make_pipe();

// Where the spawned process's 0, 1 and 2 go.
struct SpawnIo {
  int stdout_fd = -1;
  int stderr_fd = -1;                       // -1: ours
  const std::string* stdin_path = nullptr;  // nullptr: /dev/null
};

// Spawns `path` (no shell, no PATH search) as the leader of a new process group:
// stdin, stdout and stderr as `io` says, no other fd, in worker.cwd, no signal
// blocked, SIGPIPE default. Returns posix_spawn's error (0 on success).
int spawn_getter(pid_t& pid, const std::string& path, std::vector<std::string> argv,
                 std::vector<std::string> env, const Worker& worker, const SpawnIo& io);

}  // namespace djc::getter_detail
