// A command's captured stdout: in memory while small, moved to an unlinked
// temporary file once it passes a threshold. A getter that prints a GiB then costs
// one copy in memory (the store's pages), not two: the store copies the value from
// the file in place (copy_to), and the caller prints it from a read-only map of it.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "core/unique_fd.hpp"
#include "core/value_source.hpp"

namespace djc {

class CapturedOutput final : public ValueSource {
 public:
  // Output past this goes to a file; below it, a file would only cost syscalls.
  static constexpr std::size_t default_spill_threshold = std::size_t{16} << 20;

  explicit CapturedOutput(std::size_t spill_threshold = default_spill_threshold)
      : spill_threshold_(spill_threshold) {}

  // Adds the next chunk. Past the threshold the output moves to a file in $TMPDIR
  // (default /tmp), created unlinked (O_TMPFILE) so nothing is left behind even
  // by a crash. Error(74) when that file cannot be written (a full disk); when it
  // cannot even be created, the output stays in memory.
  void append(std::string_view chunk);

  std::size_t size() const override { return size_; }
  bool empty() const { return size_ == 0; }
  bool in_file() const { return bool(file_); }

  // The whole output. In a file, it is mapped read-only on first use, for as long
  // as this object lives (the file is ours alone: nothing can truncate it).
  std::string_view view() const;

  // Reads the file straight into `out` (no buffer in between) or copies the memory.
  void copy_to(char* out) const override;

  friend bool operator==(const CapturedOutput& output, std::string_view bytes) {
    return output.view() == bytes;
  }

 private:
  void move_to_file();
  void write_to_file(std::string_view bytes);

  // Unmaps the read-only map of the file that view() made.
  struct Unmap {
    std::size_t size;
    void operator()(const char* data) const;
  };

  std::size_t spill_threshold_;
  std::size_t size_ = 0;
  std::string memory_;          // the output, until it moves to file_
  UniqueFd file_;
  std::string file_dir_;        // where file_ is, for messages
  bool file_refused_ = false;   // no file could be created: stay in memory
  mutable std::unique_ptr<const char, Unmap> map_;
};

}  // namespace djc
