// A hiredis connection with pipelining and typed errors (see redis_connection.hpp).
#include "store/redis/redis_connection.hpp"

#include <sys/time.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include <fmt/format.h>

namespace djc::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds duration) {
  auto ms = duration.count();
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

}  // namespace

Connection::Connection(const RedisUrl& url, const ConnectOptions& options)
    : url_(url), options_(options) {
  timeval connect = to_timeval(options.connect_timeout);
  // Owned here until the constructor returns: when it throws (the server is
  // down), no destructor runs to free the context.
  std::unique_ptr<redisContext, decltype(&redisFree)> owned(
      url.socket_path.empty() ? redisConnectWithTimeout(url.host.c_str(), url.port, connect)
                              : redisConnectUnixWithTimeout(url.socket_path.c_str(), connect),
      &redisFree);
  context_ = owned.get();
  if (!context_) throw Unreachable(exit_code::io, fmt::format("redis store {}: out of memory", shown()));
  if (context_->err) broken();
  if (redisSetTimeout(context_, to_timeval(options.operation_timeout)) != REDIS_OK) broken();
  if (url.password) {
    if (url.user.empty()) {
      append_raw({"AUTH", *url.password}, false);
    } else {
      append_raw({"AUTH", url.user, *url.password}, false);
    }
  }
  if (url.db != 0) {
    std::string db = std::to_string(url.db);
    append_raw({"SELECT", db}, false);
  }
  if (!options.client_name.empty()) append_raw({"CLIENT", "SETNAME", options.client_name}, false);
  // Their replies are checked (not returned) by the first exchange.
  for (bool& quiet : queued_) quiet = true;
  setup_replies_ = queued_.size();
  owned.release();
}

Connection::~Connection() {
  if (!context_) return;
  if (!broken_ && !queued_.empty()) {
    try {
      exchange();
    } catch (const Error&) {
      // Counters are best effort; the command itself already finished.
    }
  }
  redisFree(context_);
}

void Connection::broken() {
  broken_ = true;
  std::string why = context_ && context_->errstr[0] ? context_->errstr : "connection lost";
  if (context_ && context_->err == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK)) {
    why = "timed out";
  }
  throw Unreachable(exit_code::io, fmt::format("redis store {}: {}", shown(), why),
                    "is the server running and reachable? (see docs/FLEET.md)");
}

void Connection::fail(std::string_view what) const {
  throw Error(exit_code::io, fmt::format("redis store {}: {}", shown(), what));
}

void Connection::refused(std::string_view what) const {
  throw Refused(exit_code::io, fmt::format("redis store {}: {}", shown(), what));
}

void Connection::append_raw(const std::vector<std::string_view>& args, bool quiet) {
  if (broken_) broken();
  std::vector<const char*> pointers;
  std::vector<std::size_t> sizes;
  pointers.reserve(args.size());
  sizes.reserve(args.size());
  for (std::string_view arg : args) {
    pointers.push_back(arg.data());
    sizes.push_back(arg.size());
  }
  if (redisAppendCommandArgv(context_, static_cast<int>(args.size()), pointers.data(),
                             sizes.data()) != REDIS_OK) {
    broken();
  }
  queued_.push_back(quiet);
}

void Connection::append(const std::vector<std::string_view>& args) { append_raw(args, false); }

void Connection::append_quiet(const std::vector<std::string_view>& args) {
  append_raw(args, true);
}

std::vector<Reply> Connection::exchange() {
  std::vector<Reply> replies;
  std::string first_error;
  while (!queued_.empty()) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || !raw) {
      queued_.clear();
      broken();
    }
    Reply reply(static_cast<redisReply*>(raw));
    bool quiet = queued_.front();
    queued_.pop_front();
    bool setup = setup_replies_ > 0;
    if (setup) --setup_replies_;
    if (reply->type == REDIS_REPLY_ERROR && (setup || !quiet) && first_error.empty()) {
      first_error = std::string(reply->str, reply->len);
      if (setup) first_error = "authentication or SELECT refused: " + first_error;
    }
    if (!quiet) replies.push_back(std::move(reply));
  }
  if (!first_error.empty()) refused(first_error);
  return replies;
}

std::vector<Reply> Connection::exchange(std::chrono::milliseconds extra) {
  if (redisSetTimeout(context_, to_timeval(extra + options_.operation_timeout)) != REDIS_OK) broken();
  std::vector<Reply> replies = exchange();
  if (redisSetTimeout(context_, to_timeval(options_.operation_timeout)) != REDIS_OK) broken();
  return replies;
}

Reply Connection::command(const std::vector<std::string_view>& args) {
  append(args);
  std::vector<Reply> replies = exchange();
  return std::move(replies.back());
}

Reply Connection::blocking_command(const std::vector<std::string_view>& args,
                                   std::chrono::milliseconds wait) {
  if (redisSetTimeout(context_, to_timeval(wait + options_.operation_timeout)) != REDIS_OK) broken();
  Reply reply = command(args);
  if (redisSetTimeout(context_, to_timeval(options_.operation_timeout)) != REDIS_OK) broken();
  return reply;
}

Reply eval(Connection& connection, std::string_view script,
           const std::vector<std::string_view>& keys, const std::vector<std::string_view>& args) {
  std::string count = std::to_string(keys.size());
  std::vector<std::string_view> command{"EVAL", script, count};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), args.begin(), args.end());
  return connection.command(command);
}

std::string_view reply_text(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_STRING || reply.type == REDIS_REPLY_STATUS) {
    return {reply.str, reply.len};
  }
  return {};
}

long long reply_integer(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_INTEGER) return reply.integer;
  if (reply.type == REDIS_REPLY_STRING) {
    try {
      return std::stoll(std::string(reply.str, reply.len));
    } catch (const std::exception&) {
      return 0;
    }
  }
  return 0;
}

double reply_number(const redisReply& reply) {
  try {
    return std::stod(std::string(reply_text(reply)));
  } catch (const std::exception&) {
    return 0;
  }
}

bool reply_is_nil(const redisReply& reply) { return reply.type == REDIS_REPLY_NIL; }

}  // namespace djc::redis
