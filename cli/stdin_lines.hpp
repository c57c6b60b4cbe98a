// Lines of standard input, read in large blocks with read(2). std::getline on
// std::cin goes through stdio one character at a time (the streams are synced
// with stdio), which cost `import` more than parsing its JSON.
//
//   StdinLines lines;
//   while (auto line = lines.next()) use(*line);   // without the '\n'
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace djc {

// All of standard input (read in large blocks); Error (74) when it cannot be read.
std::string read_all_stdin();

class StdinLines {
 public:
  // The next line, valid until the following call; nullopt at the end of input.
  // A last line without '\n' is a line. Throws Error (74) when stdin cannot be read.
  std::optional<std::string_view> next();

  // Whether next() would return without waiting: a whole line is buffered, or
  // stdin has bytes (or its end) ready now.
  bool ready() const;

 private:
  bool fill();  // reads more; false at end of input

  std::string buffer_;
  std::size_t start_ = 0;  // where the next line begins in buffer_
  bool at_end_ = false;
};

}  // namespace djc
