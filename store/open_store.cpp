// Dispatch on [store] backend.
#include "store/open_store.hpp"

#include <fmt/format.h>

#include "core/error.hpp"
#include "store/lmdb/lmdb_store.hpp"

namespace djc {
namespace {

void require_lmdb(const StoreSettings& settings) {
  if (settings.backend == "lmdb") return;
  throw Error(exit_code::config,
              fmt::format("store backend '{}' is not available in this build", settings.backend));
}

}  // namespace

std::unique_ptr<Store> open_store(const StoreLocation& where, OpenMode mode) {
  require_lmdb(where.settings);
  return open_lmdb_store(where.options, mode);
}

SchemaStatus store_schema_status(const StoreLocation& where) {
  require_lmdb(where.settings);
  return lmdb_schema_status(where.options);
}

}  // namespace djc
