// Schema layouts of the LMDB store: which named databases each version has.
#include "store/lmdb/lmdb_layout.hpp"

namespace djc::lmdb {

std::vector<DbSpec> schema_layout(int version) {
  // Schema 1: entries with label, argument and expiry indexes. Schema 2 adds the
  // relevance index that makes `refresh --stale` cost what it refreshes, and the
  // durable job queue of delayed invalidations.
  std::vector<DbSpec> layout = {
      {db_meta, 0},
      {db_entries, 0},
      {db_by_label, MDB_DUPSORT},
      {db_by_arg, MDB_DUPSORT},
      {db_arg_names, MDB_DUPSORT},
      {db_by_expiry, MDB_DUPSORT},
  };
  if (version >= 2) {
    layout.push_back({db_by_relevance, MDB_DUPSORT});
    layout.push_back({db_jobs, 0});
    layout.push_back({db_jobs_by_due, MDB_DUPSORT});
  }
  return layout;
}

const char* index_name(Index index) {
  switch (index) {
    case Index::by_label: return db_by_label;
    case Index::by_arg: return db_by_arg;
    case Index::by_expiry: return db_by_expiry;
    case Index::by_relevance: return db_by_relevance;
  }
  return "?";
}

MDB_dbi Dbis::of(Index index) const {
  switch (index) {
    case Index::by_label: return by_label;
    case Index::by_arg: return by_arg;
    case Index::by_expiry: return by_expiry;
    case Index::by_relevance: return by_relevance.value_or(0);
  }
  return 0;
}

std::vector<MDB_dbi> Dbis::all() const {
  std::vector<MDB_dbi> dbis = {0, 1, meta, entries, by_label, by_arg, arg_names, by_expiry};
  for (const auto& dbi : {by_relevance, jobs, jobs_by_due}) {
    if (dbi) dbis.push_back(*dbi);
  }
  return dbis;
}

bool Dbis::assign(std::string_view name, MDB_dbi dbi) {
  if (name == db_meta) meta = dbi;
  else if (name == db_entries) entries = dbi;
  else if (name == db_by_label) by_label = dbi;
  else if (name == db_by_arg) by_arg = dbi;
  else if (name == db_arg_names) arg_names = dbi;
  else if (name == db_by_expiry) by_expiry = dbi;
  else if (name == db_by_relevance) by_relevance = dbi;
  else if (name == db_jobs) jobs = dbi;
  else if (name == db_jobs_by_due) jobs_by_due = dbi;
  else return false;
  return true;
}

}  // namespace djc::lmdb
