// Dispatch on [store] backend.
#include "store/open_store.hpp"

#include "store/lmdb/lmdb_store.hpp"
#include "store/redis/redis_store.hpp"

namespace djc {

bool is_redis_url(std::string_view text) {
  return text.starts_with("redis://") || text.starts_with("rediss://") ||
         text.starts_with("unix://");
}

std::string store_name(const StoreLocation& where) {
  if (where.settings.backend != "redis") return where.options.path.string();
  return redis_store_name(where.settings);
}

std::unique_ptr<Store> open_store(const StoreLocation& where, OpenMode mode) {
  if (where.settings.backend == "redis") return open_redis_store(where.settings, mode);
  return open_lmdb_store(where.options, mode);
}

SchemaStatus store_schema_status(const StoreLocation& where) {
  if (where.settings.backend == "redis") return redis_schema_status(where.settings);
  return lmdb_schema_status(where.options);
}

}  // namespace djc
