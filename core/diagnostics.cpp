// The process-wide verbosity and the one function that writes message lines.
#include "core/diagnostics.hpp"

#include <unistd.h>

#include <string>

namespace djc {
namespace {
Verbosity current = Verbosity::normal;
}

void set_verbosity(Verbosity level) { current = level; }
Verbosity verbosity() { return current; }

void print_error_line(std::string_view line) {
  std::string text = "dj-cache: ";
  text.append(line);
  text += '\n';
  // One write so lines of concurrent processes do not interleave.
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace djc
