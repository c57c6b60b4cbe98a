// The Redis store's class, private to store/redis/: entries and scans in
// redis_store.cpp, leases in redis_lease.cpp, jobs in redis_jobs.cpp, counters in
// redis_stats.cpp, check in redis_check.cpp, opening and schema in redis_open.cpp.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/config.hpp"
#include "store/redis/redis_connection.hpp"
#include "store/redis/redis_layout.hpp"
#include "store/store.hpp"

namespace djc::redis {

class RedisStore final : public Store {
 public:
  // `connection` null: the server could not be reached (OpenMode::get only).
  RedisStore(const StoreSettings& settings, RedisUrl url, std::unique_ptr<Connection> connection,
             OpenMode mode);

  bool read(std::string_view key, const std::function<void(const EntryRef&)>& use) override;
  using Store::put;
  PutOutcome put(const EntryMeta& meta, const ValueSource& value) override;
  void put_all(const std::vector<std::pair<EntryMeta, std::string>>& entries) override;
  std::size_t erase(const std::vector<std::string>& keys) override;
  void for_each(std::optional<std::string_view> label,
                const std::function<void(const EntryRef&)>& use) override;
  std::vector<std::string> keys_of_label(std::string_view label) override;
  std::vector<std::string> keys_with_arg(std::string_view label, std::string_view name,
                                         std::string_view value) override;
  std::vector<std::string> keys_without_arg(std::string_view label,
                                            std::string_view name) override;
  std::vector<std::string> keys_expired(double now) override;
  std::vector<std::string> keys_stale(double now, std::optional<std::string_view> label) override;
  std::vector<std::string> labels() override;
  std::unique_ptr<KeyLock> lock_key(std::string_view key,
                                    std::optional<double> wait_seconds) override;
  void enqueue_job(std::string_view key, double due) override;
  std::vector<Job> due_jobs(double now, std::size_t limit) override;
  std::optional<double> next_job_due() override;
  void finish_job(const Job& job) override;
  std::vector<Job> jobs() override;
  CheckReport check(bool repair) override;
  void count(std::string_view label, const Counters& delta) noexcept override;
  std::map<std::string, Counters> counters() override;
  void record_purge(double when) noexcept override;
  std::optional<double> last_purge() override;

  // --- Schema (redis_open.cpp) ----------------------------------------------
  // The version in Pschema; 0 when none is recorded.
  int schema_on_server();
  // Records redis_schema_version unless a version is there already.
  void record_schema();
  // Queues the schema check ahead of the next exchange (the first command of a
  // process pays no extra round trip); check_schema reads its reply.
  void queue_schema_check();
  void check_schema(const redisReply& reply);

 private:
  // Runs `body` on the connection; in OpenMode::get a lost server, or one that
  // refuses the command, turns the store offline (one warning) and `body` is not
  // retried: `fallback` is returned.
  template <typename T>
  T guarded(T fallback, const std::function<T(Connection&)>& body);
  Connection& connection();
  bool offline() const { return !connection_; }
  void go_offline(const Error& why);

  Reply eval(std::string_view script, const std::vector<std::string_view>& keys,
             const std::vector<std::string_view>& args);
  // put's script arguments for one entry (the strings `args` point into live in `hold`).
  void put_args(const EntryMeta& meta, std::string_view record, std::vector<std::string>& hold) const;
  std::vector<std::string> members(std::string_view command, std::string_view key);
  std::vector<std::string> by_score(const std::string& zset, double max);
  [[noreturn]] void corrupt(std::string_view key, std::string_view why) const;

  StoreSettings settings_;
  RedisUrl url_;
  Layout layout_;
  std::unique_ptr<Connection> connection_;
  OpenMode mode_;
  bool schema_checked_ = false;
  friend class Checker;
};

template <typename T>
T RedisStore::guarded(T fallback, const std::function<T(Connection&)>& body) {
  if (offline()) return fallback;
  try {
    return body(*connection_);
  } catch (const Unreachable& lost) {
    if (mode_ != OpenMode::get) throw;
    go_offline(lost);
    return fallback;
  } catch (const Refused& refused) {
    if (mode_ != OpenMode::get) throw;
    go_offline(refused);
    return fallback;
  }
}

// "dj-cache@PREFIX" (bytes CLIENT SETNAME refuses as '_'): how CLIENT LIST shows us.
std::string client_name(std::string_view prefix);

// Opens a new connection with the store's settings (leases renew on their own).
std::unique_ptr<Connection> connect(const RedisUrl& url, const StoreSettings& settings);

}  // namespace djc::redis
