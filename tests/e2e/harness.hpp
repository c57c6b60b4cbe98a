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
  // Writes dir()/dj-cache.toml, which $DJ_CACHE_CONFIG points at.
  void config(const std::string& toml) { write("dj-cache.toml", toml); }

  // Runs `script` with /bin/sh -c in dir(); $DJ is the dj-cache binary,
  // $DJ_CACHE_CONFIG and $DJ_CACHE_STORE point into the sandbox; `env` adds more.
  Run sh(const std::string& script, const std::string& input = "") const;
  // sh("\"$DJ\" " + arguments): arguments are shell words.
  Run dj(const std::string& arguments, const std::string& input = "") const {
    return sh("\"$DJ\" " + arguments, input);
  }

  std::map<std::string, std::string> env;

 private:
  std::filesystem::path dir_;
};

// How many lines `path` holds (0 when it does not exist): getters append a line to
// a counter file to show how often they ran.
int count_lines(const std::filesystem::path& path);

}  // namespace djc::e2e
