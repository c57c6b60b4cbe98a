// Tests of key_order: the order LMDB keeps keys in, stable, on the keys batches
// have (long shared prefixes, prefixes of each other, zero and high bytes).
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "store/lmdb/key_sort.hpp"

namespace {

using djc::lmdb::key_order;

std::vector<std::uint32_t> order_of(const std::vector<std::string>& keys) {
  return key_order(keys.size(), [&](std::size_t i) { return std::string_view(keys[i]); });
}

// What key_order must equal: std::string's order (LMDB's mdb_cmp_memn), stable.
std::vector<std::uint32_t> reference_order(const std::vector<std::string>& keys) {
  std::vector<std::uint32_t> order(keys.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](auto a, auto b) { return keys[a] < keys[b]; });
  return order;
}

}  // namespace

TEST_CASE("key_order: bytes as unsigned, a prefix first, equal keys in input order", "[store]") {
  const std::vector<std::string> keys = {
      "ab", std::string("ab\0", 3), "a", "", "abcdefghij", "abcdefgh", "abcdefghi",
      "\xff", "ab", std::string("abcdefgh\0", 9), "abcdefgh", "b"};
  CHECK(order_of(keys) == reference_order(keys));
  // Spelled out, so the reference itself is checked once.
  CHECK(order_of(keys) == std::vector<std::uint32_t>{3, 2, 0, 8, 1, 5, 10, 9, 6, 4, 11, 7});
}

TEST_CASE("key_order: random keys sharing long prefixes, with duplicates", "[store]") {
  std::mt19937 random(12345);
  const std::string prefixes[] = {"", "k:", "label:group=", "a_much_longer_label:id=000000"};
  std::vector<std::string> keys;
  for (int i = 0; i < 20000; ++i) {
    std::string key = prefixes[random() % 4];
    const std::size_t tail = random() % 20;
    for (std::size_t j = 0; j < tail; ++j) key += static_cast<char>("az\0\x7f\x80\xff=:"[random() % 8]);
    keys.push_back(key);
  }
  CHECK(order_of(keys) == reference_order(keys));
}

TEST_CASE("key_order: sorted_by_key moves items into that order", "[store]") {
  struct Item {
    std::string key;
    int tag;
  };
  std::vector<Item> items = {{"b", 1}, {"a", 2}, {"b", 3}, {"", 4}};
  items = djc::lmdb::sorted_by_key(std::move(items), [](const Item& item) -> const std::string& { return item.key; });
  std::vector<int> tags;
  for (const Item& item : items) tags.push_back(item.tag);
  CHECK(tags == std::vector<int>{4, 2, 1, 3});
}
