// Serving and computing entries: the get path of SPEC.md §5.
#include "core/cache.hpp"

#include "core/depends.hpp"
#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "core/getter.hpp"
#include "core/key.hpp"

namespace djc {
namespace {


bool deps_changed(const EntryMeta& meta, const Worker& worker) {
  if (worker.depends_on.empty() && meta.deps.empty()) return false;
  return fingerprint_files(worker.depends_on) != meta.deps;
}

}  // namespace

std::optional<EntryMeta> read_meta(Store& store, std::string_view key) {
  std::optional<EntryMeta> meta;
  store.read(key, [&](const EntryRef& entry) { meta = entry.meta; });
  return meta;
}

std::vector<std::string> all_keys(Store& store) {
  std::vector<std::string> keys;
  for (const auto& label : store.labels()) {
    auto of_label = store.keys_of_label(label);
    keys.insert(keys.end(), of_label.begin(), of_label.end());
  }
  return keys;
}

Freshness freshness(const EntryMeta& meta, const Worker& worker, double now) {
  if (now >= meta.available_to || deps_changed(meta, worker)) return Freshness::expired;
  if (worker.relevance_invalidation && meta.relevance_to && now >= *meta.relevance_to) {
    return Freshness::stale;
  }
  return Freshness::fresh;
}

Worker with_overrides(const Worker& worker, const WorkerOverrides& overrides) {
  Worker effective = worker;
  if (overrides.timeout) effective.timeout = *overrides.timeout;
  if (overrides.relevance_timeout) effective.relevance_timeout = *overrides.relevance_timeout;
  if (overrides.getter_timeout) effective.getter_timeout = *overrides.getter_timeout;
  if (overrides.wait) effective.wait = *overrides.wait;
  return effective;
}

GetResult Cache::get(const Worker& worker, const Args& args, const GetOptions& options,
                     const Deliver& deliver) {
  Worker effective = with_overrides(worker, options.overrides);
  std::string key = entry_key(effective.label, args, effective.key_gen);
  if (!options.force) {
    bool accept_stale = effective.relevance_invalidation && effective.delay_invalidation;
    bool served = false;
    bool stale = false;
    int exit_code = 0;
    store_.read(key, [&](const EntryRef& entry) {
      Freshness state = freshness(entry.meta, effective, clock_.now());
      if (state == Freshness::expired || (state == Freshness::stale && !accept_stale)) return;
      served = true;
      stale = state == Freshness::stale;
      exit_code = entry.meta.exit_code;
      deliver(entry);
    });
    if (served && !stale) {
      store_.count(effective.label, Counters{.hits = 1});
      return {Served::hit, exit_code, key};
    }
    if (served) {
      store_.count(effective.label, Counters{.stale_serves = 1});
      request_refresh(effective, args, key);
      return {Served::stale, exit_code, key};
    }
  }
  GetResult result = compute(effective, args, key, options, deliver, true);
  count_get(effective.label, result.served);
  return result;
}

void Cache::count_get(const std::string& label, Served served) {
  // A get that found the value under the lock (stored by the process it waited
  // for) is a hit; one that ran the getter is a miss, whatever the getter did.
  Counters delta;
  if (served == Served::hit) {
    delta.hits = 1;
  } else if (served != Served::busy && served != Served::stale) {
    delta.misses = 1;
    if (served == Served::on_error) delta.served_on_error = 1;
  }
  store_.count(label, delta);
}

GetResult Cache::recompute(const Worker& worker, const Args& args, const GetOptions& options) {
  Worker effective = with_overrides(worker, options.overrides);
  std::string key = entry_key(effective.label, args, effective.key_gen);
  GetOptions forced = options;
  forced.force = true;
  return compute(effective, args, key, forced, [](const EntryRef&) {}, false);
}

GetResult Cache::compute(const Worker& worker, const Args& args, const std::string& key,
                         const GetOptions& options, const Deliver& deliver, bool live) {
  std::optional<double> wait = options.no_wait ? 0.0 : seconds(worker.wait);
  if (batch_ && batch_->holds(key)) batch_->flush();  // its lock is ours: stored first
  auto lock = store_.lock_key(key, wait);
  if (!lock && options.no_wait) {
    throw Error(exit_code::tempfail,
                fmt::format("{}: another process is computing this key (--no-wait)", key));
  }
  if (!lock) note("{}: waited {} for another process; computing it here", key, seconds(worker.wait));
  if (!options.force) {
    // Looked again under the lock: whoever held it may have stored the value.
    bool served = false;
    int exit_code = 0;
    store_.read(key, [&](const EntryRef& entry) {
      if (freshness(entry.meta, worker, clock_.now()) != Freshness::fresh) return;
      served = true;
      exit_code = entry.meta.exit_code;
      deliver(entry);
    });
    if (served) return {Served::hit, exit_code, key};
  }

  return compute_locked(worker, args, key, deliver, live, std::move(lock));
}

void Cache::request_refresh(const Worker& worker, const Args& args, const std::string& key) {
  if (!refresh_) return;
  // A held lock means a refresh (or a get) is computing this key already: starting
  // another process would only find the lock taken.
  if (!store_.lock_key(key, 0.0)) return;
  refresh_(worker, args);
}

GetResult Cache::refresh_if_stale(const Worker& worker, const Args& args) {
  std::string key = entry_key(worker.label, args, worker.key_gen);
  auto lock = store_.lock_key(key, 0.0);
  if (!lock) return {Served::busy, 0, key};
  bool fresh = false;
  store_.read(key, [&](const EntryRef& entry) {
    fresh = freshness(entry.meta, worker, clock_.now()) == Freshness::fresh;
  });
  if (fresh) return {Served::hit, 0, key};
  return compute_locked(worker, args, key, [](const EntryRef&) {}, false, std::move(lock));
}

GetResult Cache::compute_locked(const Worker& worker, const Args& args, const std::string& key,
                                const Deliver& deliver) {
  return compute_locked(worker, args, key, deliver, false, nullptr);
}

bool Cache::has_fallback(const Worker& worker, const std::string& key) {
  if (worker.serve_stale_on_error <= Duration::zero()) return false;
  double now = clock_.now();
  bool found = false;
  store_.read(key, [&](const EntryRef& entry) {
    found = now - entry.meta.available_to < seconds(worker.serve_stale_on_error);
  });
  return found;
}

GetResult Cache::compute_locked(const Worker& worker, const Args& args, const std::string& key,
                                const Deliver& deliver, bool live,
                                std::unique_ptr<KeyLock> lock) {
  // Fingerprints are taken before the run: a file changed while the getter reads
  // it makes the next get a miss rather than serving a value of the old file.
  std::vector<FileFingerprint> deps = fingerprint_files(worker.depends_on);
  // Output streamed live cannot be taken back: with an old entry that a failure
  // would serve instead, the run is captured and shown only once it succeeded.
  GetterResult run = runner_ ? runner_(worker, args, key, live && !has_fallback(worker, key))
                             : run_getter(worker, args, key);
  Counters ran{.getter_runs = 1,
               .getter_failures = run.exit_code != 0 || run.timed_out ? 1u : 0u,
               .getter_ms = static_cast<std::uint64_t>(std::max(0.0, run.duration) * 1000 + 0.5)};
  store_.count(worker.label, ran);
  bool cacheable = run.exit_code == 0 || (worker.cache_failures && !run.timed_out);
  if (!cacheable) {
    if (runner_) {
      // A command's failure speaks for itself (its output, its exit code), as bkt's does.
      note("the command exited with {}; nothing cached", run.exit_code);
    } else if (!run.timed_out) {
      warn("getter for {} exited with {}; nothing cached", worker.label, run.exit_code);
    }
    if (serve_stale_on_error(worker, key, deliver)) return {Served::on_error, 0, key};
    if (runner_ && !run.shown) {
      // A command's failure is its output (a getter's is not): shown as it was.
      EntryMeta failed;
      failed.label = worker.label;
      failed.key = key;
      failed.exit_code = run.exit_code;
      failed.error_output = std::move(run.error_output);
      deliver(EntryRef{failed, run.output.view()});
    }
    return {Served::failed, run.exit_code, key};
  }

  double now = clock_.now();
  EntryMeta meta;
  meta.label = worker.label;
  meta.key = key;
  meta.args = args;
  meta.created_at = now;
  meta.available_to = now + seconds(worker.timeout);
  if (worker.relevance_invalidation) meta.relevance_to = now + seconds(worker.relevance_timeout);
  meta.getter_duration = run.duration;
  meta.exit_code = run.exit_code;
  meta.error_output = std::move(run.error_output);
  meta.deps = std::move(deps);
  PutOutcome put = store(meta, run.output, std::move(lock));
  if (put.evicted) store_.count(worker.label, Counters{.evictions = put.evicted});
  if (!put.stored) {
    warn("value of {} ({} bytes) is larger than the store; printed, not cached", key,
         run.output.size());
  }
  if (!run.shown) deliver(EntryRef{meta, run.output.view()});
  return {put.stored ? Served::computed : Served::uncached, run.exit_code, key};
}

PutOutcome Cache::store(const EntryMeta& meta, const CapturedOutput& value,
                        std::unique_ptr<KeyLock> lock) {
  if (batch_ && lock && PutBatch::takes(value.size())) {
    batch_->add(meta, std::string(value.view()), std::move(lock));
    return PutOutcome{true, 0};
  }
  return store_.put(meta, value);  // copied once, from a file when large
}

bool Cache::serve_stale_on_error(const Worker& worker, const std::string& key,
                                 const Deliver& deliver) {
  if (worker.serve_stale_on_error <= Duration::zero()) return false;
  double now = clock_.now();
  bool served = false;
  store_.read(key, [&](const EntryRef& entry) {
    if (now - entry.meta.available_to >= seconds(worker.serve_stale_on_error)) return;
    served = true;
    warn("{} failed; serving the entry that expired {:.0f}s ago",
         runner_ ? std::string("the command") : "getter for " + worker.label,
         std::max(0.0, now - entry.meta.available_to));
    deliver(entry);
  });
  return served;
}

}  // namespace djc
