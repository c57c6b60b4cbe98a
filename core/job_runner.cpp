// One pass over the due jobs of the queue.
#include "core/job_runner.hpp"

#include "core/diagnostics.hpp"

namespace djc {
namespace {

constexpr std::size_t jobs_per_pass = 256;

}  // namespace

JobReport run_due_jobs(Store& store, const Config& config, Cache& cache, double now) {
  JobReport report;
  for (const Job& job : store.due_jobs(now, jobs_per_pass)) {
    auto claim = store.lock_key(job.key, 0.0);
    if (!claim) {
      ++report.busy;
      continue;
    }
    auto meta = read_meta(store, job.key);
    const Worker* worker = meta ? config.find_worker(meta->label) : nullptr;
    if (!worker) {
      note("job {}: entry or worker gone; dropped", job.key);
      ++report.dropped;
      store.finish_job(job);
      continue;
    }
    GetResult result = cache.compute_locked(*worker, meta->args, job.key, [](const EntryRef&) {});
    ++report.ran;
    if (result.served == Served::failed) ++report.failed;
    store.finish_job(job);
  }
  return report;
}

}  // namespace djc
