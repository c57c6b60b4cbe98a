// Single-flight across hosts: the per-key lease (SET NX PX with a random token),
// renewed by a thread while its holder computes, released by compare-and-delete;
// waiters block on BLPOP of the key's wake list, never polling, and take the
// lease over when its holder's lapses.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include <fmt/format.h>

#include "store/redis/redis_scripts.hpp"
#include "store/redis/redis_store_impl.hpp"

namespace djc::redis {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// How long a wake-up waits in the list for a waiter that has not blocked yet.
constexpr milliseconds wake_lifetime{10'000};

std::string random_token() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", device(), device(), device(), device());
}

// A lease held by this process: renewed every third of its time on a connection
// of its own (hiredis connections are not shared between threads).
class Lease final : public KeyLock {
 public:
  Lease(std::unique_ptr<Connection> connection, std::string lease_key, std::string wake_key,
        std::string token, milliseconds lease)
      : connection_(std::move(connection)),
        lease_key_(std::move(lease_key)),
        wake_key_(std::move(wake_key)),
        token_(std::move(token)),
        lease_(lease) {
    if (connection_) renewer_ = std::thread([this] { renew_until_stopped(); });
  }

  ~Lease() override {
    if (!connection_) return;  // lapses on its own within the lease time
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    stopped_.notify_one();
    renewer_.join();
    try {
      std::string wake_ms = std::to_string(wake_lifetime.count());
      eval(*connection_, scripts::release, {lease_key_, wake_key_}, {token_, wake_ms});
    } catch (const Error&) {
      // The server is gone: the lease lapses there within its time.
    }
  }

 private:
  void renew_until_stopped() {
    std::string lease_ms = std::to_string(lease_.count());
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopped_.wait_for(lock, lease_ / 3, [this] { return stopping_; })) {
      try {
        eval(*connection_, scripts::renew, {lease_key_}, {token_, lease_ms});
      } catch (const Error&) {
        return;  // the lease lapses; whoever takes it over recomputes
      }
    }
  }

  std::unique_ptr<Connection> connection_;
  std::string lease_key_;
  std::string wake_key_;
  std::string token_;
  milliseconds lease_;
  std::mutex mutex_;
  std::condition_variable stopped_;
  bool stopping_ = false;
  std::thread renewer_;
};

// What a `get` holds when the server is gone: nothing to single-flight on.
class NoLease final : public KeyLock {};

}  // namespace

std::unique_ptr<KeyLock> RedisStore::lock_key(std::string_view key,
                                              std::optional<double> wait_seconds) {
  std::string lease_key = layout_.lease(key);
  std::string wake_key = layout_.wake(key);
  std::string token = random_token();
  milliseconds lease = settings_.lease;
  std::string lease_ms = std::to_string(lease.count());
  std::optional<Clock::time_point> deadline;
  if (wait_seconds) {
    deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(std::max(0.0, *wait_seconds)));
  }
  return guarded<std::unique_ptr<KeyLock>>(
      std::make_unique<NoLease>(), [&](Connection& link) -> std::unique_ptr<KeyLock> {
        for (;;) {
          long long left = reply_integer(*eval(scripts::acquire, {lease_key}, {token, lease_ms}));
          if (left == -1) {
            std::unique_ptr<Connection> own;
            try {
              own = connect(url_, settings_);
            } catch (const Error&) {
              // Not renewed then: it lapses after one lease time.
            }
            return std::make_unique<Lease>(std::move(own), lease_key, wake_key, token, lease);
          }
          milliseconds block{left};
          if (deadline) {
            auto remaining = std::chrono::duration_cast<milliseconds>(*deadline - Clock::now());
            if (remaining <= milliseconds::zero()) return nullptr;
            block = std::min(block, remaining);
          }
          block = std::max(block, milliseconds{1});
          std::string timeout = fmt::format("{:.3f}", block.count() / 1000.0);
          // Woken by the holder's release; a timeout means its lease lapsed (or
          // our wait ran out): either way, try again.
          link.blocking_command({"BLPOP", wake_key, timeout}, block);
        }
      });
}

}  // namespace djc::redis
