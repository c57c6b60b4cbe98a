// Opening a Redis store and its schema version (Pschema).
#include <fmt/format.h>

#include "core/diagnostics.hpp"
#include "store/redis/redis_store.hpp"
#include "store/redis/redis_store_impl.hpp"

namespace djc {
namespace redis {

std::string client_name(std::string_view prefix) {
  std::string name = "dj-cache@";
  for (char c : prefix) name += (c > ' ' && c < 127) ? c : '_';
  return name;
}

std::unique_ptr<Connection> connect(const RedisUrl& url, const StoreSettings& settings) {
  return std::make_unique<Connection>(
      url, ConnectOptions{.connect_timeout = settings.connect_timeout,
                          .operation_timeout = settings.operation_timeout,
                          .client_name = client_name(settings.prefix)});
}

int RedisStore::schema_on_server() {
  Reply reply = connection().command({"GET", layout_.schema()});
  return static_cast<int>(reply_integer(*reply));
}

void RedisStore::queue_schema_check() { connection().append({"GET", layout_.schema()}); }

void RedisStore::check_schema(const redisReply& reply) {
  schema_checked_ = true;
  if (reply_is_nil(reply)) {
    std::string version = std::to_string(redis_schema_version);
    if (mode_ != OpenMode::read) connection().append_quiet({"SET", layout_.schema(), version, "NX"});
    return;
  }
  long long on_server = reply_integer(reply);
  if (on_server > redis_schema_version) {
    throw Error(exit_code::io,
                fmt::format("redis store {} (prefix '{}') has schema {}, newer than this "
                            "dj-cache's {}",
                            url_.shown, layout_.prefix(), on_server, redis_schema_version),
                "upgrade dj-cache");
  }
}

void RedisStore::record_schema() {
  queue_schema_check();
  std::vector<Reply> replies = connection().exchange();
  check_schema(*replies.front());
}

}  // namespace redis

std::unique_ptr<Store> open_redis_store(const StoreSettings& settings, OpenMode mode) {
  using namespace redis;
  RedisUrl url = parse_redis_url(settings.url);
  std::unique_ptr<Connection> connection;
  try {
    connection = connect(url, settings);
  } catch (const Unreachable& unreachable) {
    if (mode != OpenMode::get) throw;
    warn("{}; running without the cache", unreachable.what());
  }
  bool connected = connection != nullptr;
  auto store = std::make_unique<RedisStore>(settings, url, std::move(connection), mode);
  if (!connected || mode == OpenMode::get) return store;  // checked with the first read
  if (mode == OpenMode::read) {
    if (store->schema_on_server() == 0) return nullptr;
  }
  // write and migrate: record the version if none is there (schema 1 has nothing
  // to upgrade), refuse a newer one.
  store->record_schema();
  return store;
}

std::string redis_store_name(const StoreSettings& settings) {
  return fmt::format("{} (prefix '{}')", redis::parse_redis_url(settings.url).shown,
                     settings.prefix);
}

SchemaStatus redis_schema_status(const StoreSettings& settings) {
  using namespace redis;
  RedisStore store(settings, parse_redis_url(settings.url),
                   connect(parse_redis_url(settings.url), settings), OpenMode::read);
  int on_server = store.schema_on_server();
  return SchemaStatus{.exists = on_server != 0, .on_disk = on_server,
                      .current = redis_schema_version};
}

}  // namespace djc
