// Capturing a command's stdout in memory, or in an unlinked temporary file once
// it is large (see captured_output.hpp).
#include "core/captured_output.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/error.hpp"
#include "core/temp_dir.hpp"
#include "core/write_all.hpp"

namespace djc {
namespace {

// An unlinked 0600 file in `dir`: O_TMPFILE where the file system has it, else a
// named file removed at once.
UniqueFd create_unlinked_file(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600));
  if (fd) return fd;
  std::string name = dir + "/dj-cache-output.XXXXXX";
  fd.reset(::mkostemp(name.data(), O_CLOEXEC));
  if (fd) ::unlink(name.c_str());
  return fd;
}

[[noreturn]] void throw_file_error(const char* what, const std::string& dir) {
  int error = errno;
  throw Error(exit_code::io,
              std::string("cannot ") + what + " the getter's output in a temporary file in " +
                  dir + ": " + std::strerror(error),
              error == ENOSPC ? "is the disk full? TMPDIR chooses the directory" : "");
}

}  // namespace

void CapturedOutput::append(std::string_view chunk) {
  if (!file_ && !file_refused_ && size_ + chunk.size() > spill_threshold_) move_to_file();
  if (file_) {
    write_to_file(chunk);
  } else {
    memory_.append(chunk);
  }
  size_ += chunk.size();
}

void CapturedOutput::move_to_file() {
  file_dir_ = temp_dir();
  file_ = create_unlinked_file(file_dir_);
  if (!file_) {
    file_refused_ = true;  // a slower path, not a failure: memory still holds it
    return;
  }
  write_to_file(memory_);
  std::string().swap(memory_);  // give the memory back, not just clear it
}

void CapturedOutput::write_to_file(std::string_view bytes) {
  if (!write_all(file_.get(), bytes)) throw_file_error("keep", file_dir_);
}

std::string_view CapturedOutput::view() const {
  if (!file_) return memory_;
  if (size_ == 0) return {};
  if (map_ && map_.get_deleter().size != size_) map_.reset();  // appended to since
  if (!map_) {
    void* map = ::mmap(nullptr, size_, PROT_READ, MAP_SHARED, file_.get(), 0);
    if (map == MAP_FAILED) throw_file_error("map", file_dir_);
    map_ = {static_cast<const char*>(map), Unmap{size_}};
  }
  return {map_.get(), size_};
}

void CapturedOutput::copy_to(char* out) const {
  if (!file_) {
    if (!memory_.empty()) std::memcpy(out, memory_.data(), memory_.size());
    return;
  }
  std::size_t done = 0;
  while (done < size_) {
    ssize_t got = ::pread(file_.get(), out + done, size_ - done, static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw_file_error("read back", file_dir_);
    if (got == 0) {
      errno = EIO;  // shorter than what was written to it: never, for a file only we hold
      throw_file_error("read back", file_dir_);
    }
    done += static_cast<std::size_t>(got);
  }
}

void CapturedOutput::Unmap::operator()(const char* data) const {
  ::munmap(const_cast<char*>(data), size);
}

}  // namespace djc
