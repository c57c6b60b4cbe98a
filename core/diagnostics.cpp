// The process-wide verbosity and the one function that writes message lines.
#include "core/diagnostics.hpp"

#include <unistd.h>

#include <string>

namespace djc {
namespace {
Verbosity current = Verbosity::normal;
bool progress_shown = false;
}  // namespace

void set_progress_shown(bool shown) { progress_shown = shown; }

void set_verbosity(Verbosity level) { current = level; }
Verbosity verbosity() { return current; }

void print_error_line(std::string_view line) {
  // "\r" and erase-line: the message replaces a progress line, which redraws later.
  std::string text = progress_shown ? "\r\033[Kdj-cache: " : "dj-cache: ";
  progress_shown = false;
  text.append(line);
  text += '\n';
  // One write so lines of concurrent processes do not interleave.
  [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace djc
