// End-to-end harness: a temporary directory with a config and a store, and
// shell command lines run in it the way a script would run dj-cache.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace djc::e2e {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
};

class Sandbox {
 public:
  Sandbox();
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path store() const { return dir_ / "store"; }

  // Writes `name` (relative to dir()) with `mode`, creating parent directories.
  void write(const std::string& name, const std::string& content, unsigned mode = 0644);
  std::string read(const std::string& name) const;
  // Writes dir()/dj-cache.toml, which $DJ_CACHE_CONFIG points at. With
  // $DJ_CACHE_TEST_REDIS set (the e2e-redis run), the config's [store] uses the
  // Redis backend at that URL with a prefix of this sandbox's own.
  void config(const std::string& toml);

  // Runs `script` with /bin/sh -c in dir(); $DJ is the dj-cache binary,
  // $DJ_CACHE_CONFIG and $DJ_CACHE_STORE point into the sandbox; `env` adds more.
  Run sh(const std::string& script, const std::string& input = "") const;
  // sh("\"$DJ\" " + arguments): arguments are shell words.
  Run dj(const std::string& arguments, const std::string& input = "") const {
    return sh("\"$DJ\" " + arguments, input);
  }

  std::map<std::string, std::string> env;

  // The test Redis server's URL ($DJ_CACHE_TEST_REDIS); fails the test when unset.
  static std::string redis_url();
  // Whether this run uses the Redis backend.
  static bool on_redis();
  // This sandbox's key prefix on Redis (shared_prefix when set).
  std::string redis_prefix() const;
  // The [store] lines config() adds on Redis.
  std::string redis_store_lines() const;
  std::string shared_prefix;
  // Shell functions `waiters N`, `holders N`, `released`: block until at least N
  // processes wait for / hold a key's computation lock, or none holds one (exit 99
  // after 20 s). On LMDB they read /proc/locks (the kernel's view of the lock
  // file); on Redis, blocked clients (CLIENT LIST) and lease keys.
  std::string lock_probe() const;

 private:
  std::filesystem::path dir_;
};

// How many lines `path` holds (0 when it does not exist): getters append a line to
// a counter file to show how often they ran.
int count_lines(const std::filesystem::path& path);

}  // namespace djc::e2e
