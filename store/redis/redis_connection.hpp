// One connection to the Redis server (hiredis): connecting with AUTH/SELECT,
// pipelined commands, replies owned by RAII handles, errors as djc::Error(74)
// naming the URL without its password.
#pragma once

#include <chrono>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <hiredis/hiredis.h>

#include "core/error.hpp"
#include "store/redis/redis_url.hpp"

namespace djc::redis {

struct ReplyFree {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

// The server cannot be reached, or the connection broke: what `get` degrades on.
class Unreachable : public Error {
 public:
  using Error::Error;
};

// The server answered a command with an error (out of memory under noeviction,
// a read-only replica, a refused AUTH): `get` degrades on it too.
class Refused : public Error {
 public:
  using Error::Error;
};

struct ConnectOptions {
  std::chrono::milliseconds connect_timeout{500};
  std::chrono::milliseconds operation_timeout{2000};
  std::string client_name;  // CLIENT SETNAME (what CLIENT LIST shows), when not empty
};

class Connection {
 public:
  // Connects; AUTH and SELECT are queued and checked with the first exchange, so a
  // hit costs one round trip. Throws Unreachable.
  Connection(const RedisUrl& url, const ConnectOptions& options);
  ~Connection();  // sends and reads what is still queued, ignoring errors
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Queues a command whose reply the next exchange() returns.
  void append(const std::vector<std::string_view>& args);
  // Queues a command whose reply is read and dropped (counters): best effort.
  void append_quiet(const std::vector<std::string_view>& args);
  // Sends everything queued and returns the replies of append()ed commands, in
  // order. A reply that is a Redis error throws Error(74), after all are read.
  std::vector<Reply> exchange();
  // exchange() allowing `extra` time beyond the operation timeout (a large
  // transaction the server runs as one command).
  std::vector<Reply> exchange(std::chrono::milliseconds extra);
  // One command, one round trip (plus whatever was queued before it).
  Reply command(const std::vector<std::string_view>& args);
  // A blocking command (BLPOP) that may take `wait` before its reply.
  Reply blocking_command(const std::vector<std::string_view>& args, std::chrono::milliseconds wait);

  const std::string& shown() const { return url_.shown; }
  [[noreturn]] void fail(std::string_view what) const;

 private:
  [[noreturn]] void refused(std::string_view what) const;
  void append_raw(const std::vector<std::string_view>& args, bool quiet);
  [[noreturn]] void broken();

  RedisUrl url_;
  ConnectOptions options_;
  redisContext* context_ = nullptr;
  std::deque<bool> queued_;  // per queued command: its reply is dropped
  std::size_t setup_replies_ = 0;  // AUTH/SELECT replies still to check
  bool broken_ = false;
};

// EVAL of `script` with its KEYS and ARGV, one round trip.
Reply eval(Connection& connection, std::string_view script,
           const std::vector<std::string_view>& keys, const std::vector<std::string_view>& args);

// Reply helpers: the text of a string/status reply, an integer, array elements.
std::string_view reply_text(const redisReply& reply);
long long reply_integer(const redisReply& reply);
// A number sent as text (a sorted-set score, a stored time); 0 when it is none.
double reply_number(const redisReply& reply);
bool reply_is_nil(const redisReply& reply);

}  // namespace djc::redis
