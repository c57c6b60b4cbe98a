// Schema versions of the LMDB store and the steps between them (lmdb_migrations.cpp).
#pragma once

#include <memory>

#include "store/store.hpp"

namespace djc::lmdb {

// For tests only: creates a new store at an older schema `version` (1 or 2) and
// returns a Store that writes that schema's layout, so a migration can be tested on
// a store as that version of dj-cache left it. A schema 1 store has no relevance
// index: its keys_stale throws.
std::unique_ptr<Store> create_store_at_schema(const StoreOptions& options, int version);

}  // namespace djc::lmdb
