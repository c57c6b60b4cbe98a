// The progress line of long operations: throttled redraws on a terminal's stderr.
#include "cli/progress.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "cli/output.hpp"
#include "core/diagnostics.hpp"

namespace djc {
namespace {

constexpr auto redraw_interval = std::chrono::milliseconds(100);

}  // namespace

Progress::Progress(std::string what, std::size_t total)
    : what_(std::move(what)),
      total_(total),
      enabled_(verbosity() != Verbosity::quiet && stderr_is_terminal()),
      next_draw_(std::chrono::steady_clock::now() + redraw_interval) {}

Progress::~Progress() { finish(); }

void Progress::step(std::size_t done) {
  done_ += done;
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now < next_draw_) return;
  next_draw_ = now + redraw_interval;
  draw();
}

void Progress::draw() {
  std::string line = total_ ? fmt::format("{} {}/{} ({}%)", what_, done_, total_,
                                          done_ * 100 / total_)
                            : fmt::format("{} {}", what_, done_);
  // "\r" back to the start, erase the old line, no newline: the next draw replaces it.
  write_stderr("\r\033[Kdj-cache: " + line);
  drawn_ = true;
  set_progress_shown(true);
}

void Progress::finish() {
  if (!drawn_) return;
  drawn_ = false;
  write_stderr("\r\033[K");
  set_progress_shown(false);
}

}  // namespace djc
