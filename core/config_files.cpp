// Config files on disk: reading them under the trust rule, expanding includes, discovery.
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

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

bool has_glob_characters(const std::string& entry) {
  return entry.find_first_of("*?[") != std::string::npos;
}

std::vector<fs::path> glob_files(const std::string& pattern, const toml::source_region& where) {
  glob_t matches{};
  // GLOB_MARK ends directories with '/', so "rules.d/*" skips subdirectories.
  int status = ::glob(pattern.c_str(), GLOB_MARK, nullptr, &matches);
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

std::string read_config_file(const fs::path& path, bool check_trust) {
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
  return read_all(path, file.get());
}

std::vector<fs::path> expand_include(const fs::path& dir, const std::string& entry,
                                     const toml::source_region& where) {
  if (has_glob_characters(entry)) return glob_files(resolve_glob_against(dir, entry), where);
  fs::path path = resolve_against(dir, entry);
  std::error_code error;
  if (!fs::exists(path, error)) {
    fail(where, fmt::format("included file '{}' does not exist ({})", entry, path.string()));
  }
  return {path};
}

}  // namespace config_detail

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
