// stdout writing with EPIPE handling, terminal detection, human formats, tables.
#include "cli/output.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>

#include "core/error.hpp"

namespace djc {

namespace {

// A value this large goes through a pipe in fewer, larger steps when the pipe
// holds more than its default 64 KiB: each step is a wake-up of the reader and a
// sleep of ours. 1 MiB is what an unprivileged process may ask
// (/proc/sys/fs/pipe-max-size); when stdout is not a pipe, or the kernel says no,
// nothing changes.
constexpr std::size_t large_write = std::size_t{1} << 20;

void widen_stdout_pipe() { ::fcntl(STDOUT_FILENO, F_SETPIPE_SZ, static_cast<int>(large_write)); }

}  // namespace

bool write_stdout(std::string_view bytes) {
  if (bytes.size() >= large_write) widen_stdout_pipe();
  while (!bytes.empty()) {
    ssize_t written = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (written >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(written));
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EPIPE) return false;
    throw Error(exit_code::io, fmt::format("cannot write to stdout: {}", std::strerror(errno)));
  }
  return true;
}

void write_stderr(std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(STDERR_FILENO, bytes.data(), bytes.size());
    if (written >= 0) {
      bytes.remove_prefix(static_cast<std::size_t>(written));
    } else if (errno != EINTR) {
      return;
    }
  }
}

bool stdout_is_terminal() { return ::isatty(STDOUT_FILENO) == 1; }
bool stderr_is_terminal() { return ::isatty(STDERR_FILENO) == 1; }

bool use_colour() {
  const char* no_colour = std::getenv("NO_COLOR");
  if (no_colour && *no_colour) return false;
  return stdout_is_terminal();
}

std::string human_duration(double seconds) {
  if (seconds < 0) return "-" + human_duration(-seconds);
  auto total = static_cast<long long>(seconds);
  long long days = total / 86400, hours = total % 86400 / 3600, minutes = total % 3600 / 60;
  if (days > 0) return hours ? fmt::format("{}d{}h", days, hours) : fmt::format("{}d", days);
  if (hours > 0) return minutes ? fmt::format("{}h{}m", hours, minutes) : fmt::format("{}h", hours);
  if (minutes > 0) return fmt::format("{}m{}s", minutes, total % 60);
  return fmt::format("{}s", total);
}

std::string human_size(std::uint64_t bytes) {
  static constexpr const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return fmt::format("{}B", bytes);
  double size = static_cast<double>(bytes);
  std::size_t unit = 0;
  for (size /= 1024; size >= 1024 && unit + 1 < std::size(units); size /= 1024) ++unit;
  return fmt::format("{:.1f}{}", size, units[unit]);
}

void print_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::vector<Cell>> cells;
  cells.reserve(rows.size());
  for (const auto& row : rows) cells.emplace_back(row.begin(), row.end());
  print_table(cells);
}

void print_table(const std::vector<std::vector<Cell>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size());
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].text.size());
  }
  bool colour = use_colour();
  std::string out;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    std::string line;
    for (std::size_t i = 0; i < rows[r].size(); ++i) {
      const Cell& cell = rows[r][i];
      bool last = i + 1 == rows[r].size();
      // Escape codes around the text, padding outside them: columns stay aligned.
      const char* start = !colour                         ? ""
                          : cell.colour == Colour::red    ? "\033[31m"
                          : cell.colour == Colour::yellow ? "\033[33m"
                                                          : "";
      line += *start ? start + cell.text + "\033[0m" : cell.text;
      if (!last) line.append(widths[i] - cell.text.size() + 2, ' ');
    }
    out += (r == 0 && colour) ? "\033[1m" + line + "\033[0m\n" : line + "\n";
  }
  write_stdout(out);
}

}  // namespace djc
