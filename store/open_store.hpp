// Choosing and opening the configured store backend: the one place cli/ and core/
// learn which implementation of store/store.hpp they talk to.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/config.hpp"
#include "store/store.hpp"

namespace djc {

struct StoreLocation {
  StoreSettings settings;  // backend, url, prefix, max_size
  StoreOptions options;    // resolved path and size limit
};

// Whether --store names a Redis server (redis://, rediss://, unix://) rather than a directory.
bool is_redis_url(std::string_view text);

// How messages name the store: its directory, or the Redis URL (without its
// password) and prefix.
std::string store_name(const StoreLocation& where);

std::unique_ptr<Store> open_store(const StoreLocation& where, OpenMode mode);
SchemaStatus store_schema_status(const StoreLocation& where);

}  // namespace djc
