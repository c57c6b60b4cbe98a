// Tests of core/shell_words: POSIX quoting, no expansion.
#include <catch2/catch.hpp>

#include "core/error.hpp"
#include "core/shell_words.hpp"

using djc::split_shell_words;
using Words = std::vector<std::string>;

TEST_CASE("split_shell_words on blanks", "[shell_words]") {
  CHECK(split_shell_words("") == Words{});
  CHECK(split_shell_words("  \t ") == Words{});
  CHECK(split_shell_words("a  b\tc") == Words{"a", "b", "c"});
  CHECK(split_shell_words(" attr=1 x ") == Words{"attr=1", "x"});
}

TEST_CASE("split_shell_words quoting", "[shell_words]") {
  CHECK(split_shell_words("'a b' \"c d\"") == Words{"a b", "c d"});
  CHECK(split_shell_words("'' \"\"") == Words{"", ""});
  CHECK(split_shell_words("a'b'\"c\"d") == Words{"abcd"});
  CHECK(split_shell_words("'a\\b' 'it'\\''s'") == Words{"a\\b", "it's"});
  CHECK(split_shell_words(R"("a\"b\\c\$d\`e\xf")") == Words{"a\"b\\c$d`e\\xf"});
  CHECK(split_shell_words(R"(a\ b \'c \\)") == Words{"a b", "'c", "\\"});
  CHECK(split_shell_words("name='a b'") == Words{"name=a b"});
}

TEST_CASE("split_shell_words expands nothing", "[shell_words]") {
  CHECK(split_shell_words("$HOME $(touch /tmp/x) `id` *.txt ~ #c") ==
        Words{"$HOME", "$(touch", "/tmp/x)", "`id`", "*.txt", "~", "#c"});
  CHECK(split_shell_words("\"$(touch /tmp/x)\"") == Words{"$(touch /tmp/x)"});
}

TEST_CASE("split_shell_words errors are data errors", "[shell_words]") {
  for (const char* line : {"'open", "\"open", "a\\", "\"a\\\""}) {
    try {
      split_shell_words(line);
      FAIL("no error for " << line);
    } catch (const djc::Error& e) {
      CHECK(e.exit_code() == 65);
    }
  }
}
