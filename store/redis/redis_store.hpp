// The Redis store: store/store.hpp over a Redis server shared by many hosts. Key
// layout in redis_layout.hpp; behaviour, settings and faults in docs/FLEET.md.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "store/store.hpp"

namespace djc {

// Opens the store at settings.url (per `mode`; OpenMode::read returns nullptr when
// the server holds no store under the prefix). Throws Error(74) naming the URL
// (without password) when the server cannot be reached, Error(78) for a bad URL.
// In OpenMode::get a server that cannot be reached (at open or later) turns the
// store into one that holds nothing, after one warning.
std::unique_ptr<Store> open_redis_store(const StoreSettings& settings, OpenMode mode);

// "URL (prefix P)", the URL without its password.
std::string redis_store_name(const StoreSettings& settings);

// What `migrate --check` reports.
SchemaStatus redis_schema_status(const StoreSettings& settings);

}  // namespace djc
