// RAII handles for LMDB and the store's error messages (see lmdb_env.hpp).
#include "store/lmdb/lmdb_env.hpp"

#include <errno.h>

#include <utility>

#include "core/error.hpp"

namespace djc::lmdb {

void fail(const std::string& where, std::string_view what, int rc) {
  if (rc == MDB_MAP_FULL) throw MapFull{};
  std::string message = where;
  message += ": ";
  message += what;
  message += ": ";
  message += mdb_strerror(rc);
  throw Error(exit_code::io, message);
}

Txn::Txn(MDB_txn* txn, const std::string& where, int* open_reads)
    : txn_(txn), where_(where), open_reads_(open_reads) {
  if (open_reads_) ++*open_reads_;
}

Txn::Txn(Txn&& other) noexcept
    : txn_(std::exchange(other.txn_, nullptr)),
      where_(other.where_),
      open_reads_(std::exchange(other.open_reads_, nullptr)) {}

Txn::~Txn() {
  // A read transaction ends by commit: LMDB then keeps the database handles it
  // opened (an abort closes them); for a read the two are otherwise the same.
  // A write transaction not committed is aborted.
  if (txn_ && open_reads_) {
    mdb_txn_commit(txn_);
  } else if (txn_) {
    mdb_txn_abort(txn_);
  }
  end();
}

void Txn::end() {
  txn_ = nullptr;
  if (open_reads_) --*open_reads_;
  open_reads_ = nullptr;
}

std::optional<std::string_view> Txn::get(MDB_dbi dbi, std::string_view key) const {
  MDB_val k = as_val(key);
  MDB_val v{};
  int rc = mdb_get(txn_, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return std::nullopt;
  check_rc(rc, where_, "read");
  return as_view(v);
}

void Txn::put(MDB_dbi dbi, std::string_view key, std::string_view value, unsigned flags) {
  MDB_val k = as_val(key);
  MDB_val v = as_val(value);
  check_rc(mdb_put(txn_, dbi, &k, &v, flags), where_, "write");
}

void Txn::put_dup(MDB_dbi dbi, std::string_view key, std::string_view value) {
  MDB_val k = as_val(key);
  MDB_val v = as_val(value);
  int rc = mdb_put(txn_, dbi, &k, &v, MDB_NODUPDATA);
  if (rc == MDB_KEYEXIST) return;
  check_rc(rc, where_, "write");
}

char* Txn::reserve(MDB_dbi dbi, std::string_view key, std::size_t size) {
  MDB_val k = as_val(key);
  MDB_val v{size, nullptr};
  check_rc(mdb_put(txn_, dbi, &k, &v, MDB_RESERVE), where_, "write");
  return static_cast<char*>(v.mv_data);
}

bool Txn::del(MDB_dbi dbi, std::string_view key, std::optional<std::string_view> value) {
  MDB_val k = as_val(key);
  MDB_val v = value ? as_val(*value) : MDB_val{};
  int rc = mdb_del(txn_, dbi, &k, value ? &v : nullptr);
  if (rc == MDB_NOTFOUND) return false;
  check_rc(rc, where_, "delete");
  return true;
}

void Txn::clear(MDB_dbi dbi) {
  check_rc(mdb_drop(txn_, dbi, 0), where_, "empty a database");
}

void Txn::commit() {
  MDB_txn* txn = txn_;
  end();  // LMDB frees the transaction whether or not the commit succeeds
  int rc = mdb_txn_commit(txn);
  // A full disk reaches LMDB as a short write, which it reports as EIO.
  if (rc == EIO || rc == ENOSPC || rc == EDQUOT) {
    throw Error(exit_code::io, where_ + ": commit: " + mdb_strerror(rc) + "; nothing was written",
                "is the disk full? (df " + where_.substr(where_.find(' ') + 1) + ")");
  }
  check_rc(rc, where_, "commit");
}

Cursor::Cursor(const Txn& txn, MDB_dbi dbi) : where_(txn.where()) {
  check_rc(mdb_cursor_open(txn.get(), dbi, &cursor_), where_, "open a cursor");
}

bool Cursor::get(MDB_val& key, MDB_val& value, MDB_cursor_op op) {
  int rc = mdb_cursor_get(cursor_, &key, &value, op);
  if (rc == MDB_NOTFOUND) return false;
  check_rc(rc, where_, "read");
  return true;
}

bool Cursor::seek(std::string_view key, MDB_val& found_key, MDB_val& found_value) {
  found_key = as_val(key);
  return get(found_key, found_value, MDB_SET_RANGE);
}

bool Cursor::find(std::string_view key, MDB_val& value) {
  MDB_val k = as_val(key);
  return get(k, value, MDB_SET_KEY);
}

bool Cursor::put(std::string_view key, MDB_val& value, unsigned flags) {
  MDB_val k = as_val(key);
  int rc = mdb_cursor_put(cursor_, &k, &value, flags);
  if (rc == MDB_KEYEXIST) return false;
  check_rc(rc, where_, "write");
  return true;
}

}  // namespace djc::lmdb
