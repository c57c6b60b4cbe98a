// Where a Redis store lives: `redis://[USER[:PASSWORD]@]HOST[:PORT][/DB]` or
// `unix://[USER[:PASSWORD]@]/PATH[?db=DB]`, parsed into its parts.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace djc::redis {

struct RedisUrl {
  std::string host;                   // empty for a unix socket
  int port = 6379;
  std::string socket_path;            // unix:// only
  int db = 0;
  std::string user;                   // empty: the default user
  std::optional<std::string> password;
  std::string shown;                  // the URL without its password, for messages
};

// Parses `url`; Error(78) naming the URL (without its password) when malformed.
// The password, when the URL has none, comes from $DJ_CACHE_REDIS_PASSWORD.
RedisUrl parse_redis_url(std::string_view url);

}  // namespace djc::redis
