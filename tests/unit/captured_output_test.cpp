// Tests of core/captured_output: a command's stdout kept in memory while small and
// in an unlinked temporary file once large, the same bytes either way.
#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <optional>
#include <string>

#include "core/captured_output.hpp"
#include "temp_dir.hpp"

using djc::CapturedOutput;
using djc::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// Sets TMPDIR for the lifetime of the object, then restores it.
class TmpdirScope {
 public:
  explicit TmpdirScope(const fs::path& dir) {
    if (const char* old = ::getenv("TMPDIR")) old_ = old;
    ::setenv("TMPDIR", dir.c_str(), 1);
  }
  ~TmpdirScope() {
    if (old_) {
      ::setenv("TMPDIR", old_->c_str(), 1);
    } else {
      ::unsetenv("TMPDIR");
    }
  }

 private:
  std::optional<std::string> old_;
};

std::string copied(const CapturedOutput& output) {
  std::string out(output.size(), '\0');
  output.copy_to(out.data());
  return out;
}

bool is_empty_dir(const fs::path& dir) { return fs::directory_iterator(dir) == fs::directory_iterator(); }

}  // namespace

TEST_CASE("captured output below the threshold stays in memory", "[captured_output]") {
  TempDir tmp;
  TmpdirScope scope(tmp.path);
  CapturedOutput output(16);
  output.append("0123456789");
  output.append(std::string("\0\1", 2));
  CHECK_FALSE(output.in_file());
  CHECK(output.size() == 12);
  CHECK(output == std::string("0123456789\0\1", 12));
  CHECK(copied(output) == std::string("0123456789\0\1", 12));
}

TEST_CASE("captured output past the threshold moves to an unlinked file, bytes intact",
          "[captured_output]") {
  TempDir tmp;
  TmpdirScope scope(tmp.path);
  CapturedOutput output(16);
  std::string expected;
  for (int i = 0; i < 1000; ++i) {
    std::string chunk = std::to_string(i) + std::string(1, '\0') + "|";
    output.append(chunk);
    expected += chunk;
  }
  CHECK(output.in_file());
  CHECK(output.size() == expected.size());
  CHECK(output == expected);
  CHECK(copied(output) == expected);
  // Nothing in TMPDIR bears a name: a crash cannot leave the output behind.
  CHECK(is_empty_dir(tmp.path));

  SECTION("appending after a view maps the longer file") {
    output.append("tail");
    CHECK(output == expected + "tail");
  }
  SECTION("a moved-to output keeps the file and its bytes") {
    CapturedOutput moved(std::move(output));
    CHECK(moved == expected);
    CapturedOutput assigned;
    assigned = std::move(moved);
    CHECK(assigned.in_file());
    CHECK(copied(assigned) == expected);
  }
}

TEST_CASE("captured output stays in memory when TMPDIR cannot hold a file", "[captured_output]") {
  TempDir tmp;
  TmpdirScope scope(tmp.path / "missing");
  CapturedOutput output(4);
  output.append("abcdef");
  output.append("ghi");
  CHECK_FALSE(output.in_file());
  CHECK(output == "abcdefghi");
}

TEST_CASE("an empty captured output is empty either way", "[captured_output]") {
  CapturedOutput output(0);
  output.append("");
  CHECK(output.empty());
  CHECK(output.view().empty());
  CHECK(copied(output).empty());
}
