// Splitting a line into words with POSIX-shell quoting, for `warm` input.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace djc {

// Splits on unquoted blanks; honours '...', "..." (with \" \\ \$ \` escapes) and
// backslash outside quotes; never expands anything ($, `, globs stay literal).
// Throws Error(65) on an unterminated quote or trailing backslash.
std::vector<std::string> split_shell_words(std::string_view line);

}  // namespace djc
