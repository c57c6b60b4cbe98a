// The named databases of each schema version of the LMDB store, and the handles a
// store holds to them. docs/STORE_FORMAT.md describes each database's rows.
#pragma once

#include <lmdb.h>

#include <optional>
#include <string_view>
#include <vector>

namespace djc::lmdb {

// Database names as they appear in the environment (and in mdb_dump -a).
inline constexpr const char* db_meta = "meta";
inline constexpr const char* db_entries = "entries";
inline constexpr const char* db_by_label = "by_label";
inline constexpr const char* db_by_arg = "by_arg";
inline constexpr const char* db_arg_names = "arg_names";
inline constexpr const char* db_by_expiry = "by_expiry";
inline constexpr const char* db_by_relevance = "by_relevance";  // since schema 2
inline constexpr const char* db_jobs = "jobs";                  // since schema 2
inline constexpr const char* db_jobs_by_due = "jobs_by_due";    // since schema 2

// Rows of the meta database.
inline constexpr std::string_view meta_schema_version = "schema_version";
inline constexpr std::string_view meta_generation = "generation";

struct DbSpec {
  const char* name;
  unsigned flags;  // MDB_DUPSORT or 0; MDB_CREATE is added when creating
};

// The databases of schema `version` (1 or 2).
std::vector<DbSpec> schema_layout(int version);

// The secondary indexes, as check() names them.
enum class Index { by_label, by_arg, by_expiry, by_relevance };
const char* index_name(Index index);

// Open database handles. Those "since schema 2" are missing in a schema 1 store.
struct Dbis {
  MDB_dbi meta = 0;
  MDB_dbi entries = 0;
  MDB_dbi by_label = 0;
  MDB_dbi by_arg = 0;
  MDB_dbi arg_names = 0;
  MDB_dbi by_expiry = 0;
  std::optional<MDB_dbi> by_relevance;
  std::optional<MDB_dbi> jobs;
  std::optional<MDB_dbi> jobs_by_due;

  MDB_dbi of(Index index) const;
  // Every open handle, LMDB's free list (0) and main database (1) included.
  std::vector<MDB_dbi> all() const;
  // Where a named database's handle goes; false for a name this schema lacks.
  bool assign(std::string_view name, MDB_dbi dbi);
};

}  // namespace djc::lmdb
