// Detached dj-cache processes: the background refresh of a stale entry and the
// job runner that a delayed invalidation starts.
#pragma once

#include <string>
#include <vector>

#include "cli/context.hpp"
#include "core/args.hpp"
#include "core/config.hpp"

namespace djc {

// Starts `dj-cache -q --config C --store S <arguments>` in its own session with
// stdin, stdout and stderr on /dev/null, so `$(dj-cache get ...)` returns at once
// and the child outlives this process. Failure to start is a warning, not an error:
// the caller's value has been served.
void start_detached(Context& context, const std::vector<std::string>& arguments);

// The background recomputation of one stale entry (hidden command __refresh).
void start_background_refresh(Context& context, const Worker& worker, const Args& args);

// A job runner (`dj-cache work`) that exits when the queue is empty.
void start_job_runner(Context& context);

}  // namespace djc
