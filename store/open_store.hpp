// Choosing and opening the configured store backend: the one place cli/ and core/
// learn which implementation of store/store.hpp they talk to.
#pragma once

#include <memory>

#include "core/config.hpp"
#include "store/store.hpp"

namespace djc {

struct StoreLocation {
  StoreSettings settings;  // backend, url, prefix, max_size
  StoreOptions options;    // resolved path and size limit
};

std::unique_ptr<Store> open_store(const StoreLocation& where, OpenMode mode);
SchemaStatus store_schema_status(const StoreLocation& where);

}  // namespace djc
