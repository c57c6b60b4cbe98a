// Config files on disk: reading them under the trust rule, expanding includes, discovery.
#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include <fmt/format.h>

#include "core/config_detail.hpp"
#include "core/error.hpp"

namespace djc {
namespace config_detail {
namespace {

[[noreturn]] void fail_file(const fs::path& path, const std::string& what) {
  throw Error(exit_code::config, path.string() + ": " + what);
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() { ::close(fd_); }
  int get() const { return fd_; }

 private:
  int fd_;
};

// The config defines commands dj-cache runs, often from cron as another user:
// like sshd and sudo, refuse a file someone else could have changed.
void check_trusted(const fs::path& path, const struct stat& status) {
  if (config_file_trusted(status.st_mode, status.st_uid)) return;
  if (status.st_mode & (S_IWGRP | S_IWOTH)) {
    fail_file(path, fmt::format("refusing a config file writable by group or others (mode {:04o}); "
                                "it defines commands dj-cache runs (chmod go-w {})",
                                status.st_mode & 07777, path.string()));
  }
  if (status.st_uid != ::getuid() && status.st_uid != 0) {
    fail_file(path, fmt::format("refusing a config file owned by uid {}, neither the caller "
                                "(uid {}) nor root; it defines commands dj-cache runs",
                                status.st_uid, ::getuid()));
  }
}

std::string read_all(const fs::path& path, int fd) {
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t count = ::read(fd, buffer, sizeof buffer);
    if (count == 0) return text;
    if (count < 0 && errno == EINTR) continue;
    if (count < 0) {
      fail_file(path, fmt::format("cannot read config file: {}", std::strerror(errno)));
    }
    text.append(buffer, static_cast<std::size_t>(count));
  }
}

std::int64_t nanoseconds(const struct timespec& time) {
  return static_cast<std::int64_t>(time.tv_sec) * 1'000'000'000 + time.tv_nsec;
}

// The coarse clock is the one the kernel stamps files with: a change after this
// sample gets an mtime/ctime >= it.
std::int64_t coarse_now() {
  struct timespec now {};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &now);
  return nanoseconds(now);
}

ConfigInput make_input(const fs::path& path, const struct stat& status, std::int64_t sampled) {
  ConfigInput input;
  input.kind = S_ISDIR(status.st_mode) ? ConfigInput::Kind::directory : ConfigInput::Kind::file;
  input.path = fs::absolute(path).string();
  input.dev = status.st_dev;
  input.ino = status.st_ino;
  input.size = static_cast<std::uint64_t>(status.st_size);
  input.mtime_ns = nanoseconds(status.st_mtim);
  input.ctime_ns = nanoseconds(status.st_ctim);
  input.mode = status.st_mode;
  input.uid = status.st_uid;
  input.gid = status.st_gid;
  input.racy = input.mtime_ns >= sampled || input.ctime_ns >= sampled;
  return input;
}

ConfigInput absent_input(const fs::path& path) {
  ConfigInput input;
  input.kind = ConfigInput::Kind::absent;
  input.path = fs::absolute(path).string();
  return input;
}

bool has_glob_characters(const std::string& entry) {
  return entry.find_first_of("*?[") != std::string::npos;
}

// glob(3) with GLOB_ALTDIRFUNC calls these; while a glob runs for a load that
// records its inputs, each directory it opens and each path it stats is recorded.
thread_local std::vector<ConfigInput>* t_glob_inputs = nullptr;

void* recording_opendir(const char* name) {
  std::int64_t sampled = coarse_now();
  DIR* dir = ::opendir(name);
  if (t_glob_inputs) {
    struct stat status {};
    // fstat before readdir: an entry added after it changes the directory's mtime.
    if (dir && ::fstat(::dirfd(dir), &status) == 0) {
      t_glob_inputs->push_back(make_input(name, status, sampled));
    } else {
      t_glob_inputs->push_back(absent_input(name));
    }
  }
  return dir;
}

struct dirent* recording_readdir(void* dir) { return ::readdir(static_cast<DIR*>(dir)); }
void recording_closedir(void* dir) { ::closedir(static_cast<DIR*>(dir)); }

int recording_stat(const char* name, struct stat* status) {
  std::int64_t sampled = coarse_now();
  int result = ::stat(name, status);
  if (t_glob_inputs) {
    t_glob_inputs->push_back(result == 0 ? make_input(name, *status, sampled)
                                         : absent_input(name));
  }
  return result;
}

int recording_lstat(const char* name, struct stat* status) {
  std::int64_t sampled = coarse_now();
  int result = ::lstat(name, status);
  if (t_glob_inputs) {
    // Recorded as stat(2) sees it (validation follows links); a link that now
    // points elsewhere shows as a changed inode.
    struct stat followed {};
    if (::stat(name, &followed) == 0) {
      t_glob_inputs->push_back(make_input(name, followed, sampled));
    } else {
      t_glob_inputs->push_back(absent_input(name));
    }
  }
  return result;
}

std::vector<fs::path> glob_files(const std::string& pattern, const toml::source_region& where,
                                 std::vector<ConfigInput>* inputs) {
  glob_t matches{};
  matches.gl_opendir = recording_opendir;
  matches.gl_readdir = recording_readdir;
  matches.gl_closedir = recording_closedir;
  matches.gl_stat = recording_stat;
  matches.gl_lstat = recording_lstat;
  t_glob_inputs = inputs;
  // GLOB_MARK ends directories with '/', so "rules.d/*" skips subdirectories.
  int status = ::glob(pattern.c_str(), GLOB_MARK | GLOB_ALTDIRFUNC, nullptr, &matches);
  t_glob_inputs = nullptr;
  std::vector<fs::path> files;
  if (status == 0) {
    for (std::size_t i = 0; i < matches.gl_pathc; ++i) {
      std::string match = matches.gl_pathv[i];
      if (!match.ends_with('/')) files.emplace_back(match);
    }
  }
  ::globfree(&matches);
  if (status != 0 && status != GLOB_NOMATCH) {
    fail(where, fmt::format("cannot expand include pattern '{}'", pattern));
  }
  return files;  // glob(3) sorts them: a stable load order
}

}  // namespace

