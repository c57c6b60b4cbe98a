// The LMDB store: opening it per OpenMode, and reading, writing and erasing
// entries. The design and on-disk format are in docs/STORE_FORMAT.md.
#include "store/lmdb/lmdb_store.hpp"

#include <algorithm>

#include "core/error.hpp"
#include "store/entry_codec.hpp"
#include "store/lmdb/key_lock.hpp"
#include "store/lmdb/key_sort.hpp"
#include "store/lmdb/lmdb_batch.hpp"
#include "store/lmdb/lmdb_index.hpp"
#include "store/lmdb/lmdb_jobs.hpp"
#include "store/lmdb/lmdb_store_impl.hpp"

namespace djc {

using lmdb::LmdbStore;
using lmdb::Txn;

namespace {

// `get` hopes for a hit, which only reads: a current store is opened read-only
// (lmdb::EnvAccess) and reopened read-write by the first write. nullptr when that
// does not apply (no store yet, another schema): the caller opens it read-write.
std::unique_ptr<Store> open_for_hit(const StoreOptions& options, const std::string& where) {
  lmdb::Env env = lmdb::open_env(options.path, where, false, 0, lmdb::EnvAccess::read_only);
  if (!env) return nullptr;
  auto store = std::make_unique<LmdbStore>(std::move(env), options.path, options.max_size,
                                           lmdb::EnvAccess::read_only);
  if (store->open_if_current() != lmdb_schema_version) return nullptr;
  return store;
}

}  // namespace

std::unique_ptr<Store> open_lmdb_store(const StoreOptions& options, OpenMode mode) {
  const std::string where = "store " + options.path.string();
  if (mode == OpenMode::get && !options.write_expected) {
    if (auto store = open_for_hit(options, where)) return store;
  }
  const lmdb::SpaceLimits limits = lmdb::space_limits(options.max_size);
  lmdb::Env env = lmdb::open_env(options.path, where, mode != OpenMode::read, limits.initial);
  if (!env) return nullptr;
  auto store = std::make_unique<LmdbStore>(std::move(env), options.path, options.max_size);
  int on_disk = store->open_if_current();
  if (on_disk == lmdb_schema_version) return store;
  if (on_disk == 0) {
    // An environment without a schema holds nothing: a store being created (by
    // this or another process) or one whose creation was cut short.
    if (mode == OpenMode::read) return nullptr;
    store->create_schema(lmdb_schema_version);
    on_disk = store->schema_on_disk();
  }
  if (on_disk > lmdb_schema_version) {
    throw Error(exit_code::io, where + ": written by a newer dj-cache (schema " +
                                   std::to_string(on_disk) + "); this one knows schema " +
                                   std::to_string(lmdb_schema_version) + " at most");
  }
  if (on_disk < lmdb_schema_version) {
    if (mode != OpenMode::migrate) {
      throw Error(exit_code::io,
                  where + ": schema " + std::to_string(on_disk) + " is older than this dj-cache's (" +
                      std::to_string(lmdb_schema_version) + ")",
                  "run dj-cache migrate");
    }
    store->migrate();
  }
  store->open_dbis(lmdb_schema_version);
  return store;
}

SchemaStatus lmdb_schema_status(const StoreOptions& options) {
  const std::string where = "store " + options.path.string();
  SchemaStatus status;
  status.current = lmdb_schema_version;
  lmdb::Env env = lmdb::open_env(options.path, where, false, 0);
  if (!env) return status;
  LmdbStore store(std::move(env), options.path, options.max_size);
  status.on_disk = store.schema_on_disk();
  status.exists = status.on_disk != 0;
  return status;
}

namespace lmdb {

void LmdbStore::validate(const EntryMeta& meta) const {
  // Keys and labels are LMDB keys or dupsort values in the indexes, which LMDB
  // caps at 511 bytes; a label also prefixes argument index keys.
  if (meta.key.empty() || meta.key.size() > max_lmdb_key) {
    throw Error(exit_code::io, where_ + ": an entry key must be 1 to " +
                                   std::to_string(max_lmdb_key) + " bytes, not " +
                                   std::to_string(meta.key.size()));
  }
  if (meta.label.empty() || meta.label.size() > 128 ||
      meta.label.find('\0') != std::string::npos) {
    throw Error(exit_code::io, where_ + ": bad label for entry " + meta.key);
  }
}

void LmdbStore::corrupt(std::string_view key, std::string_view why) const {
  throw Error(exit_code::io,
              where_ + ": entry " + std::string(key) + " is corrupt (" + std::string(why) + ")",
              "run dj-cache check");
}

bool LmdbStore::read(std::string_view key, const std::function<void(const EntryRef&)>& use) {
  if (key.empty() || key.size() > max_lmdb_key) return false;
  Txn txn = begin_read();
  std::optional<std::string_view> record = txn.get(dbis_.entries, key);
  if (!record) return false;
  std::string why;
  std::optional<EntryRef> entry = decode_entry(*record, &why);
  if (!entry) corrupt(key, why);
  if (value_checksum(entry->value) != entry->meta.checksum) corrupt(key, "checksum mismatch");
  use(*entry);  // the value still points into the map: the transaction is open
  return true;
}

PutOutcome LmdbStore::put(const EntryMeta& meta, const ValueSource& value) {
  validate(meta);
  const std::size_t size = encoded_entry_size(meta, value.size());
  // Decided before touching anything: a value the whole store cannot hold
  // leaves the store as it was.
  if (!fits_empty_store(record_pages(size))) return PutOutcome{false, 0};
  PutOutcome outcome{true, 0};
  auto body = [&](Txn& txn) { put_entry(txn, dbis_, meta, value, size); };
  outcome.stored = write_with_room(record_pages(size), body, outcome.evicted);
  return outcome;
}

void LmdbStore::put_all(const std::vector<std::pair<EntryMeta, std::string>>& entries) {
  std::vector<BatchEntry> batch;
  std::uint64_t total = 0;
  std::uint64_t need_bytes = 0;
  batch.reserve(entries.size());
  for (const auto& [meta, value] : entries) {
    validate(meta);
    batch.push_back({meta.key, &meta, value, encoded_entry_size(meta, value)});
    total += batch.back().record_size;
    need_bytes += record_bytes(batch.back().record_size);
  }
  const std::uint64_t need = (need_bytes + page_size_ - 1) / page_size_;
  if (!fits_empty_store(need)) {
    throw Error(exit_code::io, where_ + ": " + std::to_string(total) +
                                   " bytes of entries do not fit in the store (max_size " +
                                   std::to_string(limits_.hard) + " bytes); nothing stored");
  }
  const LabelNames names = batch_arg_names(batch);
  // In key order, each key once: the last of equal keys wins, as it would
  // written one after the other.
  batch = sorted_by_key(std::move(batch), [](const BatchEntry& entry) { return entry.key; });
  auto last_of_each = std::unique(batch.rbegin(), batch.rend(), [](const BatchEntry& a, const BatchEntry& b) {
    return a.key == b.key;
  });
  batch.erase(batch.begin(), last_of_each.base());
  // One transaction: the batch becomes visible all at once or not at all.
  auto body = [&](Txn& txn) { put_batch(txn, dbis_, batch, names); };
  reserve_map(need);
  std::size_t evicted = 0;
  if (!write_with_room(need, body, evicted)) {
    throw Error(exit_code::io, where_ + ": the store is full; nothing stored");
  }
}

std::size_t LmdbStore::erase(const std::vector<std::string>& keys) {
  std::size_t erased = 0;
  write([&](Txn& txn) {
    erased = 0;
    for (const std::string& key : keys) {
      if (key.empty() || key.size() > max_lmdb_key) continue;
      if (erase_entry(txn, dbis_, key)) ++erased;
      drop_job(txn, dbis_, key);
    }
  });
  // The next write can then reuse the pages just freed instead of growing the
  // file: after a purge on a full disk, a put must fit in what was purged.
  if (erased != 0) advance_generation();
  return erased;
}

std::unique_ptr<KeyLock> LmdbStore::lock_key(std::string_view key,
                                             std::optional<double> wait_seconds) {
  return take_key_lock(dir_, where_, key, wait_seconds);
}

}  // namespace lmdb
}  // namespace djc
