// Writing a whole buffer to a file descriptor (write_all.hpp).
#include "core/write_all.hpp"

#include <unistd.h>

#include <cerrno>

namespace djc {

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = ::write(fd, bytes.data(), bytes.size());
    if (written < 0 && errno == EINTR) continue;
    if (written <= 0) return false;
    bytes.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

}  // namespace djc
