// A getter's arguments as given on the command line: positional words and named
// (`name=value`) ones, lists from repeated names, `name=` as None.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace djc {

struct NamedArg {
  std::vector<std::string> values;  // one value, several (a list), or none (None)
  bool is_list = false;             // given as a list (several `name=` words, or a JSON array)
  bool is_none() const { return !is_list && values.empty(); }
  friend bool operator==(const NamedArg&, const NamedArg&) = default;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, NamedArg> named;  // sorted by name, as the canonical key wants
  friend bool operator==(const Args&, const Args&) = default;
};

// True for [A-Za-z_][A-Za-z0-9_]*: the names `name=value` may use.
bool is_identifier(std::string_view text);

// Parses ARG words: `name=value` is named (repeated → list, `name=` → None); any
// other word is positional; after a word `--` every word is positional (the
// documented way to pass a positional that looks like name=value).
// Throws Error(64) when a name mixes None with values.
Args parse_args(const std::vector<std::string>& words);

// The ARG words that parse_args turns back into `args`: positional first, then
// name=value (one word per list element, `name=` for None); when a positional word
// would read as named (or is "--"), the words are named first, then "--", then the
// positional ones. For `list` output and for child processes.
std::vector<std::string> args_to_words(const Args& args);

// {"args": [...], "kwargs": {...}}; None is null, a list an array. Bytes that are not
// UTF-8 are replaced (U+FFFD): the JSON is for reading, the key keeps the bytes.
std::string args_to_json(const Args& args);

}  // namespace djc
