// Draining an events spool directory (SPEC.md §6, `[events] spool = "DIR"`):
// producers drop *.json / *.jsonl files of change events into DIR; `dj-cache work`
// applies them.
//
// Claiming. A drainer takes a file by rename(2) into DIR/.processing/ under the
// name "PID.START-NAME" (its pid and the kernel's start time of that process), so
// two drainers never take one file: exactly one rename succeeds. The file is
// removed only after all its events were applied. A drainer that dies leaves its
// file in .processing/; the next drain re-claims every file whose owner is gone
// (no process with that pid, or one with another start time: the pid was reused)
// by renaming it to its own name, again atomically. Delivery is therefore at least
// once: a file whose drainer died after applying it is applied again, which for
// invalidation costs a recomputation, never a stale entry.
//
// A bad file (malformed event, unknown source, unreadable) is moved to
// DIR/.failed/NAME (NAME.1, NAME.2, ... when taken; never overwritten) with the
// reason beside it in NAME.error and in one line on stderr; the other files go on.
// Files whose name starts with '.' are not taken: producers write "DIR/.tmp-x" and
// rename it to "DIR/x.json", so a drainer never reads a half-written file.
#pragma once

#include <cstddef>
#include <filesystem>

#include "core/cache.hpp"
#include "core/config.hpp"
#include "core/invalidation.hpp"
#include "store/store.hpp"

namespace djc {

struct SpoolReport {
  std::size_t files = 0;         // applied and removed
  std::size_t failed_files = 0;  // moved to .failed/
  std::size_t events = 0;
  InvalidationReport invalidation;
};

// Claims and applies every event file in `dir` (orphans of dead drainers first,
// then new files by name). A missing `dir` holds nothing. An error that is not the
// file's fault (the store's, exit 74) puts the file back and is rethrown.
SpoolReport drain_spool(const std::filesystem::path& dir, Store& store, Cache& cache,
                        const Config& config, double now);

}  // namespace djc
