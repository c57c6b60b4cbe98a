// Index keys and index maintenance of the LMDB store (see lmdb_index.hpp).
#include "store/lmdb/lmdb_index.hpp"

#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>

#include "store/entry_codec.hpp"
#include "store/lmdb/lmdb_overflow_check.hpp"

namespace djc::lmdb {
namespace {

constexpr char arg_tag_absent = '\x00';
constexpr char arg_tag_value = '\x01';
constexpr char arg_tag_hashed = '\x02';
constexpr std::uint64_t sign_bit = std::uint64_t{1} << 63;

std::string hash128_bytes(std::string_view text) {
  XXH128_hash_t h = XXH3_128bits(text.data(), text.size());
  std::string out(16, '\0');
  for (int i = 0; i < 8; ++i) {
    out[i] = static_cast<char>(h.high64 >> (56 - 8 * i));
    out[8 + i] = static_cast<char>(h.low64 >> (56 - 8 * i));
  }
  return out;
}

std::string hex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string arg_prefix(std::string_view label, std::string_view name) {
  std::string key(label);
  key += '\0';
  key += arg_index_name(name);
  key += '\0';
  return key;
}

// Removes the rows of `meta`, whatever names its label knows now or it has itself.
void remove_index_rows(Txn& txn, const Dbis& dbis, const EntryMeta& meta) {
  NameSet names = load_arg_names(txn, dbis, meta.label);
  names.merge(entry_arg_names(meta));
  for (const IndexRow& row : index_rows(meta, names, dbis.by_relevance.has_value())) {
    txn.del(dbis.of(row.index), row.key, row.value);
  }
}

// A label with no entries left forgets its argument names, so the names of
// long-gone entries do not add absent rows to every future entry.
void forget_label_if_empty(Txn& txn, const Dbis& dbis, const std::string& label) {
  if (!txn.get(dbis.by_label, label)) txn.del(dbis.arg_names, label);
}

// The entry's own argument names in index form, sorted, each with its argument.
// A vector rather than a map: an entry has a handful, and this runs per entry.
std::vector<std::pair<std::string, const NamedArg*>> own_names(const EntryMeta& meta) {
  std::vector<std::pair<std::string, const NamedArg*>> own;
  own.reserve(meta.args.named.size());
  for (const auto& [name, arg] : meta.args.named) own.emplace_back(arg_index_name(name), &arg);
  // Hashed long names do not keep the map's order. Two names with one index
  // form (a plain "#..." name equal to a hash) keep the later one, as a map
  // assignment would.
  std::stable_sort(own.begin(), own.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  auto last_of_each = std::unique(own.rbegin(), own.rend(),
                                  [](const auto& a, const auto& b) { return a.first == b.first; });
  own.erase(own.begin(), last_of_each.base());
  return own;
}

}  // namespace

// A name new to a label: every entry of the label so far lacks it, so each gets
// an absent row (SPEC.md §3: finding the entries that lack it scans nothing).
void introduce_arg_name(Txn& txn, const Dbis& dbis, const std::string& label,
                        const std::string& name) {
  txn.put_dup(dbis.arg_names, label, name);
  std::string absent = arg_absent_key(label, name);
  for (const std::string& key : dups_of(txn, dbis.by_label, label)) {
    txn.put_dup(dbis.by_arg, absent, key);
  }
}

std::vector<RowRef>& IndexRowLists::of(Index index) {
  switch (index) {
    case Index::by_label: return by_label;
    case Index::by_arg: return by_arg;
    case Index::by_expiry: return by_expiry;
    case Index::by_relevance: break;
  }
  return by_relevance;
}

std::string time_key(double t) {
  std::uint64_t bits = std::bit_cast<std::uint64_t>(t);
  // Negative doubles order backwards as integers: flip them all; positive ones
  // only need the sign bit set to sort after every negative.
  bits = (bits & sign_bit) ? ~bits : (bits | sign_bit);
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(bits >> (56 - 8 * i));
  return out;
}

double time_of_key(std::string_view key) {
  if (key.size() < 8) return std::numeric_limits<double>::quiet_NaN();
  std::string_view tail = key.substr(key.size() - 8);
  std::uint64_t bits = 0;
  for (unsigned char c : tail) bits = (bits << 8) | c;
  bits = (bits & sign_bit) ? (bits & ~sign_bit) : ~bits;
  return std::bit_cast<double>(bits);
}

std::string arg_index_name(std::string_view name) {
  if (name.size() <= max_plain_arg_name) return std::string(name);
  return "#" + hex(hash128_bytes(name));
}

std::string arg_value_key(std::string_view label, std::string_view name, std::string_view value) {
  std::string key = arg_prefix(label, name);
  if (key.size() + 1 + value.size() <= max_lmdb_key) {
    key += arg_tag_value;
    key += value;
  } else {
    key += arg_tag_hashed;
    key += hash128_bytes(value);
  }
  return key;
}

std::string arg_absent_key(std::string_view label, std::string_view name) {
  return arg_prefix(label, name) + arg_tag_absent;
}

std::string relevance_key(std::string_view label, double t) {
  std::string key(label);
  key += '\0';
  key += time_key(t);
  return key;
}

NameSet entry_arg_names(const EntryMeta& meta) {
  NameSet names;
  for (const auto& [name, arg] : meta.args.named) names.insert(arg_index_name(name));
  return names;
}

NameSet load_arg_names(const Txn& txn, const Dbis& dbis, std::string_view label) {
  std::vector<std::string> names = dups_of(txn, dbis.arg_names, label);
  return NameSet(names.begin(), names.end());
}

void append_index_rows(const EntryMeta& meta, const NameSet& label_names, bool with_relevance,
                       IndexRowLists& out) {
  out.by_label.push_back({meta.label, meta.key});
  const auto own = own_names(meta);
  auto add_name = [&](const std::string& name, const NamedArg* arg) {
    if (!arg || arg->is_none()) {
      out.by_arg.push_back({arg_absent_key(meta.label, name), meta.key});
      return;
    }
    for (const std::string& value : arg->values) {
      out.by_arg.push_back({arg_value_key(meta.label, name, value), meta.key});
    }
  };
  // The union of the label's names and the entry's own, walked in step (both
  // sorted) instead of copying the label's set for every entry.
  auto mine = own.begin();
  for (const std::string& name : label_names) {
    for (; mine != own.end() && mine->first < name; ++mine) add_name(mine->first, mine->second);
    if (mine != own.end() && mine->first == name) {
      add_name(name, mine->second);
      ++mine;
    } else {
      add_name(name, nullptr);
    }
  }
  for (; mine != own.end(); ++mine) add_name(mine->first, mine->second);
  out.by_expiry.push_back({time_key(meta.available_to), meta.key});
  if (with_relevance && meta.relevance_to) {
    out.by_relevance.push_back({relevance_key(meta.label, *meta.relevance_to), meta.key});
  }
}

std::vector<IndexRow> index_rows(const EntryMeta& meta, const NameSet& label_names,
                                 bool with_relevance) {
  IndexRowLists lists;
  append_index_rows(meta, label_names, with_relevance, lists);
  std::vector<IndexRow> rows;
  for (Index index : {Index::by_label, Index::by_arg, Index::by_expiry, Index::by_relevance}) {
    for (RowRef& row : lists.of(index)) {
      rows.push_back({index, std::move(row.key), std::string(row.value)});
    }
  }
  return rows;
}

std::vector<std::string> dups_of(const Txn& txn, MDB_dbi dbi, std::string_view key) {
  std::vector<std::string> out;
  Cursor cursor(txn, dbi);
  MDB_val k{};
  MDB_val v{};
  if (!cursor.find(key, v)) return out;
  do {
    out.emplace_back(as_view(v));
  } while (cursor.get(k, v, MDB_NEXT_DUP));
  return out;
}

void put_entry(Txn& txn, const Dbis& dbis, const EntryMeta& meta, const ValueSource& value,
               std::size_t record_size) {
  erase_entry(txn, dbis, meta.key);
  NameSet names = load_arg_names(txn, dbis, meta.label);
  for (const std::string& name : entry_arg_names(meta)) {
    if (names.insert(name).second) introduce_arg_name(txn, dbis, meta.label, name);
  }
  add_index_rows(txn, dbis, index_rows(meta, names, dbis.by_relevance.has_value()));
  char* out = txn.reserve(dbis.entries, meta.key, record_size);
  encode_entry_from(meta, value, out);
}

std::optional<std::size_t> erase_entry(Txn& txn, const Dbis& dbis, const std::string& key) {
  std::optional<std::string_view> record = txn.get(dbis.entries, key);
  if (!record) return std::nullopt;
  check_overflow_header(txn.get(), *record, txn.where(), key);  // LMDB frees by its header
  std::size_t size = record->size();
  // Decoded (copied) before the delete: the record's pages change with it.
  std::optional<EntryRef> old = decode_entry(*record);
  txn.del(dbis.entries, key);
  if (old) {
    remove_index_rows(txn, dbis, old->meta);
    forget_label_if_empty(txn, dbis, old->meta.label);
  }
  return size;
}

void add_index_rows(Txn& txn, const Dbis& dbis, const std::vector<IndexRow>& rows) {
  for (const IndexRow& row : rows) txn.put_dup(dbis.of(row.index), row.key, row.value);
}

}  // namespace djc::lmdb
