// The bodies of the fuzz targets, shared by the libFuzzer binaries (fuzz_*.cpp)
// and the corpus replay test (tests/unit/fuzz_corpus_test.cpp): each takes any
// bytes, must not crash, and checks what must hold; a broken property throws
// FuzzFailure (an uncaught exception is a crash to libFuzzer, a failure to Catch).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/args.hpp"
#include "core/config.hpp"
#include "core/entry_json.hpp"
#include "core/error.hpp"
#include "core/events.hpp"
#include "core/import_line.hpp"
#include "core/key.hpp"
#include "core/shell_words.hpp"
#include "store/entry_codec.hpp"

namespace djc::fuzz {

struct FuzzFailure : std::logic_error {
  using std::logic_error::logic_error;
};

inline void expect(bool holds, const char* what) {
  if (!holds) throw FuzzFailure(what);
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Errors must be djc::Error with the code the input's kind documents.
template <class Body>
void expect_only_errors(int code, Body body) {
  try {
    body();
  } catch (const Error& error) {
    expect(error.exit_code() == code, "an error with an unexpected exit code");
    expect(*error.what() != '\0', "an error without a message");
  }
}

// Any TOML text: a Config or Error(78), nothing else. Relative includes resolve in
// a directory that does not exist, so the fuzzer reads no files it did not write.
inline int config_loader(const std::uint8_t* data, std::size_t size) {
  expect_only_errors(exit_code::config, [&] {
    parse_config_text(as_text(data, size), "/nonexistent-djc-fuzz/dj-cache.toml");
  });
  return 0;
}

// Words split at NUL bytes; a word that is exactly "\x01" starts a second set. Each
// set parses (or Error 64); args_to_words gives it back exactly; the key is a
// function of the args with Nones dropped, and two sets share a key only when they
// are equal that way (the encoding is injective).
inline Args without_nones(Args args) {
  std::erase_if(args.named, [](const auto& named) { return named.second.is_none(); });
  return args;
}

inline int args_and_keys(const std::uint8_t* data, std::size_t size) {
  std::vector<std::vector<std::string>> sets(1);
  std::string_view text = as_text(data, size);
  while (true) {
    auto nul = text.find('\0');
    std::string word(text.substr(0, nul));
    if (word == "\x01") {
      sets.emplace_back();
    } else {
      sets.back().push_back(word);
    }
    if (nul == std::string_view::npos) break;
    text.remove_prefix(nul + 1);
  }
  std::vector<Args> parsed;
  for (const auto& words : sets) {
    try {
      parsed.push_back(parse_args(words));
    } catch (const Error& error) {
      expect(error.exit_code() == exit_code::usage, "parse_args: unexpected exit code");
      return 0;
    }
    const Args& args = parsed.back();
    expect(parse_args(args_to_words(args)) == args, "args_to_words does not round-trip");
    std::string key = entry_key("fuzz", args);
    expect(key.size() <= max_plain_key_size || key.size() == 4 + 1 + 32, "key size");
    expect(key == entry_key("fuzz", parse_args(args_to_words(args))), "key not stable");
    expect(!args_to_json(args).empty(), "args_to_json");
    if (!words.empty()) (void)entry_key("fuzz", args, words.front());  // as a key_gen
  }
  if (parsed.size() >= 2) {
    bool same_args = without_nones(parsed[0]) == without_nones(parsed[1]);
    bool same_key = entry_key("fuzz", parsed[0]) == entry_key("fuzz", parsed[1]);
    expect(same_args == same_key, "two argument sets share a key, or one set has two");
  }
  return 0;
}

// Any bytes as an entry record: nullopt with a reason, or an entry whose
// re-encoding decodes to the same entry (encoding is a fixed point after one pass).
inline int entry_decoder(const std::uint8_t* data, std::size_t size) {
  std::string why;
  auto entry = decode_entry(as_text(data, size), &why);
  if (!entry) {
    expect(!why.empty(), "a refused record without a reason");
    return 0;
  }
  expect(entry->value.size() <= size, "value outside the record");
  std::string once = encode_entry(entry->meta, entry->value);
  expect(once.size() == encoded_entry_size(entry->meta, entry->value), "encoded size");
  auto again = decode_entry(once);
  expect(again.has_value(), "a re-encoded record does not decode");
  expect(again->value == entry->value, "value changed by re-encoding");
  expect(encode_entry(again->meta, again->value) == once, "encoding is not a fixed point");
  return 0;
}

// The config the event target checks events against: two sources, both rule kinds.
inline const Config& events_config() {
  static const Config config = parse_config_text(R"([workers.all_foos]
command = ["a"]
[workers.filtered_foos]
command = ["b"]
[sources.foo]
[[sources.foo.invalidates]]
worker = "all_foos"
is_empty = true
[[sources.foo.invalidates]]
worker = "filtered_foos"
fields = { attr1 = "attr1", attr2 = "attr2" }
[sources.picky]
[[sources.picky.invalidates]]
worker = "filtered_foos"
fields = { a = "attr1", b = "attr1" }
when_changed = ["a", "note"]
)", "/nonexistent-djc-fuzz/events.toml");
  return config;
}

// Any text as `notify --events` input: a batch, or Error 65 (malformed) / 69
// (unknown source) naming where.
inline int event_reader(const std::uint8_t* data, std::size_t size) {
  try {
    EventBatch batch = parse_events_text(as_text(data, size), events_config(), "fuzz");
    expect(batch.selections.size() <= 2 * batch.events, "more selections than rules");
  } catch (const Error& error) {
    expect(error.exit_code() == exit_code::data || error.exit_code() == exit_code::unavailable,
           "parse_events_text: unexpected exit code");
    expect(std::string_view(error.what()).starts_with("fuzz"), "an event error without its origin");
  }
  return 0;
}

// Any text as one `import` line: an entry, or Error 65. A line the fast reader
// takes, the document reader takes alike.
inline int import_reader(const std::uint8_t* data, std::size_t size) {
  if (std::optional<ImportedEntry> fast = read_import_line(as_text(data, size))) {
    std::optional<ImportedEntry> document;
    try {
      document = read_import_document(as_text(data, size));
    } catch (const Error&) {
    }
    expect(document == fast, "the fast import reader took a line the document reads otherwise");
  }
  expect_only_errors(exit_code::data, [&] {
    ImportedEntry entry = parse_import_line(as_text(data, size));
    (void)entry_key("fuzz", entry.args);
    (void)args_to_words(entry.args);
  });
  return 0;
}

// Any line as `warm` input: words, or Error 65. Words re-quoted with '...' split
// back to the same words.
inline int shell_words(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> words;
  try {
    words = split_shell_words(as_text(data, size));
  } catch (const Error& error) {
    expect(error.exit_code() == exit_code::data, "split_shell_words: unexpected exit code");
    return 0;
  }
  std::string quoted;
  for (const auto& word : words) {
    quoted += '\'';
    for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    quoted += "' ";
  }
  expect(split_shell_words(quoted) == words, "re-quoted words do not split back");
  return 0;
}

struct Target {
  const char* name;  // also the corpus directory, tests/fuzz/corpus/<name>/
  int (*run)(const std::uint8_t*, std::size_t);
};

inline constexpr Target targets[] = {
    {"config", config_loader},      {"args_key", args_and_keys},
    {"entry_codec", entry_decoder}, {"events", event_reader},
    {"import_line", import_reader}, {"shell_words", shell_words},
};

// The target called `name`; FuzzFailure when there is none.
inline const Target& find_target(std::string_view name) {
  for (const Target& target : targets) {
    if (name == target.name) return target;
  }
  throw FuzzFailure("no such fuzz target");
}

}  // namespace djc::fuzz
