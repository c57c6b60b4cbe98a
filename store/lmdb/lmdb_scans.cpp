// Index scans of the LMDB store: each walks only the index rows it returns.
#include <algorithm>

#include "core/error.hpp"
#include "store/entry_codec.hpp"
#include "store/lmdb/lmdb_index.hpp"
#include "store/lmdb/lmdb_store_impl.hpp"

namespace djc::lmdb {
namespace {

// Entries handed to for_each's callback per read transaction: a slow consumer
// (export into a pipe) must not pin old pages, and so the map, for its whole run.
constexpr std::size_t for_each_batch = 256;

std::string after_label(std::string_view label) {
  // Labels hold no byte below \x01, so "label\x01" sorts after every
  // "label\0..." row and before the next label's rows.
  std::string key(label);
  key += '\x01';
  return key;
}

// Rows of by_relevance for one label up to `now`, appended as (time, key).
void stale_of_label(Cursor& cursor, std::string_view label, double now,
                    std::vector<std::pair<double, std::string>>& out) {
  std::string prefix(label);
  prefix += '\0';
  MDB_val k{};
  MDB_val v{};
  for (bool more = cursor.seek(prefix, k, v); more; more = cursor.get(k, v, MDB_NEXT)) {
    std::string_view key = as_view(k);
    if (key.size() != prefix.size() + 8 || !key.starts_with(prefix)) break;
    double t = time_of_key(key);
    if (!(t <= now)) break;
    out.emplace_back(t, std::string(as_view(v)));
  }
}

}  // namespace

void LmdbStore::for_each(std::optional<std::string_view> label,
                         const std::function<void(const EntryRef&)>& use) {
  // Position after the last entry handed out: (label, key) in by_label.
  std::optional<std::pair<std::string, std::string>> last;
  for (;;) {
    Txn txn = begin_read();
    Cursor cursor(txn, dbis_.by_label);
    MDB_val k{};
    MDB_val v{};
    bool more = false;
    if (!last) {
      more = label ? cursor.find(*label, v) : cursor.get(k, v, MDB_FIRST);
      if (more && label) k = as_val(*label);
    } else {
      k = as_val(last->first);
      v = as_val(last->second);
      more = cursor.get(k, v, MDB_GET_BOTH_RANGE);
      if (more && as_view(v) == last->second) more = cursor.get(k, v, MDB_NEXT);
      if (!more && !label) more = cursor.seek(after_label(last->first), k, v);
    }
    std::size_t handed = 0;
    for (; more && handed < for_each_batch; more = cursor.get(k, v, label ? MDB_NEXT_DUP : MDB_NEXT)) {
      std::string_view row_label = as_view(k);
      std::string_view key = as_view(v);
      if (label && row_label != *label) break;
      last.emplace(std::string(row_label), std::string(key));
      ++handed;
      std::optional<std::string_view> record = txn.get(dbis_.entries, key);
      if (!record) continue;  // a stray index row: check() reports it
      std::string why;
      std::optional<EntryRef> entry = decode_entry(*record, &why);
      if (!entry) corrupt(key, why);
      use(*entry);
    }
    if (!more) return;
  }
}

std::vector<std::string> LmdbStore::keys_of_label(std::string_view label) {
  Txn txn = begin_read();
  return dups_of(txn, dbis_.by_label, label);
}

std::vector<std::string> LmdbStore::keys_with_arg(std::string_view label, std::string_view name,
                                                  std::string_view value) {
  Txn txn = begin_read();
  return dups_of(txn, dbis_.by_arg, arg_value_key(label, name, value));
}

std::vector<std::string> LmdbStore::keys_without_arg(std::string_view label,
                                                     std::string_view name) {
  Txn txn = begin_read();
  // A name no entry of the label has had: every entry of the label lacks it.
  if (!load_arg_names(txn, dbis_, label).contains(arg_index_name(name))) {
    return dups_of(txn, dbis_.by_label, label);
  }
  return dups_of(txn, dbis_.by_arg, arg_absent_key(label, name));
}

std::vector<std::string> LmdbStore::keys_expired(double now) {
  Txn txn = begin_read();
  Cursor cursor(txn, dbis_.by_expiry);
  std::vector<std::string> keys;
  MDB_val k{};
  MDB_val v{};
  for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
    if (!(time_of_key(as_view(k)) <= now)) break;
    keys.emplace_back(as_view(v));
  }
  return keys;
}

std::vector<std::string> LmdbStore::keys_stale(double now, std::optional<std::string_view> label) {
  if (!dbis_.by_relevance) {
    throw Error(exit_code::io, where_ + ": this schema has no relevance index",
                "run dj-cache migrate");
  }
  Txn txn = begin_read();
  Cursor cursor(txn, *dbis_.by_relevance);
  std::vector<std::pair<double, std::string>> found;
  if (label) {
    stale_of_label(cursor, *label, now, found);
  } else {
    // The index is ordered by label, then time: take each label's stale prefix
    // and hop to the next label, then merge by time.
    MDB_val k{};
    MDB_val v{};
    for (bool more = cursor.get(k, v, MDB_FIRST); more;) {
      std::string_view key = as_view(k);
      std::string row_label(key.substr(0, key.find('\0')));
      stale_of_label(cursor, row_label, now, found);
      more = cursor.seek(after_label(row_label), k, v);
    }
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> keys;
  keys.reserve(found.size());
  for (auto& [t, key] : found) keys.push_back(std::move(key));
  return keys;
}

std::vector<std::string> LmdbStore::labels() {
  Txn txn = begin_read();
  Cursor cursor(txn, dbis_.by_label);
  std::vector<std::string> out;
  MDB_val k{};
  MDB_val v{};
  for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT_NODUP)) {
    out.emplace_back(as_view(k));
  }
  return out;
}

}  // namespace djc::lmdb
