// Launching a getter: its environment, the args file, the resolved program path
// (the checks that turn "cannot start" into 126/127 as shells do), the spawn.
#include "core/getter_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>

#include "core/error.hpp"
#include "core/temp_dir.hpp"
#include "core/write_all.hpp"

extern char** environ;

namespace djc::getter_detail {
namespace {

// Where execvp looks when PATH is unset.
constexpr std::string_view default_path = "/bin:/usr/bin";

std::string_view env_name(std::string_view entry) { return entry.substr(0, entry.find('=')); }

// The path as the child will see it: a relative one is relative to its cwd.
std::string path_seen_by_child(const std::string& path, const Worker& worker) {
  if (path.starts_with('/') || !worker.cwd) return path;
  return (*worker.cwd / path).string();
}

// 0 when `path` names an executable regular file, else the errno exec would give.
int executable_error(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return errno;
  if (S_ISDIR(info.st_mode)) return EISDIR;
  if (!S_ISREG(info.st_mode) || ::access(path.c_str(), X_OK) != 0) return EACCES;
  return 0;
}

// 0 when the getter's working directory (if any) is a directory, else an errno.
int directory_error(const Worker& worker) {
  if (!worker.cwd) return 0;
  struct stat info {};
  if (::stat(worker.cwd->c_str(), &info) != 0) return errno;
  return S_ISDIR(info.st_mode) ? 0 : ENOTDIR;
}

bool is_not_found(int error) {
  return error == ENOENT || error == ENOTDIR || error == ELOOP || error == ENAMETOOLONG;
}

Launch failure(int error, const std::string& program, const std::string& reason) {
  Launch launch;
  launch.exit_code = is_not_found(error) ? 127 : 126;
  launch.message = "dj-cache: cannot run '" + program + "': " + reason;
  return launch;
}

// execvp's search, over the PATH the getter will have.
Launch search_path(const std::string& name, std::string_view path_list, const Worker& worker) {
  bool saw_denied = false;
  std::size_t start = 0;
  while (start <= path_list.size()) {
    std::size_t end = std::min(path_list.find(':', start), path_list.size());
    std::string dir(path_list.substr(start, end - start));
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    int error = executable_error(path_seen_by_child(candidate, worker));
    if (error == 0) return Launch{candidate, 0, {}};
    saw_denied = saw_denied || error == EACCES;
    start = end + 1;
  }
  if (saw_denied) return failure(EACCES, name, std::strerror(EACCES));
  return failure(ENOENT, name, "command not found");
}

[[noreturn]] void throw_system(const std::string& what) {
  throw Error(exit_code::io, "cannot run the getter: " + what + ": " + std::strerror(errno));
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (std::string& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// posix_spawn's attribute and file-action objects, destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace

// Both ends above stderr, so the dup2 onto fd 1 in the child cannot clobber them
// even when our own 0-2 are closed.
std::pair<UniqueFd, UniqueFd> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_system("pipe");
  UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
  for (UniqueFd& end : ends) {
    if (end.get() > 2) continue;
    int moved = ::fcntl(end.get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) throw_system("fcntl");
    end.reset(moved);
  }
  ::fcntl(ends[0].get(), F_SETFL, O_NONBLOCK);  // we read only what poll said is there
  return {std::move(ends[0]), std::move(ends[1])};
}

int spawn_getter(pid_t& pid, const std::string& path, std::vector<std::string> argv,
                 std::vector<std::string> env, const Worker& worker, const SpawnIo& io) {
  SpawnSetup setup;
  posix_spawn_file_actions_addopen(&setup.actions, 0,
                                   io.stdin_path ? io.stdin_path->c_str() : "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&setup.actions, io.stdout_fd, 1);
  if (io.stderr_fd >= 0) posix_spawn_file_actions_adddup2(&setup.actions, io.stderr_fd, 2);
  if (worker.cwd) posix_spawn_file_actions_addchdir_np(&setup.actions, worker.cwd->c_str());
  // Whatever fd the caller forgot to mark close-on-exec (a held lock!) stays here.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);

  // Own group, so the timeout can kill everything it started. Nothing blocked, and
  // SIGPIPE back to default in case our caller ignores it: `cmd | head` in a getter
  // script should behave as in a terminal.
  sigset_t empty, pipe_only;
  sigemptyset(&empty);
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  posix_spawnattr_setflags(&setup.attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setsigmask(&setup.attr, &empty);
  posix_spawnattr_setsigdefault(&setup.attr, &pipe_only);

  std::vector<char*> c_argv = c_strings(argv);
  std::vector<char*> c_env = c_strings(env);
  return posix_spawn(&pid, path.c_str(), &setup.actions, &setup.attr, c_argv.data(), c_env.data());
}

std::vector<std::string> build_environment(
    const std::vector<std::pair<std::string, std::string>>& overrides) {
  std::map<std::string, std::string, std::less<>> wanted;
  for (const auto& [name, value] : overrides) wanted[name] = value;  // the last one wins
  std::vector<std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view name = env_name(*entry);
    // Either args variable of an enclosing dj-cache must not leak into this getter.
    if (wanted.contains(name) || name == "DJ_CACHE_ARGS" || name == "DJ_CACHE_ARGS_FILE") continue;
    env.emplace_back(*entry);
  }
  for (const auto& [name, value] : wanted) env.push_back(name + "=" + value);
  return env;
}

std::string_view find_env(const std::vector<std::string>& env, std::string_view name) {
  for (const std::string& entry : env) {
    if (env_name(entry) == name && entry.size() > name.size()) {
      return std::string_view(entry).substr(name.size() + 1);
    }
  }
  return {};
}

Launch resolve_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                       const Worker& worker) {
  std::string program = argv.empty() ? std::string() : argv.front();
  if (program.empty()) return failure(ENOENT, program, "empty command");
  if (int error = directory_error(worker); error != 0) {
    // 126, not "not found": the command may well exist, it is the cwd that does not.
    Launch launch = failure(error, program, "working directory '" + worker.cwd->string() +
                                                "': " + std::strerror(error));
    launch.exit_code = 126;
    return launch;
  }
  if (program.find('/') == std::string::npos) {
    std::string_view path_list = find_env(env, "PATH");
    return search_path(program, path_list.empty() ? default_path : path_list, worker);
  }
  int error = executable_error(path_seen_by_child(program, worker));
  if (error != 0) return failure(error, program, std::strerror(error));
  return Launch{program, 0, {}};
}

Launch spawn_failure(int error, const std::string& program) {
  return failure(error, program, std::strerror(error));
}

ArgsFile::ArgsFile(std::string_view json, const char* prefix) {
  path_ = temp_dir() + "/" + prefix + ".XXXXXX";
  // mkostemp creates the file 0600: args may be private.
  int fd = ::mkostemp(path_.data(), O_CLOEXEC);
  if (fd < 0) {
    throw Error(exit_code::io,
                "cannot create the args file " + path_ + ": " + std::strerror(errno));
  }
  UniqueFd file(fd);
  if (!write_all(file.get(), json)) {
    int error = errno;
    ::unlink(path_.c_str());
    throw Error(exit_code::io, "cannot write the args file " + path_ + ": " + std::strerror(error));
  }
}

ArgsFile::~ArgsFile() { ::unlink(path_.c_str()); }

}  // namespace djc::getter_detail
