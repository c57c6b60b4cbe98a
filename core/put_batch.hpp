// Entries computed one after another (`warm`), stored together: one write
// transaction, and one sync, for many getter runs instead of one each.
//
// Each entry's key lock is held until its batch is stored, so a `get` of that key
// meanwhile blocks and then prints the stored value, as it would for any process
// computing the key: single-flight holds across the batch. The caller flushes
// before it might block (warm: before waiting for more of stdin), so no lock is
// held longer than computing the batch takes.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/entry.hpp"
#include "store/store.hpp"

namespace djc {

class PutBatch {
 public:
  // A batch is stored when it holds this many entries or bytes of values.
  static constexpr std::size_t max_entries = 256;
  static constexpr std::size_t max_bytes = std::size_t{4} << 20;
  // Larger values are not batched: stored at once, as `get` stores them.
  static constexpr std::size_t max_value = std::size_t{64} << 10;

  explicit PutBatch(Store& store) : store_(store) {}
  PutBatch(const PutBatch&) = delete;
  PutBatch& operator=(const PutBatch&) = delete;
  // Releases the locks of entries not flushed (an error cut the run short): they
  // are not stored, as if their getters had not run.
  ~PutBatch() = default;

  // Whether a value of `size` bytes may join a batch.
  static bool takes(std::size_t size) { return size <= max_value; }

  // Adds an entry computed under `lock`; stores the batch when it is full.
  void add(EntryMeta meta, std::string value, std::unique_ptr<KeyLock> lock);

  // Stores every pending entry, all at once (Store::put_all); when they do not fit
  // together, one by one as get would (evicting to make room, a value too large
  // for the store left out). Then releases their locks.
  void flush();

  bool empty() const { return entries_.empty(); }
  // Whether `key` waits in the batch. Its lock is held by the batch: this process
  // must flush before it takes that lock again, or it would wait for itself.
  bool holds(const std::string& key) const;

 private:
  Store& store_;
  std::vector<std::pair<EntryMeta, std::string>> entries_;
  std::vector<std::unique_ptr<KeyLock>> locks_;
  std::size_t bytes_ = 0;
};

}  // namespace djc
