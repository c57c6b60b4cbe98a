// Key names and index rows of the Redis store (see redis_layout.hpp).
#include "store/redis/redis_layout.hpp"

#include <fmt/format.h>

namespace djc::redis {

std::string Layout::per_key(std::string_view key, std::string_view suffix) const {
  std::string name = prefix_;
  name += '{';
  name += key;
  name += '}';
  name += suffix;
  return name;
}

std::string Layout::join(std::string_view kind, std::string_view label) const {
  std::string name = prefix_;
  name += kind;
  name += label;
  return name;
}

std::string Layout::arg(std::string_view label, std::string_view name,
                        std::string_view value) const {
  std::string key = join("arg:", label);
  key += '\0';
  key += name;
  key += '\0';
  key += value;
  return key;
}

std::string Layout::has(std::string_view label, std::string_view name) const {
  std::string key = join("has:", label);
  key += '\0';
  key += name;
  return key;
}

std::string Layout::key_of(std::string_view name, std::string_view suffix) const {
  if (!name.starts_with(prefix_)) return {};
  name.remove_prefix(prefix_.size());
  std::string tail = "}" + std::string(suffix);
  if (!name.starts_with('{') || !name.ends_with(tail)) return {};
  return std::string(name.substr(1, name.size() - 1 - tail.size()));
}

Rows index_rows(const Layout& layout, const EntryMeta& meta) {
  Rows rows;
  rows.sets.push_back(layout.label(meta.label));
  for (const auto& [name, arg] : meta.args.named) {
    if (arg.is_none()) continue;
    rows.sets.push_back(layout.has(meta.label, name));
    for (const std::string& value : arg.values) {
      rows.sets.push_back(layout.arg(meta.label, name, value));
    }
  }
  rows.scored.emplace_back(layout.expiry(), meta.available_to);
  if (meta.relevance_to) {
    rows.scored.emplace_back(layout.stale(), *meta.relevance_to);
    rows.scored.emplace_back(layout.stale(meta.label), *meta.relevance_to);
  }
  return rows;
}

std::string score_text(double t) { return fmt::format("{:.17g}", t); }

}  // namespace djc::redis
