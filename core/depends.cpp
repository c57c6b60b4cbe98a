// Fingerprinting depends_on files with glob(3) and stat(2).
#include "core/depends.hpp"

#include <glob.h>
#include <sys/stat.h>

namespace djc {
namespace {

FileFingerprint fingerprint(const std::string& path) {
  FileFingerprint print{.path = path};
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return print;
  print.exists = true;
  print.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  print.size = static_cast<uint64_t>(st.st_size);
  print.inode = static_cast<uint64_t>(st.st_ino);
  return print;
}

std::vector<std::string> expand(const std::string& pattern) {
  glob_t found{};
  std::vector<std::string> paths;
  if (::glob(pattern.c_str(), 0, nullptr, &found) == 0) {
    for (std::size_t i = 0; i < found.gl_pathc; ++i) paths.emplace_back(found.gl_pathv[i]);
  }
  ::globfree(&found);
  if (paths.empty()) paths.push_back(pattern);
  return paths;
}

}  // namespace

std::vector<FileFingerprint> fingerprint_files(const std::vector<std::string>& globs) {
  std::vector<FileFingerprint> prints;
  for (const auto& pattern : globs) {
    for (const auto& path : expand(pattern)) prints.push_back(fingerprint(path));
  }
  return prints;
}

}  // namespace djc
