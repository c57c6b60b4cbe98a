// `dj-cache work [--once]`: run the due jobs of the delayed-invalidation queue.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "cli/commands.hpp"
#include "core/diagnostics.hpp"
#include "core/job_runner.hpp"
#include "core/spool.hpp"

namespace djc {
namespace {

// The lock a looping runner holds, so a queued job starts at most one of them.
// Labels never start with \x01, so it cannot collide with an entry key.
constexpr std::string_view runner_lock_key = "\x01runner";
// How long a looping runner sleeps at most before it looks at the queue again
// (a job queued meanwhile may be due sooner than the one it waits for).
constexpr double max_nap_seconds = 1.0;

struct WorkCommand {
  bool once = false;
  bool quiet_if_busy = false;  // the runner a queued job starts: another runner suffices
};

bool clock_is_fixed() {
  const char* fixed = std::getenv("DJ_CACHE_TEST_NOW");
  return fixed && *fixed;
}

void add(JobReport& total, const JobReport& pass) {
  total.ran += pass.ran;
  total.failed += pass.failed;
  total.dropped += pass.dropped;
  total.busy = pass.busy;
}

// The events spool ([events] spool) is drained before each pass over the jobs, so
// delayed invalidations its events queue join the queue at once. A bad spool file
// is moved aside by drain_spool and counted; it never fails `work`.
void drain_events(const Config& config, Store& store, Cache& cache, double now,
                  SpoolReport& total) {
  if (!config.spool) return;
  SpoolReport pass = drain_spool(*config.spool, store, cache, config, now);
  total.files += pass.files;
  total.failed_files += pass.failed_files;
  total.events += pass.events;
  total.invalidation += pass.invalidation;
}

void spool_summary(const Config& config, const SpoolReport& spool) {
  if (!config.spool) return;
  summary("work: spool: {} files applied ({} events, {} recomputed, {} queued), {} rejected",
          spool.files, spool.events, spool.invalidation.recomputed, spool.invalidation.queued,
          spool.failed_files);
}

int run_work(Context& context, const WorkCommand& command) {
  const Config& config = context.config();
  Store& store = *context.store(OpenMode::write);
  std::unique_ptr<KeyLock> runner;
  if (!command.once) {
    runner = store.lock_key(runner_lock_key, 0.0);
    if (!runner) {
      if (!command.quiet_if_busy) summary("work: another runner is working the queue");
      return 0;
    }
  }
  Cache cache(store, context.clock());
  JobReport total;
  SpoolReport spool;
  // A fixed test clock never reaches a future due time: one pass, then stop.
  bool loop = !command.once && !clock_is_fixed();
  for (;;) {
    double now = context.clock().now();
    drain_events(config, store, cache, now, spool);
    add(total, run_due_jobs(store, config, cache, now));
    if (!loop) break;
    auto next = store.next_job_due();
    if (!next) break;
    double nap = std::clamp(*next - context.clock().now(), 0.05, max_nap_seconds);
    std::this_thread::sleep_for(std::chrono::duration<double>(nap));
  }
  summary("work: {} jobs ran, {} failed, {} dropped, {} left busy", total.ran, total.failed,
          total.dropped, total.busy);
  spool_summary(config, spool);
  return 0;
}

}  // namespace

void add_work_command(CLI::App& app, Context& context) {
  auto command = std::make_shared<WorkCommand>();
  CLI::App* work = app.add_subcommand("work", "Run due jobs of the delayed-invalidation queue");
  work->add_flag("--once", command->once, "One pass over the due jobs, then exit (for cron)");
  work->add_flag("--quiet-if-busy", command->quiet_if_busy)->group("");
  work->footer("Without --once, keeps working until the queue is empty; only one such runner\n"
               "runs at a time. Example (cron): * * * * * dj-cache -q work --once");
  work->callback([command, &context] { context.exit_code = run_work(context, *command); });
}

}  // namespace djc
