// Entries and index scans of the Redis store (see redis_store_impl.hpp).
#include <algorithm>

#include <fmt/format.h>

#include "core/diagnostics.hpp"
#include "store/entry_codec.hpp"
#include "store/redis/redis_scripts.hpp"
#include "store/redis/redis_store_impl.hpp"

namespace djc::redis {
namespace {

// Entries per pipelined batch (for_each) and per erase script call.
constexpr std::size_t batch_size = 256;

std::vector<std::string> strings_of(const redisReply& reply) {
  std::vector<std::string> out;
  if (reply.type != REDIS_REPLY_ARRAY) return out;
  out.reserve(reply.elements);
  for (std::size_t i = 0; i < reply.elements; ++i) out.emplace_back(reply_text(*reply.element[i]));
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> keys) {
  std::sort(keys.begin(), keys.end());
  return keys;
}

}  // namespace

RedisStore::RedisStore(const StoreSettings& settings, RedisUrl url,
                       std::unique_ptr<Connection> connection, OpenMode mode)
    : settings_(settings),
      url_(std::move(url)),
      layout_(settings.prefix),
      connection_(std::move(connection)),
      mode_(mode) {}

Connection& RedisStore::connection() {
  if (!connection_) {
    throw Unreachable(exit_code::io, fmt::format("redis store {}: not connected", url_.shown));
  }
  return *connection_;
}

void RedisStore::go_offline(const Error& why) {
  warn("{}; running without the cache", why.what());
  // The broken connection is dropped without sending what it still had queued.
  connection_.reset();
}

void RedisStore::corrupt(std::string_view key, std::string_view why) const {
  throw Error(exit_code::io,
              fmt::format("redis store {}: entry {} is corrupt ({})", url_.shown, key, why),
              "run dj-cache check --repair");
}

Reply RedisStore::eval(std::string_view script, const std::vector<std::string_view>& keys,
                       const std::vector<std::string_view>& args) {
  return redis::eval(connection(), script, keys, args);
}

bool RedisStore::read(std::string_view key, const std::function<void(const EntryRef&)>& use) {
  Reply reply = guarded<Reply>(nullptr, [&](Connection& connection) {
    bool check = !schema_checked_;
    if (check) queue_schema_check();
    connection.append({"GET", layout_.entry(key)});
    std::vector<Reply> replies = connection.exchange();
    if (check) check_schema(*replies.front());
    return std::move(replies.back());
  });
  if (!reply || reply_is_nil(*reply)) return false;
  std::string why;
  std::optional<EntryRef> entry = decode_entry(reply_text(*reply), &why);
  if (!entry) corrupt(key, why);
  use(*entry);
  return true;
}

void RedisStore::put_args(const EntryMeta& meta, std::string_view record,
                          std::vector<std::string>& hold) const {
  using namespace std::chrono;
  // Kept a while after expiry (expired_retention), counted from now for an entry
  // that expired long ago (import): Redis would drop a key whose expiry is past.
  double now = duration<double>(system_clock::now().time_since_epoch()).count();
  double expire_at = std::max(meta.available_to, now) + duration<double>(expired_retention).count();
  Rows rows = index_rows(layout_, meta);
  hold.clear();
  hold.emplace_back(record);
  hold.push_back(fmt::format("{}", static_cast<long long>(expire_at * 1000)));
  hold.push_back(meta.key);
  hold.push_back(layout_.labels());
  hold.push_back(meta.label);
  hold.push_back(std::to_string(rows.sets.size()));
  for (std::string& set : rows.sets) hold.push_back(std::move(set));
  hold.push_back(std::to_string(rows.scored.size()));
  for (auto& [zset, score] : rows.scored) {
    hold.push_back(std::move(zset));
    hold.push_back(score_text(score));
  }
}

namespace {

// The record of an entry, its checksum taken from the value's bytes in it.
std::string encode_record(const EntryMeta& meta, const ValueSource& value) {
  std::string record(encoded_entry_size(meta, value.size()), '\0');
  encode_entry_from(meta, value, record.data());
  return record;
}

}  // namespace

PutOutcome RedisStore::put(const EntryMeta& meta, const ValueSource& value) {
  std::string record = encode_record(meta, value);
  std::vector<std::string> hold;
  put_args(meta, record, hold);
  return guarded<PutOutcome>(PutOutcome{.stored = true}, [&](Connection&) {
    if (!schema_checked_) record_schema();
    std::vector<std::string_view> args(hold.begin(), hold.end());
    eval(scripts::put, {layout_.entry(meta.key), layout_.rows(meta.key)}, args);
    return PutOutcome{.stored = true};
  });
}

void RedisStore::put_all(const std::vector<std::pair<EntryMeta, std::string>>& entries) {
  if (entries.empty()) return;
  Connection& link = connection();
  if (!schema_checked_) record_schema();
  std::string sha(reply_text(*link.command({"SCRIPT", "LOAD", scripts::put})));
  // One MULTI/EXEC: every entry becomes visible at once, or none does.
  link.append({"MULTI"});
  std::vector<std::string> hold;
  for (const auto& [meta, value] : entries) {
    std::string record = encode_record(meta, ValueView(value));
    put_args(meta, record, hold);
    std::string entry = layout_.entry(meta.key);
    std::string rows = layout_.rows(meta.key);
    std::vector<std::string_view> command{"EVALSHA", sha, "2", entry, rows};
    command.insert(command.end(), hold.begin(), hold.end());
    link.append(command);
  }
  link.append({"EXEC"});
  // The server runs the whole transaction at once: allow it time per entry.
  std::vector<Reply> replies = link.exchange(std::chrono::milliseconds{entries.size() / 10});
  const redisReply& exec = *replies.back();
  if (exec.type != REDIS_REPLY_ARRAY) link.fail("the import transaction was aborted");
  for (std::size_t i = 0; i < exec.elements; ++i) {
    if (exec.element[i]->type == REDIS_REPLY_ERROR) {
      link.fail(fmt::format("import: {}", reply_text(*exec.element[i])));
    }
  }
}

std::size_t RedisStore::erase(const std::vector<std::string>& keys) {
  std::size_t existed = 0;
  for (std::size_t start = 0; start < keys.size(); start += batch_size) {
    std::size_t end = std::min(keys.size(), start + batch_size);
    std::vector<std::string> hold{layout_.labels(), layout_.label_prefix()};
    for (std::size_t i = start; i < end; ++i) {
      hold.push_back(layout_.entry(keys[i]));
      hold.push_back(layout_.rows(keys[i]));
      hold.push_back(keys[i]);
    }
    std::vector<std::string_view> args(hold.begin(), hold.end());
    existed += static_cast<std::size_t>(reply_integer(*eval(scripts::erase, {}, args)));
  }
  return existed;
}

void RedisStore::for_each(std::optional<std::string_view> label,
                          const std::function<void(const EntryRef&)>& use) {
  std::vector<std::string> of_labels;
  if (label) {
    of_labels.emplace_back(*label);
  } else {
    of_labels = labels();
  }
  Connection& link = connection();
  for (const std::string& name : of_labels) {
    std::vector<std::string> keys = keys_of_label(name);
    for (std::size_t start = 0; start < keys.size(); start += batch_size) {
      std::size_t end = std::min(keys.size(), start + batch_size);
      for (std::size_t i = start; i < end; ++i) link.append({"GET", layout_.entry(keys[i])});
      std::vector<Reply> replies = link.exchange();
      for (std::size_t i = start; i < end; ++i) {
        const redisReply& reply = *replies[i - start];
        if (reply_is_nil(reply)) continue;  // expired or evicted since the scan
        std::string why;
        std::optional<EntryRef> entry = decode_entry(reply_text(reply), &why);
        if (!entry) corrupt(keys[i], why);
        use(*entry);
      }
    }
  }
}

std::vector<std::string> RedisStore::members(std::string_view command, std::string_view key) {
  return sorted(strings_of(*connection().command({command, key})));
}

std::vector<std::string> RedisStore::by_score(const std::string& zset, double max) {
  std::string upper = score_text(max);
  return strings_of(*connection().command({"ZRANGEBYSCORE", zset, "-inf", upper}));
}

std::vector<std::string> RedisStore::keys_of_label(std::string_view label) {
  return members("SMEMBERS", layout_.label(label));
}

std::vector<std::string> RedisStore::keys_with_arg(std::string_view label, std::string_view name,
                                                   std::string_view value) {
  return members("SMEMBERS", layout_.arg(label, name, value));
}

std::vector<std::string> RedisStore::keys_without_arg(std::string_view label,
                                                      std::string_view name) {
  std::string of_label = layout_.label(label);
  std::string with = layout_.has(label, name);
  return sorted(strings_of(*connection().command({"SDIFF", of_label, with})));
}

std::vector<std::string> RedisStore::keys_expired(double now) {
  return by_score(layout_.expiry(), now);
}

std::vector<std::string> RedisStore::keys_stale(double now, std::optional<std::string_view> label) {
  return by_score(label ? layout_.stale(*label) : layout_.stale(), now);
}

std::vector<std::string> RedisStore::labels() { return members("SMEMBERS", layout_.labels()); }

}  // namespace djc::redis
