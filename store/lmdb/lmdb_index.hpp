// The secondary indexes of the LMDB store: how each index row is keyed, and
// writing or deleting an entry together with all its rows in one transaction.
#pragma once

#include <compare>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/entry.hpp"
#include "core/value_source.hpp"
#include "store/lmdb/lmdb_env.hpp"
#include "store/lmdb/lmdb_layout.hpp"

namespace djc::lmdb {

// LMDB's limit on keys, and on values of dupsort databases (compiled-in default).
inline constexpr std::size_t max_lmdb_key = 511;
// Argument names longer than this are hashed in index keys.
inline constexpr std::size_t max_plain_arg_name = 200;

// --- Index keys (docs/STORE_FORMAT.md, "Index rows") -----------------------
// 8 bytes whose byte order is the numeric order of `t` (big-endian, sign-folded).
std::string time_key(double t);
double time_of_key(std::string_view key);  // the last 8 bytes of `key`
// `name`, or "#" + 32 hex digits of its XXH3-128 when longer than max_plain_arg_name.
std::string arg_index_name(std::string_view name);
// label \0 name \0 \x01 value, or label \0 name \0 \x02 XXH3-128(value) when too long.
std::string arg_value_key(std::string_view label, std::string_view name, std::string_view value);
// label \0 name \0 \x00: entries of the label without the argument (or with None).
std::string arg_absent_key(std::string_view label, std::string_view name);
// label \0 time_key(t)
std::string relevance_key(std::string_view label, double t);

// One row of one index: for every index, the value is the entry key.
struct IndexRow {
  Index index;
  std::string key;
  std::string value;
  friend auto operator<=>(const IndexRow&, const IndexRow&) = default;
};

// The argument names (arg_index_name form) an index knows for one label.
using NameSet = std::set<std::string>;

NameSet entry_arg_names(const EntryMeta& meta);
NameSet load_arg_names(const Txn& txn, const Dbis& dbis, std::string_view label);

// A row whose value, an entry key, points into the EntryMeta it was made from:
// a batch builds millions of them without copying each key again.
struct RowRef {
  std::string key;
  std::string_view value;
};

// Rows of one or many entries, one list per index.
struct IndexRowLists {
  std::vector<RowRef> by_label;
  std::vector<RowRef> by_arg;
  std::vector<RowRef> by_expiry;
  std::vector<RowRef> by_relevance;
  std::vector<RowRef>& of(Index index);
};

// Every row `meta` has, given the names known to its label: one by_label row, per
// known or own name either its value rows or an absent row, one by_expiry row and,
// when the schema has it and relevance_to is set, one by_relevance row. Appended
// to `out`, whose values then point into `meta`.
void append_index_rows(const EntryMeta& meta, const NameSet& label_names, bool with_relevance,
                       IndexRowLists& out);
// The same rows as owned IndexRows, by_label first.
std::vector<IndexRow> index_rows(const EntryMeta& meta, const NameSet& label_names,
                                 bool with_relevance);

// Records `name` as known to `label` and gives every entry of the label stored
// so far an absent row for it.
void introduce_arg_name(Txn& txn, const Dbis& dbis, const std::string& label,
                        const std::string& name);

// All duplicates stored under `key` in a dupsort database, in order.
std::vector<std::string> dups_of(const Txn& txn, MDB_dbi dbi, std::string_view key);

// Writes the record (record_size bytes, encoded in place, the value copied from
// `value` once) and its index rows; an entry already under meta.key is replaced,
// its old rows removed first. The checksum is taken from the bytes written.
void put_entry(Txn& txn, const Dbis& dbis, const EntryMeta& meta, const ValueSource& value,
               std::size_t record_size);

// Deletes the entry under `key` with its rows (a record that does not decode is
// deleted alone). Returns the record's size, nullopt when there was none.
std::optional<std::size_t> erase_entry(Txn& txn, const Dbis& dbis, const std::string& key);

// Adds the rows of an entry whose label already knows all its names (repair).
void add_index_rows(Txn& txn, const Dbis& dbis, const std::vector<IndexRow>& rows);

}  // namespace djc::lmdb
