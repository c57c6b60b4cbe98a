// Helpers of the config unit tests: temporary trees, environment and cwd guards, caught errors.
#pragma once

#include <catch2/catch.hpp>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/error.hpp"

namespace djc_test {

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "djc-config-test-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = fs::canonical(pattern);
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  fs::path operator/(const fs::path& relative) const { return path_ / relative; }

 private:
  fs::path path_;
};

// Writes `text` to `path` (creating its directories) with `mode`; the default
// mode is one the trust rule accepts whatever the umask.
inline fs::path write_file(const fs::path& path, std::string_view text,
                           fs::perms mode = fs::perms(0644)) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
  fs::permissions(path, mode);
  return path;
}

// Sets (or, with nullopt, unsets) an environment variable until the end of the scope.
class EnvGuard {
 public:
  EnvGuard(const char* name, std::optional<std::string> value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    apply(value);
  }
  ~EnvGuard() { apply(old_); }
  EnvGuard(const EnvGuard&) = delete;
  EnvGuard& operator=(const EnvGuard&) = delete;

 private:
  void apply(const std::optional<std::string>& value) {
    if (value) {
      ::setenv(name_, value->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  const char* name_;
  std::optional<std::string> old_;
};

// Changes the working directory until the end of the scope.
class CwdGuard {
 public:
  explicit CwdGuard(const fs::path& dir) : old_(fs::current_path()) { fs::current_path(dir); }
  ~CwdGuard() {
    std::error_code ignored;
    fs::current_path(old_, ignored);
  }
  CwdGuard(const CwdGuard&) = delete;
  CwdGuard& operator=(const CwdGuard&) = delete;

 private:
  fs::path old_;
};

// The message of the config error (exit 78) `load` throws; fails the test when
// it throws nothing or something else.
inline std::string config_error(const std::function<void()>& load) {
  try {
    load();
  } catch (const djc::Error& error) {
    CHECK(error.exit_code() == djc::exit_code::config);
    return error.what();
  }
  FAIL("expected a config error, none was thrown");
  return {};
}

// Text configs are named /cfg/test.toml: messages start with it, and relative
// paths resolve against /cfg.
inline constexpr const char* k_text_origin = "/cfg/test.toml";

inline djc::Config parse(std::string_view text) {
  return djc::parse_config_text(text, k_text_origin);
}

inline std::string text_error(std::string_view text) {
  return config_error([&] { (void)parse(text); });
}

}  // namespace djc_test
