// Writing every byte of a buffer to a file descriptor, through short writes and
// EINTR: the one loop for temp files, the config cache and spilled output.
#pragma once

#include <string_view>

namespace djc {

// False when a write fails (errno says why) or writes nothing.
bool write_all(int fd, std::string_view bytes);

}  // namespace djc
