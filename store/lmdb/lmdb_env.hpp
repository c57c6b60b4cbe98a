// RAII handles for LMDB (environment, transactions, cursors) and the error
// conventions of the LMDB store: every failure names the store and LMDB's reason.
#pragma once

#include <lmdb.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace djc::lmdb {

// Thrown from inside a write transaction when LMDB reports MDB_MAP_FULL. The write
// loop (LmdbStore::try_write) catches it, lets the transaction abort, grows the map
// or makes room, and runs the transaction again from the start.
struct MapFull {};

inline MDB_val as_val(std::string_view s) {
  return MDB_val{s.size(), const_cast<char*>(s.data())};
}

inline std::string_view as_view(const MDB_val& v) {
  return {static_cast<const char*>(v.mv_data), v.mv_size};
}

// Throws Error(74, "<where>: <what>: <mdb_strerror(rc)>"), or MapFull for MDB_MAP_FULL.
// `where` is "store PATH".
[[noreturn]] void fail(const std::string& where, std::string_view what, int rc);

inline void check_rc(int rc, const std::string& where, std::string_view what) {
  if (rc != MDB_SUCCESS) fail(where, what, rc);
}

struct EnvCloser {
  void operator()(MDB_env* env) const { mdb_env_close(env); }
};
using Env = std::unique_ptr<MDB_env, EnvCloser>;

// A transaction, aborted when destroyed unless committed. Read-only ones may count
// themselves in `open_reads`: the map must not be remapped while one is open.
class Txn {
 public:
  Txn(MDB_txn* txn, const std::string& where, int* open_reads = nullptr);
  Txn(Txn&& other) noexcept;
  Txn& operator=(Txn&&) = delete;
  ~Txn();

  MDB_txn* get() const { return txn_; }
  const std::string& where() const { return where_; }

  // The value stored under `key`, pointing into the map: valid until this
  // transaction ends or (in a write transaction) the next change to that page.
  std::optional<std::string_view> get(MDB_dbi dbi, std::string_view key) const;
  void put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags = 0);
  // Adds a key/value pair to a dupsort database; a pair already there stays as is.
  void put_dup(MDB_dbi dbi, std::string_view key, std::string_view value);
  // Reserves `size` bytes under `key` and returns where to write them (MDB_RESERVE).
  char* reserve(MDB_dbi dbi, std::string_view key, std::size_t size);
  // Deletes `key` (with `value`: only that pair of a dupsort database); false when
  // there was nothing to delete.
  bool del(MDB_dbi dbi, std::string_view key, std::optional<std::string_view> value = {});
  // Empties a database, keeping it.
  void clear(MDB_dbi dbi);
  void commit();

 private:
  void end();

  MDB_txn* txn_;
  const std::string& where_;
  int* open_reads_;
};

// A cursor. In a write transaction it must be destroyed before the transaction
// commits (LMDB frees write cursors itself at the end of their transaction), so
// cursors live inside the helper functions that use them.
class Cursor {
 public:
  Cursor(const Txn& txn, MDB_dbi dbi);
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() { mdb_cursor_close(cursor_); }

  // Positions the cursor; false at MDB_NOTFOUND. `key`/`value` are in-out as
  // LMDB's mdb_cursor_get has them.
  bool get(MDB_val& key, MDB_val& value, MDB_cursor_op op);
  // Positions at the first row whose key is >= `key` (MDB_SET_RANGE).
  bool seek(std::string_view key, MDB_val& found_key, MDB_val& found_value);
  // Positions at exactly `key` (MDB_SET_KEY): its first duplicate.
  bool find(std::string_view key, MDB_val& value);
  // mdb_cursor_put of `key` and `value` (with MDB_RESERVE: `value.mv_size`
  // bytes, whose address it sets); false when LMDB answers MDB_KEYEXIST.
  bool put(std::string_view key, MDB_val& value, unsigned flags);

 private:
  MDB_cursor* cursor_ = nullptr;
  const std::string& where_;
};

}  // namespace djc::lmdb
