// The durable job queue of the LMDB store: one row per entry key in `jobs` (due
// time and version), ordered by due time in `jobs_by_due`. Layout in
// docs/STORE_FORMAT.md, "Job queue".
#include "store/lmdb/lmdb_jobs.hpp"

#include "core/error.hpp"
#include "store/lmdb/lmdb_index.hpp"
#include "store/lmdb/lmdb_store_impl.hpp"

namespace djc::lmdb {
namespace {

constexpr std::size_t job_row_size = 16;  // time_key(due), then the version big-endian

std::string job_row(double due, std::uint64_t version) {
  std::string row = time_key(due);
  for (int i = 0; i < 8; ++i) row += static_cast<char>(version >> (56 - 8 * i));
  return row;
}

// The job stored under `key`; nullopt when there is none or the row is damaged.
std::optional<Job> read_job(const Txn& txn, const Dbis& dbis, std::string_view key) {
  std::optional<std::string_view> row = txn.get(*dbis.jobs, key);
  if (!row || row->size() != job_row_size) return std::nullopt;
  Job job;
  job.key = std::string(key);
  job.due = time_of_key(row->substr(0, 8));
  for (unsigned char c : row->substr(8)) job.version = (job.version << 8) | c;
  return job;
}

// Jobs in due order, while `keep` says so.
template <class Keep>
std::vector<Job> jobs_in_due_order(const Txn& txn, const Dbis& dbis, Keep keep) {
  std::vector<Job> out;
  Cursor cursor(txn, *dbis.jobs_by_due);
  MDB_val k{};
  MDB_val v{};
  for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
    if (!keep(time_of_key(as_view(k)), out.size())) break;
    if (std::optional<Job> job = read_job(txn, dbis, as_view(v))) out.push_back(std::move(*job));
  }
  return out;
}

}  // namespace

void drop_job(Txn& txn, const Dbis& dbis, const std::string& key) {
  if (!dbis.jobs) return;
  std::optional<std::string_view> row = txn.get(*dbis.jobs, key);
  if (!row) return;
  std::string due(row->substr(0, std::min<std::size_t>(row->size(), 8)));
  txn.del(*dbis.jobs, key);
  txn.del(*dbis.jobs_by_due, due, key);
}

std::vector<std::string> check_jobs(const Txn& txn, const Dbis& dbis,
                                    std::vector<std::string>& problems) {
  std::vector<std::string> bad;
  if (!dbis.jobs) return bad;
  {
    Cursor cursor(txn, *dbis.jobs);
    MDB_val k{};
    MDB_val v{};
    for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
      std::string key(as_view(k));
      if (as_view(v).size() != job_row_size) {
        problems.push_back("job " + key + ": damaged row");
        bad.push_back(key);
      } else if (!txn.get(dbis.entries, key)) {
        problems.push_back("job " + key + ": no such entry");
        bad.push_back(key);
      } else if (!txn.get(*dbis.jobs_by_due, as_view(v).substr(0, 8))) {
        problems.push_back("job " + key + ": missing from jobs_by_due");
      }
    }
  }
  Cursor cursor(txn, *dbis.jobs_by_due);
  MDB_val k{};
  MDB_val v{};
  for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
    std::optional<std::string_view> row = txn.get(*dbis.jobs, as_view(v));
    if (!row || row->substr(0, 8) != as_view(k)) {
      problems.push_back("jobs_by_due: stray row for " + std::string(as_view(v)));
    }
  }
  return bad;
}

void repair_jobs(Txn& txn, const Dbis& dbis, const std::vector<std::string>& bad_keys) {
  if (!dbis.jobs) return;
  for (const std::string& key : bad_keys) txn.del(*dbis.jobs, key);
  txn.clear(*dbis.jobs_by_due);
  std::vector<std::pair<std::string, std::string>> rows;  // due, key
  {
    Cursor cursor(txn, *dbis.jobs);
    MDB_val k{};
    MDB_val v{};
    for (bool more = cursor.get(k, v, MDB_FIRST); more; more = cursor.get(k, v, MDB_NEXT)) {
      rows.emplace_back(as_view(v).substr(0, 8), as_view(k));
    }
  }
  for (const auto& [due, key] : rows) txn.put_dup(*dbis.jobs_by_due, due, key);
}

void LmdbStore::require_jobs() const {
  if (!dbis_.jobs || !dbis_.jobs_by_due) {
    throw Error(exit_code::io, where_ + ": this schema has no job queue", "run dj-cache migrate");
  }
}

void LmdbStore::enqueue_job(std::string_view key_in, double due) {
  require_jobs();
  const std::string key(key_in);
  if (key.empty() || key.size() > max_lmdb_key) return;  // no entry can have it
  write([&](Txn& txn) {
    // A job recomputes an entry with its stored args: without the entry (erased
    // meanwhile) there is nothing to queue.
    if (!txn.get(dbis_.entries, key)) return;
    if (std::optional<Job> queued = read_job(txn, dbis_, key)) {
      // Coalesced: the due time stays, the version tells a running job that it
      // must not remove this one when it finishes.
      txn.put(*dbis_.jobs, key, job_row(queued->due, queued->version + 1));
      return;
    }
    txn.put(*dbis_.jobs, key, job_row(due, 1));
    txn.put_dup(*dbis_.jobs_by_due, time_key(due), key);
  });
}

std::vector<Job> LmdbStore::due_jobs(double now, std::size_t limit) {
  require_jobs();
  Txn txn = begin_read();
  return jobs_in_due_order(txn, dbis_,
                           [&](double due, std::size_t n) { return due <= now && n < limit; });
}

std::optional<double> LmdbStore::next_job_due() {
  require_jobs();
  Txn txn = begin_read();
  std::vector<Job> first = jobs_in_due_order(txn, dbis_, [](double, std::size_t n) { return n < 1; });
  if (first.empty()) return std::nullopt;
  return first.front().due;
}

void LmdbStore::finish_job(const Job& job) {
  require_jobs();
  if (job.key.empty() || job.key.size() > max_lmdb_key) return;
  write([&](Txn& txn) {
    std::optional<Job> queued = read_job(txn, dbis_, job.key);
    if (queued && queued->version == job.version) drop_job(txn, dbis_, job.key);
  });
}

std::vector<Job> LmdbStore::jobs() {
  require_jobs();
  Txn txn = begin_read();
  return jobs_in_due_order(txn, dbis_, [](double, std::size_t) { return true; });
}

}  // namespace djc::lmdb
