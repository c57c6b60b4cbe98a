// The embedded LMDB store: the default backend. Its on-disk format, indexes, lock
// file and crash behaviour are described in docs/STORE_FORMAT.md.
#pragma once

#include <memory>

#include "store/store.hpp"

namespace djc {

// The schema version this build writes.
inline constexpr int lmdb_schema_version = 2;

// Opens (per `mode`) the store in options.path. OpenMode::read returns nullptr for a
// missing store. Throws Error(74) for a path that is not a usable store, a garbage
// store, or a store from a newer schema; Error(74, hint "run dj-cache migrate") for
// an older schema in write/read mode.
std::unique_ptr<Store> open_lmdb_store(const StoreOptions& options, OpenMode mode);

// What `migrate --check` reports, without creating anything.
SchemaStatus lmdb_schema_status(const StoreOptions& options);

}  // namespace djc