std::string read_config_file(const fs::path& path, bool check_trust,
                             std::vector<ConfigInput>* inputs) {
  // O_NONBLOCK: a FIFO in place of the config must not hang us before the S_ISREG check.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) fail_file(path, fmt::format("cannot open config file: {}", std::strerror(errno)));
  FileDescriptor file(fd);
  // fstat on the descriptor we read from: the file checked is the file parsed.
  struct stat status {};
  if (::fstat(file.get(), &status) != 0) {
    fail_file(path, fmt::format("cannot stat config file: {}", std::strerror(errno)));
  }
  if (!S_ISREG(status.st_mode)) fail_file(path, "not a regular file");
  if (check_trust) check_trusted(path, status);
  std::string text = read_all(path, file.get());
  if (inputs) {
    // The stat after reading is the one recorded: a change after it shows.
    std::int64_t sampled = coarse_now();
    struct stat after {};
    if (::fstat(file.get(), &after) != 0) after = {};
    ConfigInput input = make_input(path, after, sampled);
    input.racy = input.racy || !input.same_stat(make_input(path, status, sampled));
    inputs->push_back(std::move(input));
  }
  return text;
}

void record_input(const fs::path& path, std::vector<ConfigInput>& inputs) {
  inputs.push_back(stat_config_input(path));
}

std::vector<fs::path> expand_include(const fs::path& dir, const std::string& entry,
                                     const toml::source_region& where,
                                     std::vector<ConfigInput>* inputs) {
  if (has_glob_characters(entry)) {
    return glob_files(resolve_glob_against(dir, entry), where, inputs);
  }
  fs::path path = resolve_against(dir, entry);
  std::error_code error;
  if (!fs::exists(path, error)) {
    fail(where, fmt::format("included file '{}' does not exist ({})", entry, path.string()));
  }
  return {path};
}

}  // namespace config_detail

bool ConfigInput::same_stat(const ConfigInput& other) const {
  return kind == other.kind && dev == other.dev && ino == other.ino && size == other.size &&
         mtime_ns == other.mtime_ns && ctime_ns == other.ctime_ns && mode == other.mode &&
         uid == other.uid && gid == other.gid;
}

ConfigInput stat_config_input(const std::filesystem::path& path) {
  using namespace config_detail;
  std::int64_t sampled = coarse_now();
  struct stat status {};
  return ::stat(path.c_str(), &status) == 0 ? make_input(path, status, sampled)
                                            : absent_input(path);
}

bool config_file_trusted(std::uint32_t mode, std::uint32_t uid) {
  static const uid_t caller = ::getuid();  // asked once: dj-cache never changes it
  return (mode & (S_IWGRP | S_IWOTH)) == 0 && (uid == caller || uid == 0);
}

namespace {

std::optional<std::string> nonempty_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

// $XDG_CONFIG_HOME when set (and absolute, as the XDG spec requires), else ~/.config.
// ~ is $HOME: no getpwuid in a static binary.
std::optional<std::filesystem::path> user_config_file() {
  std::optional<std::string> xdg = nonempty_env("XDG_CONFIG_HOME");
  if (xdg && std::filesystem::path(*xdg).is_absolute()) {
    return std::filesystem::path(*xdg) / "dj-cache" / "config.toml";
  }
  if (std::optional<std::string> home = nonempty_env("HOME")) {
    return std::filesystem::path(*home) / ".config" / "dj-cache" / "config.toml";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::filesystem::path> discover_config(
    const std::optional<std::string>& explicit_path) {
  namespace fs = std::filesystem;
  // A path the user named, on the command line or in the environment, is used
  // even when missing, so that loading it says so instead of silently falling back.
  if (explicit_path) return fs::path(*explicit_path);
  if (std::optional<std::string> from_env = nonempty_env("DJ_CACHE_CONFIG")) {
    return fs::path(*from_env);
  }

  std::error_code error;
  std::vector<fs::path> candidates{fs::current_path(error) / "dj-cache.toml"};
  if (std::optional<fs::path> user_file = user_config_file()) candidates.push_back(*user_file);
  candidates.emplace_back("/etc/dj-cache/config.toml");
  for (const fs::path& candidate : candidates) {
    if (fs::exists(candidate, error)) return candidate;
  }
  return std::nullopt;
}

}  // namespace djc
