// Validating the overflow page header of a large value (see lmdb_overflow_check.hpp).
// The header layout is LMDB 0.9's MDB_page, stable since 2012: page number (8
// bytes), pad (2), flags (2), page count (4), then the data.
#include "store/lmdb/lmdb_overflow_check.hpp"

#include <cstdint>
#include <cstring>

#include "core/error.hpp"

namespace djc::lmdb {
namespace {

constexpr std::size_t page_header_size = 16;  // PAGEHDRSZ
constexpr std::size_t node_header_size = 8;   // NODESIZE
constexpr std::uint16_t overflow_flag = 0x04;  // P_OVERFLOW

template <class T>
T read_at(const unsigned char* at) {
  T value;
  std::memcpy(&value, at, sizeof value);
  return value;
}

}  // namespace

void check_overflow_header(MDB_txn* txn, std::string_view value, const std::string& where,
                           std::string_view key) {
  MDB_stat stat{};
  if (mdb_env_stat(mdb_txn_env(txn), &stat) != 0 || stat.ms_psize <= page_header_size) return;
  const std::size_t page_size = stat.ms_psize;
  // LMDB moves a value to overflow pages when its node passes me_nodemax, a little
  // under half a page: past half a page it surely has, and its data starts right
  // after the first overflow page's header (in the map, or in a page this
  // transaction wrote, whose header LMDB set itself).
  if (node_header_size + key.size() + value.size() <= (page_size - page_header_size) / 2) return;
  const auto* header = reinterpret_cast<const unsigned char*>(value.data()) - page_header_size;
  const std::uint64_t pages_needed = (page_header_size - 1 + value.size()) / page_size + 1;
  if ((read_at<std::uint16_t>(header + 10) & overflow_flag) != 0 &&
      read_at<std::uint32_t>(header + 12) == pages_needed) {
    return;
  }
  throw Error(exit_code::io,
              where + ": the pages of entry " + std::string(key) + " are damaged; data.mdb is corrupt",
              "move the store away to start afresh (dj-cache export may save the other entries)");
}

}  // namespace djc::lmdb
