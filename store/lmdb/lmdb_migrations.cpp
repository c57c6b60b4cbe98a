// The schema of the LMDB store: reading its version, creating it, and upgrading
// it through a table of migration steps, all in one write transaction.
#include "store/lmdb/lmdb_migrations.hpp"

#include <charconv>

#include "core/error.hpp"
#include "store/entry_codec.hpp"
#include "store/lmdb/lmdb_index.hpp"
#include "store/lmdb/lmdb_store.hpp"
#include "store/lmdb/lmdb_store_impl.hpp"

namespace djc::lmdb {
namespace {

struct Migration {
  int from;  // upgrades schema `from` to `from + 1`
  const char* what;
  void (*apply)(Txn& txn);
};

MDB_dbi open_db(Txn& txn, const DbSpec& spec, unsigned extra_flags) {
  MDB_dbi dbi = 0;
  check_rc(mdb_dbi_open(txn.get(), spec.name, spec.flags | extra_flags, &dbi), txn.where(),
        std::string("open database ") + spec.name);
  return dbi;
}

// 1 → 2: the relevance index, built from the entries that have a relevance time,
// and the (empty) job queue.
void add_relevance_index_and_jobs(Txn& txn) {
  open_db(txn, {db_jobs, 0}, MDB_CREATE);
  open_db(txn, {db_jobs_by_due, MDB_DUPSORT}, MDB_CREATE);
  MDB_dbi entries = open_db(txn, {db_entries, 0}, 0);
  MDB_dbi by_relevance = open_db(txn, {db_by_relevance, MDB_DUPSORT}, MDB_CREATE);
  std::vector<IndexRow> rows;
  {
    Cursor cursor(txn, entries);
    MDB_val k{};
    MDB_val v{};
    for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
      // A record that does not decode is left for `dj-cache check` to report.
      std::optional<EntryRef> entry = decode_entry(as_view(v));
      if (!entry || !entry->meta.relevance_to) continue;
      rows.push_back({Index::by_relevance, relevance_key(entry->meta.label, *entry->meta.relevance_to),
                      entry->meta.key});
    }
  }
  for (const IndexRow& row : rows) txn.put_dup(by_relevance, row.key, row.value);
}

// Step i upgrades schema i + 1. Adding a schema: a layout in lmdb_layout.cpp, a
// step here, and lmdb_schema_version bumped.
const Migration migrations[] = {
    {1, "build the by-relevance index, add the job queue", add_relevance_index_and_jobs},
};
static_assert(std::size(migrations) == lmdb_schema_version - 1);

std::string version_text(int version) { return std::to_string(version); }

// The version in the meta database of `txn`; 0 when the environment is empty.
int read_version(Txn& txn) {
  MDB_dbi meta = 0;
  int rc = mdb_dbi_open(txn.get(), db_meta, 0, &meta);
  if (rc == MDB_NOTFOUND) {
    MDB_dbi main = 0;
    check_rc(mdb_dbi_open(txn.get(), nullptr, 0, &main), txn.where(), "open the main database");
    MDB_stat st{};
    check_rc(mdb_stat(txn.get(), main, &st), txn.where(), "read the main database");
    if (st.ms_entries == 0) return 0;
    throw Error(exit_code::io, txn.where() + ": not a dj-cache store (no schema version)");
  }
  check_rc(rc, txn.where(), "open the meta database");
  std::optional<std::string_view> text = txn.get(meta, meta_schema_version);
  int version = 0;
  if (!text ||
      std::from_chars(text->data(), text->data() + text->size(), version).ec != std::errc{} ||
      version <= 0) {
    throw Error(exit_code::io, txn.where() + ": the schema version is missing or unreadable");
  }
  return version;
}

void write_version(Txn& txn, int version) {
  MDB_dbi meta = open_db(txn, {db_meta, 0}, MDB_CREATE);
  txn.put(meta, meta_schema_version, version_text(version));
}

}  // namespace

int LmdbStore::schema_on_disk() {
  Txn txn = begin_read();
  return read_version(txn);
}

void LmdbStore::create_schema(int version) {
  write([&](Txn& txn) {
    // Under the writer lock: another process may have created it meanwhile.
    if (read_version(txn) != 0) return;
    for (const DbSpec& spec : schema_layout(version)) open_db(txn, spec, MDB_CREATE);
    write_version(txn, version);
  });
}

void LmdbStore::migrate() {
  write([&](Txn& txn) {
    // All steps and the new version commit together: a crash leaves the old
    // schema whole, and a concurrent migrate finds the work done.
    for (int version = read_version(txn); version < lmdb_schema_version; ++version) {
      migrations[version - 1].apply(txn);
    }
    write_version(txn, lmdb_schema_version);
  });
}

namespace {

Dbis open_handles(Txn& txn, int version) {
  Dbis dbis;
  for (const DbSpec& spec : schema_layout(version)) {
    MDB_dbi dbi = 0;
    int rc = mdb_dbi_open(txn.get(), spec.name, spec.flags, &dbi);
    if (rc == MDB_NOTFOUND) {
      throw Error(exit_code::io, txn.where() + ": database " + spec.name + " is missing");
    }
    check_rc(rc, txn.where(), std::string("open database ") + spec.name);
    dbis.assign(spec.name, dbi);
  }
  return dbis;
}

}  // namespace

void LmdbStore::open_dbis(int version) {
  Txn txn = begin_read();
  dbis_ = open_handles(txn, version);
  txn.commit();  // makes the handles usable by later transactions
}

int LmdbStore::open_if_current() {
  Txn txn = begin_read();
  int version = read_version(txn);
  if (version != lmdb_schema_version) return version;
  dbis_ = open_handles(txn, version);
  first_read_.emplace(std::move(txn));
  return version;
}

std::unique_ptr<Store> create_store_at_schema(const StoreOptions& options, int version) {
  const std::string where = "store " + options.path.string();
  Env env = open_env(options.path, where, true, space_limits(options.max_size).initial);
  auto store = std::make_unique<LmdbStore>(std::move(env), options.path, options.max_size);
  store->create_schema(version);
  store->open_dbis(version);
  return store;
}

}  // namespace djc::lmdb
