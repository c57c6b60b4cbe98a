// Where dj-cache puts temporary files (large getter output, large arguments, a
// command's stdin): $TMPDIR when set and not empty, else /tmp, as mktemp(1) does.
#pragma once

#include <string>

namespace djc {

std::string temp_dir();

}  // namespace djc
