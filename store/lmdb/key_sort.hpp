// Sorting many items by byte-string keys in LMDB's order, for batches.
//
// A comparison sort over keys that live all over the heap (a batch entry's key,
// an index row's) spends its time on cache misses, not on comparing: at a
// million entries that was a quarter of an import. This sort compares 16-byte
// slots holding eight bytes of each key, and reads a key again only to break a
// tie, eight bytes further on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace djc::lmdb {

// The positions 0..count-1 ordered by key_of(position) as LMDB's default
// comparison orders keys (mdb_cmp_memn: bytes as unsigned, then the shorter
// first), std::string's order; equal keys keep their order (a stable sort).
// count must be below 2^32.
std::vector<std::uint32_t> key_order(std::size_t count,
                                     const std::function<std::string_view(std::size_t)>& key_of);

// `items` in key_order of key(item).
template <class Item, class KeyOfItem>
std::vector<Item> sorted_by_key(std::vector<Item>&& items, KeyOfItem key) {
  static_assert(!std::is_same_v<std::invoke_result_t<KeyOfItem, const Item&>, std::string>,
                "key must return a reference or a view into the item, not a copy");
  const std::vector<std::uint32_t> order =
      key_order(items.size(), [&](std::size_t i) { return std::string_view(key(items[i])); });
  std::vector<Item> sorted;
  sorted.reserve(items.size());
  for (std::uint32_t position : order) sorted.push_back(std::move(items[position]));
  return sorted;
}

}  // namespace djc::lmdb
