// The directory for temporary files (temp_dir.hpp).
#include "core/temp_dir.hpp"

#include <cstdlib>

namespace djc {

std::string temp_dir() {
  const char* dir = std::getenv("TMPDIR");
  return dir && *dir ? dir : "/tmp";
}

}  // namespace djc
