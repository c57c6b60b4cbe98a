// Parsing ARG words into positional and named arguments, and their JSON form.
#include "core/args.hpp"

#include <nlohmann/json.hpp>

#include "core/error.hpp"

namespace djc {
namespace {

bool is_ascii_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// What we saw of one name while parsing, to tell None from values and lists.
struct NameSeen {
  std::vector<std::string> values;
  bool none = false;  // some `name=` word
};

void add_named(std::map<std::string, NameSeen>& seen, const std::string& name,
               std::string value) {
  NameSeen& entry = seen[name];
  bool is_none = value.empty();
  if ((is_none && !entry.values.empty()) || (!is_none && entry.none)) {
    throw Error(exit_code::usage, "argument '" + name +
                                      "' is given both as None ('" + name +
                                      "=') and with a value");
  }
  if (is_none) {
    entry.none = true;
    return;
  }
  entry.values.push_back(std::move(value));
}

nlohmann::json named_to_json(const NamedArg& arg) {
  if (arg.is_none()) return nullptr;
  if (!arg.is_list) return arg.values.front();
  return arg.values;  // an array of strings
}

}  // namespace

bool is_identifier(std::string_view text) {
  if (text.empty()) return false;
  if (!is_ascii_alpha(text.front()) && text.front() != '_') return false;
  for (char c : text) {
    if (!is_ascii_alpha(c) && !is_ascii_digit(c) && c != '_') return false;
  }
  return true;
}

Args parse_args(const std::vector<std::string>& words) {
  Args args;
  std::map<std::string, NameSeen> seen;
  bool only_positional = false;
  for (const std::string& word : words) {
    if (only_positional) {
      args.positional.push_back(word);
      continue;
    }
    if (word == "--") {
      only_positional = true;
      continue;
    }
    auto eq = word.find('=');
    if (eq == std::string::npos || !is_identifier(std::string_view(word).substr(0, eq))) {
      args.positional.push_back(word);
      continue;
    }
    add_named(seen, word.substr(0, eq), word.substr(eq + 1));
  }
  for (auto& [name, entry] : seen) {
    NamedArg& arg = args.named[name];
    arg.is_list = entry.values.size() > 1;
    arg.values = std::move(entry.values);
  }
  return args;
}

std::string args_to_json(const Args& args) {
  nlohmann::json kwargs = nlohmann::json::object();
  for (const auto& [name, arg] : args.named) kwargs[name] = named_to_json(arg);
  nlohmann::json doc = {{"args", args.positional}, {"kwargs", std::move(kwargs)}};
  // Arg bytes need not be UTF-8; the JSON is for reading, so replace instead of throwing.
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

bool reads_as_named(const std::string& word) {
  auto eq = word.find('=');
  return word == "--" || (eq != std::string::npos && is_identifier(std::string_view(word).substr(0, eq)));
}

}  // namespace

std::vector<std::string> args_to_words(const Args& args) {
  std::vector<std::string> named;
  for (const auto& [name, arg] : args.named) {
    if (arg.is_none()) named.push_back(name + "=");
    for (const auto& value : arg.values) named.push_back(name + "=" + value);
  }
  bool escape = false;
  for (const auto& word : args.positional) escape = escape || reads_as_named(word);
  std::vector<std::string> words;
  if (escape) {
    words = named;
    words.push_back("--");
    words.insert(words.end(), args.positional.begin(), args.positional.end());
    return words;
  }
  words = args.positional;
  words.insert(words.end(), named.begin(), named.end());
  return words;
}

}  // namespace djc
