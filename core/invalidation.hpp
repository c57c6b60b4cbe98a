// Applying an invalidation (SPEC.md §5): the matched entries are recomputed with
// their stored args, queued for the background runner (delay_invalidation), or
// dropped.
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/attribute_match.hpp"
#include "core/cache.hpp"
#include "core/config.hpp"
#include "store/store.hpp"

namespace djc {

struct InvalidationReport {
  std::size_t matched = 0;
  std::size_t recomputed = 0;  // the getter ran (failures count in failed too)
  std::size_t failed = 0;      // the getter failed; the old entry stays
  std::size_t dropped = 0;     // deleted (--drop)
  std::size_t queued = 0;      // handed to the job queue: a runner must be started
  int first_failure = 0;       // the exit code of the first failing getter

  InvalidationReport& operator+=(const InvalidationReport& other);
};

struct InvalidationOptions {
  bool drop = false;  // delete the matched entries instead of recomputing them
  double now = 0;     // Unix seconds: queued jobs are due at now + delay_countdown
  // Called with the number of entries just handled (a progress line in cli/).
  std::function<void(std::size_t)> progress;
};

// Invalidates `keys`, entries of `worker`'s label. An entry gone meanwhile is
// matched but left alone. With worker.delay_invalidation each key is queued
// (Store::enqueue_job coalesces repeated invalidations of one entry).
InvalidationReport invalidate_keys(Store& store, Cache& cache, const Worker& worker,
                                   const std::vector<std::string>& keys,
                                   const InvalidationOptions& options);

// Applies many selections at once: the keys of each label are merged first, so an
// entry several selections match is invalidated once. Error(69) for a label the
// config has no worker for.
InvalidationReport apply_selections(Store& store, Cache& cache, const Config& config,
                                    const std::vector<Selection>& selections,
                                    const InvalidationOptions& options);

}  // namespace djc
