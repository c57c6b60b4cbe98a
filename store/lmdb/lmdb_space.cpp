// Transactions and space of the LMDB store: growing the map on MDB_MAP_FULL up to
// max_size, following maps grown by other processes, and evicting entries when
// the live data reaches the put limit.
#include <unistd.h>

#include <algorithm>

#include "core/error.hpp"
#include "store/lmdb/lmdb_index.hpp"
#include "store/lmdb/lmdb_jobs.hpp"
#include "store/lmdb/lmdb_store.hpp"
#include "store/lmdb/lmdb_store_impl.hpp"

namespace djc::lmdb {
namespace {

constexpr std::uint64_t KiB = 1024;
constexpr std::uint64_t MiB = 1024 * KiB;
// A new store maps 1 MiB and doubles on demand: small stores stay small files
// and the first puts need no large address range.
constexpr std::uint64_t initial_map = 1 * MiB;
// The smallest max_size honoured: the databases themselves take a few pages.
constexpr std::uint64_t min_map = 256 * KiB;
// Pages an empty store uses besides one record: 2 meta pages, the roots of the
// databases, leaf pages for the record's index rows, the free list.
constexpr std::uint64_t empty_store_pages = 16;
// Entries deleted per eviction transaction at most: it stays small enough to fit
// in the reserve (and halves when it does not).
constexpr std::size_t eviction_batch = 64;

std::uint64_t os_page_size() {
  long size = sysconf(_SC_PAGESIZE);
  return size > 0 ? static_cast<std::uint64_t>(size) : 4096;
}

}  // namespace

SpaceLimits space_limits(std::uint64_t max_size) {
  const std::uint64_t page = os_page_size();
  SpaceLimits limits;
  limits.hard = std::max(max_size / page * page, min_map);
  // The reserve puts leave free: 1/16 of the store, between 256 KiB and 16 MiB,
  // never more than a quarter. LMDB needs free pages for any write, deletes
  // included (copy-on-write), and reuses freed pages only two commits later.
  std::uint64_t reserve = std::clamp(limits.hard / 16, 256 * KiB, 16 * MiB);
  reserve = std::min(reserve, limits.hard / 4) / page * page;
  limits.put = limits.hard - reserve;
  limits.initial = std::min(initial_map, limits.put);
  return limits;
}

LmdbStore::LmdbStore(Env env, std::filesystem::path dir, std::uint64_t max_size,
                     EnvAccess access)
    : env_(std::move(env)),
      access_(access),
      dir_(std::move(dir)),
      where_("store " + dir_.string()),
      limits_(space_limits(max_size)) {
  MDB_stat st{};
  check_rc(mdb_env_stat(env_.get(), &st), where_, "read the environment");
  page_size_ = st.ms_psize;
}

Txn LmdbStore::begin_read() {
  if (first_read_) {
    Txn opening = std::move(*first_read_);
    first_read_.reset();
    // Reused only while it still sees the last commit: a read after a wait (a
    // lock, another process's write) takes a snapshot of its own.
    MDB_envinfo info{};
    if (mdb_env_info(env_.get(), &info) == 0 && info.me_last_txnid == mdb_txn_id(opening.get())) {
      return opening;
    }
  }
  for (int attempt = 0;; ++attempt) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_.get(), nullptr, MDB_RDONLY, &txn);
    // Another process grew the map past ours: adopt its size (allowed only while
    // this process has no transaction open) and begin again.
    if (rc == MDB_MAP_RESIZED && attempt < 3 && open_reads_ == 0) {
      set_map_size(0);
      continue;
    }
    check_rc(rc, where_, "begin a read transaction");
    return Txn(txn, where_, &open_reads_);
  }
}

void LmdbStore::reopen_writable() {
  first_read_.reset();
  if (open_reads_ != 0) {
    throw Error(exit_code::io, where_ + ": cannot reopen the store for writing while reading it");
  }
  env_.reset();
  env_ = open_env(dir_, where_, true, limits_.initial, EnvAccess::read_write);
  access_ = EnvAccess::read_write;
  open_dbis(lmdb_schema_version);  // handles belong to an environment
}

