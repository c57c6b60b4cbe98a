// Parsing redis:// and unix:// URLs (see redis_url.hpp).
#include "store/redis/redis_url.hpp"

#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.hpp"

namespace djc::redis {
namespace {

std::optional<int> parse_int(std::string_view text, int low, int high) {
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return std::nullopt;
  }
  return value;
}

// %XX escapes of the user info (a password may hold '@' or ':').
std::string percent_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      int byte = 0;
      auto [end, error] = std::from_chars(text.data() + i + 1, text.data() + i + 3, byte, 16);
      if (error == std::errc() && end == text.data() + i + 3) {
        out += static_cast<char>(byte);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

}  // namespace

RedisUrl parse_redis_url(std::string_view url) {
  RedisUrl parsed;
  std::string_view scheme;
  std::string_view rest;
  if (url.starts_with("redis://")) {
    scheme = "redis://";
  } else if (url.starts_with("unix://")) {
    scheme = "unix://";
  } else if (url.starts_with("rediss://")) {
    throw Error(exit_code::config, "redis store: TLS (rediss://) is not supported by this build",
                "reach the server through a local TLS tunnel (stunnel) and use redis://");
  } else {
    throw Error(exit_code::config,
                fmt::format("redis store: '{}' is not a redis:// or unix:// URL", url));
  }
  rest = url.substr(scheme.size());
  // User info: everything before the last '@' of the authority.
  std::string_view authority_end = scheme == "unix://" ? rest.substr(0, rest.find("/"))
                                                       : rest.substr(0, rest.find('/'));
  std::size_t at = authority_end.rfind('@');
  std::string shown_userinfo;
  if (at != std::string_view::npos) {
    std::string_view userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    std::size_t colon = userinfo.find(':');
    parsed.user = percent_decode(userinfo.substr(0, colon));
    if (colon != std::string_view::npos) parsed.password = percent_decode(userinfo.substr(colon + 1));
    if (!parsed.user.empty()) shown_userinfo = std::string(userinfo.substr(0, colon)) + "@";
  }
  auto malformed = [&](std::string_view why) -> Error {
    return Error(exit_code::config,
                 fmt::format("redis store: malformed URL '{}{}{}': {}", scheme, shown_userinfo,
                             rest, why),
                 "expected redis://[USER[:PASSWORD]@]HOST[:PORT][/DB] or unix:///PATH[?db=DB]");
  };
  if (scheme == "unix://") {
    std::string_view path = rest;
    std::size_t query = path.find('?');
    if (query != std::string_view::npos) {
      std::string_view params = path.substr(query + 1);
      path = path.substr(0, query);
      if (!params.starts_with("db=")) throw malformed("the only parameter is db=N");
      auto db = parse_int(params.substr(3), 0, 1 << 20);
      if (!db) throw malformed("db must be a number");
      parsed.db = *db;
    }
    if (!path.starts_with('/')) throw malformed("the socket path must be absolute");
    parsed.socket_path = std::string(path);
  } else {
    std::string_view authority = rest.substr(0, rest.find('/'));
    std::string_view path = rest.substr(authority.size());
    std::string_view host = authority;
    if (authority.starts_with('[')) {  // [::1]:6379
      std::size_t close = authority.find(']');
      if (close == std::string_view::npos) throw malformed("unclosed '['");
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (!after.empty()) {
        if (!after.starts_with(':')) throw malformed("bad port");
        auto port = parse_int(after.substr(1), 1, 65535);
        if (!port) throw malformed("bad port");
        parsed.port = *port;
      }
    } else if (std::size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      auto port = parse_int(authority.substr(colon + 1), 1, 65535);
      if (!port) throw malformed("bad port");
      parsed.port = *port;
    }
    if (host.empty()) throw malformed("no host");
    parsed.host = std::string(host);
    if (path.size() > 1) {
      auto db = parse_int(path.substr(1), 0, 1 << 20);
      if (!db) throw malformed("the path must be a database number");
      parsed.db = *db;
    }
  }
  parsed.shown = fmt::format("{}{}{}", scheme, shown_userinfo, rest);
  if (!parsed.password) {
    if (const char* from_env = std::getenv("DJ_CACHE_REDIS_PASSWORD"); from_env && *from_env) {
      parsed.password = from_env;
    }
  }
  return parsed;
}

}  // namespace djc::redis
