// A fresh directory under /tmp for one test, removed with everything in it.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <system_error>

namespace djc::testing {

struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const char* prefix = "djc-test") {
    std::string pattern = std::string("/tmp/") + prefix + ".XXXXXX";
    if (::mkdtemp(pattern.data()) != nullptr) path = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::permissions(path, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, ignored);
    std::filesystem::remove_all(path, ignored);
  }
};

}  // namespace djc::testing