Txn LmdbStore::begin_write() {
  if (access_ == EnvAccess::read_only) reopen_writable();
  first_read_.reset();  // its snapshot would pin the pages this write frees
  for (int attempt = 0;; ++attempt) {
    MDB_txn* txn = nullptr;
    int rc = mdb_txn_begin(env_.get(), nullptr, 0, &txn);
    if (rc == MDB_MAP_RESIZED && attempt < 3 && open_reads_ == 0) {
      set_map_size(0);
      continue;
    }
    check_rc(rc, where_, "begin a write transaction");
    return Txn(txn, where_);
  }
}

bool LmdbStore::try_write(const WriteBody& body) {
  for (;;) {
    try {
      Txn txn = begin_write();
      body(txn);
      txn.commit();
      return true;
    } catch (const MapFull&) {
      // The transaction is aborted by now (unwinding or a failed commit).
    }
    if (!grow_map()) return false;
  }
}

void LmdbStore::write(const WriteBody& body) {
  if (!try_write(body)) {
    throw Error(exit_code::io, where_ + ": the store is full (max_size " +
                                   std::to_string(limits_.hard) + " bytes)");
  }
}

std::uint64_t LmdbStore::map_size() const {
  MDB_envinfo info{};
  check_rc(mdb_env_info(env_.get(), &info), where_, "read the environment");
  return info.me_mapsize;
}

void LmdbStore::set_map_size(std::uint64_t size) {
  first_read_.reset();
  // Remapping moves every page: a value handed out by an open read would dangle.
  if (open_reads_ != 0) {
    throw Error(exit_code::io, where_ + ": cannot resize the map while reading it");
  }
  check_rc(mdb_env_set_mapsize(env_.get(), size), where_, "resize the map");
}

bool LmdbStore::grow_map() {
  const std::uint64_t before = map_size();
  set_map_size(0);  // the size another process may have grown the map to
  const std::uint64_t adopted = map_size();
  std::uint64_t target = std::min(limits_.hard, std::max(adopted, before * 2));
  target = target / page_size_ * page_size_;
  if (target <= before) return false;
  set_map_size(target);
  return true;
}

std::uint64_t LmdbStore::live_pages(const Txn& txn) const {
  // Pages the last snapshot uses: every database's tree (the free list's own
  // included) and the two meta pages. Cheap: each figure is in the database's
  // record, nothing is walked.
  std::uint64_t pages = 2;
  for (MDB_dbi dbi : dbis_.all()) {
    MDB_stat st{};
    check_rc(mdb_stat(txn.get(), dbi, &st), where_, "read database statistics");
    pages += st.ms_branch_pages + st.ms_leaf_pages + st.ms_overflow_pages;
  }
  return pages;
}

std::uint64_t LmdbStore::record_bytes(std::uint64_t bytes) const {
  // A record over about half a page is a run of overflow pages (16-byte header)
  // plus a leaf slot; a small one shares leaves, which run about half full, and
  // its index rows take a few hundred bytes more.
  if (bytes + 16 > page_size_ / 2) return ((bytes + 16 + page_size_ - 1) / page_size_ + 1) * page_size_;
  return 2 * (bytes + 256);
}

std::uint64_t LmdbStore::record_pages(std::uint64_t bytes) const {
  return (record_bytes(bytes) + page_size_ - 1) / page_size_;
}

void LmdbStore::reserve_map(std::uint64_t pages) {
  // A write that overflows the map is aborted and redone whole after the map
  // doubles: for a large batch (import) that was half its cost. Growing the map
  // first to what the batch needs makes it one pass. The file itself grows only
  // as pages are written.
  MDB_envinfo info{};
  check_rc(mdb_env_info(env_.get(), &info), where_, "read the environment");
  std::uint64_t want = std::min(limits_.hard, (info.me_last_pgno + 1 + pages) * page_size_);
  want = want / page_size_ * page_size_;
  if (want > info.me_mapsize) set_map_size(want);
}

