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
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/entry.hpp"
#include "core/value_source.hpp"

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

// Usage counters of one label (`dj-cache stats`). A backend adds deltas to them
// atomically, outside its entries: counting a hit must not make it a write.
struct Counters {
  std::uint64_t hits = 0;             // gets served a fresh entry
  std::uint64_t misses = 0;           // gets that ran the getter (--force included)
  std::uint64_t stale_serves = 0;     // gets served a stale entry (delay_invalidation)
  std::uint64_t getter_runs = 0;      // every getter run: gets, refresh, invalidation, jobs
  std::uint64_t getter_failures = 0;  // runs that exited non-zero or timed out
  std::uint64_t getter_ms = 0;        // milliseconds spent in getters
  std::uint64_t evictions = 0;        // entries evicted to make room for this label's values
  std::uint64_t served_on_error = 0;  // gets served an expired entry (serve_stale_on_error)

  Counters& operator+=(const Counters& other);
  friend bool operator==(const Counters&, const Counters&) = default;
};

// The counters by name, in the order `stats` shows them; backends that store them
// by name (a Redis hash) use these names.
struct CounterField {
  const char* name;
  std::uint64_t Counters::*member;
};
inline constexpr CounterField counter_fields[] = {
    {"hits", &Counters::hits},
    {"misses", &Counters::misses},
    {"stale_serves", &Counters::stale_serves},
    {"getter_runs", &Counters::getter_runs},
    {"getter_failures", &Counters::getter_failures},
    {"getter_ms", &Counters::getter_ms},
    {"evictions", &Counters::evictions},
    {"served_on_error", &Counters::served_on_error},
};

inline Counters& Counters::operator+=(const Counters& other) {
  for (const CounterField& field : counter_fields) this->*field.member += other.*field.member;
  return *this;
}

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
  // The store computes the checksum of the bytes it wrote (meta.checksum is
  // ignored): it vouches for what it holds. The value is copied from `value`
  // into the store's own space, once.
  virtual PutOutcome put(const EntryMeta& meta, const ValueSource& value) = 0;
  PutOutcome put(const EntryMeta& meta, std::string_view value) {
    return put(meta, ValueView(value));
  }

  // Stores many entries all or nothing (import, warm): batched transactions whose
  // effect is visible only when all of them committed. Checksums as put.
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

  // --- Usage counters (stats): best effort, never a transaction -------------
  // Adds `delta` to the counters of `label`. Never throws and never fails the
  // caller: a counter that cannot be written is lost, the get goes on.
  virtual void count(std::string_view label, const Counters& delta) noexcept = 0;
  // The counters of every label counted so far; empty when there are none or
  // they cannot be read.
  virtual std::map<std::string, Counters> counters() = 0;
  // Records that a purge ran at `when` (Unix seconds); best effort as count().
  virtual void record_purge(double when) noexcept = 0;
  // When the last purge ran; nullopt when none is recorded.
  virtual std::optional<double> last_purge() = 0;
};

// How a command opens the store.
enum class OpenMode {
  write,     // create a missing store (as `migrate` would); refuse an older schema
  read,      // a missing store is empty (open_store returns nullptr)
  migrate,   // create or upgrade
  get,       // as write, for `get`: a networked store that cannot be reached (at
             // open or later) holds nothing and stores nothing, after one warning,
             // so the getter still runs and its value is printed; LMDB opens a
             // current store read-only, as a hit needs, until the first write
};

struct StoreOptions {
  std::filesystem::path path;
  std::uint64_t max_size = std::uint64_t{1} << 30;
  // OpenMode::get that will write whatever it finds (get --force): LMDB opens
  // read-write at once instead of read-only and again read-write.
  bool write_expected = false;
};

struct SchemaStatus {
  bool exists = false;
  int on_disk = 0;   // 0 when missing
  int current = 0;   // the version this build writes
};

}  // namespace djc
