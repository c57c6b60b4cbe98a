// The end-to-end sandbox: temp dir, environment, posix_spawn of /bin/sh -c.
#include "harness.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <vector>

extern char** environ;

namespace djc::e2e {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> merged;
  for (char** entry = environ; *entry; ++entry) {
    std::string text = *entry;
    auto eq = text.find('=');
    if (eq == std::string::npos) continue;
    std::string name = text.substr(0, eq);
    if (name.rfind("DJ_CACHE_", 0) == 0 || name == "NO_COLOR") continue;  // the sandbox decides
    merged[name] = text.substr(eq + 1);
  }
  for (const auto& [name, value] : extra) merged[name] = value;
  std::vector<std::string> flat;
  for (const auto& [name, value] : merged) flat.push_back(name + "=" + value);
  return flat;
}

}  // namespace

Sandbox::Sandbox() {
  std::string pattern = (std::filesystem::temp_directory_path() / "djc-e2e-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  ::chmod(dir_.c_str(), 0755);
  env["DJ"] = DJ_CACHE_BIN;
  env["DJ_CACHE_CONFIG"] = (dir_ / "dj-cache.toml").string();
  env["DJ_CACHE_STORE"] = store().string();
  env["HOME"] = dir_.string();
}

Sandbox::~Sandbox() {
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

void Sandbox::write(const std::string& name, const std::string& content, unsigned mode) {
  auto path = dir_ / name;
  std::filesystem::create_directories(path.parent_path());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  ::chmod(path.c_str(), mode);
}

bool Sandbox::on_redis() {
  const char* url = std::getenv("DJ_CACHE_TEST_REDIS");
  return url && *url;
}

std::string Sandbox::redis_url() {
  if (!on_redis()) {
    throw std::runtime_error("DJ_CACHE_TEST_REDIS is not set: run the Redis tests through ctest, "
                             "whose fixture starts redis-server");
  }
  return std::getenv("DJ_CACHE_TEST_REDIS");
}

std::string Sandbox::redis_prefix() const {
  return shared_prefix.empty() ? "e2e-" + dir_.filename().string() + ":" : shared_prefix;
}

std::string Sandbox::redis_store_lines() const {
  return "backend = \"redis\"\nurl = \"" + redis_url() + "\"\nprefix = \"" + redis_prefix() +
         "\"\nlease = \"1s\"\n";
}

void Sandbox::config(const std::string& toml) {
  if (!on_redis()) return write("dj-cache.toml", toml);
  std::string redis = redis_store_lines();
  std::string text = toml;
  if (std::size_t at = text.find("[store]\n"); at != std::string::npos) {
    text.insert(at + 8, redis);
  } else {
    text += "\n[store]\n" + redis;
  }
  write("dj-cache.toml", text);
}

std::string Sandbox::lock_probe() const {
  if (!on_redis()) {
    return R"SH(
lock_rows() { ino=$(stat -c %i store/locks 2>/dev/null) || { echo 0; return; }
              grep -c -E "$1 *OFDLCK .*:$ino " /proc/locks || true; }
waiters() { n=0; while [ "$(lock_rows '->')" -lt "$1" ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
holders() { n=0; while [ "$(lock_rows '[0-9]+:')" -lt "$1" ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
released() { n=0; while [ "$(lock_rows '[0-9]+:')" -gt 0 ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
)SH";
  }
  std::string socket = redis_url().substr(std::string("unix://").size());
  return "rcli() { redis-cli -s '" + socket + "' \"$@\"; }\n" +
         "blocked() { rcli client list | grep -c 'name=dj-cache@" + redis_prefix() +
         " .*flags=[a-zA-Z]*b' || true; }\n" + "leases() { rcli --scan --pattern '" + redis_prefix() +
         "{*}:l' | wc -l; }\n" + R"SH(
waiters() { n=0; while [ "$(blocked)" -lt "$1" ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
holders() { n=0; while [ "$(leases)" -lt "$1" ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
released() { n=0; while [ "$(leases)" -gt 0 ]; do n=$((n+1)); [ $n -gt 2000 ] && exit 99; sleep 0.01; done; }
)SH";
}

std::string Sandbox::read(const std::string& name) const { return slurp(dir_ / name); }

Run Sandbox::sh(const std::string& script, const std::string& input) const {
  static int serial = 0;
  std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++serial);
  auto in_path = dir_ / (".in-" + tag), out_path = dir_ / (".out-" + tag), err_path = dir_ / (".err-" + tag);
  {
    std::ofstream in(in_path, std::ios::binary);
    in << input;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  std::vector<std::string> env_strings = environment(env);
  std::vector<char*> envp;
  for (auto& entry : env_strings) envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::string shell = "/bin/sh", dash_c = "-c", body = script;
  char* argv[] = {shell.data(), dash_c.data(), body.data(), nullptr};
  pid_t pid = 0;
  int failed = posix_spawn(&pid, "/bin/sh", &actions, nullptr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (failed) throw std::runtime_error("posix_spawn /bin/sh failed");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  Run run;
  run.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.out = slurp(out_path);
  run.err = slurp(err_path);
  std::filesystem::remove(in_path);
  std::filesystem::remove(out_path);
  std::filesystem::remove(err_path);
  return run;
}

int count_lines(const std::filesystem::path& path) {
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

}  // namespace djc::e2e
