// Running the due jobs of the delayed-invalidation queue (SPEC.md §5 "Delayed work").
#pragma once

#include <cstddef>

#include "core/cache.hpp"
#include "core/config.hpp"
#include "store/store.hpp"

namespace djc {

struct JobReport {
  std::size_t ran = 0;      // recomputed (or tried: a failing getter counts in failed too)
  std::size_t failed = 0;   // the getter failed; the old entry stays, the job is done
  std::size_t dropped = 0;  // the entry or its worker no longer exists
  std::size_t busy = 0;     // another process holds the key; left for a later round
};

// Runs every job due at `now`. A job is claimed by taking its entry's lock without
// waiting (a job whose key is held is left queued), runs with the entry's stored
// args, and is removed only after it ran; a runner killed mid-job leaves it queued
// and its lock released, so the next runner runs it again.
JobReport run_due_jobs(Store& store, const Config& config, Cache& cache, double now);

}  // namespace djc
