// Which build of dj-cache is running, for files only that build may trust (the
// config cache): the GNU build ID of the program, a hash of its code.
#pragma once

#include <string>

namespace djc {

// "build-id:" and the program's GNU build ID; without one, the device, inode,
// size and mtime of /proc/self/exe; "" when neither is known (nothing is cached).
// Computed once.
const std::string& build_identity();

}  // namespace djc
