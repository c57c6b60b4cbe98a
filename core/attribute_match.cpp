// Attribute matching over the by-argument index: per attribute the union of the
// entries holding the value and those lacking the argument, intersected.
#include "core/attribute_match.hpp"

#include <algorithm>
#include <iterator>

namespace djc {
namespace {

using Keys = std::vector<std::string>;

Keys sorted_unique(Keys keys) {
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

Keys united(const Keys& a, const Keys& b) {
  Keys both;
  std::set_union(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return both;
}

Keys intersected(const Keys& a, const Keys& b) {
  Keys both;
  std::set_intersection(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(both));
  return both;
}

// Entries of `label` whose arg `name` matches `value` (SPEC §5).
Keys keys_matching_one(Store& store, std::string_view label, const std::string& name,
                       const std::optional<std::string>& value) {
  Keys without = sorted_unique(store.keys_without_arg(label, name));
  if (!value) return without;  // None is matched only by an absent/None arg
  return united(without, sorted_unique(store.keys_with_arg(label, name, *value)));
}

}  // namespace

Keys keys_matching(Store& store, std::string_view label, const Attributes& attributes) {
  if (attributes.empty()) return sorted_unique(store.keys_of_label(label));
  std::optional<Keys> matched;
  for (const auto& [name, value] : attributes) {
    Keys of_one = keys_matching_one(store, label, name, value);
    matched = matched ? intersected(*matched, of_one) : std::move(of_one);
    if (matched->empty()) break;  // no later attribute can add an entry back
  }
  return *matched;
}

Keys select_keys(Store& store, const Selection& selection) {
  if (!selection.old_attrs) return sorted_unique(store.keys_of_label(selection.label));
  Keys held_before = keys_matching(store, selection.label, *selection.old_attrs);
  if (!selection.new_attrs) return held_before;
  // An update: the entries that held the record before and those that hold it now.
  return united(held_before, keys_matching(store, selection.label, *selection.new_attrs));
}

}  // namespace djc
