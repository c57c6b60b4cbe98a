// Writing a batch of entries database by database (see lmdb_batch.hpp).
//
// Entry by entry, an import of N entries is 5N B-tree inserts at scattered
// places, each a search from the root through a transaction whose dirty-page
// list grows to tens of thousands of pages. Here each database gets its rows in
// its own order, so consecutive inserts land on the same few pages, and into an
// empty database (an import into a new store) they are appended: LMDB neither
// searches nor splits pages in the middle, and appended pages end up full.
#include "store/lmdb/lmdb_batch.hpp"

#include <algorithm>
#include <future>

#include "core/error.hpp"
#include "store/entry_codec.hpp"
#include "store/lmdb/key_sort.hpp"
#include "store/lmdb/lmdb_index.hpp"

namespace djc::lmdb {
namespace {

std::size_t rows_in(const Txn& txn, MDB_dbi dbi) {
  MDB_stat st{};
  check_rc(mdb_stat(txn.get(), dbi, &st), txn.where(), "read database statistics");
  return st.ms_entries;
}

// Entries already stored under a batch key go first, with their rows. A store
// without entries (a new one) has none to look up.
void erase_replaced(Txn& txn, const Dbis& dbis, const std::vector<BatchEntry>& batch) {
  if (rows_in(txn, dbis.entries) == 0) return;
  for (const BatchEntry& entry : batch) erase_entry(txn, dbis, entry.meta->key);
}

// The names each label of the batch will know: its stored ones and those of its
// batch entries. A name new to the label gives the label's stored entries their
// absent rows now, once per batch rather than once per entry.
LabelNames settle_arg_names(Txn& txn, const Dbis& dbis, const LabelNames& batch_names) {
  LabelNames known;
  for (const auto& [label, names] : batch_names) {
    NameSet stored = load_arg_names(txn, dbis, label);
    const std::string label_text(label);
    for (const std::string& name : names) {
      if (!stored.contains(name)) introduce_arg_name(txn, dbis, label_text, name);
    }
    stored.insert(names.begin(), names.end());
    known.emplace(label, std::move(stored));
  }
  return known;
}

IndexRowLists batch_rows(const std::vector<BatchEntry>& batch, const LabelNames& names,
                         bool with_relevance) {
  IndexRowLists rows;
  rows.by_label.reserve(batch.size());
  rows.by_arg.reserve(2 * batch.size());
  rows.by_expiry.reserve(batch.size());
  // Entries of one label mostly come together: one map lookup per run.
  const NameSet* label_names = nullptr;
  std::string_view label;
  for (const BatchEntry& entry : batch) {
    if (!label_names || entry.meta->label != label) {
      label = entry.meta->label;
      label_names = &names.at(label);
    }
    append_index_rows(*entry.meta, *label_names, with_relevance, rows);
  }
  return rows;
}

// Sorts rows into LMDB's order for keys and for duplicates. Rows are made in
// batch order, so the values (entry keys) of one index key already ascend: a
// stable sort by key alone orders them without comparing values. Identical rows
// (a list argument repeating a value) become one, as put_dup would leave them.
void sort_rows(std::vector<RowRef>& rows) {
  auto less = [](const RowRef& a, const RowRef& b) { return a.key < b.key; };
  // by_label and by_expiry rows of a one-label, one-time batch come sorted.
  if (!std::is_sorted(rows.begin(), rows.end(), less)) {
    rows = sorted_by_key(std::move(rows), [](const RowRef& row) -> std::string_view { return row.key; });
  }
  auto same = [](const RowRef& a, const RowRef& b) { return a.key == b.key && a.value == b.value; };
  rows.erase(std::unique(rows.begin(), rows.end(), same), rows.end());
}

// Writes rows, sorted and distinct, into a dupsort index. Into an empty one they are
// appended: MDB_APPEND for a new key, MDB_APPENDDUP for more values of the key
// just written (the cursor then finds the key, but adds at the end of its values).
void write_rows(Txn& txn, MDB_dbi dbi, const std::vector<RowRef>& rows) {
  const bool append = rows_in(txn, dbi) == 0;
  Cursor cursor(txn, dbi);
  const RowRef* previous = nullptr;
  for (const RowRef& row : rows) {
    unsigned flags = MDB_NODUPDATA;
    if (append) flags = previous && previous->key == row.key ? MDB_APPENDDUP : MDB_APPEND;
    MDB_val value = as_val(row.value);
    cursor.put(row.key, value, flags);  // false: the row was there already
    previous = &row;
  }
}

// Records go in key order, the batch's; appended when the store has none.
void write_records(Txn& txn, const Dbis& dbis, const std::vector<BatchEntry>& batch) {
  const unsigned flags = MDB_RESERVE | (rows_in(txn, dbis.entries) == 0 ? MDB_APPEND : 0);
  Cursor cursor(txn, dbis.entries);
  for (const BatchEntry& entry : batch) {
    MDB_val value{entry.record_size, nullptr};
    if (!cursor.put(entry.key, value, flags)) {
      throw Error(exit_code::io, txn.where() + ": entry " + entry.meta->key + " written twice");
    }
    encode_entry_from(*entry.meta, ValueView(entry.value), static_cast<char*>(value.mv_data));
  }
}

}  // namespace

LabelNames batch_arg_names(const std::vector<BatchEntry>& batch) {
  LabelNames batch_names;
  // Entries of one label mostly come together: one map lookup per run.
  NameSet* names = nullptr;
  std::string_view label;
  for (const BatchEntry& entry : batch) {
    if (!names || entry.meta->label != label) {
      label = entry.meta->label;
      names = &batch_names[label];
    }
    for (const auto& [name, arg] : entry.meta->args.named) {
      if (!names->contains(name)) names->insert(arg_index_name(name));
    }
  }
  return batch_names;
}

void put_batch(Txn& txn, const Dbis& dbis, const std::vector<BatchEntry>& batch,
               const LabelNames& batch_names) {
  erase_replaced(txn, dbis, batch);
  const LabelNames names = settle_arg_names(txn, dbis, batch_names);
  const bool with_relevance = dbis.by_relevance.has_value();
  // Making and sorting rows needs no LMDB, so a second thread does it while this
  // one, the transaction's, writes: first the records, then the lists that
  // mostly come sorted (by_label, by_expiry, by_relevance) while by_arg, which
  // seldom does, is sorted. (Should a write throw, the futures' destructors
  // wait for the thread before the rows go.)
  IndexRowLists rows;
  std::future<void> made = std::async(std::launch::async, [&] {
    rows = batch_rows(batch, names, with_relevance);
    for (Index index : {Index::by_label, Index::by_expiry, Index::by_relevance}) sort_rows(rows.of(index));
  });
  write_records(txn, dbis, batch);
  made.get();
  std::future<void> by_arg_sorted = std::async(std::launch::async, [&] { sort_rows(rows.by_arg); });
  auto write_list = [&](Index index) {
    write_rows(txn, dbis.of(index), rows.of(index));
    rows.of(index) = {};  // rows take memory: free each list once written
  };
  write_list(Index::by_label);
  write_list(Index::by_expiry);
  if (with_relevance) write_list(Index::by_relevance);
  by_arg_sorted.get();
  write_list(Index::by_arg);
}

}  // namespace djc::lmdb
