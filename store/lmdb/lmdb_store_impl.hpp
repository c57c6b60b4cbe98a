// The LMDB store's class, private to store/lmdb/: its methods are spread over
// lmdb_store.cpp (entries), lmdb_scans.cpp, lmdb_space.cpp (map growth, eviction),
// lmdb_jobs.cpp (job queue), lmdb_migrations.cpp (schema) and lmdb_check.cpp.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "store/lmdb/lmdb_env.hpp"
#include "store/lmdb/lmdb_layout.hpp"
#include "store/lmdb/stats_file.hpp"
#include "store/store.hpp"

namespace djc::lmdb {

// How large the map may grow, from max_size (rounded to whole pages).
struct SpaceLimits {
  std::uint64_t hard = 0;     // max_size: the map grows to here at most
  std::uint64_t put = 0;      // live data stops here: the rest is kept free for
                              // copy-on-write, deletes included
  std::uint64_t initial = 0;  // the map of a new store; it doubles as it fills
};
SpaceLimits space_limits(std::uint64_t max_size);

// How open_env opens an environment.
enum class EnvAccess {
  read_write,
  // MDB_RDONLY: no write buffers, no second (O_DSYNC) descriptor of data.mdb;
  // what a hit needs. Never creates a store.
  read_only,
};

// Opens the environment in `dir`: creates the directory (0700) and files (0600)
// when `create`, checks that data.mdb is not truncated, clears stale reader slots.
// Returns nullptr when !create and there is no store.
Env open_env(const std::filesystem::path& dir, const std::string& where, bool create,
             std::uint64_t initial_map_size, EnvAccess access = EnvAccess::read_write);

// Whether `dir` holds a store (data.mdb); Error(74) when it cannot (a file, say).
bool store_exists(const std::filesystem::path& dir, const std::string& where);

class LmdbStore final : public Store {
 public:
  // `access`: how `env` was opened. A read-only environment is reopened
  // read-write by the first write (a miss after the hit that was hoped for).
  LmdbStore(Env env, std::filesystem::path dir, std::uint64_t max_size,
            EnvAccess access = EnvAccess::read_write);

  // --- Schema (lmdb_migrations.cpp) ----------------------------------------
  // The schema version on disk; 0 for an environment nothing was written to yet.
  int schema_on_disk();
  // schema_on_disk(), and when that is lmdb_schema_version, open_dbis() in the
  // same read transaction, which the first read then continues: a hit on a
  // current store is one transaction.
  int open_if_current();
  // Creates the databases of `version` unless another process already did.
  void create_schema(int version);
  // Upgrades the schema to lmdb_schema_version in one write transaction.
  void migrate();
  // Opens the handles of schema `version`; the store then reads and writes it.
  void open_dbis(int version);

  // --- Store ---------------------------------------------------------------
  bool read(std::string_view key, const std::function<void(const EntryRef&)>& use) override;
  using Store::put;
  PutOutcome put(const EntryMeta& meta, const ValueSource& value) override;
  void put_all(const std::vector<std::pair<EntryMeta, std::string>>& entries) override;
  std::size_t erase(const std::vector<std::string>& keys) override;
  void for_each(std::optional<std::string_view> label,
                const std::function<void(const EntryRef&)>& use) override;
  std::vector<std::string> keys_of_label(std::string_view label) override;
  std::vector<std::string> keys_with_arg(std::string_view label, std::string_view name,
                                         std::string_view value) override;
  std::vector<std::string> keys_without_arg(std::string_view label,
                                            std::string_view name) override;
  std::vector<std::string> keys_expired(double now) override;
  std::vector<std::string> keys_stale(double now, std::optional<std::string_view> label) override;
  std::vector<std::string> labels() override;
  std::unique_ptr<KeyLock> lock_key(std::string_view key,
                                    std::optional<double> wait_seconds) override;
  // Job queue (lmdb_jobs.cpp).
  void enqueue_job(std::string_view key, double due) override;
  std::vector<Job> due_jobs(double now, std::size_t limit) override;
  std::optional<double> next_job_due() override;
  void finish_job(const Job& job) override;
  std::vector<Job> jobs() override;
  CheckReport check(bool repair) override;
  // Usage counters in the `stats` file (lmdb_stats.cpp).
  void count(std::string_view label, const Counters& delta) noexcept override;
  std::map<std::string, Counters> counters() override;
  void record_purge(double when) noexcept override;
  std::optional<double> last_purge() override;

 private:
  using WriteBody = std::function<void(Txn&)>;

  // --- Transactions and space (lmdb_space.cpp) -----------------------------
  Txn begin_read();
  Txn begin_write();
  // Replaces a read-only environment by a read-write one (no transaction may be
  // open): closed first, since closing any descriptor of lock.mdb drops this
  // process's locks on it, which the new environment's would be.
  void reopen_writable();
  // Runs `body` in a write transaction and commits; on MDB_MAP_FULL grows the map
  // (up to max_size) and runs it again. False when it does not fit.
  bool try_write(const WriteBody& body);
  // try_write, throwing Error(74) "the store is full" when it does not fit.
  void write(const WriteBody& body);
  // Runs `body` (adding about `need` pages) once the live data leaves room for
  // it below the put limit, evicting to make that room. False when the store
  // is empty and still has no room; `evicted` counts the entries evicted.
  bool write_with_room(std::uint64_t need, const WriteBody& body, std::size_t& evicted);
  std::uint64_t map_size() const;
  void set_map_size(std::uint64_t size);
  bool grow_map();
  // Pages in use by the snapshot `txn` reads.
  std::uint64_t live_pages(const Txn& txn) const;
  // Bytes of pages a record of `bytes` takes, with its index rows (an estimate
  // on the generous side), and the same in whole pages.
  std::uint64_t record_bytes(std::uint64_t bytes) const;
  std::uint64_t record_pages(std::uint64_t bytes) const;
  // Grows the map, within max_size, to hold `pages` more than the store uses.
  void reserve_map(std::uint64_t pages);
  // Whether records of `pages` (record_pages) could be stored in an empty store.
  bool fits_empty_store(std::uint64_t pages) const;
  // Deletes entries, expired first then nearest expiry, at least `at_least` of
  // them and until the live data is at most `target_pages`; returns how many.
  std::size_t evict_to(std::uint64_t target_pages, std::size_t at_least);
  // Commits a tiny write so pages freed by the last transaction become reusable.
  void advance_generation();

  // Error(74) when the schema (1, in tests) has no job queue.
  void require_jobs() const;
  // Error(74) for a key or label the indexes cannot hold.
  void validate(const EntryMeta& meta) const;
  [[noreturn]] void corrupt(std::string_view key, std::string_view why) const;

  Env env_;
  EnvAccess access_;
  std::filesystem::path dir_;
  std::string where_;  // "store PATH", the start of every message
  Dbis dbis_;
  std::uint64_t page_size_ = 4096;
  SpaceLimits limits_;
  int open_reads_ = 0;            // read transactions open in this process
  std::optional<Txn> first_read_;  // open_if_current()'s, for the next read if still current
  // The stats file, mapped on first use and kept for the process (lmdb_stats.cpp).
  StatsFile* stats_file(bool for_counting) noexcept;
  std::unique_ptr<StatsFile> stats_;
  bool stats_tried_ = false;      // open_for_counting failed once: counting is off
};

}  // namespace djc::lmdb
