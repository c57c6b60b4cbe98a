// The storage contract: everything core/ and cli/ may ask of a store. The LMDB
// store (store/lmdb/) is the embedded default; a networked backend sits beside it.
//
// Every method is atomic: an entry and all its index rows change together or not
// at all. Methods throw djc::Error with exit code 74 on I/O errors, a full store
// that cannot make room, or a corrupt record.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/entry.hpp"

namespace djc {

// A held per-key computation lock; released when destroyed (and by the kernel or
// the server when its holder dies).
class KeyLock {
 public:
  virtual ~KeyLock() = default;
};

struct PutOutcome {
  bool stored = false;      // false: the value is larger than the whole store
  std::size_t evicted = 0;  // entries removed to make room
};

// A queued recomputation of one entry (delay_invalidation). A runner claims a job
// by holding the entry key's computation lock (lock_key) while it runs it, so a
// runner that dies releases its claim with its lock and the job is run again.
struct Job {
  std::string key;            // the entry to recompute with its stored args
  double due = 0;             // Unix seconds
  std::uint64_t version = 0;  // grows each time the job is queued again
};

struct CheckReport {
  std::size_t entries = 0;
  std::vector<std::string> problems;  // one line each; empty when the store is sound
  std::size_t repaired = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // --- Entries -------------------------------------------------------------
  // Looks `key` up in one read-only transaction and, when found, calls `use` with
  // the entry; `value` points into the store and is valid only during the call.
  // Returns whether the key was found.
  virtual bool read(std::string_view key, const std::function<void(const EntryRef&)>& use) = 0;

  // Stores (or replaces) one entry with its index rows. When the store is at its
  // size limit it evicts expired entries, then those nearest expiry; a value larger
  // than the whole store is not stored (stored = false), nothing else changes.
  virtual PutOutcome put(const EntryMeta& meta, std::string_view value) = 0;

  // Stores many entries all or nothing (import, warm): batched transactions whose
  // effect is visible only when all of them committed.
  virtual void put_all(const std::vector<std::pair<EntryMeta, std::string>>& entries) = 0;

  // Deletes entries with their index rows; returns how many existed.
  virtual std::size_t erase(const std::vector<std::string>& keys) = 0;

  // Calls `use` for every entry (of `label`, when given), by label then key, in
  // read-only transactions.
  virtual void for_each(std::optional<std::string_view> label,
                        const std::function<void(const EntryRef&)>& use) = 0;

  // --- Index scans: each costs what it returns, not the store's size ---------
  virtual std::vector<std::string> keys_of_label(std::string_view label) = 0;
  // Entries of `label` whose named arg `name` equals `value`, or is a list holding it.
  virtual std::vector<std::string> keys_with_arg(std::string_view label, std::string_view name,
                                                 std::string_view value) = 0;
  // Entries of `label` where `name` is absent or None (they match every value).
  virtual std::vector<std::string> keys_without_arg(std::string_view label,
                                                    std::string_view name) = 0;
  // Entries whose available_to <= now.
  virtual std::vector<std::string> keys_expired(double now) = 0;
  // Entries (of `label`, when given) whose relevance_to <= now.
  virtual std::vector<std::string> keys_stale(double now, std::optional<std::string_view> label) = 0;
  // Labels present in the store, sorted.
  virtual std::vector<std::string> labels() = 0;

  // --- Single-flight -------------------------------------------------------
  // Takes the computation lock of `key`. wait_seconds: nullopt blocks without
  // limit, 0 tries once, otherwise blocks at most that long (blocking, never
  // polling). Returns nullptr when the lock was not had in time.
  virtual std::unique_ptr<KeyLock> lock_key(std::string_view key,
                                            std::optional<double> wait_seconds) = 0;

  // --- Delayed work: the durable job queue ----------------------------------
  // Queues a recomputation of entry `key` due at `due`, in one write transaction.
  // A job already queued for the key absorbs this one (coalescing): its due time
  // stays, its version grows, so a run that began before this call does not
  // remove it (finish_job) and the newer change is recomputed too.
  virtual void enqueue_job(std::string_view key, double due) = 0;
  // Up to `limit` jobs due at or before `now`, earliest first.
  virtual std::vector<Job> due_jobs(double now, std::size_t limit) = 0;
  // The earliest due time of any queued job; nullopt when the queue is empty.
  virtual std::optional<double> next_job_due() = 0;
  // Removes `job` after it ran, unless it was queued again (its version changed).
  virtual void finish_job(const Job& job) = 0;
  // Every queued job, earliest first (check, stats).
  virtual std::vector<Job> jobs() = 0;

  // --- Maintenance ---------------------------------------------------------
  // Verifies records decode, checksums match and indexes agree with entries both
  // ways, and that jobs reference live entries; with repair, rebuilds the indexes
  // from the entries and drops jobs of missing entries.
  virtual CheckReport check(bool repair) = 0;
};

// How a command opens the store.
enum class OpenMode {
  write,     // create a missing store (as `migrate` would); refuse an older schema
  read,      // a missing store is empty (open_store returns nullptr)
  migrate,   // create or upgrade
};

struct StoreOptions {
  std::filesystem::path path;
  std::uint64_t max_size = std::uint64_t{1} << 30;
};

struct SchemaStatus {
  bool exists = false;
  int on_disk = 0;   // 0 when missing
  int current = 0;   // the version this build writes
};

}  // namespace djc
