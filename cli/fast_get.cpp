// Recognising a plain `get` by hand; anything unusual is left to CLI11.
#include "cli/fast_get.hpp"

#include <string_view>

#include "cli/cmd_get.hpp"

namespace djc {
namespace {

// A global option with a value, as "-c X", "--config X" or "--config=X".
bool take_value(std::string_view word, std::string_view short_name, std::string_view long_name,
                int& i, int argc, char** argv, std::optional<std::string>& into) {
  if (word == short_name || word == long_name) {
    if (i + 1 >= argc) return false;
    into = argv[++i];
    return true;
  }
  std::string prefix = std::string(long_name) + "=";
  if (word.starts_with(prefix)) {
    into = std::string(word.substr(prefix.size()));
    return true;
  }
  return false;
}

bool take_global(int& i, int argc, char** argv, GlobalOptions& options) {
  std::string_view word = argv[i];
  if (word == "-q" || word == "--quiet") return options.quiet = true;
  if (word == "-v" || word == "--verbose") return options.verbose = true;
  return take_value(word, "-c", "--config", i, argc, argv, options.config_path) ||
         take_value(word, "-s", "--store", i, argc, argv, options.store_path);
}

bool take_get_flag(std::string_view word, GetCommand& command) {
  if (word == "-f" || word == "--force") return command.force = true;
  if (word == "--entity") return command.entity = true;
  if (word == "--no-wait") return command.no_wait = true;
  return false;
}

}  // namespace

std::optional<std::vector<std::string>> parse_fast_get(int argc, char** argv, Context& context,
                                                       GetCommand& command) {
  int i = 1;
  for (; i < argc && std::string_view(argv[i]) != "get"; ++i) {
    if (!take_global(i, argc, argv, context.options)) return std::nullopt;
  }
  if (++i >= argc) return std::nullopt;  // no "get", or no LABEL
  for (; i < argc && argv[i][0] == '-'; ++i) {
    if (!take_get_flag(argv[i], command)) return std::nullopt;
  }
  if (i >= argc) return std::nullopt;
  return std::vector<std::string>(argv + i, argv + argc);
}

}  // namespace djc
