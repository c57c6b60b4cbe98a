// The one error type of dj-cache: a message, the exit code it maps to, and an optional hint.
#pragma once

#include <stdexcept>
#include <string>

namespace djc {

// Exit codes of SPEC.md §4 (sysexits.h values where one fits).
namespace exit_code {
inline constexpr int ok = 0;
inline constexpr int stale_check = 1;  // migrate --check: an upgrade is due
inline constexpr int usage = 64;
inline constexpr int data = 65;
inline constexpr int unavailable = 69;
inline constexpr int io = 74;
inline constexpr int tempfail = 75;
inline constexpr int config = 78;
inline constexpr int getter_timeout = 124;
}  // namespace exit_code

// Thrown anywhere below cli/; cli/main.cpp prints "dj-cache: <what>" (and the hint)
// on stderr and exits with exit_code().
class Error : public std::runtime_error {
 public:
  Error(int exit_code, const std::string& message, std::string hint = {})
      : std::runtime_error(message), exit_code_(exit_code), hint_(std::move(hint)) {}
  int exit_code() const { return exit_code_; }
  const std::string& hint() const { return hint_; }

 private:
  int exit_code_;
  std::string hint_;
};

}  // namespace djc
