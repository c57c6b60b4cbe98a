// Usage counters of the Redis store: a hash per label (Pstats:LABEL) bumped with
// HINCRBY. count() only queues the commands; they travel with the next exchange
// or when the store closes, so a hit's round trip does not wait for them.
#include "store/redis/redis_store_impl.hpp"

namespace djc::redis {
void RedisStore::count(std::string_view label, const Counters& delta) noexcept {
  if (offline() || delta == Counters{}) return;
  try {
    std::string stats = layout_.stats(label);
    for (const CounterField& field : counter_fields) {
      std::uint64_t by = delta.*field.member;
      if (by == 0) continue;
      std::string amount = std::to_string(by);
      connection_->append_quiet({"HINCRBY", stats, field.name, amount});
    }
    connection_->append_quiet({"SADD", layout_.stat_labels(), label});
  } catch (const std::exception&) {
    // Best effort: a counter that cannot be written is lost.
  }
}

std::map<std::string, Counters> RedisStore::counters() {
  std::map<std::string, Counters> out;
  Connection& link = connection();
  std::vector<std::string> labels = members("SMEMBERS", layout_.stat_labels());
  for (const std::string& label : labels) link.append({"HGETALL", layout_.stats(label)});
  std::vector<Reply> replies = link.exchange();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const redisReply& hash = *replies[i];
    Counters& counters = out[labels[i]];
    for (std::size_t j = 0; j + 1 < hash.elements; j += 2) {
      std::string_view name = reply_text(*hash.element[j]);
      for (const CounterField& field : counter_fields) {
        if (name == field.name) {
          counters.*field.member = static_cast<std::uint64_t>(reply_integer(*hash.element[j + 1]));
        }
      }
    }
  }
  return out;
}

void RedisStore::record_purge(double when) noexcept {
  if (offline()) return;
  try {
    std::string text = score_text(when);
    connection_->append_quiet({"SET", layout_.last_purge(), text});
  } catch (const std::exception&) {
  }
}

std::optional<double> RedisStore::last_purge() {
  Reply reply = connection().command({"GET", layout_.last_purge()});
  if (reply_is_nil(*reply)) return std::nullopt;
  return reply_number(*reply);
}

}  // namespace djc::redis
