// Fingerprints of the files a value depends on (`depends_on`): mtime, size, inode.
#pragma once

#include <string>
#include <vector>

#include "core/entry.hpp"

namespace djc {

// Expands each glob and fingerprints every file it names. A pattern that matches
// nothing is recorded as a missing file, so creating it later makes a miss.
std::vector<FileFingerprint> fingerprint_files(const std::vector<std::string>& globs);

}  // namespace djc
