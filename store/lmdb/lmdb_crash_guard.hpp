// LMDB trusts the pages of data.mdb: a damaged page can make it dereference a wild
// pointer (SIGSEGV), touch a page past a file cut short by someone else (SIGBUS) or
// fail one of its internal assertions (abort). While a store is open these end the
// process with a clear message naming the store and exit code 74, not a core dump.
#pragma once

#include <lmdb.h>

#include <string>

namespace djc::lmdb {

// Arms the guard for `env` (and the process's SIGSEGV/SIGBUS) with `where`
// ("store PATH") as the message's subject. Idempotent; the last store named wins.
void guard_against_damaged_pages(MDB_env* env, const std::string& where);

}  // namespace djc::lmdb
