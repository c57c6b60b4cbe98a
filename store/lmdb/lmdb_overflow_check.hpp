// Before a record is deleted or replaced: LMDB frees a large value's overflow
// pages by the count in their first page's header, which it trusts. A damaged
// header (a count in the billions) makes the delete loop and grow for hours; this
// check refuses such a record first (Error 74) instead.
#pragma once

#include <lmdb.h>

#include <string>
#include <string_view>

namespace djc::lmdb {

// `value` of `key` as mdb_get returned it in `txn`. When it is large enough to lie
// on overflow pages, their header must say so: the overflow flag, and the page
// count the value's size needs. Smaller values (inline in a leaf page) pass.
void check_overflow_header(MDB_txn* txn, std::string_view value, const std::string& where,
                           std::string_view key);

}  // namespace djc::lmdb
