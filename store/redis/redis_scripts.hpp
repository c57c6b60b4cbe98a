// The Lua scripts of the Redis store: each runs atomically on the server, so an
// entry and its index rows, a lease and its wake list, a job and its version
// change together or not at all, whatever happens to the connection.
#pragma once

#include <string_view>

namespace djc::redis::scripts {

// KEYS: entry, rows. ARGV: record, expire-at (ms), member, labels key, label,
// number of sets, the sets..., number of sorted sets, (sorted set, score)...
// Replaces the entry and all its index rows.
inline constexpr std::string_view put = R"lua(
local member = ARGV[3]
for _, row in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  local name = string.sub(row, 2)
  if string.sub(row, 1, 1) == 's' then redis.call('SREM', name, member)
  else redis.call('ZREM', name, member) end
end
redis.call('DEL', KEYS[2])
redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[2])
redis.call('SADD', ARGV[4], ARGV[5])
local i = 7
for _ = 1, tonumber(ARGV[6]) do
  redis.call('SADD', ARGV[i], member)
  redis.call('SADD', KEYS[2], 's' .. ARGV[i])
  i = i + 1
end
local scored = tonumber(ARGV[i])
i = i + 1
for _ = 1, scored do
  redis.call('ZADD', ARGV[i], ARGV[i + 1], member)
  redis.call('SADD', KEYS[2], 'z' .. ARGV[i])
  i = i + 2
end
return 1
)lua";

// ARGV: labels key, label-set prefix, then (entry, rows, member) per entry.
// Deletes entries with their index rows (also the rows of an entry Redis already
// expired or evicted); a label left without entries leaves the labels set.
// Returns how many entries (or orphaned row sets) existed.
inline constexpr std::string_view erase = R"lua(
local labels, label_prefix = ARGV[1], ARGV[2]
local existed = 0
for i = 3, #ARGV, 3 do
  local entry, rows, member = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local found = redis.call('DEL', entry) + redis.call('EXISTS', rows)
  if found > 0 then existed = existed + 1 end
  for _, row in ipairs(redis.call('SMEMBERS', rows)) do
    local name = string.sub(row, 2)
    if string.sub(row, 1, 1) == 's' then
      redis.call('SREM', name, member)
      if string.sub(name, 1, #label_prefix) == label_prefix and redis.call('SCARD', name) == 0 then
        redis.call('SREM', labels, string.sub(name, #label_prefix + 1))
      end
    else
      redis.call('ZREM', name, member)
    end
  end
  redis.call('DEL', rows)
end
return existed
)lua";

// KEYS: lease. ARGV: token, lease ms. -1 when taken, else the holder's PTTL (ms).
inline constexpr std::string_view acquire = R"lua(
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return -1 end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then return 1 end
return left
)lua";

// KEYS: lease. ARGV: token, lease ms. 1 when still ours (and extended).
inline constexpr std::string_view renew = R"lua(
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
)lua";

// KEYS: lease, wake list. ARGV: token, wake list lifetime ms. Compare-and-delete,
// then one wake-up for the next waiter (each waiter that takes the lease and
// releases it wakes the next, as a chain).
inline constexpr std::string_view release = R"lua(
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('DEL', KEYS[2])
redis.call('RPUSH', KEYS[2], '1')
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1
)lua";

// ARGV: jobs, versions, sequence key, member, due. A queued job keeps its due time
// and takes a new version (coalescing); a new one is queued at `due`.
inline constexpr std::string_view enqueue = R"lua(
local version = redis.call('INCR', ARGV[3])
if not redis.call('ZSCORE', ARGV[1], ARGV[4]) then redis.call('ZADD', ARGV[1], ARGV[5], ARGV[4]) end
redis.call('HSET', ARGV[2], ARGV[4], version)
return version
)lua";

// ARGV: jobs, versions, member, version. Removes the job unless it was queued again.
inline constexpr std::string_view finish = R"lua(
if redis.call('HGET', ARGV[2], ARGV[3]) ~= ARGV[4] then return 0 end
redis.call('ZREM', ARGV[1], ARGV[3])
redis.call('HDEL', ARGV[2], ARGV[3])
return 1
)lua";

}  // namespace djc::redis::scripts
