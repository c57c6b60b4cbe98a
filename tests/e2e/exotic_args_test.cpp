// End-to-end enormous and exotic arguments: 100 KB words (several in one call),
// newlines, invalid UTF-8, binary bytes — `get` hands them to the getter byte for
// byte, keys them, serves them back, and passes DJ_CACHE_ARGS_FILE past 64 KiB.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "harness.hpp"

using djc::e2e::count_lines;
using djc::e2e::Sandbox;

namespace {

// Every byte but NUL (which no argv can hold), in a scrambled order, `size` long.
std::string binary_word(std::size_t size, unsigned seed) {
  std::string word;
  unsigned state = seed;
  while (word.size() < size) {
    state = state * 1103515245u + 12345u;
    char byte = static_cast<char>((state >> 16) & 0xff);
    if (byte != '\0') word += byte;
  }
  return word;
}

// The getter prints each of its args NUL-terminated, logs its run, and saves what
// it saw of DJ_CACHE_ARGS / DJ_CACHE_ARGS_FILE.
void dump_worker(Sandbox& box) {
  box.write("bin/dump", R"(#!/bin/sh
echo run >> ran.log
if [ -n "${DJ_CACHE_ARGS_FILE-}" ]; then cp "$DJ_CACHE_ARGS_FILE" args.json; echo file > args.how
else printf '%s' "$DJ_CACHE_ARGS" > args.json; echo env > args.how; fi
for a in "$@"; do printf '%s\0' "$a"; done
)", 0755);
  box.config("[workers.dump]\ncommand = [\"./bin/dump\"]\n");
}

// `get dump` with each word read from a file (no shell ever parses their text).
std::string get_command(Sandbox& box, const std::vector<std::string>& words) {
  std::string prelude, command = "\"$DJ\" get dump";
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::string name = "w" + std::to_string(i);
    box.write(name, words[i] + "#");  // "#": $(cat) would strip trailing newlines
    prelude += name + "=$(cat " + name + "); " + name + "=${" + name + "%#}; ";
    command += " \"$" + name + "\"";
  }
  return prelude + command;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += word + '\0';
  return out;
}

}  // namespace

TEST_CASE("enormous and exotic arguments reach the getter byte for byte", "[e2e][bad-input][args]") {
  Sandbox box;
  dump_worker(box);
  box.sh("mkdir tmp");
  box.env["TMPDIR"] = (box.dir() / "tmp").string();
  std::vector<std::string> words;
  std::string how = "env";
  SECTION("newlines, tabs, quotes, invalid UTF-8 and options after LABEL") {
    words = {"two\nlines\n", "\ttab", "'\"\\", "\xff\xfe\xc3(", "caf\xc3\xa9", "--force", "-", "k=\xff\n"};
  }
  SECTION("one 100 KB binary argument") {
    words = {binary_word(100000, 1)};
    how = "file";
  }
  SECTION("several 100 KB arguments, positional and named") {
    words = {binary_word(100000, 2), "big=" + std::string(100000, 'x'), binary_word(100000, 3),
             "big=" + binary_word(100000, 4)};
    how = "file";
  }
  std::string command = get_command(box, words);
  auto first = box.sh(command);
  INFO(first.err);
  REQUIRE(first.code == 0);
  auto second = box.sh(command);
  REQUIRE(second.code == 0);
  CHECK(count_lines(box.dir() / "ran.log") == 1);  // the second was a hit on the same key
  CHECK(box.read("args.how") == how + "\n");
  CHECK(box.read("args.json").rfind("{\"args\":[", 0) == 0);
  // The getter sees named args as --name=value after the positional ones.
  std::vector<std::string> positional, named;
  for (const auto& word : words) {
    auto eq = word.find('=');
    bool is_named = eq != std::string::npos && eq > 0 && word.substr(0, eq) == "k";
    is_named = is_named || word.rfind("big=", 0) == 0;
    (is_named ? named : positional).push_back(is_named ? "--" + word : word);
  }
  positional.insert(positional.end(), named.begin(), named.end());
  CHECK(first.out == joined(positional));
  CHECK(second.out == first.out);
  CHECK(box.dj("check").code == 0);
  CHECK(box.sh("\"$DJ\" list > /dev/null && \"$DJ\" export > /dev/null").code == 0);
  CHECK(box.sh("ls -A tmp").out == "");  // the args file is removed after the getter
}
