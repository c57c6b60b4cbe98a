// Attribute matching (SPEC.md §5): which entries of a label hold a record, found
// through the store's by-argument index, never by scanning the store.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.hpp"

namespace djc {

// A record's attributes as worker arguments: name -> value, nullopt for None.
using Attributes = std::map<std::string, std::optional<std::string>>;

// Which entries of `label` an invalidation targets:
// - no old_attrs: the whole label;
// - old_attrs only (a record created or deleted): entries matching every one;
// - old_attrs and new_attrs (a record updated): entries matching all of old, plus
//   entries matching all of new (each entry once).
struct Selection {
  std::string label;
  std::optional<Attributes> old_attrs;
  std::optional<Attributes> new_attrs;
};

// Keys of entries of `label` whose every attribute matches: the entry's named arg
// is absent/None (matches anything), equals the value, or is a list holding it; a
// None value is matched only by an absent/None arg. Empty `attributes`: the whole
// label. Sorted, each key once.
std::vector<std::string> keys_matching(Store& store, std::string_view label,
                                       const Attributes& attributes);

// The keys `selection` targets, sorted, each once.
std::vector<std::string> select_keys(Store& store, const Selection& selection);

}  // namespace djc
