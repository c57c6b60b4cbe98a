// The cache logic of SPEC.md §5 over any Store: hit, miss, single-flight compute,
// expiry, relevance, dependency files, failures.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/args.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/entry.hpp"
#include "core/getter.hpp"
#include "core/put_batch.hpp"
#include "store/store.hpp"

namespace djc {

// Per-call overrides of worker settings (django-cache took them as kwargs).
struct WorkerOverrides {
  std::optional<Duration> timeout;
  std::optional<Duration> relevance_timeout;
  std::optional<Duration> getter_timeout;
  std::optional<Duration> wait;
};

struct GetOptions {
  bool force = false;    // recompute even when a fresh entry exists
  bool no_wait = false;  // Error(75) at once when another process computes the key
  WorkerOverrides overrides;
};

enum class Served {
  hit,          // a fresh entry
  computed,     // the getter ran and its value was stored
  uncached,     // the getter ran; the value was too large to store
  stale,        // a stale entry (relevance with delay_invalidation), refresh requested
  busy,         // another process holds the key (background refresh, job runs)
  on_error,     // the getter failed; an entry within serve_stale_on_error was served
  failed,       // the getter failed; nothing was served
};

struct GetResult {
  Served served = Served::hit;
  int exit_code = 0;
  std::string key;
};

enum class Freshness { fresh, stale, expired };

// The entry as `get` must treat it at `now`.
Freshness freshness(const EntryMeta& meta, const Worker& worker, double now);

// `worker` with the per-call overrides applied.
Worker with_overrides(const Worker& worker, const WorkerOverrides& overrides);

// The metadata of entry `key` (copied out of the store), nullopt when absent.
std::optional<EntryMeta> read_meta(Store& store, std::string_view key);

// Every key in the store, label by label.
std::vector<std::string> all_keys(Store& store);

class Cache {
 public:
  // Called with the key of a stale entry to recompute it in the background.
  using RefreshLauncher = std::function<void(const Worker&, const Args&)>;
  // Receives the entry to print; its value is valid only during the call.
  using Deliver = std::function<void(const EntryRef&)>;

  // Produces a value in place of run_getter (`dj-cache run`). `live`: the caller
  // wants the output, and nothing else could be served instead, so the runner may
  // stream it as it comes (and then sets GetterResult::shown).
  using Runner = std::function<GetterResult(const Worker&, const Args&, const std::string& key,
                                            bool live)>;

  Cache(Store& store, const Clock& clock, RefreshLauncher refresh = {}, Runner runner = {})
      : store_(store), clock_(clock), refresh_(std::move(refresh)), runner_(std::move(runner)) {}

  // From now on, computed entries that hold their key's lock and are small join
  // `batch` (stored when it flushes) instead of being stored one by one: `warm`.
  void store_in(PutBatch& batch) { batch_ = &batch; }

  // Serves `args` of `worker`: a fresh entry at once (one read-only transaction),
  // otherwise the getter runs under the key's lock (others block on it and get the
  // stored value), the value is stored and delivered.
  GetResult get(const Worker& worker, const Args& args, const GetOptions& options,
                const Deliver& deliver);

  // Recomputes and stores the entry now (under its lock, waiting for it as get
  // does), delivering nothing.
  GetResult recompute(const Worker& worker, const Args& args, const GetOptions& options);

  // The background refresh of a stale entry: takes the key's lock without waiting
  // (Served::busy when another process holds it) and recomputes only when the
  // entry is still stale or missing, so many stale reads make one recomputation.
  GetResult refresh_if_stale(const Worker& worker, const Args& args);

  // Runs the getter and stores its value, for a caller that already holds the
  // key's lock (the job runner).
  GetResult compute_locked(const Worker& worker, const Args& args, const std::string& key,
                           const Deliver& deliver);

 private:
  // `live`: the caller wants the output (get), not only the entry stored (recompute).
  GetResult compute(const Worker& worker, const Args& args, const std::string& key,
                    const GetOptions& options, const Deliver& deliver, bool live);
  // `lock`: the key's lock when this call took it (kept until the value is stored,
  // which a batch may do later), else null.
  GetResult compute_locked(const Worker& worker, const Args& args, const std::string& key,
                           const Deliver& deliver, bool live, std::unique_ptr<KeyLock> lock);
  // Stores a computed entry now, or in the batch.
  PutOutcome store(const EntryMeta& meta, const CapturedOutput& value,
                   std::unique_ptr<KeyLock> lock);
  // Whether serve_stale_on_error would have an entry to serve now.
  bool has_fallback(const Worker& worker, const std::string& key);
  void request_refresh(const Worker& worker, const Args& args, const std::string& key);
  bool serve_stale_on_error(const Worker& worker, const std::string& key, const Deliver& deliver);
  // Counts what a get that went past the first read came to (stats).
  void count_get(const std::string& label, Served served);

  Store& store_;
  const Clock& clock_;
  RefreshLauncher refresh_;
  Runner runner_;
  PutBatch* batch_ = nullptr;
};

}  // namespace djc
