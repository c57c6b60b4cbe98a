// Writing a batch of entries (import) inside one write transaction, database by
// database in sorted order instead of entry by entry.
#pragma once

#include <cstddef>
#include <map>
#include <string_view>
#include <vector>

#include "core/entry.hpp"
#include "store/lmdb/lmdb_env.hpp"
#include "store/lmdb/lmdb_index.hpp"
#include "store/lmdb/lmdb_layout.hpp"

namespace djc::lmdb {

// One entry of a batch: its metadata (checksum set), value and record size.
struct BatchEntry {
  std::string_view key;  // meta->key, beside it: sorting a million entries
                         // then reads one pointer less per comparison
  const EntryMeta* meta;
  std::string_view value;
  std::size_t record_size;
};

// The argument names (in their index form) of each label's entries in `batch`.
// Taken before the batch is sorted: in batch order the entries are read in the
// order they lie in memory, sorted by key they are read all over it.
using LabelNames = std::map<std::string_view, NameSet>;
LabelNames batch_arg_names(const std::vector<BatchEntry>& batch);

// Writes `batch` (sorted by key, each key once, its names `batch_names`) with all
// its index rows; entries already stored under a batch key are replaced. The store
// ends as put_entry of each entry in turn leaves it, except that every replaced
// entry is erased before any is written, so the label names a replaced entry alone
// kept alive are forgotten (docs/STORE_FORMAT.md, "Writing a batch").
void put_batch(Txn& txn, const Dbis& dbis, const std::vector<BatchEntry>& batch,
               const LabelNames& batch_names);

}  // namespace djc::lmdb