bool LmdbStore::fits_empty_store(std::uint64_t pages) const {
  return pages + empty_store_pages <= limits_.put / page_size_;
}

bool LmdbStore::write_with_room(std::uint64_t need, const WriteBody& body, std::size_t& evicted) {
  const std::uint64_t limit = limits_.put / page_size_;
  std::uint64_t extra = 0;  // more room asked for after MAP_FULL: free pages, no run long enough
  for (;;) {
    bool admitted = false;
    bool fitted = try_write([&](Txn& txn) {
      admitted = live_pages(txn) + need + extra <= limit;
      if (admitted) body(txn);
    });
    if (fitted && admitted) return true;
    if (!fitted) extra = std::max(2 * extra, need);
    // Room for this write and 1/64 of the store more, so that the next puts do
    // not each evict a little.
    std::uint64_t want = need + extra + limit / 64;
    std::size_t n = evict_to(want < limit ? limit - want : 0, fitted ? 0 : 1);
    if (n == 0) return false;
    evicted += n;
  }
}

std::size_t LmdbStore::evict_to(std::uint64_t target_pages, std::size_t at_least) {
  std::size_t evicted = 0;
  std::size_t batch_limit = eviction_batch;
  for (;;) {
    std::size_t batch = 0;  // entries this transaction evicted
    std::size_t rows = 0;   // expiry rows it visited: none means an empty store
    bool reached = false;
    bool done = try_write([&](Txn& txn) {
      batch = 0;
      rows = 0;
      // Live pages as measured, less an estimate of what each eviction frees:
      // exact for large records, generous for small ones (a leaf frees only when
      // it empties), so a transaction stops early and the next one measures again.
      std::uint64_t live = live_pages(txn);
      reached = evicted >= at_least && live <= target_pages;
      if (reached) return;
      // by_expiry orders entries by available_to: the expired ones come first,
      // then those nearest their expiry, exactly the order a cache gives up.
      std::vector<std::pair<std::string, std::string>> victims;  // expiry row, key
      {
        Cursor cursor(txn, dbis_.by_expiry);
        MDB_val k{};
        MDB_val v{};
        for (bool more = cursor.get(k, v, MDB_FIRST); more && victims.size() < batch_limit;
             more = cursor.get(k, v, MDB_NEXT)) {
          victims.emplace_back(as_view(k), as_view(v));
        }
      }
      for (const auto& [row, key] : victims) {
        if (evicted + batch >= at_least && live <= target_pages) break;
        ++rows;
        if (std::optional<std::size_t> size = erase_entry(txn, dbis_, key)) {
          drop_job(txn, dbis_, key);
          ++batch;
          live -= std::min(live, record_pages(*size));
        } else {
          // A row without its entry (a damaged index) goes too, or it would be
          // chosen again and again.
          txn.del(dbis_.by_expiry, row, key);
        }
      }
    });
    if (!done) {
      // Even a delete copies pages: with little free, delete fewer at a time.
      if (batch_limit == 1) {
        throw Error(exit_code::io, where_ + ": the store is full and no room can be made");
      }
      batch_limit /= 2;
      continue;
    }
    if (reached || rows == 0) break;
    evicted += batch;
  }
  if (evicted != 0) advance_generation();
  return evicted;
}

void LmdbStore::advance_generation() {
  // LMDB reuses pages freed by transaction N only from N+2 on (until then an
  // unsynced N could be rolled back to a snapshot that still uses them): one
  // more small commit makes the evicted space available to the write that
  // follows. When even this does not fit, that write simply evicts again.
  try_write([&](Txn& txn) {
    std::uint64_t generation = 0;
    if (auto old = txn.get(dbis_.meta, meta_generation); old && old->size() == 8) {
      for (unsigned char c : *old) generation = (generation << 8) | c;
    }
    ++generation;
    std::string bytes(8, '\0');
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(generation >> (56 - 8 * i));
    txn.put(dbis_.meta, meta_generation, bytes);
  });
}

}  // namespace djc::lmdb
