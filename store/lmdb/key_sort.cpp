// The slot sort of key_sort.hpp.
#include "store/lmdb/key_sort.hpp"

#include <algorithm>
#include <cstring>

#include "core/error.hpp"

namespace djc::lmdb {
namespace {

// Eight bytes of a key from `depth` on, the first one most significant (zeros past
// the end), and how many of the key's bytes are left from there, capped at 9:
// below 9 the key ends within the chunk, so of two equal chunks the shorter key is
// a prefix of the other and comes first; 9 means it goes on past the chunk.
struct Slot {
  std::uint64_t chunk;
  std::uint32_t left;
  std::uint32_t position;
};

constexpr std::uint32_t goes_on = 9;

bool operator<(const Slot& a, const Slot& b) {
  if (a.chunk != b.chunk) return a.chunk < b.chunk;
  if (a.left != b.left) return a.left < b.left;
  return a.position < b.position;
}

void load(Slot& slot, std::string_view key, std::size_t depth) {
  const std::size_t left = key.size() > depth ? key.size() - depth : 0;
  unsigned char bytes[8] = {};
  if (left != 0) std::memcpy(bytes, key.data() + depth, std::min<std::size_t>(left, 8));
  std::uint64_t chunk = 0;
  for (unsigned char byte : bytes) chunk = chunk << 8 | byte;
  slot.chunk = chunk;
  slot.left = static_cast<std::uint32_t>(std::min<std::size_t>(left, goes_on));
}

using KeyOf = std::function<std::string_view(std::size_t)>;

// Sorts slots [begin, end), loaded at `depth`; runs whose keys agree on those
// eight bytes and go on are sorted again eight bytes deeper. Keys are at most a
// few hundred bytes (an LMDB key), so the recursion stays shallow.
void sort_slots(Slot* begin, Slot* end, std::size_t depth, const KeyOf& key_of) {
  std::sort(begin, end);
  for (Slot* run = begin; run != end;) {
    Slot* run_end = run + 1;
    while (run_end != end && run_end->chunk == run->chunk && run_end->left == run->left) ++run_end;
    if (run->left == goes_on && run_end - run > 1) {
      for (Slot* slot = run; slot != run_end; ++slot) load(*slot, key_of(slot->position), depth + 8);
      sort_slots(run, run_end, depth + 8, key_of);
    }
    run = run_end;
  }
}

}  // namespace

std::vector<std::uint32_t> key_order(std::size_t count, const KeyOf& key_of) {
  if (count > UINT32_MAX) throw Error(exit_code::io, "a batch of more than 2^32 keys; nothing stored");
  std::vector<Slot> slots(count);
  for (std::size_t i = 0; i < count; ++i) {
    slots[i].position = static_cast<std::uint32_t>(i);
    load(slots[i], key_of(i), 0);
  }
  sort_slots(slots.data(), slots.data() + count, 0, key_of);
  std::vector<std::uint32_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = slots[i].position;
  return order;
}

}  // namespace djc::lmdb
