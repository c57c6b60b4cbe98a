// Messages on stderr: warnings, summaries and verbose notes, one line each,
// prefixed "dj-cache: ". -q silences summaries and warnings, -v adds notes.
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace djc {

enum class Verbosity { quiet, normal, verbose };

void set_verbosity(Verbosity level);
Verbosity verbosity();

// Writes "dj-cache: <line>\n" to stderr in one write(2), whatever the verbosity.
// A progress line on the terminal (cli/progress.hpp) is erased first.
void print_error_line(std::string_view line);

// Whether a progress line is drawn on stderr now (set by cli/progress.hpp).
void set_progress_shown(bool shown);

template <typename... T>
void warn(fmt::format_string<T...> format, T&&... args) {
  if (verbosity() == Verbosity::quiet) return;
  print_error_line(fmt::format(format, std::forward<T>(args)...));
}

// A command's closing summary ("purged 12 entries"); silenced by -q.
template <typename... T>
void summary(fmt::format_string<T...> format, T&&... args) {
  if (verbosity() == Verbosity::quiet) return;
  print_error_line(fmt::format(format, std::forward<T>(args)...));
}

template <typename... T>
void note(fmt::format_string<T...> format, T&&... args) {
  if (verbosity() != Verbosity::verbose) return;
  print_error_line(fmt::format(format, std::forward<T>(args)...));
}

}  // namespace djc
