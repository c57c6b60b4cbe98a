// Recompute, queue or drop the entries an invalidation matched.
#include "core/invalidation.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "core/error.hpp"

namespace djc {
namespace {

void recompute_one(Store& store, Cache& cache, const Worker& worker, const std::string& key,
                   InvalidationReport& report) {
  std::optional<EntryMeta> meta = read_meta(store, key);
  if (!meta) return;  // deleted since it matched: nothing to recompute
  GetResult result = cache.recompute(worker, meta->args, GetOptions{});
  ++report.recomputed;
  if (result.exit_code == 0) return;
  ++report.failed;
  if (!report.first_failure) report.first_failure = result.exit_code;
}

}  // namespace

InvalidationReport& InvalidationReport::operator+=(const InvalidationReport& other) {
  matched += other.matched;
  recomputed += other.recomputed;
  failed += other.failed;
  dropped += other.dropped;
  queued += other.queued;
  if (!first_failure) first_failure = other.first_failure;
  return *this;
}

InvalidationReport invalidate_keys(Store& store, Cache& cache, const Worker& worker,
                                   const std::vector<std::string>& keys,
                                   const InvalidationOptions& options) {
  InvalidationReport report;
  report.matched = keys.size();
  if (keys.empty()) return report;
  auto step = [&](std::size_t done) {
    if (options.progress) options.progress(done);
  };
  if (options.drop) {
    report.dropped = store.erase(keys);
    step(keys.size());
    return report;
  }
  if (worker.delay_invalidation) {
    double due = options.now + seconds(worker.delay_countdown);
    for (const auto& key : keys) store.enqueue_job(key, due);
    report.queued = keys.size();
    step(keys.size());
    return report;
  }
  for (const auto& key : keys) {
    recompute_one(store, cache, worker, key, report);
    step(1);
  }
  return report;
}

InvalidationReport apply_selections(Store& store, Cache& cache, const Config& config,
                                    const std::vector<Selection>& selections,
                                    const InvalidationOptions& options) {
  // Every selection is matched before anything is invalidated: recomputing keeps
  // each entry's args, so matching first selects exactly what matching in turn would.
  std::map<std::string, std::set<std::string>> keys_by_label;
  for (const Selection& selection : selections) {
    if (!config.find_worker(selection.label)) {
      throw Error(exit_code::unavailable, fmt::format("unknown worker '{}'", selection.label));
    }
    auto keys = select_keys(store, selection);
    keys_by_label[selection.label].insert(keys.begin(), keys.end());
  }
  InvalidationReport total;
  for (const auto& [label, keys] : keys_by_label) {
    std::vector<std::string> list(keys.begin(), keys.end());
    total += invalidate_keys(store, cache, *config.find_worker(label), list, options);
  }
  return total;
}

}  // namespace djc
