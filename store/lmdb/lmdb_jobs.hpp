// The durable job queue of the LMDB store (delayed invalidations): rows of the
// `jobs` and `jobs_by_due` databases, and their part in erase and check.
#pragma once

#include <string>
#include <vector>

#include "store/lmdb/lmdb_env.hpp"
#include "store/lmdb/lmdb_layout.hpp"
#include "store/store.hpp"

namespace djc::lmdb {

// Removes the job of entry `key`, if any: an entry that is erased or evicted has
// nothing left to recompute. (A put that replaces the entry keeps its job: a
// change queued while a run was computing must still be run.)
void drop_job(Txn& txn, const Dbis& dbis, const std::string& key);

// Appends to `problems` every job of a missing entry and every disagreement
// between `jobs` and `jobs_by_due`; returns the keys of jobs to drop on repair.
std::vector<std::string> check_jobs(const Txn& txn, const Dbis& dbis,
                                    std::vector<std::string>& problems);

// Drops the given jobs and rebuilds jobs_by_due from jobs.
void repair_jobs(Txn& txn, const Dbis& dbis, const std::vector<std::string>& bad_keys);

}  // namespace djc::lmdb
