// The durable job queue of the Redis store: Pjobs (entry key by due time) and
// Pjobver (entry key -> version). A runner claims a job by holding the entry's
// lease (lock_key), so a runner that dies frees its job when the lease lapses.
#include <fmt/format.h>

#include "store/redis/redis_scripts.hpp"
#include "store/redis/redis_store_impl.hpp"

namespace djc::redis {
void RedisStore::enqueue_job(std::string_view key, double due) {
  if (!schema_checked_) record_schema();
  std::string jobs = layout_.jobs();
  std::string versions = layout_.job_versions();
  std::string sequence = layout_.job_sequence();
  std::string when = score_text(due);
  eval(scripts::enqueue, {}, {jobs, versions, sequence, key, when});
}

// Jobs of a ZRANGE ... WITHSCORES reply, with their versions read in the same batch.
static std::vector<Job> jobs_of(Connection& link, const std::string& versions, Reply scored) {
  std::vector<Job> out;
  if (scored->type != REDIS_REPLY_ARRAY || scored->elements == 0) return out;
  for (std::size_t i = 0; i + 1 < scored->elements; i += 2) {
    out.push_back(Job{.key = std::string(reply_text(*scored->element[i])),
                      .due = reply_number(*scored->element[i + 1])});
  }
  // Views of the keys only once `out` no longer grows (and moves them).
  std::vector<std::string_view> command{"HMGET", versions};
  for (const Job& job : out) command.push_back(job.key);
  Reply found = link.command(command);
  for (std::size_t i = 0; i < out.size() && i < found->elements; ++i) {
    out[i].version = static_cast<std::uint64_t>(reply_integer(*found->element[i]));
  }
  return out;
}

std::vector<Job> RedisStore::due_jobs(double now, std::size_t limit) {
  std::string upper = score_text(now);
  std::string count = std::to_string(limit);
  Reply scored = connection().command(
      {"ZRANGEBYSCORE", layout_.jobs(), "-inf", upper, "WITHSCORES", "LIMIT", "0", count});
  return jobs_of(connection(), layout_.job_versions(), std::move(scored));
}

std::optional<double> RedisStore::next_job_due() {
  Reply first = connection().command({"ZRANGE", layout_.jobs(), "0", "0", "WITHSCORES"});
  if (first->type != REDIS_REPLY_ARRAY || first->elements < 2) return std::nullopt;
  return reply_number(*first->element[1]);
}

void RedisStore::finish_job(const Job& job) {
  std::string jobs = layout_.jobs();
  std::string versions = layout_.job_versions();
  std::string version = std::to_string(job.version);
  eval(scripts::finish, {}, {jobs, versions, job.key, version});
}

std::vector<Job> RedisStore::jobs() {
  Reply all = connection().command({"ZRANGE", layout_.jobs(), "0", "-1", "WITHSCORES"});
  return jobs_of(connection(), layout_.job_versions(), std::move(all));
}

}  // namespace djc::redis
