// Storing computed entries in batches (put_batch.hpp).
#include "core/put_batch.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace djc {

void PutBatch::add(EntryMeta meta, std::string value, std::unique_ptr<KeyLock> lock) {
  bytes_ += value.size();
  entries_.emplace_back(std::move(meta), std::move(value));
  locks_.push_back(std::move(lock));
  if (entries_.size() >= max_entries || bytes_ >= max_bytes) flush();
}

bool PutBatch::holds(const std::string& key) const {
  // At most max_entries to look through, once per line warm computes.
  return std::any_of(entries_.begin(), entries_.end(),
                     [&](const auto& entry) { return entry.first.key == key; });
}

void PutBatch::flush() {
  if (entries_.empty()) return;
  try {
    store_.put_all(entries_);
  } catch (const Error& error) {
    // A full store (74): put makes room entry by entry where one transaction for
    // them all could not. Any other error would fail put too, and is thrown there.
    if (error.exit_code() != exit_code::io) throw;
    for (const auto& [meta, value] : entries_) store_.put(meta, std::string_view(value));
  }
  entries_.clear();
  locks_.clear();  // after the commit: a waiter woken now finds the value
  bytes_ = 0;
}

}  // namespace djc
