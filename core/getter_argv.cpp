// The getter's argv: placeholders replaced element by element, unused args appended.
#include <charconv>
#include <optional>
#include <set>

#include "core/getter.hpp"
#include "core/key.hpp"

namespace djc {
namespace {

std::string joined(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    out += values[i];
  }
  return out;
}

std::optional<std::size_t> parse_index(std::string_view name) {
  std::size_t index = 0;
  auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (error != std::errc() || end != name.data() + name.size()) return std::nullopt;
  return index;
}

// Resolves the placeholders of argv elements and remembers which args they used,
// so the others can be appended.
class Templater {
 public:
  Templater(const Worker& worker, const Args& args, std::string_view key)
      : worker_(worker), args_(args), key_(key) {}

  std::string expand(std::string_view element) {
    return expand_placeholders(element, [this](std::string_view name) { return resolve(name); });
  }

  // Args no placeholder used: positional in order, then `--name=value` by name.
  void append_unused(std::vector<std::string>& argv) const {
    for (std::size_t i = 0; i < args_.positional.size(); ++i) {
      if (!used_positional_.contains(i)) argv.push_back(args_.positional[i]);
    }
    for (const auto& [name, arg] : args_.named) {
      if (used_named_.contains(name)) continue;
      if (arg.is_none()) argv.push_back("--" + name + "=");
      for (const std::string& value : arg.values) argv.push_back("--" + name + "=" + value);
    }
  }

 private:
  std::string resolve(std::string_view name) {
    // {label} and {key} are ours whatever the caller passes, so a config means the
    // same thing for every call; an arg of that name is appended as --label=...
    if (name == "label") return worker_.label;
    if (name == "key") return std::string(key_);
    if (auto index = parse_index(name)) return positional(*index);
    auto it = args_.named.find(std::string(name));
    if (it == args_.named.end()) return {};
    used_named_.insert(it->first);
    return joined(it->second.values);
  }

  std::string positional(std::size_t index) {
    if (index >= args_.positional.size()) return {};
    used_positional_.insert(index);
    return args_.positional[index];
  }

  const Worker& worker_;
  const Args& args_;
  std::string_view key_;
  std::set<std::size_t> used_positional_;
  std::set<std::string> used_named_;
};

}  // namespace

std::vector<std::string> getter_argv(const Worker& worker, const Args& args, std::string_view key) {
  Templater templater(worker, args, key);
  std::vector<std::string> argv;
  if (worker.command_is_shell) {
    // Never substitute into a script: the shell would interpret the args' text.
    // The script gets them as "$@" and the label as $0.
    std::string script = worker.command.empty() ? std::string() : worker.command.front();
    argv = {"/bin/sh", "-c", std::move(script), worker.label};
  } else {
    for (const std::string& element : worker.command) argv.push_back(templater.expand(element));
  }
  templater.append_unused(argv);
  return argv;
}

}  // namespace djc
