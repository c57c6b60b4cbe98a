// Reading stdin by lines in blocks (see stdin_lines.hpp).
#include "cli/stdin_lines.hpp"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.hpp"

namespace djc {
namespace {

constexpr std::size_t block_size = 1 << 16;

// Appends one read(2) of stdin to `into`; returns how many bytes came (0 at the end).
std::size_t read_block(std::string& into) {
  const std::size_t old_size = into.size();
  into.resize(old_size + block_size);
  ssize_t got;
  do {
    got = ::read(STDIN_FILENO, into.data() + old_size, block_size);
  } while (got < 0 && errno == EINTR);
  if (got < 0) {
    into.resize(old_size);
    throw Error(exit_code::io, std::string("cannot read stdin: ") + strerror(errno));
  }
  into.resize(old_size + static_cast<std::size_t>(got));
  return static_cast<std::size_t>(got);
}

}  // namespace

std::string read_all_stdin() {
  std::string all;
  // A file redirected to stdin has a size: read into room for all of it,
  // rather than copying what came so far each time the buffer doubles.
  struct stat st{};
  if (::fstat(STDIN_FILENO, &st) == 0 && S_ISREG(st.st_mode)) {
    const off_t at = ::lseek(STDIN_FILENO, 0, SEEK_CUR);
    if (at >= 0 && at < st.st_size) all.reserve(static_cast<std::size_t>(st.st_size - at) + block_size);
  }
  while (read_block(all) != 0) {
  }
  return all;
}

bool StdinLines::fill() {
  buffer_.erase(0, start_);
  start_ = 0;
  return read_block(buffer_) != 0;
}

bool StdinLines::ready() const {
  if (at_end_ || buffer_.find('\n', start_) != std::string::npos) return true;
  pollfd input{STDIN_FILENO, POLLIN, 0};
  return ::poll(&input, 1, 0) != 0;  // readable, at its end, or an error next() reports
}

std::optional<std::string_view> StdinLines::next() {
  std::size_t searched = start_;
  for (;;) {
    std::size_t newline = buffer_.find('\n', searched);
    if (newline != std::string::npos) {
      std::string_view line(buffer_.data() + start_, newline - start_);
      start_ = newline + 1;
      return line;
    }
    if (at_end_) break;
    searched = buffer_.size() - start_;  // offsets move to 0 in fill()
    if (!fill()) at_end_ = true;
  }
  if (start_ == buffer_.size()) return std::nullopt;
  std::string_view last(buffer_.data() + start_, buffer_.size() - start_);
  start_ = buffer_.size();
  return last;
}

}  // namespace djc
